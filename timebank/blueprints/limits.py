"""Rate limits on signing in, registering and resetting passwords (SPEC 3.10).

Each limit is counted twice: by the client's address (Flask-Limiter's default key; behind
a proxy set PROXY_FIX so that this is the real client) and by the normalised phone number,
so `+86 138 0000 0001`, `0086…` and `13800000001` are one counter. Every counter is
shared by the page and the API (one budget, not one per door).

What counts: only attempts refused for a wrong password (sign-in) or a taken phone
(registration), and wrong codes (reset) — a view calls `count_refusal()` and the limit's
`deduct_when` deducts after the response. A form sent back for a typo costs nothing, so
ten newcomers behind one Wi-Fi do not lock each other out. Asking for a reset code counts
every time: each may send an SMS.
"""

from flask import g, request

from ..core.privacy import normalise_phone
from ..extensions import limiter

SIGN_IN_BY_ADDRESS = "20 per minute"
SIGN_IN_BY_PHONE = "10 per minute"
REGISTER_BY_ADDRESS = "10 per hour"
REGISTER_BY_PHONE = "5 per hour"
RESET_CODES_BY_ADDRESS = "20 per hour"
RESET_CODES_BY_PHONE = "5 per hour"
RESET_BY_ADDRESS = "20 per hour"
RESET_BY_PHONE = "10 per hour"
PHONE_KEY_MAX = 40


def request_phone() -> str:
    """The phone of this request's form or JSON body, normalised when it is a valid number
    (else with spaces squeezed, so the key is still stable); "-" when there is none."""
    phone = request.form.get("phone")
    if phone is None:
        body = request.get_json(silent=True)
        phone = body.get("phone") if isinstance(body, dict) else None
    if not isinstance(phone, str):
        return "-"
    number, _err = normalise_phone(phone)
    return number or " ".join(phone.split())[:PHONE_KEY_MAX] or "-"


def count_refusal() -> None:
    """Make this request count against its deduct-when limits."""
    g.limit_refused = True


def count_refusal_of(exc) -> None:
    """Count a registration refused because the phone is taken (not one with a typo)."""
    if getattr(exc, "code", None) == "phone_taken":
        count_refusal()


def refused(response) -> bool:
    """deduct_when: whether the view said the attempt was refused."""
    return bool(g.get("limit_refused"))


def _by_address(limit: str, scope: str, *, counted: bool = True):
    return limiter.shared_limit(
        limit, scope=scope, methods=["POST"], deduct_when=refused if counted else None
    )


def _by_phone(limit: str, scope: str, *, counted: bool = True):
    return limiter.shared_limit(
        limit,
        scope=scope,
        key_func=request_phone,
        methods=["POST"],
        deduct_when=refused if counted else None,
    )


def sign_in_limits(view):
    """Limits of the page and API ways of signing in."""
    view = _by_phone(SIGN_IN_BY_PHONE, "sign-in-phone")(view)
    return _by_address(SIGN_IN_BY_ADDRESS, "sign-in-address")(view)


def register_limits(view):
    """Limits of the page and API ways of registering."""
    view = _by_phone(REGISTER_BY_PHONE, "register-phone")(view)
    return _by_address(REGISTER_BY_ADDRESS, "register-address")(view)


def reset_code_limits(view):
    """Limits on asking for a reset code: every request counts (each may send an SMS)."""
    view = _by_phone(RESET_CODES_BY_PHONE, "reset-code-phone", counted=False)(view)
    return _by_address(RESET_CODES_BY_ADDRESS, "reset-code-address", counted=False)(view)


def reset_limits(view):
    """Limits on using a reset code: wrong codes count."""
    view = _by_phone(RESET_BY_PHONE, "reset-phone")(view)
    return _by_address(RESET_BY_ADDRESS, "reset-address")(view)


REPORT_BY_ADDRESS = "10 per hour"
REPORT_BY_PHONE = "5 per hour"
FOLLOW_BY_ADDRESS = "30 per hour"
FOLLOW_BY_NUMBER = "10 per hour"


def made(response) -> bool:
    """deduct_when: the report was taken (the page redirects to its tracking number)."""
    return response.status_code == 302


def _by_number() -> str:
    return str((request.view_args or {}).get("number", "-"))[:PHONE_KEY_MAX]


def report_limits(view):
    """Limits on residents' reports: every report taken counts, by address and by phone
    (a form sent back for a typo does not)."""
    view = limiter.shared_limit(
        REPORT_BY_PHONE,
        scope="report-phone",
        key_func=request_phone,
        methods=["POST"],
        deduct_when=made,
    )(view)
    return limiter.shared_limit(
        REPORT_BY_ADDRESS, scope="report-address", methods=["POST"], deduct_when=made
    )(view)


def follow_limits(view):
    """Limits on following an event: wrong digits or an unknown number count, by address
    and by tracking number (four digits are not to be guessed)."""
    view = limiter.shared_limit(
        FOLLOW_BY_NUMBER,
        scope="follow-number",
        key_func=_by_number,
        methods=["POST"],
        deduct_when=refused,
    )(view)
    return _by_address(FOLLOW_BY_ADDRESS, "follow-address")(view)
