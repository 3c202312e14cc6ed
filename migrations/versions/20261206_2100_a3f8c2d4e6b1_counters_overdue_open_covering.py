"""event counters: overdue_open, and covering indexes for the figures

Revision ID: a3f8c2d4e6b1
Revises: b7a19e2c4d51
Create Date: 2026-12-06 21:00:00.000000

The figures read `event_counters` through two covering indexes (PostgreSQL INCLUDE: an
index-only scan; SQLite gets the plain indexes), and "overdue now" is the new
`overdue_open` column, filled here from the events that are with someone and overdue; the
overdue queue reads its longest-late events in order from a partial expression index.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f8c2d4e6b1'
down_revision = 'b7a19e2c4d51'
branch_labels = None
depends_on = None

COUNTS = ('reported', 'rejected', 'closed', 'closed_on_time', 'rated', 'rated_good', 'overdue_open')
HIST = tuple(f'h{i:02d}' for i in range(12))
INCLUDE = ['unit_id', *COUNTS, *HIST]
LATE = "overdue AND status IN ('dispatched', 'accepted')"


def _backfill():
    """overdue_open of every counter row, from the open overdue events (a few percent)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT unit_path, reported_on, category_id FROM events "
        "WHERE overdue AND status IN ('dispatched', 'accepted')"
    ))
    sums = defaultdict(int)
    for path, day, category_id in rows:
        for unit_id in (int(p) for p in path.strip('/').split('/') if p):
            sums[(unit_id, day, category_id)] += 1
            sums[(unit_id, day, 0)] += 1
    params = [dict(u=u, d=d, c=c, n=n) for (u, d, c), n in sums.items()]
    if params:
        conn.execute(sa.text(
            "UPDATE event_counters SET overdue_open = :n "
            "WHERE unit_id = :u AND day = :d AND category_id = :c"
        ), params)


def upgrade():
    with op.batch_alter_table('event_counters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_open', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index('ix_event_counters_level')
    _backfill()
    with op.batch_alter_table('event_counters', schema=None) as batch_op:
        batch_op.create_index('ix_event_counters_level', ['level', 'category_id', 'day', 'unit_path'], unique=False, postgresql_include=INCLUDE)
        batch_op.create_index('ix_event_counters_unit', ['unit_id', 'category_id', 'day'], unique=False, postgresql_include=INCLUDE[1:])
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_overdue_id', ['id'], unique=False, sqlite_where=sa.text(LATE), postgresql_where=sa.text(LATE))
        batch_op.create_index('ix_events_overdue_due', [sa.text('coalesce(handle_due_at, accept_due_at)'), 'id'], unique=False, sqlite_where=sa.text(LATE), postgresql_where=sa.text(LATE))
    if op.get_bind().dialect.name == 'postgresql':
        # The planner's estimate of late events (see models.OVERDUE_STATISTICS).
        op.execute('CREATE STATISTICS IF NOT EXISTS st_events_overdue_status (mcv) ON overdue, status FROM events')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS st_events_overdue_status')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_overdue_due', sqlite_where=sa.text(LATE), postgresql_where=sa.text(LATE))
        batch_op.drop_index('ix_events_overdue_id', sqlite_where=sa.text(LATE), postgresql_where=sa.text(LATE))
    with op.batch_alter_table('event_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_event_counters_unit')
        batch_op.drop_index('ix_event_counters_level')
        batch_op.create_index('ix_event_counters_level', ['level', 'category_id', 'day', 'unit_path'], unique=False)
        batch_op.drop_column('overdue_open')
