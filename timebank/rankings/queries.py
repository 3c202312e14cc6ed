"""Reading rankings: top lists with shared ranks, scoped to a unit, and one's own place."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.permissions import assignments
from ..core.errors import NotAllowed, ValidationFailed
from ..core.i18n import localized_column
from ..extensions import db
from ..members.models import Member
from ..mobilisation.candidates import answer_counts
from ..mobilisation.models import Invitation
from ..units.models import Level, Unit
from .models import PERIODS, RankingTotal, Subject
from .totals import period_keys

MAX_LIMIT = 500


@dataclass
class Row:
    rank: int
    id: int
    name: str
    minutes: int
    shifts: int
    response_rate: float | None = None
    is_me: bool = False


@dataclass
class Ranking:
    by: str
    period: str
    period_key: str
    unit: Unit
    rows: list[Row]
    me: Row | None  # the viewer's own row (members ranking) when they are in it
    #: Rows in the whole ranking (counted only when asked, for pages).
    total: int | None = None


def viewable_units(actor) -> list[Unit]:
    """Units to offer in the ranking's unit picker: the member's own community and its
    ancestors, and every unit where they hold a role."""
    ids = _viewable_ids(actor)
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.path)))


def _viewable_ids(actor) -> set[int]:
    ids = set(actor.community.ancestor_ids) if actor.community else set()
    return ids | {ra.unit_id for ra in assignments(actor)}


def ensure_viewable(actor, unit: Unit, by: str) -> None:
    """Members are ranked by name only within the viewer's scope: their own community (and
    below) or a unit where they hold a role (and below). Totals of communities and towns may
    also be compared in the units above one's own community."""
    if any(unit.path.startswith(ra.unit.path) for ra in assignments(actor)):
        return
    own = actor.community
    if own is not None and unit.path.startswith(own.path):
        return
    if by != Subject.MEMBER and own is not None and own.path.startswith(unit.path):
        return
    raise NotAllowed()


def default_unit(actor, by: str = Subject.MEMBER) -> Unit:
    """The widest unit the actor holds a role on; else their own community (members) or
    their district (communities and towns)."""
    roles = sorted(assignments(actor), key=lambda ra: len(ra.unit.path))
    if roles:
        return roles[0].unit
    if by == Subject.MEMBER:
        return actor.community
    return db.session.get(Unit, actor.community.ancestor_ids[0])


def _scope_filter(subject: str, unit: Unit):
    t = RankingTotal
    level = Level(unit.level)
    if level == Level.DISTRICT:
        # The towns as values, not a subquery: PostgreSQL then knows how few rows a town
        # filter removes and walks the top index in order (0.4 ms instead of sorting every
        # row of the period), and counts a viewer's place from the index alone.
        towns = list(db.session.scalars(sa.select(Unit.id).where(Unit.parent_id == unit.id)))
        return t.town_id.in_(towns) if subject != Subject.TOWN else t.subject_id.in_(towns)
    if level == Level.TOWN:
        return t.town_id == unit.id if subject != Subject.TOWN else t.subject_id == unit.id
    if level == Level.COMMUNITY:
        if subject == Subject.MEMBER:
            return t.community_id == unit.id
        return t.subject_id == unit.id if subject == Subject.COMMUNITY else sa.false()
    # a grid: members who live in it
    if subject != Subject.MEMBER:
        return sa.false()
    return t.subject_id.in_(sa.select(Member.id).where(Member.grid_id == unit.id))


def _validate(by, period, limit):
    errors = []
    if by not in [s.value for s in Subject]:
        errors.append(("by", _l("Rank members, communities or towns.")))
    if period not in PERIODS:
        errors.append(("period", _l("A week, month, quarter, year, or all time.")))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        errors.append(("limit", _l("Between 1 and %(n)s.", n=MAX_LIMIT)))
    if errors:
        raise ValidationFailed(errors)


def ranking(
    actor,
    *,
    by: str = "member",
    period: str = "month",
    unit: Unit | None = None,
    limit: int = 50,
    offset: int = 0,
    count_all: bool = False,
    now: datetime,
) -> Ranking:
    """The top `limit` of `by` in `unit` for the period containing `now`, best first, from
    row `offset` on (a page of the whole ranking; `count_all` counts its rows); only rows
    with minutes > 0; ties share a rank (1, 2, 2, 4), across pages too."""
    _validate(by, period, limit)
    unit = unit or default_unit(actor, by)
    ensure_viewable(actor, unit, by)
    key = period_keys(now)[period]
    base = sa.select(RankingTotal.subject_id, RankingTotal.minutes, RankingTotal.shifts).where(
        RankingTotal.subject == by,
        RankingTotal.period == period,
        RankingTotal.period_key == key,
        RankingTotal.minutes > 0,
        _scope_filter(by, unit),
    )
    top = db.session.execute(
        base.order_by(RankingTotal.minutes.desc(), RankingTotal.subject_id)
        .offset(max(offset, 0))
        .limit(limit)
    ).all()
    first_rank = _ahead(base, top[0][1]) + 1 if offset > 0 and top else 1
    rows = _rank(top, _names(by, [r[0] for r in top]), first_rank, max(offset, 0) + 1)
    me = None
    if by == Subject.MEMBER:
        for row in rows:
            row.is_me = row.id == actor.id
        me = next((r for r in rows if r.is_me), None) or _my_row(actor, base)
        shown = rows if me is None or any(r is me for r in rows) else [*rows, me]
        rates = answer_rates([r.id for r in shown])
        for row in shown:
            row.response_rate = rates.get(row.id)
    total = _count(base) if count_all else None
    return Ranking(by, period, key, unit, rows, me, total)


def _count(base) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))


def _ahead(base, minutes: int) -> int:
    """How many rows have more minutes (one indexed COUNT)."""
    return _count(base.where(RankingTotal.minutes > minutes))


def _rank(top, names, first_rank: int = 1, first_position: int = 1) -> list[Row]:
    """Ranks for rows from `first_position` on; the first row's rank is `first_rank` (a tie
    that began on the page before keeps its rank)."""
    rows, previous, rank = [], None, first_rank
    for position, (subject_id, minutes, shifts) in enumerate(top, start=first_position):
        if previous is not None and minutes != previous:
            rank = position
        previous = minutes
        rows.append(Row(rank, subject_id, names.get(subject_id, ""), minutes, shifts))
    return rows


def _names(by, ids) -> dict[int, str]:
    if not ids:
        return {}
    if by == Subject.MEMBER:
        name = Member.name
        model = Member
    else:
        name, model = localized_column(Unit.name, Unit.name_en), Unit
    return dict(db.session.execute(sa.select(model.id, name).where(model.id.in_(ids))).all())


def _my_row(actor, base) -> Row | None:
    """The viewer's own place when outside the top: one indexed COUNT of those ahead."""
    mine = db.session.execute(base.where(RankingTotal.subject_id == actor.id)).first()
    if mine is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            base.where(RankingTotal.minutes > mine.minutes).subquery()
        )
    )
    return Row(ahead + 1, actor.id, actor.name, mine.minutes, mine.shifts, is_me=True)


def ranking_units(actor) -> list:
    """Units to offer in the ranking page's picker: viewable_units() plus every town and
    community below a unit where the actor holds a role (grids stay reachable by URL). Rows
    of id, name, level and path, not Unit objects: a district organiser's picker has about
    170 units, and loading them as objects was a tenth of the page's time."""
    ids = _viewable_ids(actor)
    below = [Unit.path.startswith(ra.unit.path, autoescape=True) for ra in assignments(actor)]
    wanted = Unit.id.in_(ids)
    if below:
        wanted = sa.or_(
            wanted,
            sa.and_(Unit.level.in_([Level.TOWN, Level.COMMUNITY]), sa.or_(*below)),
        )
    columns = (Unit.id, localized_column(Unit.name, Unit.name_en), Unit.level, Unit.path)
    return list(db.session.execute(sa.select(*columns).where(wanted).order_by(Unit.path)))


def answer_rate(answered: int | None, asked: int | None) -> float | None:
    """For people to read: answered of asked; None for someone never asked. (Candidate
    ordering uses the smoothed mobilisation.candidates.response_rates instead.)"""
    return answered / asked if asked else None


def answer_rates(member_ids: list[int]) -> dict[int, float | None]:
    """answer_rate() of each of these members."""
    if not member_ids:
        return {}
    rows = db.session.execute(answer_counts().where(Invitation.member_id.in_(member_ids)))
    rates: dict[int, float | None] = dict.fromkeys(member_ids)
    for member_id, answered, asked in rows:
        rates[member_id] = answer_rate(answered, asked)
    return rates


@dataclass(frozen=True)
class PublicRow:
    """A line of the public honour roll: a masked name and no id or phone number."""

    rank: int
    name: str
    community: str
    minutes: int


def public_top(unit: Unit, *, period: str = "month", limit: int = 20, now: datetime):
    """The honour roll: the top `limit` active members of `unit` in the period containing
    `now`, names masked (王*明). It has no viewer, so it returns nothing that needs one:
    (period_key, [PublicRow])."""
    from ..core.privacy import mask_name
    from ..members.models import MemberStatus

    _validate(Subject.MEMBER, period, limit)
    key = period_keys(now)[period]
    community = sa.orm.aliased(Unit)
    top = db.session.execute(
        sa.select(
            RankingTotal.minutes, Member.name, localized_column(community.name, community.name_en)
        )
        .join(Member, Member.id == RankingTotal.subject_id)
        .outerjoin(community, community.id == RankingTotal.community_id)
        .where(
            RankingTotal.subject == Subject.MEMBER,
            RankingTotal.period == period,
            RankingTotal.period_key == key,
            RankingTotal.minutes > 0,
            _scope_filter(Subject.MEMBER, unit),
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(RankingTotal.minutes.desc(), RankingTotal.subject_id)
        .limit(limit)
    ).all()
    rows, previous, rank = [], None, 0
    for position, (minutes, name, community_name) in enumerate(top, start=1):
        if minutes != previous:
            rank, previous = position, minutes
        rows.append(PublicRow(rank, mask_name(name), community_name or "", minutes))
    return key, rows
