"""What the auth domain tells members, word for word (data only: see core.notices).

Placeholders: `code` (a password reset code).
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice

#: Texted only, never put in the inbox: the member cannot sign in to read it.
RESET_CODE = Notice(
    "reset_code",
    _l("Password reset"),
    _l(
        "Your code to set a new password is %(code)s. It is valid for 10 minutes. "
        "Do not give it to anyone, not even staff."
    ),
    sms=True,
)
