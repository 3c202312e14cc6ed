"""A unit code already in use is a conflict: 409 `code_taken` (SPEC §4), at the code field."""

import re

import pytest

from timebank.core.errors import Conflict
from timebank.units import services


def _new(tree, **overrides):
    body = {"code": "T-HG-C2", "name": "新社区", "level": "community", "parent_id": tree.town.id}
    return {**body, **overrides}


def test_post_with_a_taken_code_is_409(tree, people, api):
    response = api(people.admin).post("/units", json=_new(tree))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "code_taken"


def test_field_errors_come_before_the_conflict(tree, people, api):
    response = api(people.admin).post("/units", json=_new(tree, name="", level="grid"))
    assert response.status_code == 422  # the taken code is not the first thing to fix


def test_patch_to_a_taken_code_is_409_and_own_code_is_fine(tree, people, api):
    client = api(people.admin)
    response = client.patch(f"/units/{tree.community.id}", json={"code": "T-HG-C2"})
    assert response.status_code == 409 and response.json["error"]["code"] == "code_taken"
    assert client.patch(f"/units/{tree.community.id}", json={"code": "T-HG-C1"}).status_code == 200


def test_a_race_on_the_code_is_a_conflict_too(tree, people, monkeypatch):
    """Two admins adding the same code at once: the unique index decides, still a 409."""
    monkeypatch.setattr(services, "find_unit_by_code", lambda code: None)
    with pytest.raises(Conflict) as info:
        services.create_unit(people.admin, **_new(tree))
    assert info.value.code == "code_taken" and info.value.field == "code"
    with pytest.raises(Conflict):
        services.update_unit(people.admin, tree.community, code="T-HG-C2")


def _code_field_error(html: str) -> bool:
    field = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    return "is-invalid" in field


@pytest.mark.parametrize("page", ["new", "edit"])
def test_the_form_shows_it_at_the_code_field(tree, people, login, page):
    client = login(people.admin)
    if page == "new":
        response = client.post(f"/units/{tree.town.id}/new", data={"code": "T-HG-C2", "name": "x"})
    else:
        response = client.post(
            f"/units/{tree.community.id}/edit", data={"code": "T-HG-C2", "name": "x"}
        )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _code_field_error(html)
    assert "This code is already used." in html or "已被使用" in html
