"""The negative lists (负面清单): items per field and target, with points and, where the
record can judge, an automatic indicator and its threshold (SPEC 7)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import has_role
from ..core.errors import Conflict, NotAllowed, check
from ..dispatch.validation import choice, text, whole_number
from ..extensions import db
from .models import ALL_INDICATORS, FIELDS, TARGET_INDICATORS, TARGETS, ChecklistItem

#: Indicators measured as a rate (0–1); the others count minutes or occasions.
RATE_INDICATORS = {"callout_response_rate_below"}


def _take(errors: list, name: str, result):
    value, err = result
    if err:
        errors.append((name, err))
    return value


def _required_choice(errors: list, name: str, value, options):
    if value is None:
        errors.append((name, _l("This field is required.")))
        return None
    return _take(errors, name, choice(value, options))


def _threshold(errors: list, indicator, threshold):
    """The threshold an indicator needs: a rate in 0–1, or a whole count/minutes ≥ 0."""
    if indicator is None:
        if threshold is not None:
            errors.append(("threshold", _l("A threshold needs an indicator.")))
        return None
    if threshold is None:
        errors.append(("threshold", _l("An indicator needs a threshold.")))
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        errors.append(("threshold", _l("Give a number.")))
        return None
    high = 1 if indicator in RATE_INDICATORS else 1_000_000
    if not 0 <= threshold <= high:
        errors.append(("threshold", _l("Must be between %(low)s and %(high)s.", low=0, high=high)))
        return None
    return float(threshold)


def _indicator(errors: list, target, value):
    """An indicator of the item's target: a member's on a member item, an organisation's
    on an organisation item (the one measure both have, the response rate, on either)."""
    return _take(errors, "indicator", choice(value, TARGET_INDICATORS.get(target, ALL_INDICATORS)))


def create_item(actor, *, now: datetime, refused=(), **fields) -> ChecklistItem:
    """Admins and organisers add an item. 409 `code_taken` (per field and target)."""
    if not has_role(actor, Role.ORGANISER):
        raise NotAllowed()
    errors: list = []
    field = _required_choice(errors, "field", fields.get("field"), FIELDS)
    target = _required_choice(errors, "target", fields.get("target"), TARGETS)
    code = _take(errors, "code", text(fields.get("code"), 40))
    words = _take(errors, "text", text(fields.get("text"), 500))
    points = _take(errors, "points", whole_number(fields.get("points"), 1, 20))
    indicator = _indicator(errors, target, fields.get("indicator"))
    threshold = _threshold(errors, indicator, fields.get("threshold"))
    check(errors, refused)
    if find_item(field, target, code) is not None:
        raise Conflict("code_taken", _l("This code is taken."), field="code")
    item = ChecklistItem(
        field=field,
        target=target,
        code=code,
        text=words,
        points=points,
        indicator=indicator,
        threshold=threshold,
        created_at=now,
    )
    db.session.add(item)
    db.session.flush()
    record(actor, "checklist_item.create", item, now=now, details={"code": code})
    return item


def find_item(field: str, target: str, code: str) -> ChecklistItem | None:
    return db.session.scalar(
        sa.select(ChecklistItem).where(
            ChecklistItem.field == field,
            ChecklistItem.target == target,
            ChecklistItem.code == code,
        )
    )


def list_items(field: str | None = None, target: str | None = None) -> list[ChecklistItem]:
    """The items, by field, target and code."""
    q = sa.select(ChecklistItem).order_by(
        ChecklistItem.field, ChecklistItem.target, ChecklistItem.code
    )
    if field:
        q = q.where(ChecklistItem.field == field)
    if target:
        q = q.where(ChecklistItem.target == target)
    return list(db.session.scalars(q))
