"""The shift board, one page at a time: own community first, keyset-paged, searchable.

A page is read in at most two statements for the shifts (the member's own community, then
the rest), each an index range scan in (starts_at, id) order stopped after the page size
plus one, so the cost does not grow with the number of shifts. Free places come from the
stored counter (`Shift.taken`); the waitlist is counted, in one grouped statement, only for
the shifts on the page that are full.
"""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..units.models import Unit
from .models import Checkpoint, Shift, ShiftStatus
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


def board_page(wanted: BoardFilter, *, after: Cursor | None = None, size: int = PAGE_SIZE):
    """One page of the board after `after`, and the cursor of the next page."""
    sections = _sections(wanted)
    start = after.section if after else 0
    shifts: list[Shift] = []
    more = False
    for index in range(start, len(sections)):
        position = after if after and after.section == index else None
        found, more = _read_section(sections[index], position, size - len(shifts), wanted)
        shifts += [(index, s) for s in found]
        if more or len(shifts) >= size:
            more = more or index + 1 < len(sections) and _section_has_any(sections[index + 1])
            break
    page = BoardPage(_with_waitlists([s for _i, s in shifts]))
    if more and shifts:
        index, last = shifts[-1]
        page.next_cursor = Cursor(index, last.starts_at, last.id)
    return page


def _base(wanted: BoardFilter):
    q = sa.select(Shift)
    if wanted.community_id:
        q = q.where(Shift.community_id == wanted.community_id)
    if wanted.kind:
        q = q.where(Shift.kind == wanted.kind)
    if wanted.starts_from is not None:
        q = q.where(Shift.starts_at >= wanted.starts_from)
    if wanted.starts_before is not None:
        q = q.where(Shift.starts_at < wanted.starts_before)
    if not wanted.include_cancelled:
        q = q.where(Shift.status == ShiftStatus.PUBLISHED)
    text = clean_text(wanted.text)
    if text:
        q = q.where(_matches(text))
    return q


def clean_text(text: str) -> str:
    """The search text with runs of spaces made one, NUL and lone surrogates dropped."""
    kept = "".join(c for c in text if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
    return " ".join(kept.split())[:MAX_TEXT]


def _matches(text: str):
    """Title, checkpoint or community name contains the text (case-insensitive)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"

    def like(column):
        return column.ilike(pattern, escape="\\")

    places = sa.select(Checkpoint.id).where(like(Checkpoint.name))
    units = sa.select(Unit.id).where(sa.or_(like(Unit.name), like(Unit.name_en)))
    return sa.or_(like(Shift.title), Shift.checkpoint_id.in_(places), Shift.community_id.in_(units))


def _sections(wanted: BoardFilter) -> list:
    q = _base(wanted)
    own = wanted.first_community_id
    if own and not wanted.community_id:
        return [q.where(Shift.community_id == own), q.where(Shift.community_id != own)]
    return [q]


def _after(q, position: Cursor | None):
    if position is None:
        return q
    return q.where(
        sa.or_(
            Shift.starts_at > position.starts_at,
            sa.and_(Shift.starts_at == position.starts_at, Shift.id > position.id),
        )
    )


def _read_section(q, position: Cursor | None, want: int, wanted: BoardFilter):
    """Up to `want` shifts of one section after `position`, and whether more follow."""
    found: list[Shift] = []
    batch = want + 1 if wanted.skills is None else max(SKILL_BATCH, want + 1)
    while True:
        rows = list(db.session.scalars(_ordered(_after(q, position), batch)))
        keep = rows if wanted.skills is None else _with_skills(rows, wanted.skills)
        found += keep
        if len(found) > want:
            return found[:want], True
        if len(rows) < batch:
            return found, False
        last = rows[-1]
        position = Cursor(0, last.starts_at, last.id)


def _ordered(q, limit: int):
    return (
        q.order_by(Shift.starts_at, Shift.id)
        .limit(limit)
        .options(joinedload(Shift.community), joinedload(Shift.checkpoint))
    )


def _with_skills(rows: list[Shift], skills: list[str]) -> list[Shift]:
    have = set(skills)
    return [s for s in rows if set(s.skills or []) <= have]


def _section_has_any(q) -> bool:
    return db.session.scalar(sa.select(q.with_only_columns(Shift.id).limit(1).exists()))


def _with_waitlists(shifts: list[Shift]) -> list[BoardRow]:
    counts = waitlist_counts([s.id for s in shifts if s.is_full])
    return [BoardRow(s, counts.get(s.id, 0)) for s in shifts]
