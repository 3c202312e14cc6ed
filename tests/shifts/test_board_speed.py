"""The board's fast paths write exactly what the slower general ones wrote."""

from flask import session
from wtforms import Form, SelectField
from wtforms.widgets import Select

from timebank.blueprints.forms_util import SEARCHABLE, QuickSelect, options
from timebank.core.i18n import current_locale


class _Both(Form):
    quick = SelectField("C", coerce=int, choices=[], widget=QuickSelect(), render_kw=SEARCHABLE)
    plain = SelectField("C", coerce=int, choices=[], widget=Select(), render_kw=SEARCHABLE)


def test_the_quick_select_writes_what_wtforms_writes():
    form = _Both(data={"quick": 2, "plain": 2})
    choices = options([(1, 'a "quoted" <b>')], optgroup="Town & co") + options(
        [(2, "二"), (3, "三")], optgroup="Other"
    )
    form.quick.choices = form.plain.choices = choices
    quick, plain = str(form.quick()), str(form.plain())
    assert quick == plain.replace('id="plain" name="plain"', 'id="quick" name="quick"')
    assert "selected" in quick


def test_the_active_language_is_still_named_by_its_key(app):
    with app.test_request_context("/"):
        assert current_locale() == "zh_CN"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert current_locale() == "en"
