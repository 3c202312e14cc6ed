"""add the rejected member status, with its time and reason

Revision ID: c32bbe8eb99c
Revises: 5e7a1c9d3b21
Create Date: 2026-12-03 11:58:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c32bbe8eb99c'
down_revision = '5e7a1c9d3b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rejected_reason', sa.String(length=255), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_members_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_members_status_known'),
            "status IN ('pending', 'active', 'suspended', 'rejected')",
        )


def downgrade():
    # A rejected registration has no place in the older schema: it goes back to pending.
    op.execute("UPDATE members SET status = 'pending' WHERE status = 'rejected'")
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_members_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_members_status_known'),
            "status IN ('pending', 'active', 'suspended')",
        )
        batch_op.drop_column('rejected_reason')
        batch_op.drop_column('rejected_at')
