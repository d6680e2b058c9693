"""drop ix_entry_status: ix_entry_status_resolved starts with status and serves its lookups

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Every reading updates each index of ``entry``; the benchmark (bench/README.md) showed the
indexes are most of an insert's cost. A status-only lookup uses the composite index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in a batch: an index needs no table copy (5 million rows at a gate after two years).
    op.drop_index('ix_entry_status', table_name='entry')


def downgrade() -> None:
    op.create_index('ix_entry_status', 'entry', ['status'], unique=False)
