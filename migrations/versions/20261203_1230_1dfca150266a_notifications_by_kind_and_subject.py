"""notifications keyed by kind and subject, with params to render them

Revision ID: 1dfca150266a
Revises: e632abd10abb
Create Date: 2026-12-03 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1dfca150266a'
down_revision = 'e632abd10abb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.create_index(
            'ix_notifications_member_subject',
            ['member_id', 'subject_type', 'subject_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_member_subject')
        batch_op.drop_column('params')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
