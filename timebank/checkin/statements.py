"""The scan's hot statements, each made once (no statement building or cache-key work per
request): the one read of a scan, the insert-or-nothing of a check-in and of the scan row,
and the conditional close. The same statements on SQLite and PostgreSQL
(timebank.checkin.services decides; these only say how it is written)."""

import functools

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import load_only

from ..members.models import Member
from ..shifts.models import Checkpoint, Shift, Signup
from .models import Attendance


@functools.cache
def insert_or_nothing(dialect: str, table: sa.Table, *keys: str):
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING id into `table`, made once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c.id)


@functools.cache
def load_statement():
    """The shift, its checkpoint, the member, their attendance at it and their sign-up's
    status (parameters shift_id, member_id), in one read."""
    member_id = sa.bindparam("member_id", type_=sa.Integer)
    return (
        sa.select(Shift, Checkpoint, Member, Attendance, Signup.status)
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


@functools.cache
def close_statement():
    """UPDATE of the attendance `open_id` while it is open; the values from the parameters."""
    table = Attendance.__table__
    return sa.update(table).where(
        table.c.id == sa.bindparam("open_id"), table.c.checked_out_at.is_(None)
    )
