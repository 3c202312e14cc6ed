"""Drawing QR codes with `qrcode`: rendering only.

What a code carries, and how long it is valid, is decided in `checkin/`. SVG needs no
Pillow and scales to any screen without blurring.
"""

import re

import qrcode
from qrcode.image.svg import SvgPathFillImage

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


def qr_svg(data: str, *, error_correction: str = "M", border: int = 4) -> str:
    """`data` as an SVG QR code: black modules on a white ground, with a quiet zone of
    `border` modules (4 is the standard's minimum). The drawing has a viewBox and no
    fixed size, so CSS sizes it; edges are drawn crisp.

    Level M keeps a member token (about 40 characters) at version 3, 29 modules wide:
    fewer, larger modules read better off a phone screen in sunlight than the extra
    redundancy of Q would.
    """
    code = qrcode.QRCode(
        error_correction=_LEVELS[error_correction],
        border=border,
        image_factory=SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return _SIZE.sub("", svg, count=2).replace(
        "<svg ", '<svg shape-rendering="crispEdges" preserveAspectRatio="xMidYMid meet" ', 1
    )
