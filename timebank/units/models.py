"""Units of the organisation tree."""

from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin
from ..core.i18n import localized_name
from ..extensions import db


class Level(StrEnum):
    DISTRICT = "district"
    TOWN = "town"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(self)

    @property
    def label(self):
        return LEVEL_LABELS[self]


LEVEL_ORDER = [Level.DISTRICT, Level.TOWN, Level.COMMUNITY, Level.GRID]
LEVEL_LABELS = {
    Level.DISTRICT: _l("District"),
    Level.TOWN: _l("Town / subdistrict"),
    Level.COMMUNITY: _l("Community / village"),
    Level.GRID: _l("Grid"),
}


class Unit(TimestampMixin, db.Model):
    __tablename__ = "units"
    __table_args__ = (
        sa.CheckConstraint(
            "level IN ('district', 'town', 'community', 'grid')", name="level_known"
        ),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
        sa.CheckConstraint(
            "(level = 'district') = (parent_id IS NULL)", name="only_district_is_root"
        ),
        # The nearest grid to a reported event: a bounding box on the grids' centres.
        sa.Index("ix_units_level_centre", "level", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    level: Mapped[str] = mapped_column(sa.String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: Materialised path of ids from the root, e.g. "/1/4/27/": a subtree is a prefix match.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.code")

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, this unit included."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def contains(self, other: "Unit") -> bool:
        """Whether `other` is this unit or lies below it."""
        return other.path.startswith(self.path)

    def display_name(self, locale: str | None = None) -> str:
        """The name in `locale` (default: the reader's language), English when there is one."""
        return localized_name(self.name, self.name_en, locale)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.level}>"
