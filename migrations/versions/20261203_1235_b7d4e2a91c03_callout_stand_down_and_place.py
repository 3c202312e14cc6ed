"""call-out stand-down reason and place; ledger entries by effective time

Revision ID: b7d4e2a91c03
Revises: 4ea039f1691d
Create Date: 2026-12-03 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c03'
down_revision = '4ea039f1691d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('callouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_callouts_place_unit_id_units'), 'units', ['place_unit_id'], ['id']
        )
    # Not in batch mode: on SQLite a batch could copy the table and lose its append-only
    # triggers; an index needs no copy.
    op.create_index('ix_ledger_entries_effective_at', 'ledger_entries', ['effective_at'])


def downgrade():
    op.drop_index('ix_ledger_entries_effective_at', table_name='ledger_entries')
    with op.batch_alter_table('callouts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_callouts_place_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('close_reason')
        batch_op.drop_column('place_unit_id')
