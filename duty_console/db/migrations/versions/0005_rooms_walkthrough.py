"""isolation rooms, the incident walkthrough and drills

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = duty_console.db.types.UTCDateTime(timezone=True)
_Str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("playbook_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", _Str(length=255), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("skippable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cluster_key", _Str(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("incident_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", _Str(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("skip_reason", _Str(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("acknowledged_at", _TS, nullable=True))
        batch_op.add_column(
            sa.Column("acknowledged_by", _Str(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("escalated_to_role", _Str(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("escalated_at", _TS, nullable=True))
    with op.batch_alter_table("isolation_stay", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", _Str(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("observe_until", _TS, nullable=True))
        batch_op.add_column(
            sa.Column("collected_by", _Str(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("released_by", _Str(length=64), nullable=False, server_default="")
        )
    op.create_table(
        "incident_note",
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", _Str(length=64), nullable=False),
        sa.Column("gate", _Str(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step_n", sa.Integer(), nullable=True),
        sa.Column("text", _Str(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_note_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_note")),
    )
    with op.batch_alter_table("incident_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_note_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_note_incident_id"))
    op.drop_table("incident_note")
    with op.batch_alter_table("isolation_stay", schema=None) as batch_op:
        for name in ("released_by", "collected_by", "observe_until", "reason"):
            batch_op.drop_column(name)
    with op.batch_alter_table("incident_step", schema=None) as batch_op:
        for name in (
            "escalated_at",
            "escalated_to_role",
            "acknowledged_by",
            "acknowledged_at",
            "skip_reason",
            "fields",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("cluster_key")
    with op.batch_alter_table("playbook_step", schema=None) as batch_op:
        for name in ("skippable", "fields"):
            batch_op.drop_column(name)
