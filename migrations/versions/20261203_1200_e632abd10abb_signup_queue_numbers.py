"""signup queue numbers: a per-shift arrival counter for unique waitlist positions

Revision ID: e632abd10abb
Revises: 90edf7c036e9
Create Date: 2026-12-03 12:00:00

Existing sign-ups are numbered per shift in their old order (queued_at, then id), and each
shift's counter starts after its last number.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e632abd10abb'
down_revision = '90edf7c036e9'
branch_labels = None
depends_on = None

NUMBER_EXISTING = """
UPDATE signups SET queue_no = (
    SELECT COUNT(*) FROM signups AS earlier
    WHERE earlier.shift_id = signups.shift_id
      AND (earlier.queued_at < signups.queued_at
           OR (earlier.queued_at = signups.queued_at AND earlier.id <= signups.id))
)
"""
COUNT_QUEUED = """
UPDATE shifts SET queued = (SELECT COUNT(*) FROM signups WHERE signups.shift_id = shifts.id)
"""


def upgrade():
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_no', sa.Integer(), nullable=True))
    op.execute(NUMBER_EXISTING)
    op.execute(COUNT_QUEUED)
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_index('ix_signups_shift_status_queued')
        batch_op.create_index('ix_signups_shift_status_queue_no', ['shift_id', 'status', 'queue_no'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_signups_shift_id_queue_no'), ['shift_id', 'queue_no'])
        batch_op.create_check_constraint(batch_op.f('ck_signups_waitlisted_has_queue_no'), "status <> 'waitlisted' OR queue_no IS NOT NULL")


def downgrade():
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_signups_waitlisted_has_queue_no'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_signups_shift_id_queue_no'), type_='unique')
        batch_op.drop_index('ix_signups_shift_status_queue_no')
        batch_op.create_index('ix_signups_shift_status_queued', ['shift_id', 'status', 'queued_at'], unique=False)
        batch_op.drop_column('queue_no')
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_column('queued')
