"""alerts as rows (timers; later incidents and the rota)

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-30 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("created_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("gate", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("params", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("raised_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_alerted_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("realert_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("realert_count", sa.Integer(), nullable=False),
        sa.Column(
            "acknowledged_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ack_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resolved_at", duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_realert_at"), ["realert_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_resolved_at"), ["resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_alert_realert_at"))
        batch_op.drop_index(batch_op.f("ix_alert_subject"))
        batch_op.drop_index(batch_op.f("ix_alert_kind"))
    op.drop_table("alert")
