"""Reading the organisation tree."""

from functools import cache

import sqlalchemy as sa

from ..auth.permissions import in_scope
from ..core.errors import NotFound
from ..core.i18n import DEFAULT_LOCALE, current_locale, localized_column
from ..extensions import db
from .models import Level, Unit


def get_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found")
    return unit


def find_unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def find_root() -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))


def list_units(
    level: str | None = None, parent_id: int | None = None, within: Unit | None = None
) -> list[Unit]:
    """Units, filtered by level, by direct parent and by subtree, ordered by code."""
    q = sa.select(Unit).order_by(Unit.code)
    if level:
        q = q.where(Unit.level == level)
    if parent_id is not None:
        q = q.where(Unit.parent_id == parent_id)
    if within is not None:
        q = q.where(Unit.path.startswith(within.path))
    return list(db.session.scalars(q))


def list_communities(within: Unit | None = None) -> list[Unit]:
    return list_units(level=Level.COMMUNITY, within=within)


def community_choices() -> list[tuple[int, str, str]]:
    """(id, community name, town name) for every community, ordered by town."""
    english = current_locale().startswith("en")
    return [tuple(row) for row in db.session.execute(_community_choices_statement(english))]


@cache
def _community_choices_statement(english: bool):
    """Built once a language: a select with a fresh alias in it would miss SQLAlchemy's
    compiled cache and be compiled again on every board page (~4 ms)."""
    locale = "en" if english else DEFAULT_LOCALE
    town = sa.orm.aliased(Unit)
    return (
        sa.select(
            Unit.id,
            localized_column(Unit.name, Unit.name_en, locale),
            localized_column(town.name, town.name_en, locale).label("town_name"),
        )
        .join(town, town.id == Unit.parent_id)
        .where(Unit.level == Level.COMMUNITY)
        .order_by(town.code, Unit.code)
    )


def count_by_level(within: Unit | None = None) -> dict[str, int]:
    q = sa.select(Unit.level, sa.func.count()).group_by(Unit.level)
    if within is not None:
        q = q.where(Unit.path.startswith(within.path))
    return dict(db.session.execute(q).all())


def ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down, without the unit itself."""
    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def town_of(unit: Unit) -> Unit | None:
    """The town a unit lies in (the unit itself for a town)."""
    ids = unit.ancestor_ids
    if len(ids) < 2:
        return None
    return db.session.get(Unit, ids[1])


def list_units_in_scope(actor, role, level: str | None = None) -> list[Unit]:
    """Units where `actor` holds `role` or more (directly or through an ancestor)."""
    q = sa.select(Unit).where(in_scope(Unit.path, actor, role)).order_by(Unit.path)
    if level:
        q = q.where(Unit.level == level)
    return list(db.session.scalars(q))


def child_counts(unit: Unit) -> dict[int, int]:
    """For each child of `unit`, how many units lie below it."""
    child = sa.orm.aliased(Unit)
    rows = db.session.execute(
        sa.select(child.id, sa.func.count(Unit.id))
        .join(Unit, sa.and_(Unit.path.startswith(child.path), Unit.id != child.id))
        .where(child.parent_id == unit.id)
        .group_by(child.id)
    )
    return dict(rows.all())
