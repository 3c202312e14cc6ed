"""Field checks of the dispatch platform: each returns (value, reason or None).

Text that a database cannot store (NUL characters, lone surrogates) is refused here, at
the field, so that bad input is a 422 and never a 500, whichever adapter sent it.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..core.validation import optional_text, required_text


def _unstorable(text: str | None):
    if text is None:
        return None
    if "\x00" in text:
        return _l("Must not contain NUL characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _l("Must be valid Unicode text.")
    return None


def text(value, max_len: int, *, required: bool = True):
    """Stripped text of at most `max_len` characters (None when optional and empty)."""
    clean, err = (required_text if required else optional_text)(value, max_len)
    if err is None:
        err = _unstorable(clean)
    return (None, err) if err else (clean, None)


def whole_number(value, low: int, high: int, *, required: bool = True):
    """An int in [low, high] (booleans and floats refused)."""
    if value is None:
        return None, (_l("This field is required.") if required else None)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, _l("Give a whole number.")
    if not low <= value <= high:
        return None, _l("Must be between %(low)s and %(high)s.", low=low, high=high)
    return value, None


def choice(value, options, *, default=None):
    """One of `options` (the default when None)."""
    if value is None:
        return default, None
    if value not in options:
        return None, _l("Choose one of: %(options)s.", options=", ".join(options))
    return value, None


def aware(value, *, required: bool = False):
    """A timezone-aware datetime."""
    if value is None:
        return None, (_l("This field is required.") if required else None)
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None, _l("Give a date and time with its offset.")
    return value, None
