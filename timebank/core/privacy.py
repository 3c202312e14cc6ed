"""Phone numbers and names as others may see them (SPEC 3.6)."""

import re

from flask_babel import lazy_gettext as _l

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(value) -> tuple[str | None, object]:
    """A mainland mobile number as 11 digits, or (None, reason)."""
    if not isinstance(value, str):
        return None, _l("Enter a mobile phone number.")
    digits = re.sub(r"[\s\-()]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not PHONE_RE.match(digits):
        return None, _l("Enter an 11-digit mobile number, e.g. 13812345678.")
    return digits, None


def mask_phone(phone: str) -> str:
    """138****1234."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_name(name: str) -> str:
    """王*明 for 王小明, 王* for 王明; Latin names keep their first and last letter."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
