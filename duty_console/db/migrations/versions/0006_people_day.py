"""people day: class checks, absences, watch checks, handover items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:29:08.314387
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import duty_console.db.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('class_check',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('class_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('absent', sa.Integer(), nullable=False),
    sa.Column('absent_sick', sa.Integer(), nullable=False),
    sa.Column('symptomatic', sa.Integer(), nullable=False),
    sa.Column('recorded_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_check'))
    )
    with op.batch_alter_table('class_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_check_class_name'), ['class_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_check_day'), ['day'], unique=False)

    op.create_table('absence',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('symptoms', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('started_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('returned_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('certificate_ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('checked_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_absence_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence'))
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_started_at'), ['started_at'], unique=False)

    op.create_table('absence_followup',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('absence_id', sa.Integer(), nullable=False),
    sa.Column('at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('called_family', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['absence_id'], ['absence.id'], name=op.f('fk_absence_followup_absence_id_absence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_followup'))
    )
    with op.batch_alter_table('absence_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_followup_absence_id'), ['absence_id'], unique=False)

    op.create_table('watch_check',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('watch_id', sa.Integer(), nullable=False),
    sa.Column('at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['watch_id'], ['watch_entry.id'], name=op.f('fk_watch_check_watch_id_watch_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_check'))
    )
    with op.batch_alter_table('watch_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_check_watch_id'), ['watch_id'], unique=False)

    op.create_table('handover_item',
    sa.Column('created_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('params', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('answered_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('answered_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], name=op.f('fk_handover_item_handover_id_handover')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_item'))
    )
    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_item_handover_id'), ['handover_id'], unique=False)

    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shift_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('signed_out_at', duty_console.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handover_shift_id_shift'), 'shift', ['shift_id'], ['id'])

    with op.batch_alter_table('watch_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('watch_entry', schema=None) as batch_op:
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_by')

    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handover_shift_id_shift'), type_='foreignkey')
        batch_op.drop_column('signed_out_at')
        batch_op.drop_column('state')
        batch_op.drop_column('shift_id')

    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_item_handover_id'))

    op.drop_table('handover_item')
    with op.batch_alter_table('watch_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_check_watch_id'))

    op.drop_table('watch_check')
    with op.batch_alter_table('absence_followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_followup_absence_id'))

    op.drop_table('absence_followup')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_started_at'))
        batch_op.drop_index(batch_op.f('ix_absence_person_id'))

    op.drop_table('absence')
    with op.batch_alter_table('class_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_check_day'))
        batch_op.drop_index(batch_op.f('ix_class_check_class_name'))

    op.drop_table('class_check')
