"""The certificate as a PDF in Chinese, drawn with ReportLab.

Font: STSong-Light, one of the standard CJK fonts of PDF (Adobe-GB1), through ReportLab's
`UnicodeCIDFont`: the text is written as UTF-16 in the predefined UniGB-UCS2-H encoding and
the viewer supplies the glyphs (Acrobat, pdf.js, PDFium, Preview and the phone viewers all
do), so nothing is embedded and no font file is shipped. A Noto CJK subset would add font
data to subset for every document; this way a certificate of 2,000 entries is a few tens of
KB, made in well under a second (bench/certificates.py). The QR code of the verify address
is ReportLab's own QR widget, drawn as vectors.
"""

import io
from functools import cache
from typing import Any

from ..core.clock import local
from ..integrations.lazy import lazy_module
from .models import Certificate

# ReportLab (~12 MiB) is loaded by the first certificate drawn, not by every web worker.
renderPDF = lazy_module("reportlab.graphics.renderPDF")
barcode_qr = lazy_module("reportlab.graphics.barcode.qr")
shapes = lazy_module("reportlab.graphics.shapes")
pdfmetrics = lazy_module("reportlab.pdfbase.pdfmetrics")
cidfonts = lazy_module("reportlab.pdfbase.cidfonts")
pdfgen_canvas = lazy_module("reportlab.pdfgen.canvas")

#: A ReportLab canvas (typed loosely: ReportLab is imported only once a PDF is drawn).
Canvas = Any

FONT = "STSong-Light"
#: A4 in points, as reportlab.lib.pagesizes writes it (inch = 72, mm = inch / 2.54 / 10).
_MM = 72.0 / 2.54 * 0.1
PAGE_W, PAGE_H = 210 * _MM, 297 * _MM
MARGIN = 42
ROW_H = 15
BODY = 9.5
QR_SIZE = 96
#: Columns: (x, width) of date, shift or event, organising unit; hours end at HOURS_X.
COLS = ((MARGIN, 70), (MARGIN + 72, 230), (MARGIN + 306, 150))
HOURS_X = PAGE_W - MARGIN
#: The lowest baseline a row of the table may take, and the room the totals need.
TABLE_BOTTOM = MARGIN + 10
TOTALS_ROOM = MARGIN + 40


def hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _fit(text: str, size: float, width: float) -> str:
    """`text`, cut with an ellipsis where it would run past `width` points."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    room = width - pdfmetrics.stringWidth("…", FONT, size)
    out, used = [], 0.0
    for ch in text:
        used += pdfmetrics.stringWidth(ch, FONT, size)
        if used > room:
            break
        out.append(ch)
    return "".join(out) + "…"


@cache
def _numbered_canvas() -> type:
    """ReportLab's canvas class with page numbers, made (and the font registered) once."""
    pdfmetrics.registerFont(cidfonts.UnicodeCIDFont(FONT))

    class _NumberedCanvas(pdfgen_canvas.Canvas):
        """A canvas that writes "page n of total" on every page once the total is known
        (ReportLab's usual recipe: keep each page's state, draw the footers at save)."""

        def __init__(self, *args, serial: str, **kwargs):
            super().__init__(*args, **kwargs)
            self._serial = serial
            self._kept = []

        def showPage(self):  # ReportLab's name
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._kept)
            for number, state in enumerate(self._kept, 1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.drawString(
                    MARGIN,
                    28,
                    f"{self._serial}  第 {number} / {total} 页  "
                    "依据《志愿服务记录与证明出具办法（试行）》出具",
                )
                super().showPage()
            super().save()

    return _NumberedCanvas


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of `url`, `size` points square, its lower left corner at (x, y)."""
    widget = barcode_qr.QrCodeWidget(url, barLevel="M", barBorder=2, barWidth=size, barHeight=size)
    drawing = shapes.Drawing(size, size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _header(canvas: Canvas, cert: Certificate, verify_url: str) -> float:
    """Title, holder, period, total, issuer, serial and the QR; returns the next y."""
    canvas.setFont(FONT, 18)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - 70, "志愿服务证明")
    lines = [
        f"志愿者：{cert.member_name}    手机：{cert.phone_masked}",
        f"服务期间：{cert.from_on:%Y年%m月%d日} 至 {cert.to_on:%Y年%m月%d日}",
        f"服务时长合计：{hours(cert.minutes)} 小时"
        f"（{cert.minutes} 分钟，{cert.entry_count} 条记录）",
        f"出具单位：{cert.issuer_name}",
        f"证明编号：{cert.serial}",
        f"出具日期：{local(cert.issued_at):%Y年%m月%d日}",
    ]
    y = PAGE_H - 110
    canvas.setFont(FONT, 11)
    for text in lines:
        canvas.drawString(MARGIN, y, text)
        y -= 19
    _qr(canvas, verify_url, PAGE_W - MARGIN - QR_SIZE, PAGE_H - 96 - QR_SIZE, QR_SIZE)
    canvas.setFont(FONT, 8)
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 206, "扫码核验真伪")
    canvas.setFont(FONT, 10)
    canvas.drawString(MARGIN, y - 4, "兹证明上述志愿者在南沙区党员时间银行参加志愿服务，记录如下：")
    return y - 28


def _table_head(canvas: Canvas, y: float) -> float:
    canvas.setFont(FONT, BODY)
    for (x, _w), title in zip(COLS, ("日期", "服务项目（班次或事件）", "组织单位"), strict=True):
        canvas.drawString(x, y, title)
    canvas.drawRightString(HOURS_X, y, "时长（小时）")
    _rule(canvas, y - 4)
    return y - ROW_H


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, y, PAGE_W - MARGIN, y)


def _row(canvas: Canvas, y: float, entry: dict) -> None:
    values = (entry["date"], entry["title"], entry["unit"])
    for (x, width), value in zip(COLS, values, strict=True):
        canvas.drawString(x, y, _fit(str(value), BODY, width))
    canvas.drawRightString(HOURS_X, y, hours(entry["minutes"]))


def _new_page(canvas: Canvas) -> float:
    canvas.showPage()
    return PAGE_H - MARGIN - 10


def render(cert: Certificate, verify_url: str) -> bytes:
    """The certificate as PDF bytes: header and QR, the entries across pages, the totals."""
    out = io.BytesIO()
    canvas = _numbered_canvas()(
        out, pagesize=(PAGE_W, PAGE_H), pageCompression=1, serial=cert.serial
    )
    canvas.setTitle(f"志愿服务证明 {cert.serial}")
    canvas.setAuthor(cert.issuer_name)
    y = _table_head(canvas, _header(canvas, cert, verify_url))
    for entry in cert.entries:
        if y < TABLE_BOTTOM:
            y = _table_head(canvas, _new_page(canvas))
        _row(canvas, y, entry)
        y -= ROW_H
    if y < TOTALS_ROOM:
        y = _new_page(canvas)
    _rule(canvas, y + ROW_H - 4)
    canvas.setFont(FONT, BODY)
    canvas.drawString(MARGIN, y, "合计")
    canvas.drawRightString(HOURS_X, y, hours(cert.minutes))
    canvas.setFont(FONT, 10)
    canvas.drawString(MARGIN, y - 24, f"出具单位（盖章）：{cert.issuer_name}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
