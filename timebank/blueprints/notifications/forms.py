from wtforms import HiddenField

from ..forms_util import BaseForm


class NextForm(BaseForm):
    """A one-button action (the CSRF token only) that may say which page to go back to."""

    next = HiddenField()
