"""open events by status: the command centre's live counts

Revision ID: e5c1a7d3b902
Revises: 641579509208
Create Date: 2026-12-03 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c1a7d3b902'
down_revision = '641579509208'
branch_labels = None
depends_on = None

OPEN = "status IN ('reported', 'registered', 'dispatched', 'accepted', 'handled')"


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_open', ['unit_path', 'status'], unique=False, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_open', sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
