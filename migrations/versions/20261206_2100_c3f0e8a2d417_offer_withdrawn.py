"""a coordinator may withdraw an offer

Revision ID: c3f0e8a2d417
Revises: b7f3a91c0d24
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f0e8a2d417'
down_revision = 'b7f3a91c0d24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_offers_withdrawn_by_id_members'), 'members', ['withdrawn_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offers_withdrawn_by_id_members'), type_='foreignkey')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
