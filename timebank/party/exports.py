"""The results of a check for the seven uses (SPEC 7, rule 3): one row per member with
score, grade and confirmed items, and the seven uses as empty columns for the
organisation to fill. For secretaries in scope only.

Rows are read with `yield_per` (the confirmed codes aggregated in SQL), so neither file
holds more than a batch of rows in Python; the CSV is streamed, the XLSX is written by
openpyxl's write-only mode. `rows` gives the values as they are; each file guards text a
spreadsheet would take for a formula its own way: the CSV with an apostrophe, the XLSX as
a typed string cell (which no spreadsheet evaluates), so without one.
"""

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.spreadsheet import looks_like_formula, safe_text
from ..extensions import db
from ..integrations.lazy import lazy_module
from ..members.models import Member
from .models import Check, Decision, PartyOrg, Sheet, SheetItem

openpyxl = lazy_module("openpyxl")
openpyxl_cell = lazy_module("openpyxl.cell")

#: The seven uses of the results (SPEC 7), as columns for the organisation to fill.
USES = [
    _l("Democratic appraisal"),
    _l("Organisational-life meeting"),
    _l("Democratic-life meeting"),
    _l("Annual awards"),
    _l("Performance review"),
    _l("Promotion"),
    _l("Heart-to-heart talk"),
]
GRADE_LABELS = {"good": _l("Good"), "fair": _l("Fair"), "attention": _l("Needs attention")}


def header() -> list[str]:
    fixed = [
        _l("Name"),
        _l("Branch"),
        _l("Status"),
        _l("Score"),
        _l("Grade"),
        _l("Confirmed items"),
    ]
    return [str(t) for t in fixed + USES]


def rows(check: Check) -> Iterator[list]:
    """Each member's line, branch then name order."""
    confirmed = (
        sa.select(sa.func.aggregate_strings(SheetItem.code, " "))
        .where(SheetItem.sheet_id == Sheet.id, SheetItem.decision == Decision.CONFIRMED)
        .correlate(Sheet)
        .scalar_subquery()
    )
    stmt = (
        sa.select(Member.name, PartyOrg.name, Sheet.status, Sheet.score, Sheet.grade, confirmed)
        .join(Member, Member.id == Sheet.member_id)
        .join(PartyOrg, PartyOrg.id == Sheet.party_org_id)
        .where(Sheet.check_id == check.id)
        .order_by(PartyOrg.code, Member.name, Member.id)
        .execution_options(yield_per=2000)
    )
    for name, branch, status, score, grade, codes in db.session.execute(stmt):
        label = str(GRADE_LABELS[grade]) if grade else ""
        yield [
            name,
            branch,
            status,
            score,
            label,
            codes or "",
            *[""] * len(USES),
        ]


def csv_chunks(check: Check, *, every: int = 1000) -> Iterator[bytes]:
    """The CSV file as UTF-8 bytes (BOM first, for spreadsheets), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for n, line in enumerate(rows(check), start=1):
        writer.writerow([safe_text(v) if isinstance(v, str) else v for v in line])
        if n % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(check: Check) -> bytes:
    """The XLSX file, written row by row by openpyxl's write-only mode."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(check.period)
    sheet.append(header())
    for line in rows(check):
        sheet.append([_xlsx_cell(sheet, v) for v in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value):
    """Text that looks like a formula as a string cell (openpyxl would write a formula)."""
    if not (isinstance(value, str) and looks_like_formula(value)):
        return value
    cell = openpyxl_cell.WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def grades_by_branch(check: Check) -> list[dict]:
    """Per branch: how many final sheets of each grade, and the sheets not final yet."""
    stmt = (
        sa.select(PartyOrg.id, PartyOrg.name, Sheet.grade, sa.func.count())
        .join(PartyOrg, PartyOrg.id == Sheet.party_org_id)
        .where(Sheet.check_id == check.id, Sheet.target == "member")
        .group_by(PartyOrg.id, PartyOrg.name, Sheet.grade)
        .order_by(PartyOrg.name)
    )
    out: dict[int, dict] = {}
    for org_id, name, grade, count in db.session.execute(stmt):
        row = out.setdefault(
            org_id, {"name": name, "good": 0, "fair": 0, "attention": 0, "open": 0}
        )
        row[grade or "open"] += count
    for row in out.values():
        row["total"] = row["good"] + row["fair"] + row["attention"] + row["open"]
    return list(out.values())


def trend(org: PartyOrg) -> list[dict]:
    """The organisation's checks in order, with each one's average score of final sheets."""
    stmt = (
        sa.select(Check.id, Check.period, sa.func.avg(Sheet.score), sa.func.count(Sheet.score))
        .outerjoin(Sheet, sa.and_(Sheet.check_id == Check.id, Sheet.target == "member"))
        .where(Check.party_org_id == org.id)
        .group_by(Check.id, Check.period)
        .order_by(Check.id)
    )
    return [
        {
            "check_id": i,
            "period": p,
            "average": round(float(a), 1) if a is not None else None,
            "final": n,
        }
        for i, p, a, n in db.session.execute(stmt)
    ]
