"""Lay the phone screenshots of the browser journeys out as one contact sheet per role.

    make test-e2e    # writes tests/screenshots/*.png (first screens of a 390×844 phone)
    .venv/bin/python tools/contact_sheet.py

Each sheet (docs/screens/<role>.png) puts that role's screens side by side, Chinese then
English, each with a caption, so the next person sees the product at a glance. It also
copies the first screens of the home pages to docs/screens/after/ (the "before" ones were
taken from main before issue 17). Needs Pillow (installed with the test extras).
"""

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
OUT = ROOT / "docs" / "screens"
LOCALES = ("zh-CN", "en")
#: Per role: (caption, file stem with {lang}); the stand-down shows whoever takes part.
SHEETS = {
    "member": [
        ("Home", "home-{lang}-member"),
        ("Accepted a call-out", "standdown-{lang}-1-member-accepted"),
        ("Told of the stand-down", "standdown-{lang}-4-member-told"),
        ("Inbox", "standdown-{lang}-5-member-inbox"),
        ("Series notices, one each", "lang-{lang}-05-member-inbox"),
        ("Sign-up cancelled after asking", "lang-{lang}-06-member-signup-cancelled"),
        ("Correction withdrawn", "lang-{lang}-07-member-correction-withdrawn"),
    ],
    "staff": [("Home", "home-{lang}-staff"), ("Roster", "lang-{lang}-08-staff-roster")],
    "coordinator": [
        ("Home", "home-{lang}-coordinator"),
        ("Change a series", "lang-{lang}-01-coordinator-series-edit"),
        ("Cancel a series: confirm", "lang-{lang}-03-coordinator-series-cancel-confirm"),
        ("Series cancelled: who was told", "lang-{lang}-04-coordinator-series-cancelled"),
    ],
    "organiser": [
        ("Home", "home-{lang}-organiser"),
        ("Stand-down: the reason", "standdown-{lang}-2-organiser-reason"),
        ("Stood down: the clock stops", "standdown-{lang}-3-organiser-live"),
        ("Dashboard, one language", "lang-{lang}-09-organiser-dashboard"),
    ],
    "several-roles": [("Home (staff + coordinator)", "home-{lang}-several")],
}
TILE_WIDTH = 360
CAPTION = 34
GAP = 16
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _font(size: int):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def _tile(path: Path) -> Image.Image:
    image = Image.open(path).convert("RGB")
    height = round(image.height * TILE_WIDTH / image.width)
    return image.resize((TILE_WIDTH, height), Image.LANCZOS)


def sheet(role: str, screens: list[tuple[str, str]]) -> Image.Image | None:
    """One role's sheet: a row per language, a column per screen; None without shots."""
    rows = []
    for lang in LOCALES:
        row = []
        for caption, stem in screens:
            path = SHOTS / (stem.format(lang=lang) + ".png")
            if path.exists():
                row.append((f"{caption} · {lang}", _tile(path)))
        if row:
            rows.append(row)
    if not rows:
        return None
    columns = max(len(r) for r in rows)
    tile_height = max(t.height for r in rows for _c, t in r)
    width = GAP + columns * (TILE_WIDTH + GAP)
    height = GAP + len(rows) * (CAPTION + tile_height + GAP)
    out = Image.new("RGB", (width, height), "#eeeeee")
    draw, font = ImageDraw.Draw(out), _font(18)
    for r, row in enumerate(rows):
        top = GAP + r * (CAPTION + tile_height + GAP)
        for c, (caption, tile) in enumerate(row):
            left = GAP + c * (TILE_WIDTH + GAP)
            draw.text((left, top + 4), f"{role} · {caption}", fill="#222222", font=font)
            out.paste(tile, (left, top + CAPTION))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    if not SHOTS.is_dir():
        print(f"no screenshots in {SHOTS}: run `make test-e2e` first", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for role, screens in SHEETS.items():
        image = sheet(role, screens)
        if image is None:
            print(f"{role}: no screenshots, skipped")
            continue
        target = OUT / f"{role}.png"
        image.save(target, optimize=True)
        print(f"{target.relative_to(ROOT)}: {image.width}×{image.height}")
    after = OUT / "after"
    after.mkdir(exist_ok=True)
    for path in sorted(SHOTS.glob("home-*.png")):
        _tile(path).save(after / path.name, optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
