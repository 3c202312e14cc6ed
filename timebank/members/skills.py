"""The skill tags members can declare and shifts and call-outs can require."""

from flask_babel import lazy_gettext as _l

SKILLS = {
    "medical": _l("Medical"),
    "driving": _l("Driving"),
    "cantonese": _l("Cantonese"),
    "english": _l("English"),
    "drone": _l("Drone"),
    "legal": _l("Legal"),
    "it": _l("IT"),
}


def normalise_skills(value, errors: list, field: str = "skills") -> list[str]:
    """A sorted list of known skill tags from a list (or comma-separated string)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",")]
    if not isinstance(value, (list, tuple, set)):
        errors.append((field, _l("Must be a list of skills.")))
        return []
    tags = {str(v).strip().lower() for v in value if str(v).strip()}
    unknown = sorted(tags - SKILLS.keys())
    if unknown:
        errors.append((field, _l("Unknown skills: %(names)s.", names=", ".join(unknown))))
    return sorted(tags & SKILLS.keys())


def skill_label(tag: str) -> str:
    return str(SKILLS.get(tag, tag))
