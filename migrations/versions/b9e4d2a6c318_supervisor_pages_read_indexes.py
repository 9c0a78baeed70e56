"""Indexes for the supervisor's pages (issue 12): the KPI page, the alerts page and the ABC schedule
answer from index ranges instead of reading every stock move, discrepancy and stock line

- stock_move (reason, product_id, created_at, quantity): the units picked per product over the last
  days (the ABC classes) read from the index alone
- discrepancy (warehouse_id, created_at, source, product_id, expected_qty, found_qty, quantity): the
  variance value per week and source read from the index alone
- discrepancy (warehouse_id, resolved_at): the open ones (resolved_at IS NULL) without reading the others
- lot (expiry): expiring and expired stock on the shelves found from the lots in the date range

Revision ID: b9e4d2a6c318
Revises: a21403305a88
Create Date: 2026-12-01 04:00:00
"""
from alembic import op


revision = 'b9e4d2a6c318'
down_revision = 'a21403305a88'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.create_index('ix_stock_move_reason_product', ['reason', 'product_id', 'created_at', 'quantity'],
                              unique=False)
    with op.batch_alter_table('discrepancy', schema=None) as batch_op:
        batch_op.create_index('ix_discrepancy_warehouse_created',
                              ['warehouse_id', 'created_at', 'source', 'product_id', 'expected_qty', 'found_qty',
                               'quantity'], unique=False)
        batch_op.create_index('ix_discrepancy_warehouse_open', ['warehouse_id', 'resolved_at'], unique=False)
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_expiry'), ['expiry'], unique=False)


def downgrade():
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_expiry'))
    with op.batch_alter_table('discrepancy', schema=None) as batch_op:
        batch_op.drop_index('ix_discrepancy_warehouse_open')
        batch_op.drop_index('ix_discrepancy_warehouse_created')
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_move_reason_product')
