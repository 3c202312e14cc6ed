"""API: the exchange — offers, redemptions, transfers to family, the balance's breakdown."""

from functools import wraps

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...core.clock import utcnow
from ...core.settings import setting
from ...exchange import offers, queries, redemptions, transfers
from ...extensions import db
from ...units.queries import get_unit
from .access import auth_required
from .schemas.exchange import (
    BreakdownSchema,
    MinuteTransferInput,
    MinuteTransferSchema,
    OfferInput,
    OfferListArgs,
    OfferListSchema,
    OfferPatchInput,
    OfferSchema,
    RedeemedSchema,
    RedemptionListSchema,
    RedemptionReverseInput,
    RedemptionSchema,
)

bp = Blueprint(
    "api_exchange",
    __name__,
    url_prefix="/api/v1",
    description="The exchange of stored hours (存时间、取服务): offers, redemptions, transfers.",
)


@bp.route("/offers", methods=["POST"])
@auth_required(bp, 400, 403, 404, 422, role=Role.COORDINATOR)
@bp.arguments(OfferInput)
@bp.response(201, OfferSchema)
def create_offer(data):
    """Publish an offer of a community (coordinators in scope): price in minutes, stock."""
    community_id = data.pop("community_id")
    community = get_unit(community_id) if community_id is not None else None
    offer = offers.create_offer(g.actor, community, **_offer_fields(data))
    db.session.commit()
    return offer


def _offer_fields(data: dict) -> dict:
    return {
        "title": data.get("title"),
        "description": data.get("description"),
        "price_minutes": data.get("minutes"),
        "stock": data.get("stock"),
        "until_at": data.get("until_at"),
        "refused": data["refused"],
    }


def _offer_in_reach(fn):
    """Load the URL's offer and check the caller coordinates its community before the
    body is parsed (rights before fields: 404/403 come before 422)."""

    @wraps(fn)
    def wrapper(*args, offer_id, **kwargs):
        offer = queries.get_offer(offer_id)
        ensure_role(g.actor, Role.COORDINATOR, offer.community)
        return fn(*args, offer=offer, **kwargs)

    return wrapper


#: The API's names of an offer's fields, as the service calls them.
_SERVICE_NAMES = {"minutes": "price_minutes"}


@bp.route("/offers/<int:offer_id>", methods=["PATCH"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_offer_in_reach
@bp.arguments(OfferPatchInput)
@bp.response(200, OfferSchema)
def update_offer(data, offer):
    """Edit an offer (coordinators of its community): only the fields sent change. The
    next redemption pays the new price. 409 `offer_withdrawn` once withdrawn."""
    refused = data.pop("refused")
    changes = {_SERVICE_NAMES.get(k, k): v for k, v in data.items()}
    offers.update_offer(g.actor, offer, changes, refused=refused)
    db.session.commit()
    return offer


@bp.route("/offers/<int:offer_id>/withdraw", methods=["POST"])
@auth_required(bp, 403, 404, 409, role=Role.COORDINATOR)
@_offer_in_reach
@bp.response(200, OfferSchema)
def withdraw_offer(offer):
    """Withdraw an offer (coordinators of its community): no longer listed or redeemable
    (409 `offer_withdrawn`); redemptions waiting to be handed over stay."""
    offers.withdraw_offer(g.actor, offer)
    db.session.commit()
    return offer


@bp.route("/offers", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(OfferListArgs, location="query")
@bp.response(200, OfferListSchema)
def list_offers(args):
    """A community's open offers."""
    return {"items": queries.community_offers(args["community_id"], now=utcnow())}


@bp.route("/offers/<int:offer_id>/redeem", methods=["POST"])
@auth_required(bp, 403, 404, 409, 422)
@bp.response(201, RedeemedSchema)
def redeem(offer_id):
    """Redeem one (active members of the community) at its current price: 201 the
    `redemption` entry; 409 `out_of_stock` / `offer_withdrawn` / `offer_ended`; 422
    `insufficient_balance`. A refusal changes nothing."""
    offer = queries.get_offer(offer_id)
    redemption = redemptions.redeem(g.actor, offer)
    db.session.commit()
    entry = redemption_entry(redemption)
    return {**entry, "redemption_id": redemption.id, "stock_left": offer.stock}


def redemption_entry(redemption) -> dict:
    entry = redemption.entry
    names = ("id", "member_id", "kind", "minutes", "reason", "created_at", "entry_hash")
    return {n: getattr(entry, n) for n in names}


@bp.route("/redemptions/mine", methods=["GET"])
@auth_required(bp)
@bp.response(200, RedemptionListSchema)
def my_redemptions():
    """The caller's redemptions, newest first."""
    return {"items": queries.member_redemptions(g.actor.id)}


@bp.route("/redemptions/<int:redemption_id>/hand-over", methods=["POST"])
@auth_required(bp, 403, 404, 409, role=Role.COORDINATOR)
@bp.response(200, RedemptionSchema)
def hand_over(redemption_id):
    """Mark a redemption handed over (coordinators of the offer's community)."""
    redemption = queries.get_redemption(redemption_id)
    redemptions.hand_over(g.actor, redemption)
    db.session.commit()
    return redemption


@bp.route("/redemptions/<int:redemption_id>/reverse", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(RedemptionReverseInput)
@bp.response(200, RedemptionSchema)
def reverse(data, redemption_id):
    """Reverse a redemption with a reason: the minutes and the stock come back."""
    redemption = queries.get_redemption(redemption_id)
    redemptions.reverse(g.actor, redemption, reason=data["reason"], refused=data["refused"])
    db.session.commit()
    return redemption


@bp.route("/ledger/transfers", methods=["POST"])
@auth_required(bp, 400, 403, 422)
@bp.arguments(MinuteTransferInput)
@bp.response(201, MinuteTransferSchema)
def transfer(data):
    """Give minutes to a family member, with a reason: a `transfer` pair of entries;
    422 `insufficient_balance` / `transfer_cap` (TRANSFER_MAX_MIN_YEAR a year)."""
    row = transfers.transfer(g.actor, **data)
    db.session.commit()
    return row


@bp.route("/members/me/balance", methods=["GET"])
@auth_required(bp)
@bp.response(200, BreakdownSchema)
def my_balance():
    """The caller's balance: earned, used, given and received."""
    b = queries.breakdown(g.actor.id)
    return {
        **vars(b),
        "balance": b.balance,
        "given_this_year_minutes": transfers.given_this_year(g.actor.id, utcnow()),
        "transfer_cap_minutes": setting("TRANSFER_MAX_MIN_YEAR"),
    }
