"""Demo data of certificates and the exchange (SPEC 8): three offers of the 爱心超市 in
every community, four certificates of the demo community's members (one revoked), and
one redemption waiting to be handed over.

The offers are one INSERT; the certificates and the redemption go through the services
(signed, audited, in the hash chain), so the demo shows them as the app makes them.
"""

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..certificates import services as certificates
from ..certificates.records import SERVICE_KINDS
from ..core.clock import local, utcnow
from ..exchange import redemptions
from ..exchange.models import Offer
from ..extensions import db
from ..ledger.models import LedgerEntry
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit

DEMO_COMMUNITY = "NS-HG-C01"
DEMO_COORDINATOR = "13800000004"
DEMO_VOLUNTEER = "13800000006"
DEMO_ADMIN = "13800000001"
#: (title, price in minutes, stock): what a community's 爱心超市 offers for stored hours.
OFFERS = [
    ("理发一次", 30, 20),
    ("大米一袋（5 公斤）", 120, 10),
    ("上门维修小家电一次", 60, 5),
    ("食用油一桶", 90, 8),
    ("陪诊半天", 180, 3),
    ("儿童图书一本", 20, 30),
]
OFFERS_PER_COMMUNITY = 3
CERTIFICATES = 4


def seed_exchange(rng: random.Random, now: datetime | None = None) -> None:
    """Offers everywhere, then certificates and a pending redemption in the demo community."""
    now = now or utcnow()
    accounts = dict(
        db.session.execute(
            sa.select(Member.phone, Member).where(
                Member.phone.in_([DEMO_COORDINATOR, DEMO_VOLUNTEER, DEMO_ADMIN])
            )
        ).all()
    )
    community = db.session.scalar(sa.select(Unit).where(Unit.code == DEMO_COMMUNITY))
    if community is None or len(accounts) < 3:
        return
    _seed_offers(rng, accounts[DEMO_ADMIN].id, accounts[DEMO_COORDINATOR].id, community.id, now)
    _seed_certificates(accounts[DEMO_COORDINATOR], community, now)
    _seed_redemption(accounts[DEMO_VOLUNTEER], community, now)


def _seed_offers(rng, admin_id: int, coordinator_id: int, demo_id: int, now) -> None:
    rows = []
    for (unit_id,) in db.session.execute(
        sa.select(Unit.id).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
    ):
        for title, price, stock in rng.sample(OFFERS, OFFERS_PER_COMMUNITY):
            rows.append(
                {
                    "community_id": unit_id,
                    "title": title,
                    "description": "",
                    "price_minutes": price,
                    "stock": stock,
                    "until_at": now + timedelta(days=60),
                    "created_by_id": coordinator_id if unit_id == demo_id else admin_id,
                    "created_at": now,
                }
            )
    db.session.execute(sa.insert(Offer), rows)


def _served_members(community: Unit) -> list[int]:
    """The demo community's members with the most service minutes, most first."""
    total = sa.func.sum(LedgerEntry.minutes)
    return list(
        db.session.scalars(
            sa.select(LedgerEntry.member_id)
            .join(Member, Member.id == LedgerEntry.member_id)
            .where(
                Member.community_id == community.id,
                LedgerEntry.kind.in_(SERVICE_KINDS),
            )
            .group_by(LedgerEntry.member_id)
            .having(total > 0)
            .order_by(total.desc(), LedgerEntry.member_id)
            .limit(CERTIFICATES)
        )
    )


def _seed_certificates(coordinator: Member, community: Unit, now) -> None:
    """Certificates of the last 30 days for the members who served most; the last revoked."""
    today = local(now).date()
    issued = []
    for member_id in _served_members(community):
        member = db.session.get(Member, member_id)
        issued.append(
            certificates.issue(
                coordinator, member, first=today - timedelta(days=30), last=today, now=now
            )
        )
    if len(issued) == CERTIFICATES:
        certificates.revoke(coordinator, issued[-1], reason="服务时段填写有误，已重新出具", now=now)


def _seed_redemption(volunteer: Member, community: Unit, now) -> None:
    """The demo volunteer (or, without the minutes, the best-served member) redeems the
    demo community's cheapest offer: it waits for the coordinator to hand it over."""
    offer = db.session.scalar(
        sa.select(Offer)
        .where(Offer.community_id == community.id)
        .order_by(Offer.price_minutes, Offer.id)
        .limit(1)
    )
    balance = sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0))
    candidates = [volunteer.id, *_served_members(community)]
    for member_id in candidates:
        member = db.session.get(Member, member_id)
        enough = db.session.scalar(balance.where(LedgerEntry.member_id == member_id))
        if member.status == MemberStatus.ACTIVE and enough >= offer.price_minutes:
            redemptions.redeem(member, offer, now=now)
            return
