"""Service records for the national volunteer system and i志愿, as CSV and XLSX, streamed.

The columns are the ones those systems ask for when hours are entered: volunteer name,
service organisation, project / activity, date, start, end, hours. Lectures are left out
(records.py). Text that a spreadsheet would take for a formula (= + - @, tab, CR first)
is written as text: with an apostrophe in CSV, as a quote-prefixed inline string in XLSX
(a typed string cell, which no spreadsheet evaluates, so without the apostrophe). The XLSX
is openpyxl's workbook (write-only mode) with the rows streamed in the sample row's place,
as rankings/xlsx.py does. Both are generators over a streamed query, so 100,000 rows never
sit in memory.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator

from ..auth.models import Role
from ..auth.permissions import ensure_role, has_role
from ..core.clock import local
from ..core.errors import NotFound, check
from ..core.spreadsheet import (
    COMPRESS_LEVEL,
    SHEET_PART,
    looks_like_formula,
    safe_text,
    split_at_sample,
    xml_text,
)
from ..integrations.lazy import lazy_module
from ..members.models import Member
from ..units.models import Unit
from . import records
from .services import period_errors

openpyxl = lazy_module("openpyxl")
openpyxl_cell = lazy_module("openpyxl.cell")
openpyxl_styles = lazy_module("openpyxl.styles")

COLUMNS = (
    "志愿者姓名",
    "服务组织",
    "项目名称",
    "服务日期",
    "开始时间",
    "结束时间",
    "服务时长（小时）",
)


def can_export_member(actor, member: Member) -> bool:
    """The member themself, or coordinators of the member's community."""
    return actor.id == member.id or has_role(actor, Role.COORDINATOR, member.community)


def ensure_can_export_member(actor, member: Member) -> None:
    """The member themself, or coordinators of the member's community; to anyone else
    the member does not exist (404 `member_not_found`: an export never tells who is
    registered)."""
    if not can_export_member(actor, member):
        raise NotFound("member_not_found")


def ensure_can_export_unit(actor, unit: Unit) -> None:
    """Coordinators of the unit or above; anyone else 403 (units are no secret: every
    member may read them)."""
    ensure_role(actor, Role.COORDINATOR, unit)


def export_units(actor) -> list[Unit]:
    """The units whose records the coordinator may export (where they hold the role)."""
    units = {
        a.unit.id: a.unit
        for a in actor.roles
        if a.unit is not None and Role(a.role).covers(Role.COORDINATOR)
    }
    return sorted(units.values(), key=lambda u: u.path)


def member_rows(actor, member: Member, first, last, *, refused=()) -> Iterator[records.Record]:
    """The member's records (the member, or coordinators of the member's community)."""
    ensure_can_export_member(actor, member)
    check(period_errors(first, last), refused)
    return records.member_records_stream(member.id, first, last)


def unit_rows(actor, unit: Unit, first, last, *, refused=()) -> Iterator[records.Record]:
    """The records of every member of the unit and below (coordinators in scope)."""
    ensure_can_export_unit(actor, unit)
    check(period_errors(first, last), refused)
    return records.unit_records(unit, first, last)


def _cells(record: records.Record) -> list:
    start = local(record.starts_at).strftime("%H:%M") if record.starts_at else ""
    end = local(record.ends_at).strftime("%H:%M") if record.ends_at else ""
    return [
        record.member_name,
        record.unit_name,
        record.title,
        record.day.isoformat(),
        start,
        end,
        round(record.minutes / 60, 2),
    ]


def csv_chunks(rows, *, every: int = 500) -> Iterator[str]:
    """UTF-8 CSV with a BOM (Excel opens it as UTF-8), a chunk of rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(COLUMNS)
    for n, record in enumerate(rows, 1):
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in _cells(record)])
        if n % every == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


class _Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (zipfile writes to it)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self):
        return self.offset

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


SHEET_TITLE = "服务记录"
#: Column widths: names, organisation and activity wide; dates, times and hours narrow.
WIDTHS = (22, 22, 22, 12, 12, 12, 12)
LETTERS = "ABCDEFG"
HOURS_COLUMN = 6


def _template() -> bytes:
    """openpyxl's workbook (write-only mode): its parts, styles, widths, the bold frozen
    header and a sample row 2 whose cells carry the styles the rows take (text that looks
    like a formula: quote prefix; hours: 0.00)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for letter, width in zip(LETTERS, WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    bold = openpyxl_styles.Font(bold=True)
    titles = [openpyxl_cell.WriteOnlyCell(sheet, value=title) for title in COLUMNS]
    for cell in titles:
        cell.font = bold
    sheet.append(titles)
    sample = []
    for n in range(len(COLUMNS)):
        cell = openpyxl_cell.WriteOnlyCell(sheet, value=0 if n == HOURS_COLUMN else "x")
        if n == HOURS_COLUMN:
            cell.number_format = "0.00"
        else:
            cell.quotePrefix = True
        sample.append(cell)
    sheet.append(sample)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(n: int, cells: list, styles: dict[bytes, bytes]) -> str:
    """Row `n` as openpyxl's write-only mode writes it: inline strings (CR kept as &#13;),
    the sample's quote-prefix style on text that looks like a formula, hours as numbers."""
    out = []
    for letter, value in zip(LETTERS, cells, strict=True):
        style = f' s="{styles[letter.encode()].decode()}"'
        if not isinstance(value, str):
            out.append(f'<c r="{letter}{n}"{style} t="n"><v>{value!r}</v></c>')
        elif value:
            quoted = style if looks_like_formula(value) else ""
            text = xml_text(value).replace("\r", "&#13;")
            out.append(f'<c r="{letter}{n}"{quoted} t="inlineStr">{text}</c>')
    return f'<row r="{n}">{"".join(out)}</row>'


def xlsx_chunks(rows, *, every: int = 500) -> Iterator[bytes]:
    """The XLSX workbook as it is zipped, a chunk of rows at a time: openpyxl's parts as
    they are, its sheet with the records in the sample row's place."""
    sink = _Sink()
    with (
        zipfile.ZipFile(io.BytesIO(_template())) as template,
        zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as book,
    ):
        for part in template.infolist():
            if part.filename != SHEET_PART:
                book.writestr(part, template.read(part))
        yield sink.take()
        head, sample, tail = split_at_sample(template.read(SHEET_PART))
        styles = dict(re.findall(rb'<c r="([A-Z]+)2" s="(\d+)"', sample))
        with book.open(SHEET_PART, "w", force_zip64=True) as sheet:
            sheet.write(head)
            for n, record in enumerate(rows, 2):
                sheet.write(_row(n, _cells(record), styles).encode())
                if n % every == 0:
                    yield sink.take()
            sheet.write(tail)
    yield sink.take()
