"""Small field checks shared by services. Each returns a reason, or None when valid."""

from flask_babel import lazy_gettext as _l


def required_text(value, max_len: int):
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        return None, _l("Must be text.")
    if not text:
        return None, _l("This field is required.")
    if len(text) > max_len:
        return None, _l("At most %(n)s characters.", n=max_len)
    return text, None


def optional_text(value, max_len: int):
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, _l("Must be text.")
    text = value.strip()
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
