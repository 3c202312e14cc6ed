from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DecimalField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms_util import BaseForm


class UnitForm(BaseForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=120)])
    lat = DecimalField(
        _l("Centre latitude"),
        places=None,
        validators=[Optional(), NumberRange(-90, 90)],
        render_kw={"inputmode": "decimal", "step": "any"},
    )
    lon = DecimalField(
        _l("Centre longitude"),
        places=None,
        validators=[Optional(), NumberRange(-180, 180)],
        render_kw={"inputmode": "decimal", "step": "any"},
    )
    submit = SubmitField(_l("Save"))


class ImportForm(BaseForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))],
    )
    submit = SubmitField(_l("Import"))
