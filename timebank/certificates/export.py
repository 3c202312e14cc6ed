"""Service records for the national volunteer system and i志愿, as CSV and XLSX, streamed.

The columns are the ones those systems ask for when hours are entered: volunteer name,
service organisation, project / activity, date, start, end, hours. Lectures are left out
(records.py). Text that a spreadsheet would take for a formula (= + - @, tab, CR first)
is written as text: with an apostrophe in CSV, as a quote-prefixed inline string in XLSX.
Both are generators over a streamed query, so 100,000 rows never sit in memory.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from html import escape

from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import local
from ..core.errors import check
from ..members.models import Member
from ..rankings.exports import looks_like_formula, safe_text
from ..units.models import Unit
from . import records
from .services import period_errors

COLUMNS = (
    "志愿者姓名",
    "服务组织",
    "项目名称",
    "服务日期",
    "开始时间",
    "结束时间",
    "服务时长（小时）",
)


def member_rows(actor, member: Member, first, last) -> Iterator[records.Record]:
    """The member's records (the member, or coordinators of the member's community)."""
    if actor.id != member.id:
        ensure_role(actor, Role.COORDINATOR, member.community)
    check(period_errors(first, last))
    return iter(records.member_records(member.id, first, last))


def unit_rows(actor, unit: Unit, first: date, last: date) -> Iterator[records.Record]:
    """The records of every member of the unit and below (coordinators in scope)."""
    ensure_role(actor, Role.COORDINATOR, unit)
    check(period_errors(first, last))
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


_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="服务记录" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Styles: 0 default, 1 bold (header), 2 quote-prefixed text, 3 hours as 0.00.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/>'
        '</font><font><b/><sz val="11"/></font></fonts><fills count="1"><fill><patternFill '
        'patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="4"><xf xfId="0"/><xf xfId="0" fontId="1" applyFont="1"/>'
        '<xf xfId="0" quotePrefix="1"/><xf xfId="0" numFmtId="2" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
    'org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
    'topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    '<cols><col min="1" max="3" width="22" customWidth="1"/><col min="4" max="7" width="12" '
    'customWidth="1"/></cols><sheetData>'
)


#: Characters XML 1.0 cannot carry; dropped from text cells.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value, *, bold: bool = False) -> str:
    if isinstance(value, int | float):
        return f'<c s="3"><v>{value}</v></c>'
    text = escape(ILLEGAL_XML.sub("", str(value)), quote=False).replace("\r", "&#13;")
    style = 1 if bold else (2 if looks_like_formula(str(value)) else 0)
    return f'<c t="inlineStr" s="{style}"><is><t xml:space="preserve">{text}</t></is></c>'


def xlsx_chunks(rows, *, every: int = 500) -> Iterator[bytes]:
    """The XLSX workbook as it is zipped, a chunk of rows at a time."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as book:
        for name, body in _STATIC.items():
            book.writestr(name, body)
        yield sink.take()
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            sheet.write(
                ("<row>" + "".join(_cell(c, bold=True) for c in COLUMNS) + "</row>").encode()
            )
            for n, record in enumerate(rows, 1):
                sheet.write(
                    ("<row>" + "".join(_cell(c) for c in _cells(record)) + "</row>").encode()
                )
                if n % every == 0:
                    yield sink.take()
            sheet.write(b"</sheetData></worksheet>")
    yield sink.take()
