"""Reading CSV uploads: UTF-8 (with or without BOM), rows numbered as a spreadsheet shows."""

import csv
import io

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed


def read_csv(data: bytes | str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1. Raises ValidationFailed on a bad file."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed([("file", _l("The file is not UTF-8 text."))]) from None
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
