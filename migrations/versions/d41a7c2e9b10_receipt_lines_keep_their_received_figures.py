"""Receipt lines keep their received and damaged figures, so a scan need not sum the journal

Revision ID: d41a7c2e9b10
Revises: c3d9e41f7a20
Create Date: 2026-12-01 02:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'd41a7c2e9b10'
down_revision = 'c3d9e41f7a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_qty', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('damaged_qty', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE receipt_line SET"
        " received_qty = COALESCE((SELECT SUM(e.quantity) FROM receipt_entry e"
        "   WHERE e.line_id = receipt_line.id AND e.undone_at IS NULL), 0),"
        " damaged_qty = COALESCE((SELECT SUM(e.quantity) FROM receipt_entry e"
        "   WHERE e.line_id = receipt_line.id AND e.undone_at IS NULL AND e.damaged), 0)"
    )
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_receipt_line_received_figures'), 'received_qty >= damaged_qty AND damaged_qty >= 0')


def downgrade():
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.drop_constraint('ck_receipt_line_received_figures', type_='check')
        batch_op.drop_column('damaged_qty')
        batch_op.drop_column('received_qty')
