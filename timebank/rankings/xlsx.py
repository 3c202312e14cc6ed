"""Rankings as XLSX workbooks: openpyxl makes the workbook (its parts, styles, widths, the
frozen header and a sample row with the number formats); the rows take the sample's place,
written as openpyxl's write-only mode writes them, but from small format strings.

Text cells are typed strings (`t="inlineStr"`), which no spreadsheet evaluates, so text is
written as it is; such cells also carry Excel's quote prefix when they look like formulas.
"""

import io
import re
import zipfile

from ..core.spreadsheet import (
    COMPRESS_LEVEL,
    SHEET_PART,
    looks_like_formula,
    split_at_sample,
    xml_text,
)
from ..integrations.lazy import lazy_module
from .exports import (
    COLUMN_SPECS,
    PERIOD_LABELS,
    SUBJECT_LABELS,
    Export,
    _tail,
    _values,
    header,
)

openpyxl = lazy_module("openpyxl")
openpyxl_cell = lazy_module("openpyxl.cell")
openpyxl_styles = lazy_module("openpyxl.styles")


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
            head, sample, tail = split_at_sample(data)
            styles = dict(re.findall(rb'<c r="([A-Z]+)2" s="(\d+)"', sample))
            with book.open(SHEET_PART, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for chunk in _sheet_rows(export, styles):
                    sheet.write(chunk)
                sheet.write(tail)
    return out.getvalue()


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: What a sample cell holds for each kind of column (its style carries the number format).
SAMPLES = {"int": 0, "text": "", "hours": 0, "rate": 0}


def _template(export: Export) -> bytes:
    """openpyxl's workbook: the header row and a sample row (row 2) with the formats."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(export))
    sheet.freeze_panes = "A2"
    keys = export.columns
    for letter, key in zip(LETTERS, keys, strict=False):
        sheet.column_dimensions[letter].width = COLUMN_SPECS[key][2]
    bold = openpyxl_styles.Font(bold=True)
    titles = [openpyxl_cell.WriteOnlyCell(sheet, value=text) for text in header(export)]
    for cell in titles:
        cell.font = bold
    sheet.append(titles)
    sample = []
    for key in keys:
        kind = COLUMN_SPECS[key][1]
        cell = openpyxl_cell.WriteOnlyCell(sheet, value=SAMPLES[kind])
        if kind == "hours":
            cell.number_format = "0.00"
        elif kind == "rate":
            cell.number_format = "0%"
        elif kind == "text":
            cell.quotePrefix = True  # the style of text cells that look like formulas
        sample.append(cell)
    sheet.append(sample)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_rows(export: Export, styles: dict[bytes, bytes], *, every: int = 1000):
    """The ranking's <row> elements from row 2, as UTF-8, a chunk every `every` rows. Each
    column's kind (number, text, hours, rate) is known, so each cell is one small format
    string with the sample row's style; the columns that are the same in every row (unit,
    period, dates) are made once; text is kept as it is (no apostrophe: a typed string cell
    is never a formula) and gets the quote prefix when it looks like one."""
    keys = export.columns
    letters = dict(zip(keys, LETTERS, strict=False))

    def style(key):
        found = styles.get(letters[key].encode())
        return f' s="{found.decode()}"' if found else ""

    styled = {key: style(key) for key in keys}
    tail = {k: v for k, v in _tail(export).items() if k in letters}
    fixed = {k: (xml_text(v), styled[k] if looks_like_formula(v) else "") for k, v in tail.items()}
    parts = []
    for n, row in enumerate(export.rows, start=2):
        values = _values(export, row)
        cells = []
        for key in keys:
            ref, kind = f"{letters[key]}{n}", COLUMN_SPECS[key][1]
            if key in fixed:
                text, quoted = fixed[key]
                cells.append(f'<c r="{ref}"{quoted} t="inlineStr">{text}</c>')
            elif kind == "text":
                value = values[key]
                quoted = styled[key] if looks_like_formula(value) else ""
                cells.append(_text_cell(ref, value, quoted))
            elif kind == "int":
                cells.append(f'<c r="{ref}" t="n"><v>{values[key]}</v></c>')
            elif values[key] is not None:  # hours, or a rate (left empty: never asked)
                cells.append(f'<c r="{ref}"{styled[key]} t="n"><v>{values[key]!r}</v></c>')
        parts.append(f'<row r="{n}">{"".join(cells)}</row>')
        if n % every == 0:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    yield "".join(parts).encode("utf-8")


def _text_cell(ref: str, value: str, style: str = "") -> str:
    """An inline-string cell, or nothing for an empty value (as openpyxl leaves None)."""
    return f'<c r="{ref}"{style} t="inlineStr">{xml_text(value)}</c>' if value else ""


def sheet_title(export: Export) -> str:
    """The sheet's name in the viewer's language: "Members 2026-12", "Towns All time"."""
    key = str(PERIOD_LABELS["all"]) if export.period == "all" else export.period_key
    title = f"{SUBJECT_LABELS[export.by]} {key}"
    return re.sub(r"[\\/?*\[\]:]", "-", title)[:31]
