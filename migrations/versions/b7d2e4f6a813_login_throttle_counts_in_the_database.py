"""Login-failure counts in the database, shared by every worker and app server without a Redis

Revision ID: b7d2e4f6a813
Revises: f13223f9022f
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7d2e4f6a813'
down_revision = 'f13223f9022f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_expires'), ['expires'], unique=False)


def downgrade():
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_expires'))
    op.drop_table('login_throttle')
