"""Receipts: "receiving" is derived from the entries and the close compares figures, not a version

A receiving scan no longer writes the receipt row: whether goods are coming in is read from
the receipt's entries, and closing checks the figures the person saw. Rows marked
'receiving' become 'open'; the version column goes.

Revision ID: c3d9e41f7a20
Revises: a79e619cfe5c
Create Date: 2026-11-30 23:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c3d9e41f7a20'
down_revision = 'a79e619cfe5c'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE receipt SET status = 'open' WHERE status = 'receiving'")
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('version')


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.execute("UPDATE receipt SET status = 'receiving' WHERE status = 'open' "
               "AND EXISTS (SELECT 1 FROM receipt_entry e WHERE e.receipt_id = receipt.id)")
