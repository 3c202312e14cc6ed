"""The shift board, one page at a time: own community first, keyset-paged, searchable.

A page is read in at most two statements for the shifts (the member's own community, then
the rest), each an index range scan in (starts_at, id) order stopped after the page size
plus one, so the cost does not grow with the number of shifts. Free places come from the
stored counter (`Shift.taken`); the waitlist is counted, in one grouped statement, only for
the shifts on the page that are full.

The board page itself reads `board_cards`: the same page in one statement (both sections
as a UNION ALL of the two range scans), only the columns a card shows, the reader's own
sign-up joined in, and the waitlist counted in the same statement for full shifts only.
"""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..units.models import Unit
from .models import Checkpoint, Shift, ShiftStatus, Signup, SignupStatus
from .queries import BoardRow, waitlist_counts

#: Shifts on one board page (the issue asks for 20–30).
PAGE_SIZE = 25
#: With a skills filter (checked in Python) candidates are read in batches of this many.
SKILL_BATCH = 100
#: A search text longer than this is cut (titles and place names are at most 120).
MAX_TEXT = 60


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this shift, in this section of the board."""

    section: int
    starts_at: datetime
    id: int

    def encode(self) -> str:
        micros = int(self.starts_at.astimezone(UTC).timestamp() * 1_000_000)
        raw = f"{self.section}.{micros}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Read a cursor; ValueError when it is not one this module wrote."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            section, micros, shift_id = (int(part) for part in raw.split("."))
            starts_at = datetime.fromtimestamp(micros / 1_000_000, UTC)
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError) as exc:
            raise ValueError("bad cursor") from exc
        if section not in (0, 1) or shift_id < 1:
            raise ValueError("bad cursor")
        return cls(section, starts_at, shift_id)


@dataclass
class BoardFilter:
    """What the board shows: a time window and optional narrowing."""

    starts_from: datetime | None = None
    starts_before: datetime | None = None
    community_id: int | None = None
    kind: str | None = None
    text: str = ""
    #: Only shifts whose required skills are all among these (None: no skill filter).
    skills: list[str] | None = None
    #: This community's shifts come first (ignored when one community is chosen).
    first_community_id: int | None = None
    include_cancelled: bool = False


@dataclass
class BoardPage:
    rows: list[BoardRow] = field(default_factory=list)
    #: The cursor of the next page, or None when this is the last one.
    next_cursor: Cursor | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """One shift as a board card shows it (`board_cards`): the columns it needs, no more."""

    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int
    skills: list | None
    community_id: int
    community_name: str
    community_name_en: str | None
    checkpoint_name: str | None
    #: Waitlisted sign-ups, counted only when the shift is full (0 otherwise).
    waitlist_count: int
    #: The reader's own sign-up status on it, or None.
    my_status: str | None

    @property
    def free(self) -> int:
        return self.capacity - self.taken

    @property
    def is_full(self) -> bool:
        return self.taken >= self.capacity


def board_page(wanted: BoardFilter, *, after: Cursor | None = None, size: int = PAGE_SIZE):
    """One page of the board after `after`, and the cursor of the next page."""
    shape, params = _shape(wanted)
    found, more = _collect(shape, params, after, size, wanted, cards=False)
    page = BoardPage(_with_waitlists([s for _i, s in found]))
    page.next_cursor = _next_cursor(found, more)
    return page


def board_cards(
    wanted: BoardFilter, member_id: int, *, after: Cursor | None = None, size: int = PAGE_SIZE
) -> BoardPage:
    """The board page as `Card`s for the member `member_id`, and the next page's cursor.

    Without a skills filter, a page still in the own community's section is one statement
    (both sections' range scans in one UNION ALL); otherwise the sections are read as
    `board_page` reads them.
    """
    shape, params = _shape(wanted)
    params["member_id"] = member_id
    start = after.section if after else 0
    if wanted.skills is None and start == 0 and "own" in shape:
        found, more = _both_sections(shape, params, after, size)
    else:
        found, more = _collect(shape, params, after, size, wanted, cards=True)
    cards = [Card(*row[:CARD_WIDTH]) for _i, row in found]
    return BoardPage(cards, _next_cursor(found, more))


def clean_text(text: str) -> str:
    """The search text with runs of spaces made one, NUL and lone surrogates dropped."""
    kept = "".join(c for c in text if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
    return " ".join(kept.split())[:MAX_TEXT]


def _shape(wanted: BoardFilter) -> tuple[tuple[str, ...], dict]:
    """Which conditions the filter sets (the statement's shape) and their values."""
    text = clean_text(wanted.text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    values = {
        "community_id": wanted.community_id or None,
        "kind": wanted.kind or None,
        "starts_from": wanted.starts_from,
        "starts_before": wanted.starts_before,
        "pattern": f"%{escaped}%" if text else None,
        "own": None if wanted.community_id else wanted.first_community_id or None,
    }
    params = {k: v for k, v in values.items() if v is not None}
    return tuple(params) + (("cancelled",) if wanted.include_cancelled else ()), params


def _collect(shape, params, after: Cursor | None, size: int, wanted: BoardFilter, cards: bool):
    """(section, row) pairs of one page from the sections in turn, and whether more follow."""
    start = after.section if after else 0
    count = 2 if "own" in shape else 1
    found: list = []
    more = False
    for index in range(start, count):
        position = after if after and after.section == index else None
        read = _reader(shape, index, params, cards)
        rows, more = _read_section(read, position, size - len(found), wanted)
        found += [(index, r) for r in rows]
        if more or len(found) >= size:
            more = more or index + 1 < count and _section_has_any(shape, index + 1, params)
            break
    return found, more


def _reader(shape, section: int, params: dict, cards: bool):
    """A function reading `limit` rows of one section after a position (or from its start)."""

    def read(position: Cursor | None, limit: int) -> list:
        statement = _statement(shape, section, position is not None, cards)
        values = params | {"limit": limit} | _position(position)
        if cards:
            return db.session.execute(statement, values).all()
        return list(db.session.scalars(statement, values))

    return read


def _position(position: Cursor | None) -> dict:
    if position is None:
        return {}
    return {"after_starts_at": position.starts_at, "after_id": position.id}


def _next_cursor(found: list, more: bool) -> Cursor | None:
    if not (more and found):
        return None
    index, last = found[-1]
    return Cursor(index, last.starts_at, last.id)


def _both_sections(shape, params: dict, after: Cursor | None, size: int):
    """The own community's rows after `after`, then the others', in one statement."""
    values = params | {"limit": size + 1} | _position(after)
    rows = db.session.execute(_union_statement(shape, after is not None), values).all()
    rows.sort(key=lambda r: (r.section, r.starts_at, r.id))
    own = [(0, r) for r in rows if r.section == 0]
    rest = [(1, r) for r in rows if r.section == 1]
    if len(own) > size:
        return own[:size], True
    room = size - len(own)
    return own + rest[:room], len(rest) > room


def _read_section(read, position: Cursor | None, want: int, wanted: BoardFilter):
    """Up to `want` rows of one section after `position`, and whether more follow."""
    found: list = []
    batch = want + 1 if wanted.skills is None else max(SKILL_BATCH, want + 1)
    while True:
        rows = read(position, batch)
        keep = rows if wanted.skills is None else _with_skills(rows, wanted.skills)
        found += keep
        if len(found) > want:
            return found[:want], True
        if len(rows) < batch:
            return found, False
        last = rows[-1]
        position = Cursor(0, last.starts_at, last.id)


# --- statements, built once per shape with bound parameters -------------------------------
# Building a select with its joins and subqueries costs more than PostgreSQL takes to run it
# (~7 ms against ~1 ms here): each shape of filter is built once per process, and the
# values (days, community, text, cursor, member, limit) are bound at execution.


def _base(shape: tuple[str, ...]):
    q = sa.select(Shift)
    if "community_id" in shape:
        q = q.where(Shift.community_id == sa.bindparam("community_id"))
    if "kind" in shape:
        q = q.where(Shift.kind == sa.bindparam("kind"))
    if "starts_from" in shape:
        q = q.where(Shift.starts_at >= sa.bindparam("starts_from"))
    if "starts_before" in shape:
        q = q.where(Shift.starts_at < sa.bindparam("starts_before"))
    if "cancelled" not in shape:
        q = q.where(Shift.status == ShiftStatus.PUBLISHED)
    if "pattern" in shape:
        q = q.where(_matches())
    return q


def _matches():
    """Title, checkpoint or community name contains the text (case-insensitive)."""

    def like(column):
        return column.ilike(sa.bindparam("pattern"), escape="\\")

    places = sa.select(Checkpoint.id).where(like(Checkpoint.name))
    units = sa.select(Unit.id).where(sa.or_(like(Unit.name), like(Unit.name_en)))
    return sa.or_(like(Shift.title), Shift.checkpoint_id.in_(places), Shift.community_id.in_(units))


def _section(shape: tuple[str, ...], section: int, after: bool):
    q = _base(shape)
    if "own" in shape:
        own = sa.bindparam("own")
        q = q.where(Shift.community_id == own if section == 0 else Shift.community_id != own)
    if after:
        q = q.where(
            sa.or_(
                Shift.starts_at > sa.bindparam("after_starts_at"),
                sa.and_(
                    Shift.starts_at == sa.bindparam("after_starts_at"),
                    Shift.id > sa.bindparam("after_id"),
                ),
            )
        )
    return q


@cache
def _statement(shape: tuple[str, ...], section: int, after: bool, cards: bool):
    q = _section(shape, section, after)
    if cards:
        q = _as_cards(q)
    q = q.order_by(Shift.starts_at, Shift.id).limit(sa.bindparam("limit"))
    if cards:
        return q
    return q.options(joinedload(Shift.community), joinedload(Shift.checkpoint))


@cache
def _union_statement(shape: tuple[str, ...], after: bool):
    """Both sections' cards, each a range scan stopped at `limit`, as one UNION ALL of two
    subqueries (the form SQLite and PostgreSQL both accept), tagged with their section."""
    parts = [
        _as_cards(_section(shape, index, after and index == 0))
        .add_columns(sa.literal(index).label("section"))
        .order_by(Shift.starts_at, Shift.id)
        .limit(sa.bindparam("limit"))
        .subquery()
        for index in (0, 1)
    ]
    return sa.union_all(*(sa.select(p) for p in parts))


@cache
def _exists_statement(shape: tuple[str, ...], section: int):
    q = _section(shape, section, False).with_only_columns(Shift.id).limit(1)
    return sa.select(q.exists())


def _section_has_any(shape, section: int, params: dict) -> bool:
    return db.session.scalar(_exists_statement(shape, section), params)


def _as_cards(q):
    """A section's select of shifts as a select of the `Card` columns, in their order."""
    community = aliased(Unit)
    place = aliased(Checkpoint)
    mine = aliased(Signup)
    waiting = (
        sa.select(sa.func.count())
        .where(Signup.shift_id == Shift.id, Signup.status == SignupStatus.WAITLISTED)
        .scalar_subquery()
    )
    columns = (
        Shift.id,
        Shift.title,
        Shift.kind,
        Shift.starts_at,
        Shift.ends_at,
        Shift.capacity,
        Shift.taken,
        Shift.skills,
        Shift.community_id,
        community.name.label("community_name"),
        community.name_en.label("community_name_en"),
        place.name.label("checkpoint_name"),
        sa.case((Shift.taken >= Shift.capacity, waiting), else_=0).label("waitlist_count"),
        mine.status.label("my_status"),
    )
    mine_here = sa.and_(mine.shift_id == Shift.id, mine.member_id == sa.bindparam("member_id"))
    return (
        q.with_only_columns(*columns)
        .join_from(Shift, community, community.id == Shift.community_id)
        .outerjoin(place, place.id == Shift.checkpoint_id)
        .outerjoin(mine, mine_here)
    )


#: The columns of `_as_cards`, in `Card`'s order (a row may carry a section number after).
CARD_WIDTH = 14


def _with_skills(rows: list, skills: list[str]) -> list:
    have = set(skills)
    return [s for s in rows if set(s.skills or []) <= have]


def _with_waitlists(shifts: list[Shift]) -> list[BoardRow]:
    counts = waitlist_counts([s.id for s in shifts if s.is_full])
    return [BoardRow(s, counts.get(s.id, 0)) for s in shifts]
