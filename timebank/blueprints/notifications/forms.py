from flask_wtf import FlaskForm
from wtforms import HiddenField


class NextForm(FlaskForm):
    """A one-button action (the CSRF token only) that may say which page to go back to."""

    next = HiddenField()
