"""The scan's hot statements, each made once (no statement building or cache-key work per
request): the one read of a scan, and on PostgreSQL the check-in and the check-out that
write the scan row in the same statement (timebank.checkin.services decides; these only
say how it is written)."""

import functools

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import load_only

from ..ledger import chain
from ..members.models import Member
from ..shifts.models import Checkpoint, Shift, Signup
from .models import Attendance, Scan


@functools.cache
def insert_or_nothing(dialect: str, table: sa.Table, *keys: str):
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING id into `table`, made once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c.id)


@functools.cache
def load_statement(dialect: str):
    member_id = sa.bindparam("member_id", type_=sa.Integer)
    columns = [Shift, Checkpoint, Member, Attendance, Signup.status]
    if dialect == "postgresql":
        # The id of the attendance a check-in would insert, drawn with the read (only when
        # there is none yet), so that the check-in's answer is known before its INSERT and
        # the scan row rides along with it. A refused scan leaves a gap in the ids.
        columns.append(sa.case((Attendance.id.is_(None), sa.func.nextval("attendances_id_seq"))))
    return (
        sa.select(*columns)
        .select_from(Shift)
        .outerjoin(Checkpoint, Checkpoint.id == Shift.checkpoint_id)
        .outerjoin(Member, Member.id == member_id)
        .outerjoin(
            Attendance, (Attendance.shift_id == Shift.id) & (Attendance.member_id == member_id)
        )
        .outerjoin(Signup, (Signup.shift_id == Shift.id) & (Signup.member_id == member_id))
        .options(load_only(Member.name, Member.status, Member.community_id))
        .where(Shift.id == sa.bindparam("shift_id", type_=sa.Integer))
        .execution_options(populate_existing=True)
    )


#: The columns a close writes (their values from _closing()).
CLOSE_COLUMNS = (
    "checked_in_at",
    "check_in_method",
    "checked_out_at",
    "check_out_method",
    "checked_out_by_id",
    "credited_minutes",
    "auto_closed",
    "review",
    "outside_geofence_override",
    "override_reason",
    "offline",
)


def _bound(table: sa.Table, keys, prefix: str) -> dict:
    """Bound parameters for `keys` of `table`, typed as the columns, named prefix + key."""
    return {k: sa.bindparam(prefix + k, type_=table.c[k].type) for k in keys}


def _scan_from(source) -> sa.Insert:
    """INSERT of the scan row (parameters sc_*) with the attendance id taken from the
    `source` CTE, and only when `source` gave a row; nothing when the scan_id is stored."""
    table = Scan.__table__
    keys = [c.key for c in table.columns if c.key not in ("id", "attendance_id")]
    # cast: an untyped NULL in a SELECT list would be taken for text
    values = [sa.cast(param, table.c[k].type) for k, param in _bound(table, keys, "sc_").items()]
    return (
        pg_insert(table)
        .from_select([*keys, "attendance_id"], sa.select(*values, source.c.id))
        .on_conflict_do_nothing(index_elements=["scan_id"])
        .returning(table.c.id)
    )


@functools.cache
def check_in_and_store():
    """PostgreSQL: the attendance (parameters at_*, its id drawn by _load) inserted unless
    the member is checked in already, and the scan row with it unless its scan_id is
    stored: (attendance id or None, scan row id or None)."""
    table = Attendance.__table__
    inserted = (
        pg_insert(table)
        .values(_bound(table, [c.key for c in table.columns], "at_"))
        .on_conflict_do_nothing(index_elements=["member_id", "shift_id"])
        .returning(table.c.id)
        .cte("inserted")
    )
    stored = _scan_from(inserted).cte("stored")
    return sa.select(
        sa.select(inserted.c.id).scalar_subquery(), sa.select(stored.c.id).scalar_subquery()
    )


@functools.cache
def close_and_store():
    """PostgreSQL: the chain head locked, the attendance `open_id` closed while it is open
    (parameters at_*) and the scan row written, in one statement: (head's last id, last
    hash, the closed attendance's id or None, the scan row's id or None); no row when
    there is no head row. The close's condition reads the locked head (an uncorrelated
    EXISTS, evaluated once before the attendance is even looked for), so the head is
    locked before the attendance's row is: the order every closer keeps."""
    table = Attendance.__table__
    head = chain.locked_head_cte()
    closed = (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("open_id", type_=sa.Integer),
            table.c.checked_out_at.is_(None),
            sa.exists(sa.select(head.c.last_id)),  # a one-time filter, run before the scan
        )
        .values(_bound(table, CLOSE_COLUMNS, "at_"))
        .returning(table.c.id)
        .cte("closed")
    )
    stored = _scan_from(closed).cte("stored")
    return sa.select(
        head.c.last_id,
        head.c.last_hash,
        sa.select(closed.c.id).scalar_subquery(),
        sa.select(stored.c.id).scalar_subquery(),
    )


@functools.cache
def close_statement():
    """UPDATE of the attendance `open_id` while it is open; the values from the parameters."""
    table = Attendance.__table__
    return sa.update(table).where(
        table.c.id == sa.bindparam("open_id"), table.c.checked_out_at.is_(None)
    )
