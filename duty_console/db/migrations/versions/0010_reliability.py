"""an airing's start on its PC's boot clock; readings a device's engine had to drop

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

- ventilation_session.started_boot, started_boot_s: the boot id and CLOCK_BOOTTIME of the
  start, so that a stop on the same boot measures the airing whatever the wall clock did.
- device.readings_dropped, dropped_at: readings the engine could not hold while the database
  could not be written (its backlog full), counted, and the newest one's time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ventilation_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('started_boot', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column('started_boot_s', sa.Float(), nullable=True))
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('readings_dropped', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column(
                'dropped_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('dropped_at')
        batch_op.drop_column('readings_dropped')
    with op.batch_alter_table('ventilation_session', schema=None) as batch_op:
        batch_op.drop_column('started_boot_s')
        batch_op.drop_column('started_boot')
