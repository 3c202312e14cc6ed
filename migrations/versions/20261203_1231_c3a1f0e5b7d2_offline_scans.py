"""offline scans: attendances.offline, scans.offline_since

Revision ID: c3a1f0e5b7d2
Revises: 1dfca150266a
Create Date: 2026-12-03 12:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1f0e5b7d2'
down_revision = '1dfca150266a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_column('offline_since')

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('offline')
