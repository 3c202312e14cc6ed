"""Publishing a community's offers (爱心超市: services and goods priced in minutes)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.errors import check
from ..core.validation import optional_text, required_text
from ..extensions import db
from ..units.models import Level, Unit
from .models import Offer

#: The dearest offer: a hundred days of service.
MAX_PRICE = 100 * 24 * 60
MAX_STOCK = 100_000


def _whole(errors, field, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append((field, _l("Give a whole number.")))
        return None
    if not low <= value <= high:
        errors.append((field, _l("Between %(low)s and %(high)s.", low=low, high=high)))
        return None
    return value


def _fields(errors, *, title, description, price_minutes, stock, until_at, now):
    title, err = required_text(title, 200)
    if err:
        errors.append(("title", err))
    description, err = optional_text(description, 2000)
    if err:
        errors.append(("description", err))
    price = _whole(errors, "minutes", price_minutes, 1, MAX_PRICE)
    stock = _whole(errors, "stock", stock, 0, MAX_STOCK)
    if until_at is not None and (not isinstance(until_at, datetime) or until_at <= now):
        errors.append(("until", _l("Give a time in the future.")))
    return title, description or "", price, stock


def create_offer(
    actor,
    community: Unit,
    *,
    title,
    price_minutes,
    stock,
    description=None,
    until_at=None,
    now: datetime | None = None,
    refused=(),
) -> Offer:
    """Publish an offer of the community (coordinators in scope). Audited."""
    ensure_role(actor, Role.COORDINATOR, community)
    now = now or utcnow()
    errors = []
    if community.level != Level.COMMUNITY:
        errors.append(("community_id", _l("Choose a community.")))
    title, description, price, stock = _fields(
        errors,
        title=title,
        description=description,
        price_minutes=price_minutes,
        stock=stock,
        until_at=until_at,
        now=now,
    )
    check(errors, refused)
    offer = Offer(
        community_id=community.id,
        title=title,
        description=description,
        price_minutes=price,
        stock=stock,
        until_at=until_at,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(offer)
    db.session.flush()
    record(actor, "offer.create", offer, unit_id=community.id, now=now, details={"title": title})
    return offer
