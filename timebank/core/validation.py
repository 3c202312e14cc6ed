"""Small field checks shared by services. Each returns a reason, or None when valid."""

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

# Hostile input (SPEC 3.7), refused at the edge for every field: the API's field types
# (blueprints/api/schemas/fields.py) and every HTML form (blueprints/forms_util.BaseForm).

#: NUL (PostgreSQL cannot store it in text) and lone UTF-16 surrogates (not encodable).
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
#: The calendar the app accepts: no shift, scan or record is dated outside it.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
#: The range of the database's integer columns (32 bits on PostgreSQL and in this schema).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

FORBIDDEN_TEXT = _l("Contains characters that are not allowed (NUL or an unpaired surrogate).")
DAY_OUT_OF_RANGE = _l(
    "Must be between %(low)s and %(high)s.", low=FIRST_DAY.isoformat(), high=LAST_DAY.isoformat()
)
INT_OUT_OF_RANGE = _l("Must be between %(low)s and %(high)s.", low=INT_MIN, high=INT_MAX)


def has_forbidden_text(value: str) -> bool:
    """Whether `value` holds NUL or a lone surrogate."""
    return _FORBIDDEN.search(value) is not None


def without_forbidden_text(value: str) -> str:
    """`value` with NUL and lone surrogates taken out (safe to show back to the user)."""
    return _FORBIDDEN.sub("", value)


def day_in_range(value: date) -> bool:
    """Whether a date (or a datetime's own wall-clock date) is inside the app's calendar."""
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


def required_text(value, max_len: int):
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        return None, _l("Must be text.")
    if not text:
        return None, _l("This field is required.")
    if has_forbidden_text(text):
        return None, FORBIDDEN_TEXT
    if len(text) > max_len:
        return None, _l("At most %(n)s characters.", n=max_len)
    return text, None


def optional_text(value, max_len: int):
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, _l("Must be text.")
    text = value.strip()
    if has_forbidden_text(text):
        return None, FORBIDDEN_TEXT
    if len(text) > max_len:
        return None, _l("At most %(n)s characters.", n=max_len)
    return (text or None), None


def coordinate(value, low: float, high: float):
    """A float in [low, high], or None when empty."""
    if value is None or value == "":
        return None, None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, _l("Must be a number.")
    if number != number or not low <= number <= high:  # NaN or out of range
        return None, _l("Must be between %(low)s and %(high)s.", low=low, high=high)
    return number, None


def lat_lon(lat, lon, errors: list, prefix: str = ""):
    """Validate a (lat, lon) pair into `errors`; both or neither must be given."""
    la, err = coordinate(lat, -90, 90)
    if err:
        errors.append((prefix + "lat", err))
    lo, err = coordinate(lon, -180, 180)
    if err:
        errors.append((prefix + "lon", err))
    if (la is None) != (lo is None) and not any(f.startswith(prefix) for f, _ in errors):
        missing = prefix + ("lat" if la is None else "lon")
        errors.append((missing, _l("Give both latitude and longitude, or neither.")))
    return la, lo
