"""Checks of a member's fields, shared by registration, profile edits and the CSV import.

Each check appends `(field, reason)` pairs to `errors` and returns the cleaned value.
"""

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..core.validation import lat_lon, optional_text, required_text
from ..extensions import db
from ..units.models import Level, Unit
from .skills import normalise_skills

LOCALES = ("zh_CN", "en")


def check_community(errors, community_id, field="community_id") -> Unit | None:
    """The community with this id, or None (and an error) for anything else."""
    unit = _unit(community_id)
    if unit is None or unit.level != Level.COMMUNITY:
        errors.append((field, _l("Choose a community.")))
        return None
    return unit


def _unit(unit_id) -> Unit | None:
    try:
        return db.session.get(Unit, int(unit_id)) if unit_id not in (None, "") else None
    except (TypeError, ValueError):
        return None


def check_grid(errors, grid_id, community: Unit | None) -> Unit | None:
    """A grid of `community`, or None when none is chosen."""
    if grid_id in (None, "", 0):
        return None
    unit = _unit(grid_id)
    if (
        unit is None
        or unit.level != Level.GRID
        or (community is not None and unit.parent_id != community.id)
    ):
        errors.append(("grid_id", _l("Choose a grid of your community.")))
        return None
    return unit


def check_profile_fields(errors, *, name, skills, home_lat, home_lon, workplace, locale):
    """Name, skills, home location, workplace and language: cleaned, in that order."""
    name, err = required_text(name, 60)
    if err:
        errors.append(("name", err))
    skills = normalise_skills(skills, errors)
    home_lat, home_lon = lat_lon(home_lat, home_lon, errors, prefix="home_")
    workplace, err = optional_text(workplace, 120)
    if err:
        errors.append(("workplace", err))
    if locale not in LOCALES:
        errors.append(("locale", _l("Unknown language.")))
    return name, skills, home_lat, home_lon, workplace


def check_party_flag(errors, value) -> bool:
    """Whether a party member: true or false, nothing else."""
    if not isinstance(value, bool):
        errors.append(("is_party_member", _l("Must be true or false.")))
    return bool(value)


def check_email(errors, value) -> str | None:
    """An e-mail address in normal form (ASCII, domain lower-cased), or None when empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(("email", _l("Must be text.")))
        return None
    value = value.strip()
    if not value:
        return None
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        errors.append(("email", _l("Enter a valid e-mail address, e.g. name@example.com.")))
        return None
    address = result.ascii_email or result.normalized
    if len(address) > 255:
        errors.append(("email", _l("At most %(n)s characters.", n=255)))
        return None
    return address
