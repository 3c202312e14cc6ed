"""The annual check report (体检报告): its contents, and the same as a Chinese PDF.

The halves: the first half's indicators are those of the member's sheet of the `YYYYH1`
check; the second half's are the year's minus the first half's (every indicator is a count).
"""

from io import BytesIO

import sqlalchemy as sa

from ..extensions import db
from ..integrations.lazy import lazy_module
from .models import Check, Decision, Sheet, SheetStatus

pagesizes = lazy_module("reportlab.lib.pagesizes")
pdfmetrics = lazy_module("reportlab.pdfbase.pdfmetrics")
cidfonts = lazy_module("reportlab.pdfbase.cidfonts")
canvas = lazy_module("reportlab.pdfgen.canvas")

COUNTS = [
    ("service_minutes", "服务时长（分钟）"),
    ("shifts_served", "服务班次"),
    ("no_shows", "爽约"),
    ("late_cancellations", "临时取消"),
    ("callouts_asked", "应响应召集"),
    ("callouts_answered", "已响应召集"),
    ("lectures_attended", "参加讲学"),
    ("lectures_held", "举办讲学"),
]
GRADES = {"good": "好", "fair": "较好", "attention": "需关注"}
FONT = "STSong-Light"
#: Left and right margins of the PDF, in points.
MARGIN = 50


def is_reportable(sheet: Sheet) -> bool:
    """A report exists for a final sheet of an annual check (`YYYY`)."""
    period = db.session.get(Check, sheet.check_id).period
    return sheet.status == SheetStatus.FINAL and len(period) == 4


def _first_half(sheet: Sheet, year: str) -> Sheet | None:
    return db.session.scalar(
        sa.select(Sheet)
        .join(Check, Check.id == Sheet.check_id)
        .where(Sheet.member_id == sheet.member_id, Check.period == f"{year}H1")
        .order_by(Sheet.id.desc())
        .limit(1)
    )


def report_of(sheet: Sheet) -> dict:
    """The report's contents: indicators of both halves, items, score and grade."""
    year = db.session.get(Check, sheet.check_id).period
    first = _first_half(sheet, year)
    rows = []
    for name, label in COUNTS:
        total = getattr(sheet, name)
        h1 = getattr(first, name) if first is not None else None
        rows.append(
            {"label": label, "h1": h1, "h2": None if h1 is None else total - h1, "year": total}
        )
    return {
        "year": year,
        "name": sheet.member.name,
        "indicators": rows,
        "items": [
            {"text": i.text, "points": i.points, "reason": i.reason}
            for i in sheet.items
            if i.decision == Decision.CONFIRMED
        ],
        "score": sheet.score,
        "grade": GRADES.get(sheet.grade, ""),
        "rectification": sheet.rectification,
        "comment": sheet.org_comment,
    }


def _lines(report: dict) -> list[str]:
    dash = "—"
    out = [f"{report['year']}年度党性体检报告", f"党员：{report['name']}", ""]
    out.append("指标：上半年 / 下半年 / 全年")
    for r in report["indicators"]:
        h1 = dash if r["h1"] is None else r["h1"]
        h2 = dash if r["h2"] is None else r["h2"]
        out.append(f"  {r['label']}：{h1} / {h2} / {r['year']}")
    out += ["", "认定的问题："]
    for i in report["items"] or [{"text": "无", "points": 0, "reason": None}]:
        reason = f"（{i['reason']}）" if i["reason"] else ""
        out.append(f"  {i['text']} 扣{i['points']}分{reason}")
    out += ["", f"得分：{report['score']}　等次：{report['grade']}"]
    if report["comment"]:
        out.append(f"组织评语：{report['comment']}")
    if report["rectification"]:
        out.append(f"整改情况：{report['rectification']}")
    return out


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(cidfonts.UnicodeCIDFont(FONT))


def wrap(line: str, size: float, width: float, font: str = FONT) -> list[str]:
    """Break `line` into pieces that fit `width` points at `size` in `font`, between any two
    characters (Chinese has no spaces to break at); continuations keep the line's indent.
    A newline in the text starts a new piece."""
    _register_font()
    indent = line[: len(line) - len(line.lstrip(" "))]
    out: list[str] = []
    for part in line.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current = ""
        for char in part:
            if current and pdfmetrics.stringWidth(current + char, font, size) > width:
                out.append(current)
                current = indent + "  " + char
            else:
                current += char
        out.append(current)
    return out


def report_pdf(report: dict) -> bytes:
    """The report as an A4 PDF in Chinese (the standard CID font STSong-Light, no file)."""
    _register_font()
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=pagesizes.A4)
    page.setTitle(f"{report['year']}年度党性体检报告")
    width, height = pagesizes.A4
    y = height - 60
    for n, line in enumerate(_lines(report)):
        size = 16 if n == 0 else 11
        for piece in wrap(line, size, width - 2 * MARGIN):
            page.setFont(FONT, size)
            page.drawString(MARGIN, y, piece)
            y -= 24 if n == 0 else 17
            if y < MARGIN:
                page.showPage()
                y = height - 60
    page.save()
    return out.getvalue()
