"""Receipt numbers come from a counter row per day, not from the highest code read as text

The first receipt of a day starts the day's row after the highest number that day already
used, so no backfill is needed.

Revision ID: e5a1c7d3b920
Revises: d41a7c2e9b10
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'e5a1c7d3b920'
down_revision = 'd41a7c2e9b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receipt_number',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_receipt_number')),
    )


def downgrade():
    op.drop_table('receipt_number')
