"""add sessions and reset codes

Revision ID: 5e7a1c9d3b21
Revises: c3a1f0e5b7d2
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c9d3b21'
down_revision = 'c3a1f0e5b7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('session_version', sa.Integer(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_agent', sa.String(length=255), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_sessions_member_id_members')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_sessions_token_hash')),
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sessions_member_live', ['member_id', 'ended_at'], unique=False)

    op.create_table(
        'reset_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('spent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('sms', 'coordinator')", name=op.f('ck_reset_codes_kind_known')),
        sa.CheckConstraint('tries >= 0', name=op.f('ck_reset_codes_tries_not_negative')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['members.id'], name=op.f('fk_reset_codes_issued_by_id_members')),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_reset_codes_member_id_members')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_codes')),
    )
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reset_codes_member_id'), ['member_id'], unique=False)
        batch_op.create_index(
            'uq_reset_codes_one_live',
            ['member_id', 'kind'],
            unique=True,
            sqlite_where=sa.text('spent_at IS NULL'),
            postgresql_where=sa.text('spent_at IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_reset_codes_one_live',
            sqlite_where=sa.text('spent_at IS NULL'),
            postgresql_where=sa.text('spent_at IS NULL'),
        )
        batch_op.drop_index(batch_op.f('ix_reset_codes_member_id'))
    op.drop_table('reset_codes')

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_member_live')
    op.drop_table('sessions')
