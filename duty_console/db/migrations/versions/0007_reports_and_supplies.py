"""daily report versions and supply movements

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

- supply_movement: every change of stock, with who, when, where, by how much and why.
- daily_report: one row per version of a local day's report (content, hash, the differences from
  the version before, who submitted it and when).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamped() -> list[sa.Column]:
    return [
        sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('supply_movement',
    *_stamped(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supply_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('on_hand_after', sa.Integer(), nullable=False),
    sa.Column('why', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.ForeignKeyConstraint(['supply_key'], ['supply.key'], name=op.f('fk_supply_movement_supply_key_supply')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_movement'))
    )
    with op.batch_alter_table('supply_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_movement_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_supply_movement_supply_key'), ['supply_key'], unique=False)

    op.create_table('daily_report',
    *_stamped(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('diff', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amends_submitted', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_report')),
    sa.UniqueConstraint('day', 'version', name=op.f('uq_daily_report_day'))
    )
    with op.batch_alter_table('daily_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_report_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('daily_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_report_day'))
    op.drop_table('daily_report')
    with op.batch_alter_table('supply_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supply_movement_supply_key'))
        batch_op.drop_index(batch_op.f('ix_supply_movement_at'))
    op.drop_table('supply_movement')
