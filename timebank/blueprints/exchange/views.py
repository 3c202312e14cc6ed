"""Exchange pages: a community's offers, my redemptions, giving minutes, the hand-over queue."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role, has_role
from ...core.clock import utcnow
from ...core.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from ...core.settings import setting
from ...exchange import offers, queries, redemptions, transfers
from ...extensions import db
from ...members.models import Member
from ..forms_util import apply_errors, perform, submitted
from . import bp
from .forms import EmptyForm, OfferForm, ReasonForm, TransferForm

REFUSED = (Conflict, RuleViolation, ValidationFailed)


@bp.route("/exchange", methods=["GET", "POST"], endpoint="offers")
@login_required
def offers_page():
    """My community's offers; coordinators publish new ones here."""
    community = current_user.community
    form = OfferForm() if has_role(current_user, Role.COORDINATOR, community) else None
    refused = submitted(form) if form is not None else None
    if refused is not None:
        try:
            offers.create_offer(
                current_user,
                community,
                title=form.title.data,
                description=form.description.data,
                price_minutes=form.minutes.data,
                stock=form.stock.data,
                refused=refused,
            )
        except (ValidationFailed, RuleViolation) as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The offer is published."), "success")
            return redirect(url_for("exchange.offers"))
    return render_template(
        "exchange/offers.html",
        community=community,
        items=queries.community_offers(community.id, now=utcnow()),
        breakdown=queries.breakdown(current_user.id),
        form=form,
        redeem_form=EmptyForm(),
        may_withdraw=form is not None,
    )


@bp.route("/exchange/offers/<int:offer_id>/redeem", methods=["POST"])
@login_required
def redeem(offer_id):
    """Redeem one of an offer."""
    offer = queries.get_offer(offer_id)
    submitted(EmptyForm())
    try:
        redemptions.redeem(current_user, offer)
    except REFUSED as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for("exchange.offers"))
    db.session.commit()
    flash(_("Redeemed: %(title)s.", title=offer.title), "success")
    return redirect(url_for("exchange.mine"))


@bp.route("/exchange/offers/<int:offer_id>/withdraw", methods=["POST"])
@login_required
def withdraw(offer_id):
    """Withdraw an offer (coordinators of its community)."""
    offer = queries.get_offer(offer_id)
    submitted(EmptyForm())
    perform(
        lambda: offers.withdraw_offer(current_user, offer),
        _("Withdrawn: %(title)s.", title=offer.title),
    )
    return redirect(url_for("exchange.offers"))


@bp.route("/exchange/mine")
@login_required
def mine():
    """My redemptions and transfers, with where my balance came from."""
    return render_template(
        "exchange/mine.html",
        redemptions=queries.member_redemptions(current_user.id),
        transfers=queries.member_transfers(current_user.id),
        breakdown=queries.breakdown(current_user.id),
    )


@bp.route("/exchange/give", methods=["GET", "POST"])
@login_required
def transfer():
    """Give minutes to a family member: fill in, confirm, done."""
    form = TransferForm()
    refused = submitted(form)
    recipient = None
    if refused is not None and not refused and form.confirmed.data != "yes":
        recipient = db.session.get(Member, form.to_member_id.data)
        if recipient is not None:
            form.confirmed.data = "yes"
            return render_template("exchange/confirm.html", form=form, recipient=recipient)
    if refused is not None:
        try:
            transfers.transfer(
                current_user,
                to_member_id=form.to_member_id.data,
                minutes=form.minutes.data,
                reason=form.reason.data,
                refused=refused,
            )
        except (ValidationFailed, RuleViolation, NotAllowed) as exc:
            form.confirmed.data = ""
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(n)s minutes given.", n=form.minutes.data), "success")
            return redirect(url_for("exchange.mine"))
    return render_template(
        "exchange/give.html",
        form=form,
        breakdown=queries.breakdown(current_user.id),
        given=transfers.given_this_year(current_user.id, utcnow()),
        cap=setting("TRANSFER_MAX_MIN_YEAR"),
    )


@bp.route("/exchange/queue")
@login_required
def queue():
    """Redemptions waiting to be handed over in my scope (coordinators)."""
    ensure_role(current_user, Role.COORDINATOR)
    return render_template(
        "exchange/queue.html",
        items=queries.open_redemptions(current_user),
        form=EmptyForm(),
        reason_form=ReasonForm(),
    )


@bp.route(
    "/exchange/redemptions/<int:redemption_id>/hand-over",
    methods=["POST"],
    defaults={"action": "hand-over"},
)
@bp.route(
    "/exchange/redemptions/<int:redemption_id>/reverse",
    methods=["POST"],
    defaults={"action": "reverse"},
)
@login_required
def decide(redemption_id, action):
    """Hand over, or reverse with a reason."""
    redemption = queries.get_redemption(redemption_id)
    submitted(EmptyForm())
    try:
        if action == "hand-over":
            redemptions.hand_over(current_user, redemption)
        else:
            redemptions.reverse(current_user, redemption, reason=request.form.get("reason"))
    except (Conflict, ValidationFailed) as exc:
        flash(
            str(exc.message) if not isinstance(exc, ValidationFailed) else _("Give a reason."),
            "danger",
        )
    else:
        db.session.commit()
        flash(_("Done."), "success")
    return redirect(url_for("exchange.queue"))
