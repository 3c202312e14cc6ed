"""Reading CSV uploads: UTF-8 (with or without BOM), rows numbered as a spreadsheet shows."""

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed

#: What people call the columns of the imports (units, checkpoints, members).
COLUMN_LABELS = {
    "code": _l("Code"),
    "name": _l("Name"),
    "name_en": _l("English name"),
    "level": _l("Level"),
    "parent_code": _l("Parent code"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "community_code": _l("Community code"),
    "radius_m": _l("Geofence radius (metres)"),
    "phone": _l("Phone"),
    "grid_code": _l("Grid code"),
    "is_party_member": _l("Party member"),
    "skills": _l("Skills"),
    "workplace": _l("Workplace"),
    "home_lat": _l("Home latitude"),
    "home_lon": _l("Home longitude"),
    "password": _l("Password"),
}


def row_errors_at(line: int, row_errors, labels=None) -> list[tuple[str, object]]:
    """A line's bad cells as errors: field "line N", message "<column label>: <reason>",
    put in the reader's language only when shown. `labels` overrides COLUMN_LABELS."""
    labels = {**COLUMN_LABELS, **(labels or {})}
    return [
        (f"line {line}", _l("%(column)s: %(reason)s", column=labels.get(f, f), reason=r))
        for f, r in row_errors
    ]


def where_text(where: str | None) -> str:
    """An import error's place for people: "line 3" → "Line 3" ("第 3 行"), "file" → "File"."""
    if not where:
        return ""
    if where.startswith("line ") and where[5:].isdigit():
        return _("Line %(n)s", n=where[5:])
    if where == "file":
        return _("File")
    return str(COLUMN_LABELS.get(where, where))


def decode_text(data: bytes) -> str:
    """A CSV upload's text: UTF-8 (with or without BOM), else GB18030 (which covers GBK and
    GB2312, Excel's default "CSV" on Chinese Windows). Neither: a message saying how to save."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        [
            (
                "file",
                _l(
                    "The file is neither UTF-8 nor GBK text. In Excel choose Save As, then "
                    "\u201cCSV UTF-8 (comma delimited)\u201d."
                ),
            )
        ]
    )


def template_text(columns, rows) -> str:
    """An import template: the header and example lines, UTF-8 with BOM (so Excel opens
    the Chinese names right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def read_csv(data: bytes | str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1. Raises ValidationFailed on a bad file."""
    if isinstance(data, bytes):
        data = decode_text(data)
    elif data.startswith("\ufeff"):
        data = data[1:]
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationFailed(
            [("file", _l("Missing columns: %(names)s.", names=", ".join(missing)))]
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank line
        rows.append(
            (
                reader.line_num,
                {k: (v if v is not None else "") for k, v in row.items() if k is not None},
            )
        )
    if not rows:
        raise ValidationFailed([("file", _l("The file has no rows."))])
    return rows
