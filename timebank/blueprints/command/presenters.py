"""What the command centre shows: its live state (the page and its JSON alike) and the map.

`live_state()` is drawn once by the template and then by command-live.js from the JSON
endpoint, which returns the same dict; the map's points are drawn once (units do not
move) and only their marks change.
"""

import math
from datetime import datetime

from flask_babel import gettext as _

from ...dispatch import command
from ...dispatch.models import STATUS_LABELS, Status
from ...units.models import Unit

#: Width of the map's SVG viewBox; the height follows the units' extent.
MAP_WIDTH = 1000
MAP_PAD = 20
#: Rows of each coverage list sent to the page (the totals are always complete).
COVERAGE_SHOWN = 40


def _items(answer: dict, names: dict[int, str]) -> dict:
    """The figures' totals and items, each item named in the reader's language."""
    items = [
        {"id": i["id"], "name": names.get(i["id"], i["name"]), **{k: i[k] for k in FIGURES}}
        for i in answer["items"]
    ]
    return {"totals": {k: answer["totals"][k] for k in FIGURES}, "items": items}


FIGURES = (
    "reported",
    "rejected",
    "closed",
    "closure_rate",
    "on_time_rate",
    "satisfaction_rate",
    "median_handle_min",
    "overdue_open",
)


def _queue_line(event, now: datetime, locale: str) -> dict:
    due = event.handle_due_at if event.handle_overdue_at else event.accept_due_at
    due = due or event.handle_due_at
    return {
        "id": event.id,
        "number": event.number,
        "category": event.category.display_name(locale),
        "place": event.unit.display_name(locale),
        "status": event.status,
        "status_label": str(Status(event.status).label),
        "due_at": due.isoformat() if due else None,
        "late_min": max(0, int((now - due).total_seconds() // 60)) if due else None,
        "escalated_to": event.escalated_to.display_name(locale) if event.escalated_to else None,
    }


def live_state(unit: Unit, period: command.Period, *, now: datetime, locale: str) -> dict:
    """Counts, the overdue queue, the figures, the coverage and the map's marks, now."""
    queue, late_total = command.overdue_queue(unit)
    by_part, by_category = command.unit_figures(unit, period)
    part_names = {u.id: u.display_name(locale) for u in command.parts_of(unit)}
    uncovered = command.uncovered_grids(unit)
    overdue = command.overdue_grids(unit)
    overdue_units = {u.id: u for u in command.units_by_id(list(overdue))}
    return {
        "unit_id": unit.id,
        "days": period.days,
        "at": now.isoformat(),
        "counts": command.status_counts(unit, period),
        "overdue": {
            "total": late_total,
            "items": [_queue_line(e, now, locale) for e in queue],
        },
        "parts": _items(by_part, part_names),
        "categories": _items(by_category, command.category_names(locale)),
        "coverage": {
            "uncovered_total": len(uncovered),
            "uncovered": [_grid_line(g, locale) for g in uncovered[:COVERAGE_SHOWN]],
            "overdue_total": len(overdue),
            "overdue": [
                {**_grid_line(overdue_units[uid], locale), "n": n}
                for uid, n in sorted(overdue.items(), key=lambda kv: -kv[1])[:COVERAGE_SHOWN]
                if uid in overdue_units
            ],
        },
        "marks": {
            "uncovered": [g.id for g in uncovered],
            "overdue": {str(uid): n for uid, n in overdue.items()},
        },
    }


def _grid_line(grid: Unit, locale: str) -> dict:
    parent = grid.parent.display_name(locale) if grid.parent else ""
    return {"id": grid.id, "name": grid.display_name(locale), "community": parent}


def map_points(unit: Unit, locale: str) -> dict:
    """The grids' centres projected into the SVG (equirectangular, scaled by cos(lat))."""
    grids = [g for g in command.grids_of(unit) if g.lat is not None and g.lon is not None]
    if not grids:
        return {"width": MAP_WIDTH, "height": 300, "points": [], "labels": []}
    lat0 = sum(g.lat for g in grids) / len(grids)
    xs = [g.lon * math.cos(math.radians(lat0)) for g in grids]
    ys = [-g.lat for g in grids]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = (MAP_WIDTH - 2 * MAP_PAD) / max(max(xs) - min(xs), 1e-6)
    scale = min(scale, (MAP_WIDTH - 2 * MAP_PAD) / span * 1.6)
    height = round((max(ys) - min(ys)) * scale + 2 * MAP_PAD)
    points = []
    for g, x, y in zip(grids, xs, ys, strict=True):
        points.append(
            {
                "id": g.id,
                "x": round(MAP_PAD + (x - min(xs)) * scale, 1),
                "y": round(MAP_PAD + (y - min(ys)) * scale, 1),
                "name": g.display_name(locale),
                "part": _part_id(unit, g),
            }
        )
    return {
        "width": MAP_WIDTH,
        "height": max(height, 120),
        "points": points,
        "labels": _labels(unit, points, locale),
    }


def _part_id(unit: Unit, grid: Unit) -> int:
    """The id of the unit one level below `unit` that holds the grid."""
    ids = grid.ancestor_ids
    depth = len(unit.ancestor_ids)
    return ids[depth] if len(ids) > depth else grid.id


def _labels(unit: Unit, points: list[dict], locale: str) -> list[dict]:
    """A name at the middle of each part's grids (towns on the district's map)."""
    parts = {u.id: u for u in command.parts_of(unit)}
    groups: dict[int, list[dict]] = {}
    for p in points:
        groups.setdefault(p["part"], []).append(p)
    labels = []
    for part_id, pts in groups.items():
        if part_id not in parts:
            continue
        labels.append(
            {
                "x": round(sum(p["x"] for p in pts) / len(pts), 1),
                "y": round(sum(p["y"] for p in pts) / len(pts), 1),
                "name": parts[part_id].display_name(locale),
            }
        )
    return labels


def texts() -> dict:
    """The live script's words (the script has no catalogue)."""
    return {
        "status": {str(s): str(label) for s, label in STATUS_LABELS.items()},
        "late": _("%(n)s min late", n="{n}"),
        "escalated": _("escalated to %(unit)s", unit="{unit}"),
        "none_late": _("Nothing is overdue."),
        "none": _("None."),
        "reported": _("Reported"),
        "closure_rate": _("Closure rate"),
        "offline": _("Connection lost: retrying…"),
        "signed_out": _("You are signed out: reload the page to sign in again."),
        "updated": _("Updated %(time)s", time="{time}"),
        "events_n": _("%(n)s open overdue", n="{n}"),
    }
