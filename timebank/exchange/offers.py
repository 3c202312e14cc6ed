"""Publishing a community's offers (爱心超市: services and goods priced in minutes)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, check
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
    community: Unit | None,
    *,
    title,
    price_minutes,
    stock,
    description=None,
    until_at=None,
    now: datetime | None = None,
    refused=(),
) -> Offer:
    """Publish an offer of the community (coordinators in scope). Audited. Without a
    community (the API's field missing) only the fields are reported."""
    if community is None:
        ensure_role(actor, Role.COORDINATOR)
        check([("community_id", _l("Choose a community."))], refused)
    ensure_role(actor, Role.COORDINATOR, community)
    now = now or utcnow()
    errors = []
    if community is None or community.level != Level.COMMUNITY:
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


#: What PATCH may change, by the service's names (the community is not one of them).
EDITABLE = ("title", "description", "price_minutes", "stock", "until_at")
WITHDRAWN = _l("This offer has been withdrawn.")


def _changed_fields(changes: dict, now: datetime) -> tuple[list, dict]:
    """Check only the fields sent; (errors, clean values of those fields)."""
    errors: list = []
    clean: dict = {}
    if "title" in changes:
        clean["title"], err = required_text(changes["title"], 200)
        if err:
            errors.append(("title", err))
    if "description" in changes:
        description, err = optional_text(changes["description"], 2000)
        clean["description"] = description or ""
        if err:
            errors.append(("description", err))
    if "price_minutes" in changes:
        clean["price_minutes"] = _whole(errors, "minutes", changes["price_minutes"], 1, MAX_PRICE)
    if "stock" in changes:
        clean["stock"] = _whole(errors, "stock", changes["stock"], 0, MAX_STOCK)
    if "until_at" in changes:
        until = changes["until_at"]
        if until is not None and (not isinstance(until, datetime) or until <= now):
            errors.append(("until", _l("Give a time in the future.")))
        clean["until_at"] = until
    return errors, clean


def update_offer(actor, offer: Offer, changes: dict, *, now: datetime | None = None, refused=()):
    """Change only the fields in `changes` (coordinators of the offer's community); 409
    `offer_withdrawn` once withdrawn. Redemptions made before keep the price they paid;
    the next one pays the new price. Audited with the fields changed."""
    ensure_role(actor, Role.COORDINATOR, offer.community)
    now = now or utcnow()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    errors, clean = _changed_fields(changes, now)
    check(errors, refused)
    if clean:
        done = db.session.execute(
            sa.update(Offer)
            .where(Offer.id == offer.id, Offer.withdrawn_at.is_(None))
            .values(**clean)
            .execution_options(synchronize_session=False)
        )
        missed = done.rowcount != 1
    else:
        missed = db.session.scalar(sa.select(Offer.withdrawn_at).where(Offer.id == offer.id))
    if missed:
        raise Conflict("offer_withdrawn", WITHDRAWN)
    db.session.refresh(offer)
    if clean:
        details = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in clean.items()}
        record(actor, "offer.update", offer, unit_id=offer.community_id, now=now, details=details)
    return offer


def withdraw_offer(actor, offer: Offer, *, now: datetime | None = None) -> Offer:
    """Withdraw an offer (coordinators of its community): no longer listed or redeemable;
    redemptions waiting to be handed over stay (the coordinator hands them over or reverses
    them). 409 `offer_withdrawn` the second time. Audited."""
    ensure_role(actor, Role.COORDINATOR, offer.community)
    now = now or utcnow()
    done = db.session.execute(
        sa.update(Offer)
        .where(Offer.id == offer.id, Offer.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict("offer_withdrawn", WITHDRAWN)
    db.session.refresh(offer)
    record(actor, "offer.withdraw", offer, unit_id=offer.community_id, now=now)
    return offer
