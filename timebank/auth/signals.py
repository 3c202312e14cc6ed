"""Signals of the auth domain: what signing in and resetting passwords announce.

Sent by the services after they flush, inside the caller's transaction; receivers (the
notifications domain texts the member) only flush too.
"""

from blinker import Namespace

_signals = Namespace()

reset_code_issued = _signals.signal(
    "auth.reset-code-issued",
    doc="""A member asked for a password reset code and one was made for them.

    Sender: the `Member`. Kwargs: `code` (the plain code, to be texted and never stored),
    `now`.""",
)
