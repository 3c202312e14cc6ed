"""Rankings as files: every row of a ranking in scope, streamed, as CSV (UTF-8 with a BOM,
so Excel reads Chinese) or XLSX (rankings.xlsx: a workbook made by openpyxl, its rows
written in bulk). Each file has the columns that hold something for its subject.

`export_rows` checks scope first and then yields rows lazily in batches, so a district of
100,000 members is written without holding it in memory. In the CSV, text that a
spreadsheet would read as a formula (= + - @, tab, carriage return) gets a leading
apostrophe. The XLSX needs none: its text cells are typed strings (`t="inlineStr"`), which
no spreadsheet evaluates, so the text is written as it is; such cells also carry Excel's
quote prefix (what Excel itself stores for a typed '=1+1), so editing the cell keeps it text.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.clock import local
from ..core.errors import ValidationFailed
from ..core.i18n import localized_column, unit_name
from ..extensions import db
from ..members.models import Member
from ..mobilisation.candidates import answer_counts
from ..mobilisation.models import Invitation, InvitationStatus
from ..units.models import Unit
from .models import PERIODS, RankingTotal, Subject
from .periods import bounds
from .queries import (
    MAX_LIMIT,
    _scope_filter,
    answer_rate,
    default_unit,
    ensure_viewable,
)
from .totals import period_keys

#: Rows fetched (and response rates looked up) per round trip while streaming.
BATCH = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Every column an export may have: (key, label, kind, width). Each export keeps those that
#: hold something for its subject (a towns' ranking has no member name, no community and no
#: response rate), so every column is named for what it holds and none is left empty.
COLUMN_SPECS = {
    "rank": (_l("Rank"), "int", 7),
    "name": (_l("Name"), "text", 16),
    "community": (_l("Community"), "text", 18),
    "town": (_l("Town"), "text", 14),
    "minutes": (_l("Minutes"), "int", 10),
    "hours": (_l("Hours"), "hours", 9),
    "shifts": (_l("Shifts served"), "int", 9),
    "response_rate": (_l("Call-out response rate"), "rate", 12),
    "unit": (_l("Ranked within"), "text", 16),
    "period": (_l("Period"), "text", 9),
    "dates": (_l("Dates"), "text", 24),
}
#: The subject's own name goes under the column named for it.
NAME_COLUMN = {"member": "name", "community": "community", "town": "town"}
PERIOD_LABELS = {
    "week": _l("Week"),
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
    "all": _l("All time"),
}
SUBJECT_LABELS = {"member": _l("Members"), "community": _l("Communities"), "town": _l("Towns")}


def columns(by: str, *, with_rates: bool = True) -> list[str]:
    """The keys of the columns of a ranking of `by`, in order."""
    keys = ["rank", NAME_COLUMN[by]]
    if by == Subject.MEMBER:
        keys += ["community", "town"]
    elif by == Subject.COMMUNITY:
        keys += ["town"]
    keys += ["minutes", "hours", "shifts"]
    if by == Subject.MEMBER and with_rates:
        keys.append("response_rate")
    return keys + ["unit", "period", "dates"]


@dataclass
class ExportRow:
    rank: int
    name: str
    community: str
    town: str
    minutes: int
    shifts: int
    response_rate: float | None


@dataclass
class Export:
    by: str
    period: str
    period_key: str
    unit: Unit
    rows: Iterator[ExportRow]
    #: The period in words ("2026-12-01 – 2026-12-31", "All time").
    dates: str = ""
    #: Whether anyone in the export was ever called out (else the rate column is left out).
    with_rates: bool = True

    @property
    def columns(self) -> list[str]:
        return columns(self.by, with_rates=self.with_rates)


def export_rows(
    actor,
    *,
    by: str = "member",
    period: str = "month",
    unit: Unit | None = None,
    limit: int | None = None,
    now: datetime,
) -> Export:
    """The ranking of `by` in `unit` for the period containing `now`, as ranking() orders
    and ranks it, without its cap: `limit=None` means every row in scope. Scope is checked
    here, before any row is read (NotAllowed); the rows come lazily."""
    _validate(by, period, limit)
    unit = unit or default_unit(actor, by)
    ensure_viewable(actor, unit, by)
    key = period_keys(now)[period]
    stmt = _query(by, period, key, unit)
    if limit is not None:
        stmt = stmt.limit(limit)
    return Export(
        by,
        period,
        key,
        unit,
        _stream(stmt, by),
        dates=period_dates(period, now),
        with_rates=by == Subject.MEMBER and _anyone_called(unit),
    )


def period_dates(period: str, now: datetime) -> str:
    """The period containing `now` in words: its first and last day, or "All time"."""
    span = bounds(period, local(now).date())
    if span is None:
        return str(PERIOD_LABELS["all"])
    return f"{span[0].isoformat()} – {span[1].isoformat()}"


def _anyone_called(unit: Unit) -> bool:
    """Whether any member of the unit was ever asked to answer a call-out (one EXISTS)."""
    members = sa.select(Member.id).join(Unit, Unit.id == Member.community_id)
    members = members.where(Unit.path.startswith(unit.path, autoescape=True))
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    Invitation.member_id.in_(members),
                    Invitation.status.in_(
                        [
                            InvitationStatus.ACCEPTED,
                            InvitationStatus.DECLINED,
                            InvitationStatus.EXPIRED,
                        ]
                    ),
                )
            )
        )
    )


def _validate(by, period, limit) -> None:
    errors = []
    if by not in [s.value for s in Subject]:
        errors.append(("by", _l("Choose member, community or town.")))
    if period not in PERIODS:
        errors.append(("period", _l("Choose week, month, quarter, year or all.")))
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT
    ):
        errors.append(("limit", _l("From 1 to %(n)s, or all.", n=MAX_LIMIT)))
    if errors:
        raise ValidationFailed(errors)


def _query(by: str, period: str, key: str, unit: Unit):
    """The rows with their names and, for members, their call-out answers joined (one
    GROUP BY over the invitations: asking for the rates of 2,000 ids at a time took half of
    a 100,000-row export on PostgreSQL, most of it rendering and parsing the IN lists)."""
    t = RankingTotal
    community, town = sa.orm.aliased(Unit), sa.orm.aliased(Unit)
    named = Member if by == Subject.MEMBER else sa.orm.aliased(Unit)
    name = named.name if by == Subject.MEMBER else localized_column(named.name, named.name_en)
    stmt = sa.select(
        t.subject_id,
        t.minutes,
        t.shifts,
        name,
        localized_column(community.name, community.name_en).label("community_name"),
        localized_column(town.name, town.name_en).label("town_name"),
    )
    if by == Subject.MEMBER:
        answers = answer_counts().subquery()
        stmt = stmt.add_columns(answers.c.answered, answers.c.asked).outerjoin(
            answers, answers.c.member_id == t.subject_id
        )
    else:
        stmt = stmt.add_columns(sa.null(), sa.null())
    return (
        stmt.join(named, named.id == t.subject_id)
        .outerjoin(community, community.id == t.community_id)
        .outerjoin(town, town.id == t.town_id)
        .where(
            t.subject == by,
            t.period == period,
            t.period_key == key,
            t.minutes > 0,
            _scope_filter(by, unit),
        )
        .order_by(t.minutes.desc(), t.subject_id)
    )


def _stream(stmt, by: str) -> Iterator[ExportRow]:
    """Ranks as ranking() gives them (ties share a rank: 1, 2, 2, 4), batch by batch."""
    position, rank, previous = 0, 0, None
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    try:
        for batch in result.partitions():
            for _id, minutes, shifts, name, community, town, answered, asked in batch:
                position += 1
                if minutes != previous:
                    rank, previous = position, minutes
                yield ExportRow(
                    rank,
                    name,
                    (community or "") if by == Subject.MEMBER else "",
                    (town or "") if by != Subject.TOWN else "",
                    minutes,
                    shifts,
                    answer_rate(answered, asked),
                )
    finally:
        result.close()


# Cells and files ---------------------------------------------------------------------------


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would take this text for a formula (= + - @, tab, CR first)."""
    return bool(value) and value.startswith(FORMULA_STARTS)


def safe_text(value: str) -> str:
    """Text a spreadsheet will not run from a CSV: a formula-like start gets an apostrophe."""
    return "'" + value if looks_like_formula(value) else value


def header(export_or_by="member") -> list[str]:
    """The column titles of an export (or of a ranking of `by`), in the active language."""
    keys = export_or_by.columns if isinstance(export_or_by, Export) else columns(export_or_by)
    return [str(COLUMN_SPECS[key][0]) for key in keys]


def _values(export: Export, row: ExportRow) -> dict:
    """One row's values by column key: its subject's name under the column named for it."""
    values = {
        "rank": row.rank,
        "name": row.name,
        "community": row.community,
        "town": row.town,
        "minutes": row.minutes,
        "hours": round(row.minutes / 60, 2),
        "shifts": row.shifts,
        "response_rate": row.response_rate,
    }
    values[NAME_COLUMN[export.by]] = row.name
    return values


def _tail(export: Export) -> dict:
    """The values that are the same in every row (worked out once per file)."""
    return {
        "unit": unit_name(export.unit),
        "period": str(PERIOD_LABELS[export.period]),
        "dates": export.dates or export.period_key,
    }


def _lines(export: Export):
    """Each row's cells in the export's columns: text made safe, minutes as integers, hours
    to two decimals, rates as percentages (empty for someone never called out)."""
    keys, tail = export.columns, _tail(export)
    for row in export.rows:
        values = {**_values(export, row), **tail}
        cells = []
        for key in keys:
            value, kind = values[key], COLUMN_SPECS[key][1]
            if kind == "text":
                value = safe_text(value)
            elif kind == "rate":
                value = "" if value is None else f"{value:.0%}"
            cells.append(value)
        yield cells


def csv_chunks(export: Export, *, every: int = 1000) -> Iterator[bytes]:
    """The CSV file as UTF-8 bytes, BOM first, a chunk every `every` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header(export))
    for n, cells in enumerate(_lines(export), start=1):
        writer.writerow(cells)
        if n % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def file_names(export: Export, extension: str) -> tuple[str, str]:
    """(the file name with the unit's own name, an ASCII fallback with its code), e.g.
    ranking_member_month_2026-03_南沙区.csv and ranking_member_month_2026-03_NS.csv."""
    stem = f"ranking_{export.by}_{export.period}_{export.period_key}"
    name = re.sub(r"[\\/:*?\"<>|\s\x00-\x1f]+", "_", unit_name(export.unit)).strip("._") or "unit"
    code = re.sub(r"[^A-Za-z0-9.-]+", "_", export.unit.code).strip("._") or str(export.unit.id)
    return f"{stem}_{name}.{extension}", f"{stem}_{code}.{extension}"


def content_disposition(export: Export, extension: str) -> str:
    """attachment; an ASCII filename for old clients and filename* (RFC 6266) for the rest."""
    full, ascii_name = file_names(export, extension)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full, safe='')}"
