"""members' branches keep their history; the organisation's comment on annual sheets

A member has at most one confirmed and one pending branch (partial unique indexes) and
older rows stay as refused, replaced or withdrawn; a sheet gets the organisation's
comment (组织评语) for the annual check report.

Revision ID: b7a19e2c4d51
Revises: c3f0e8a2d417
Create Date: 2026-12-06 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7a19e2c4d51'
down_revision = 'c3f0e8a2d417'
branch_labels = None
depends_on = None

STATUSES = "status IN ('pending', 'confirmed', 'refused', 'replaced', 'withdrawn')"


def upgrade():
    with op.batch_alter_table('party_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_party_memberships_ended_by_id_members'), 'members', ['ended_by_id'], ['id']
        )
        batch_op.drop_constraint(batch_op.f('uq_party_memberships_member_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_party_memberships_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_party_memberships_status_known'), STATUSES)
        batch_op.create_index(
            batch_op.f('ix_party_memberships_member_id'), ['member_id'], unique=False
        )
        for status in ('confirmed', 'pending'):
            batch_op.create_index(
                f'uq_party_memberships_one_{status}',
                ['member_id'],
                unique=True,
                sqlite_where=sa.text(f"status = '{status}'"),
                postgresql_where=sa.text(f"status = '{status}'"),
            )
    with op.batch_alter_table('party_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_comment', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('org_comment_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('org_comment_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_party_sheets_org_comment_by_id_members'),
            'members',
            ['org_comment_by_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('party_sheets', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_party_sheets_org_comment_by_id_members'), type_='foreignkey'
        )
        batch_op.drop_column('org_comment_at')
        batch_op.drop_column('org_comment_by_id')
        batch_op.drop_column('org_comment')
    # The older schema holds one row per member: keep the live one (confirmed first).
    op.execute(
        "DELETE FROM party_memberships WHERE status NOT IN ('pending', 'confirmed')"
        " OR (status = 'pending' AND member_id IN"
        " (SELECT member_id FROM party_memberships WHERE status = 'confirmed'))"
    )
    with op.batch_alter_table('party_memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_party_memberships_one_pending')
        batch_op.drop_index('uq_party_memberships_one_confirmed')
        batch_op.drop_index(batch_op.f('ix_party_memberships_member_id'))
        batch_op.drop_constraint(batch_op.f('ck_party_memberships_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_party_memberships_status_known'), "status IN ('pending', 'confirmed')"
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_party_memberships_member_id'), ['member_id']
        )
        batch_op.drop_constraint(
            batch_op.f('fk_party_memberships_ended_by_id_members'), type_='foreignkey'
        )
        batch_op.drop_column('reason')
        batch_op.drop_column('ended_by_id')
        batch_op.drop_column('ended_at')
