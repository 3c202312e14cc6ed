"""Where an event belongs (its grid) and its tracking number.

The nearest grid is found in SQL first: a bounding box on the grids' indexed centres,
widened step by step until it holds a grid within its radius (every point outside the
box is farther than the radius, so that grid is the nearest); haversine orders the few
found and the geodesic decides between those within haversine's error of the best.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.clock import local
from ..core.db import dialect
from ..core.errors import Conflict
from ..extensions import db
from ..integrations.geo import HAVERSINE_SLACK, bounding_box, distance_m, haversine_m
from ..units.models import Level, Unit
from .models import EventNumberDay

#: Search radii in metres: a street, a town, the district, beyond.
RADII = (1_500, 6_000, 25_000, 100_000)
DAILY_MAX = 999_999


def nearest_grid(lat: float, lon: float) -> Unit | None:
    """The grid whose centre is nearest (lat, lon) by geodesic distance, within 100 km."""
    here = (lat, lon)
    for radius in RADII:
        min_lat, max_lat, min_lon, max_lon = bounding_box(here, radius)
        rows = db.session.execute(
            sa.select(Unit.id, Unit.lat, Unit.lon).where(
                Unit.level == Level.GRID,
                Unit.lat.between(min_lat, max_lat),
                Unit.lon.between(min_lon, max_lon),
            )
        ).all()
        ranked = sorted((haversine_m(here, (r.lat, r.lon)), r.id, r) for r in rows)
        if not ranked or ranked[0][0] > radius:
            continue
        close = [r for d, _, r in ranked if d <= ranked[0][0] * (1 + HAVERSINE_SLACK) + 1]
        best = min(close, key=lambda r: (distance_m(here, (r.lat, r.lon)), r.id))
        return db.session.get(Unit, best.id)
    return None


def community_and_town(unit: Unit) -> tuple[int, int | None]:
    """The community an event's unit (a grid or a community) lies in, and its town."""
    ids = unit.ancestor_ids
    return ids[2], ids[1]


def next_number(now: datetime) -> str:
    """The next tracking number of the (Asia/Shanghai) day: NSyyyymmdd + 6 digits.

    One upsert moves the day's counter and returns it: concurrent reports wait on the row
    and each gets its own number; a rolled-back report's number goes back unused by any
    event."""
    day = local(now).strftime("%Y%m%d")
    insert = pg_insert if dialect() == "postgresql" else sqlite_insert
    stmt = insert(EventNumberDay).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day"], set_={"last": EventNumberDay.last + 1}
    ).returning(EventNumberDay.last)
    last = db.session.execute(stmt).scalar_one()
    if last > DAILY_MAX:
        raise Conflict("numbers_exhausted")
    return f"NS{day}{last:06d}"
