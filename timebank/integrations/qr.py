"""Drawing QR codes with `qrcode`: rendering only.

What a code carries, and how long it is valid, is decided in `checkin/`. SVG needs no
Pillow and scales to any screen without blurring.
"""

import re

from .lazy import lazy_module

qrcode = lazy_module("qrcode")
qrcode_svg = lazy_module("qrcode.image.svg")
_LEVELS = ("L", "M", "Q", "H")
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


def _level(name: str) -> str:
    if name not in _LEVELS:
        raise KeyError(name)
    return name


def qr_svg(data: str, *, error_correction: str = "M", border: int = 4) -> str:
    """`data` as an SVG QR code: black modules on a white ground, with a quiet zone of
    `border` modules (4 is the standard's minimum). The drawing has a viewBox and no
    fixed size, so CSS sizes it; edges are drawn crisp.

    Level M keeps a member token (about 40 characters) at version 3, 29 modules wide:
    fewer, larger modules read better off a phone screen in sunlight than the extra
    redundancy of Q would.
    """
    code = qrcode.QRCode(
        error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{_level(error_correction)}"),
        border=border,
        image_factory=qrcode_svg.SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return _SIZE.sub("", svg, count=2).replace(
        "<svg ", '<svg shape-rendering="crispEdges" preserveAspectRatio="xMidYMid meet" ', 1
    )
