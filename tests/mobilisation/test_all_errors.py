"""Every bad field of a call-out in one answer (SPEC 3.7), page and API."""

import sqlalchemy as sa

from timebank.mobilisation.models import Callout

from .test_api import _body
from .test_views import _form, _invalid


def test_callout_page_shows_form_and_rule_errors_together(tree, people, login, db):
    data = _form(tree.town, title="", needed="0", respond_within_min="abc")
    html = login(people.organiser).post("/callouts/new", data=data).get_data(as_text=True)
    # title and the answer time are refused by the form, the head-count by the service
    assert _invalid(html, "title") and _invalid(html, "respond_within_min")
    assert _invalid(html, "needed")
    assert db.session.scalars(sa.select(Callout)).first() is None


def test_callout_api_reports_schema_and_rule_errors_together(tree, people, api, db):
    body = _body(tree, title="T" * 121, kind="party", needed=0, radius_km=-1)
    response = api(people.organiser).post("/callouts", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"title", "kind", "needed", "radius_km"}
    assert db.session.scalars(sa.select(Callout)).first() is None
