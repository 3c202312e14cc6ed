"""a check writes a sheet for each party organisation too (target organisation)

Revision ID: b7f3a91c0d24
Revises: 9d2c4b7e1a60
Create Date: 2026-12-06 21:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7f3a91c0d24'
down_revision = '9d2c4b7e1a60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('party_sheets', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('target', sa.String(length=16), server_default='member', nullable=False)
        )
        batch_op.add_column(sa.Column('lecture_months_missed', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('events_handled', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f('ck_party_sheets_target_known'), "target IN ('member', 'organisation')"
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_party_sheets_member_iff_member_target'),
            "(target = 'member') = (member_id IS NOT NULL)",
        )
        batch_op.create_index(
            'uq_party_sheets_check_org',
            ['check_id', 'party_org_id'],
            unique=True,
            sqlite_where=sa.text("target = 'organisation'"),
            postgresql_where=sa.text("target = 'organisation'"),
        )


def downgrade():
    # An organisation's sheet has no place in the older schema: it goes with its items.
    op.execute(
        "DELETE FROM party_sheet_reviews WHERE sheet_id IN "
        "(SELECT id FROM party_sheets WHERE target = 'organisation')"
    )
    op.execute(
        "DELETE FROM party_sheet_items WHERE sheet_id IN "
        "(SELECT id FROM party_sheets WHERE target = 'organisation')"
    )
    op.execute("DELETE FROM party_sheets WHERE target = 'organisation'")
    with op.batch_alter_table('party_sheets', schema=None) as batch_op:
        batch_op.drop_index('uq_party_sheets_check_org')
        batch_op.drop_constraint(
            batch_op.f('ck_party_sheets_member_iff_member_target'), type_='check'
        )
        batch_op.drop_constraint(batch_op.f('ck_party_sheets_target_known'), type_='check')
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('events_handled')
        batch_op.drop_column('lecture_months_missed')
        batch_op.drop_column('target')
