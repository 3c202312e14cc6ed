"""The certificate as a PDF in Chinese, written directly (no font file, no PDF library).

Font: STSong-Light, one of the standard CJK fonts of PDF (Adobe-GB1), with the
predefined UniGB-UTF16-H encoding: the text is UTF-16 and the viewer supplies the
glyphs (Acrobat, pdf.js, PDFium, Preview and the phone viewers all do), so nothing is
embedded. A Noto CJK subset would add ~1 MB of font to subset per document and a second
of work for 2,000 entries; this way a certificate of 2,000 entries is ~100 KB and made
in a few tens of milliseconds (bench/certificates.py). A ToUnicode map is included, so
the text copies and extracts as the Chinese it is.
"""

import zlib
from dataclasses import dataclass

import qrcode

from ..core.clock import local
from .models import Certificate

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN = 42
ROW_H = 15
BODY = 9.5
#: Columns: (x, width) of date, shift or event, organising unit; hours end at HOURS_X.
COLS = ((MARGIN, 70), (MARGIN + 72, 230), (MARGIN + 306, 150))
HOURS_X = PAGE_W - MARGIN


def hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _text_width(text: str, size: float) -> float:
    return sum(0.5 if ord(ch) < 0x7F else 1.0 for ch in text) * size


def _fit(text: str, size: float, width: float) -> str:
    if _text_width(text, size) <= width:
        return text
    out, used = [], _text_width("…", size)
    for ch in text:
        used += _text_width(ch, size)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


@dataclass
class _Page:
    ops: list

    def text(self, x, y, text, size=BODY, right=False):
        if right:
            x -= _text_width(text, size)
        self.ops.append(f"BT /F1 {size:g} Tf {x:.1f} {y:.1f} Td {_hex(text)} Tj ET")

    def line(self, x1, y, x2, width=0.5):
        self.ops.append(f"{width:g} w {x1:.1f} {y:.1f} m {x2:.1f} {y:.1f} l S")


def _qr(page: _Page, url: str, x: float, y_top: float, size: float) -> None:
    """The QR code of `url` as filled rectangles, one per run of dark modules."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    rects = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                rects.append(
                    f"{x + start * cell:.2f} {y_top - (r + 1) * cell:.2f} "
                    f"{(c - start) * cell:.2f} {cell:.2f} re"
                )
            c += 1
    page.ops.append("0 g " + " ".join(rects) + " f")


def _header(page: _Page, cert: Certificate, verify_url: str) -> float:
    """Title, holder, period, total, issuer, serial and the QR; returns the next y."""
    page.text(PAGE_W / 2 - 54, PAGE_H - 70, "志愿服务证明", size=18)
    y = PAGE_H - 110
    lines = [
        f"志愿者：{cert.member_name}    手机：{cert.phone_masked}",
        f"服务期间：{cert.from_on:%Y年%m月%d日} 至 {cert.to_on:%Y年%m月%d日}",
        f"服务时长合计：{hours(cert.minutes)} 小时"
        f"（{cert.minutes} 分钟，{cert.entry_count} 条记录）",
        f"出具单位：{cert.issuer_name}",
        f"证明编号：{cert.serial}",
        f"出具日期：{local(cert.issued_at):%Y年%m月%d日}",
    ]
    for text in lines:
        page.text(MARGIN, y, text, size=11)
        y -= 19
    _qr(page, verify_url, PAGE_W - MARGIN - 96, PAGE_H - 96, 96)
    page.text(PAGE_W - MARGIN, PAGE_H - 206, "扫码核验真伪", size=8, right=True)
    page.text(MARGIN, y - 4, "兹证明上述志愿者在南沙区党员时间银行参加志愿服务，记录如下：", 10)
    return y - 28


def _table_head(page: _Page, y: float) -> float:
    for (x, _w), title in zip(COLS, ("日期", "服务项目（班次或事件）", "组织单位"), strict=True):
        page.text(x, y, title, size=BODY)
    page.text(HOURS_X, y, "时长（小时）", size=BODY, right=True)
    page.line(MARGIN, y - 4, PAGE_W - MARGIN, 0.8)
    return y - ROW_H


def _row(page: _Page, y: float, entry: dict) -> None:
    values = (entry["date"], entry["title"], entry["unit"])
    for (x, width), value in zip(COLS, values, strict=True):
        page.text(x, y, _fit(str(value), BODY, width), size=BODY)
    page.text(HOURS_X, y, hours(entry["minutes"]), size=BODY, right=True)


def _footer(page: _Page, cert: Certificate, number: int, total: int) -> None:
    note = (
        f"{cert.serial}  第 {number} / {total} 页  依据《志愿服务记录与证明出具办法（试行）》出具"
    )
    page.text(MARGIN, 28, note, size=7.5)


def _pages(cert: Certificate, verify_url: str) -> list[_Page]:
    pages = [_Page([])]
    y = _table_head(pages[0], _header(pages[0], cert, verify_url))
    for entry in cert.entries:
        if y < MARGIN + 10:
            pages.append(_Page([]))
            y = _table_head(pages[-1], PAGE_H - MARGIN - 10)
        _row(pages[-1], y, entry)
        y -= ROW_H
    if y < MARGIN + 40:
        pages.append(_Page([]))
        y = PAGE_H - MARGIN - 10
    page = pages[-1]
    page.line(MARGIN, y + ROW_H - 4, PAGE_W - MARGIN, 0.8)
    page.text(MARGIN, y, "合计", size=BODY)
    page.text(HOURS_X, y, hours(cert.minutes), size=BODY, right=True)
    page.text(MARGIN, y - 24, f"出具单位（盖章）：{cert.issuer_name}", size=10)
    for number, p in enumerate(pages, 1):
        _footer(p, cert, number, len(pages))
    return pages


def _to_unicode() -> bytes:
    """Codes are UTF-16 code units: each maps to itself (100 per bfrange block)."""
    ranges = [
        f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi < 0xE0
    ]
    blocks = []
    for start in range(0, len(ranges), 100):
        chunk = ranges[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def _stream(body: bytes) -> bytes:
    data = zlib.compress(body, 6)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


def render(cert: Certificate, verify_url: str) -> bytes:
    """The certificate as PDF bytes."""
    pages = _pages(cert, verify_url)
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"
    )
    descendant = (
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R "
        b"/DW 1000 /W [1 95 500 814 907 500] >>"
    )
    descriptor = (
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
    )
    first_page = 7
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    info = f"<< /Title {_hex('志愿服务证明 ' + cert.serial)} /Producer (timebank) >>".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        font,
        descendant,
        descriptor,
        _stream(_to_unicode()),
    ]
    for i, page in enumerate(pages):
        contents = first_page + 2 * i + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {contents} 0 R >>".encode()
        )
        objects.append(_stream("\n".join(page.ops).encode()))
    objects.append(info)
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)
