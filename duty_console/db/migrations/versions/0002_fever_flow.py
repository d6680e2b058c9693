"""fever flow: one story per fever (rest, recheck, overdue, closed), modes, statuses checked

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

- entry: ``kind`` (an IR device's body/surface), ``mode`` becomes ir | contact | manual;
  ``rest_of`` (a reading too soon after a fever), ``incident_id`` (a reading that is a step of an
  open incident), ``resolved_*`` (how an open fever ended); CHECK constraints on status and mode.
- incident_step: ``entry_id`` (the reading that did the step), ``timed_from``.
- playbook_step: ``gate_event`` (done at the gate by a reading), ``timed_from``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import duty_console.db.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('normal', 'fever', 'recheck_normal', 'fever_confirmed', 'invalid', 'denied')"
MODES = "('ir', 'contact', 'manual', '')"


def _text(name: str, length: int | None = None) -> sa.Column:
    return sa.Column(
        name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False, server_default=""
    )


def upgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(_text('kind', 16))
        batch_op.add_column(sa.Column('rest_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(_text('resolved_by', 64))
        batch_op.add_column(_text('resolution', 16))
        batch_op.add_column(_text('resolution_note'))
        batch_op.create_index(batch_op.f('ix_entry_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_entry_status_resolved', ['status', 'resolved_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_entry_rest_of_entry'), 'entry', ['rest_of'], ['id'])

    # Devices wrote their body/surface kind as the mode; the mode is now how it was measured.
    op.execute("UPDATE entry SET kind = mode, mode = 'ir' WHERE mode IN ('body', 'surface')")
    op.execute(f"UPDATE entry SET mode = '' WHERE mode NOT IN {MODES}")
    # Fevers already rechecked are resolved; the others stay open (overdue) until someone acts,
    # except those from before yesterday, which the old rules had already let go.
    op.execute(
        "UPDATE entry SET resolved_at = (SELECT MIN(r.at) FROM entry r WHERE r.recheck_of = entry.id), "
        "resolved_by = 'migration 0002', resolution = 'rechecked' "
        "WHERE status = 'fever' AND EXISTS (SELECT 1 FROM entry r WHERE r.recheck_of = entry.id)"
    )
    op.execute(
        "UPDATE entry SET resolved_at = at, resolved_by = 'migration 0002', resolution = 'closed', "
        "resolution_note = 'before the recheck rules of 0002' "
        f"WHERE status = 'fever' AND resolved_at IS NULL AND at < {_one_day_before_newest()}"
    )

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_check_constraint('status', f"status IN {STATUSES}")
        batch_op.create_check_constraint('mode', f"mode IN {MODES}")

    with op.batch_alter_table('incident_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_id', sa.Integer(), nullable=True))
        batch_op.add_column(_text('timed_from', 16))
        batch_op.create_foreign_key(batch_op.f('fk_incident_step_entry_id_entry'), 'entry', ['entry_id'], ['id'])
    op.execute("UPDATE incident_step SET timed_from = 'opening'")

    with op.batch_alter_table('playbook_step', schema=None) as batch_op:
        batch_op.add_column(_text('gate_event', 16))
        batch_op.add_column(_text('timed_from', 16))
    op.execute("UPDATE playbook_step SET timed_from = 'opening'")


def _one_day_before_newest() -> str:
    """SQL for "a day before the newest entry", in this database's dialect."""
    if op.get_bind().dialect.name == "postgresql":
        return "(SELECT MAX(at) FROM entry) - INTERVAL '1 day'"
    # SQLite stores the UTC datetimes as text 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return "(SELECT strftime('%Y-%m-%d %H:%M:%f', MAX(at), '-1 day') FROM entry)"


def downgrade() -> None:
    with op.batch_alter_table('playbook_step', schema=None) as batch_op:
        batch_op.drop_column('timed_from')
        batch_op.drop_column('gate_event')

    with op.batch_alter_table('incident_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_step_entry_id_entry'), type_='foreignkey')
        batch_op.drop_column('timed_from')
        batch_op.drop_column('entry_id')

    op.execute("UPDATE entry SET mode = kind WHERE mode = 'ir' AND kind IN ('body', 'surface')")
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_entry_mode'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_entry_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_entry_rest_of_entry'), type_='foreignkey')
        batch_op.drop_index('ix_entry_status_resolved')
        batch_op.drop_index(batch_op.f('ix_entry_incident_id'))
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('incident_id')
        batch_op.drop_column('rest_of')
        batch_op.drop_column('kind')
