"""The audit log as CSV: UTF-8 with a BOM (Excel opens it as such), formula-like cells made
safe, the same words as the page, in the reader's language, streamed a batch at a time."""

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.clock import local
from ..rankings.exports import safe_text
from .describe import describe
from .queries import AuditFilter, iter_entries

COLUMNS = [
    _l("When"),
    _l("Who"),
    _l("What happened"),
    _l("To whom or what"),
    _l("Unit"),
    _l("Details"),
]


def row_cells(item, system: str) -> list[str]:
    """One entry's cells, every one safe to open in a spreadsheet."""
    e = item.entry
    cells = [
        local(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        e.actor.name if e.actor else system,
        item.action,
        item.target,
        e.unit.name if e.unit else "",
        "; ".join(_("%(label)s: %(value)s", label=k, value=v) for k, v in item.details),
    ]
    return [safe_text(c) for c in cells]


def csv_chunks(actor, wanted: AuditFilter, *, system: str) -> Iterator[bytes]:
    """The file as UTF-8 bytes, the BOM and header first, then a chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(c) for c in COLUMNS])
    for batch in iter_entries(actor, wanted):
        for item in describe(batch):
            writer.writerow(row_cells(item, system))
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue().encode("utf-8")
