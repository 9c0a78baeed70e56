"""The office (issue 15): history of master data, a warehouse's address and floor settings, and users
who choose their own password or PIN at their next login

- change_record: one row per changed field of a user, warehouse, product or shelf (who, when, old, new)
- warehouse_setting: per warehouse, what the floor used as constants (short-dated threshold, lot
  mixing default, label sheet, sound default); a warehouse without a row keeps the defaults
- warehouse.address: printed on delivery notes
- user.must_change_password / must_change_pin: set when someone else chose it (shown once)

Revision ID: a21403305a88
Revises: 0464e7b1f4a9
Create Date: 2026-12-01 01:26:23
"""
from alembic import op
import sqlalchemy as sa


revision = 'a21403305a88'
down_revision = '0464e7b1f4a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_record',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('entity', sa.String(length=20), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_change_record_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_record')),
    )
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.create_index('ix_change_record_entity', ['entity', 'entity_id', 'id'], unique=False)

    op.create_table(
        'warehouse_setting',
        sa.Column('warehouse_id', sa.Integer(), nullable=False),
        sa.Column('short_dated_days', sa.Integer(), nullable=False),
        sa.Column('lot_mixing', sa.Enum('by_tracking', 'mixed', 'separate', name='lotmixing', native_enum=False,
                                        length=12), nullable=False),
        sa.Column('label_sheet', sa.String(length=20), nullable=False),
        sa.Column('sound_on', sa.Boolean(), nullable=False),
        sa.CheckConstraint('short_dated_days >= 0', name=op.f('ck_warehouse_setting_short_dated_not_negative')),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'],
                                name=op.f('fk_warehouse_setting_warehouse_id_warehouse')),
        sa.PrimaryKeyConstraint('warehouse_id', name=op.f('pk_warehouse_setting')),
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('must_change_pin', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('warehouse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('warehouse', schema=None) as batch_op:
        batch_op.drop_column('address')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_pin')
        batch_op.drop_column('must_change_password')

    op.drop_table('warehouse_setting')
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.drop_index('ix_change_record_entity')
    op.drop_table('change_record')
