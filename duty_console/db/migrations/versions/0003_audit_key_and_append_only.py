"""the audit chain keyed (HMAC), purgeable content, append-only triggers

Revision ID: 0003
Revises: 0007
Create Date: 2026-11-30 15:00:00

Adds ``audit.content_hash`` (SHA-256 of target and details, what the MAC covers, so purge can
blank old personal data) and ``audit.purged``; re-seals an existing chain with the key handed to
the migration (``init`` passes the audit key), after checking it the old way, unkeyed; a chain
already broken is left as it is, for ``audit verify`` to report. Then triggers refuse every
DELETE and every UPDATE except purge's blanking of target and details.
"""

import hashlib
import hmac
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from duty_console.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
REFUSED = "the audit trail is append-only"

# Every column but target, details and purged must stay as it is; purged goes 0 -> 1 only.
_SAME = " AND ".join(
    f"NEW.{c} = OLD.{c}"
    for c in ("id", "at", "actor", "action", "gate", "prev_hash", "hash", "content_hash")
)
_PURGE_ONLY = f"NOT OLD.purged AND NEW.purged AND NEW.target = '' AND NEW.details = '{{}}' AND {_SAME}"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    WHEN NOT ({_PURGE_ONLY})
    BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
]

PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF {_PURGE_ONLY} THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '{REFUSED}';
    END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]

_audit = sa.table(
    "audit",
    sa.column("id", sa.Integer),
    sa.column("at", UTCDateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("gate", sa.String),
    sa.column("details", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
    sa.column("content_hash", sa.String),
)


def _old_hash(prev: str, row: sa.Row) -> str:
    payload = "\x1f".join(
        [prev, row.at.isoformat(), row.actor, row.action, row.target, row.gate, row.details]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _new_hash(prev: str, row: sa.Row, content: str, key: bytes | None) -> str:
    payload = "\x1f".join([prev, row.at.isoformat(), row.actor, row.action, row.gate, content])
    if key is None:
        return hashlib.sha256(payload.encode()).hexdigest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _reseal(conn: sa.Connection, key: bytes | None) -> None:
    rows = conn.execute(sa.select(_audit).order_by(_audit.c.id)).all()
    prev_old, intact = GENESIS, True
    for row in rows:
        if row.prev_hash != prev_old or row.hash != _old_hash(prev_old, row):
            intact = False
            break
        prev_old = row.hash
    prev_new = GENESIS
    updates = []
    for row in rows:
        content = hashlib.sha256(f"{row.target}\x1f{row.details}".encode()).hexdigest()
        change = {"rid": row.id, "content": content, "prev": row.prev_hash, "hash": row.hash}
        if intact:
            change["hash"] = _new_hash(prev_new, row, content, key)
            change["prev"] = prev_new
            prev_new = change["hash"]
        updates.append(change)
    if updates:
        conn.execute(
            _audit.update()
            .where(_audit.c.id == sa.bindparam("rid"))
            .values(
                content_hash=sa.bindparam("content"),
                prev_hash=sa.bindparam("prev"),
                hash=sa.bindparam("hash"),
            ),
            updates,
        )


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column(
        "audit", sa.Column("content_hash", sa.String(length=64), nullable=False, server_default="")
    )
    op.add_column(
        "audit", sa.Column("purged", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    _reseal(conn, op.get_context().config.attributes.get("audit_key"))
    for statement in SQLITE_TRIGGERS if conn.dialect.name == "sqlite" else PG_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_no_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit")
        op.execute("DROP TRIGGER IF EXISTS audit_no_truncate ON audit")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    with op.batch_alter_table("audit") as batch_op:
        batch_op.drop_column("purged")
        batch_op.drop_column("content_hash")
