"""calibration records, and the offset each entry was taken with

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-30

- calibration: a thermometer checked against a contact reading or a blackbody (reference,
  the device's reading, the resulting offset, who, when, at which gate).
- entry.offset_c: the offset in force when a device reading became an entry.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = '0008'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calibration',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference_c', sa.Float(), nullable=False),
    sa.Column('device_c', sa.Float(), nullable=False),
    sa.Column('offset_c', sa.Float(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("reference IN ('contact', 'blackbody')", name=op.f('ck_calibration_reference')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration'))
    )
    with op.batch_alter_table('calibration', schema=None) as batch_op:
        batch_op.create_index('ix_calibration_device_at', ['device', 'at'], unique=False)
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offset_c', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('offset_c')
    with op.batch_alter_table('calibration', schema=None) as batch_op:
        batch_op.drop_index('ix_calibration_device_at')
    op.drop_table('calibration')
