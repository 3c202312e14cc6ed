"""Rankings as files: every row of a ranking in scope, streamed, as CSV (UTF-8 with a BOM,
so Excel reads Chinese) or XLSX (a workbook made by openpyxl, its rows written in bulk).

`export_rows` checks scope first and then yields rows lazily in batches, so a district of
100,000 members is written without holding it in memory. In the CSV, text that a
spreadsheet would read as a formula (= + - @, tab, carriage return) gets a leading
apostrophe. The XLSX needs none: its text cells are typed strings (`t="inlineStr"`), which
no spreadsheet evaluates, so the text is written as it is; such cells also carry Excel's
quote prefix (what Excel itself stores for a typed '=1+1), so editing the cell keeps it text.
"""

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.errors import ValidationFailed
from ..extensions import db
from ..members.models import Member
from ..mobilisation.candidates import answer_counts
from ..units.models import Unit
from .models import PERIODS, RankingTotal, Subject
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

HEADER = (
    _l("Rank"),
    _l("Name"),
    _l("Community"),
    _l("Town"),
    _l("Minutes"),
    _l("Hours"),
    _l("Shifts served"),
    _l("Call-out response rate"),
    _l("Unit"),
    _l("Period"),
    _l("Period key"),
)
PERIOD_LABELS = {
    "week": _l("Week"),
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
    "all": _l("All time"),
}


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
    return Export(by, period, key, unit, _stream(stmt, by))


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
    stmt = sa.select(t.subject_id, t.minutes, t.shifts, named.name, community.name, town.name)
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


def header() -> list[str]:
    return [str(label) for label in HEADER]


def _lines(export: Export):
    """Each row's values: text made safe, minutes as integers, hours to two decimals, and
    the unit and period (worked out once per file, not once per row)."""
    tail = (safe_text(export.unit.name), str(PERIOD_LABELS[export.period]), export.period_key)
    for row in export.rows:
        yield [
            row.rank,
            safe_text(row.name),
            safe_text(row.community),
            safe_text(row.town),
            row.minutes,
            round(row.minutes / 60, 2),
            row.shifts,
            row.response_rate,
            *tail,
        ]


def csv_chunks(export: Export, *, every: int = 1000) -> Iterator[bytes]:
    """The CSV file as UTF-8 bytes, BOM first, a chunk every `every` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for n, cells in enumerate(_lines(export), start=1):
        rate = cells[7]
        cells[7] = "" if rate is None else f"{rate:.0%}"
        writer.writerow(cells)
        if n % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(export: Export) -> bytes:
    """The XLSX file: one sheet, a bold frozen header row, numbers as numbers.

    openpyxl writes the workbook — its parts, styles, column widths, the frozen header and
    one sample row whose cells carry the number formats. The ranking's rows then take the
    sample's place, written as openpyxl's write-only mode writes them (inline strings, the
    sample's style ids) but by a format string: openpyxl spends 10–20 µs on each cell, over
    10 s for a district's 100,000 rows of 11 cells, a format string well under 1 µs."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_template(export))) as template,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as book,
    ):
        for part in template.infolist():
            data = template.read(part)
            if part.filename != SHEET_PART:
                book.writestr(part, data)
                continue
            head, sample, tail = _split_at_sample(data)
            styles = dict(re.findall(rb'<c r="([A-Z]+)2" s="(\d+)"', sample))
            with book.open(SHEET_PART, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for chunk in _sheet_rows(export, styles):
                    sheet.write(chunk)
                sheet.write(tail)
    return out.getvalue()


SHEET_PART = "xl/worksheets/sheet1.xml"
#: zlib level 3: 100,000 rows took 1.3 s and 7.3 MB, at the default level 6 2.3 s and
#: 6.5 MB, at level 1 1.3 s and 8.6 MB (this machine, writing alone).
COMPRESS_LEVEL = 3
COLUMNS = "ABCDEFGHIJK"
WIDTHS = (7, 16, 18, 14, 10, 9, 9, 12, 16, 9, 10)
#: Characters XML 1.0 cannot carry (openpyxl refuses them); they are dropped from text.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _template(export: Export) -> bytes:
    """openpyxl's workbook: the header row and a sample row (row 2) with the formats."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(export))
    sheet.freeze_panes = "A2"
    for letter, width in zip(COLUMNS, WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    titles = [WriteOnlyCell(sheet, value=text) for text in header()]
    for cell in titles:
        cell.font = bold
    sheet.append(titles)
    hours, rate = WriteOnlyCell(sheet, value=0), WriteOnlyCell(sheet, value=0)
    hours.number_format, rate.number_format = "0.00", "0%"
    quoted = WriteOnlyCell(sheet, value="")
    quoted.quotePrefix = True  # the style of text cells that look like formulas
    sheet.append([0, quoted, "", "", 0, hours, 0, rate, "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _split_at_sample(sheet: bytes) -> tuple[bytes, bytes, bytes]:
    """(the sheet up to row 2, row 2, the rest from the end of row 2)."""
    start = sheet.index(b'<row r="2"')
    end = sheet.index(b"</row>", start) + len(b"</row>")
    return sheet[:start], sheet[start:end], sheet[end:]


def _sheet_rows(export: Export, styles: dict[bytes, bytes], *, every: int = 1000):
    """The ranking's <row> elements from row 2, as UTF-8, a chunk every `every` rows. The
    cells' types are known by column (rank, name, community, town, minutes, hours, shifts,
    response rate, then the unit, period and key, the same in every row), so each row is
    one format string; text is made XML-safe once per value, and kept as it is (no
    apostrophe: a typed string cell is never a formula)."""
    hours = f' s="{styles[b"F"].decode()}"' if b"F" in styles else ""
    rate = f' s="{styles[b"H"].decode()}"' if b"H" in styles else ""
    quoted = f' s="{styles[b"B"].decode()}"' if b"B" in styles else ""

    def text(ref, value):
        return _text_cell(ref, value, quoted if looks_like_formula(value) else "")

    unit_style = quoted if looks_like_formula(export.unit.name) else ""
    unit, period, key = (
        _xml_text(export.unit.name),
        _xml_text(str(PERIOD_LABELS[export.period])),
        _xml_text(export.period_key),
    )
    parts = []
    for n, row in enumerate(export.rows, start=2):
        parts.append(
            f'<row r="{n}"><c r="A{n}" t="n"><v>{row.rank}</v></c>'
            f"{text(f'B{n}', row.name)}{text(f'C{n}', row.community)}{text(f'D{n}', row.town)}"
            f'<c r="E{n}" t="n"><v>{row.minutes}</v></c>'
            f'<c r="F{n}"{hours} t="n"><v>{round(row.minutes / 60, 2)!r}</v></c>'
            f'<c r="G{n}" t="n"><v>{row.shifts}</v></c>'
            + (
                ""
                if row.response_rate is None
                else f'<c r="H{n}"{rate} t="n"><v>{row.response_rate!r}</v></c>'
            )
            + f'<c r="I{n}"{unit_style} t="inlineStr">{unit}</c>'
            f'<c r="J{n}" t="inlineStr">{period}</c><c r="K{n}" t="inlineStr">{key}</c></row>'
        )
        if n % every == 0:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    yield "".join(parts).encode("utf-8")


def _text_cell(ref: str, value: str, style: str = "") -> str:
    """An inline-string cell, or nothing for an empty value (as openpyxl leaves None)."""
    return f'<c r="{ref}"{style} t="inlineStr">{_xml_text(value)}</c>' if value else ""


def _xml_text(value: str) -> str:
    """<is><t>value</t></is>: without the characters XML cannot carry, escaped, and with
    xml:space="preserve" when it has edge spaces (Excel trims them otherwise)."""
    value = ILLEGAL_XML.sub("", value)
    space = ' xml:space="preserve"' if value.strip() != value else ""
    return f"<is><t{space}>{html.escape(value, quote=False)}</t></is>"


def _sheet_title(export: Export) -> str:
    title = f"{export.by} {export.period_key}"
    return re.sub(r"[\\/?*\[\]:]", "-", title)[:31]


def file_names(export: Export, extension: str) -> tuple[str, str]:
    """(the file name with the unit's own name, an ASCII fallback with its code), e.g.
    ranking_member_month_2026-03_南沙区.csv and ranking_member_month_2026-03_NS.csv."""
    stem = f"ranking_{export.by}_{export.period}_{export.period_key}"
    name = re.sub(r"[\\/:*?\"<>|\s\x00-\x1f]+", "_", export.unit.name).strip("._") or "unit"
    code = re.sub(r"[^A-Za-z0-9.-]+", "_", export.unit.code).strip("._") or str(export.unit.id)
    return f"{stem}_{name}.{extension}", f"{stem}_{code}.{extension}"


def content_disposition(export: Export, extension: str) -> str:
    """attachment; an ASCII filename for old clients and filename* (RFC 6266) for the rest."""
    full, ascii_name = file_names(export, extension)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full, safe='')}"
