"""a member may withdraw a pending correction request

Revision ID: 9d2c4b7e1a60
Revises: e5c1a7d3b902
Create Date: 2026-12-03 17:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2c4b7e1a60'
down_revision = 'e5c1a7d3b902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_corrections_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_corrections_status_known'),
            "status IN ('open', 'approved', 'rejected', 'withdrawn')",
        )


def downgrade():
    # A withdrawn request has no place in the older schema: it reads as not approved.
    op.execute("UPDATE corrections SET status = 'rejected' WHERE status = 'withdrawn'")
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_corrections_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_corrections_status_known'),
            "status IN ('open', 'approved', 'rejected')",
        )
