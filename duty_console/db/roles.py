"""PostgreSQL: one database login per role, with GRANTs that match the role × action table.

The app checks every action against ``domain.permissions``; with PostgreSQL the server checks
too, so a person holding a login cannot do by hand (psql) what the app would refuse:

- every login reads the tables (the gate screen, sign-in against the staff table) and appends to
  the audit trail; none may UPDATE or DELETE it, except the admin's purge, which may only blank
  its target and details (a column grant; a trigger checks the rest);
- the staff table and the school's reference data (areas, playbooks, watch categories) are
  written by the admin login alone;
- the roster is written by the officer and admin logins (``people import``);
- the day's records (entries, visitors, incidents and steps, rooms and stays, hygiene, watches,
  rota, supplies, device health and the engine's lease) are written by every staff login;
  deleting them is the admin's (``purge``).

The entry log is the export's table: a duty login (the gate PC, a teacher's own login) reads only
the last ``DUTY_HISTORY_DAYS`` days of it, and any fever still awaiting its recheck (or resolved
within those days), however old (row-level security). That is what the gate screen and the
engine need; the school's history of its minors' temperatures, which ``export entries`` and the
reports read, is for the doctor, officer and admin logins. The schema's owner is not subject
to the policies.

Tables added later get the day's-records default. ``duty-console init --roles print`` prints
the SQL for a DBA; ``--roles apply`` runs it as the schema's owner. Passwords are the DBA's:
``ALTER ROLE duty_console_duty PASSWORD '…'`` (or certificate / peer authentication).
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

import duty_console.db.models  # noqa: F401  (registers every table)

PREFIX = "duty_console_"
STAFF_ROLES = (
    "duty",
    "doctor",
    "officer",
    "admin",
)  # domain.actors.ROLES (a test keeps them equal)
ADMIN_ONLY = frozenset(
    {"staff", "area_type", "area", "playbook", "playbook_step", "watch_category"}
)
ROSTER = frozenset({"person"})
# Never written by a login (the audit: INSERT only; the schema's version: the owner's).
APPEND_ONLY = frozenset({"audit"})
OWNER_ONLY = frozenset({"alembic_version"})
# How far back a duty login sees the entry log (row-level security; open fevers always).
DUTY_HISTORY_DAYS = 7
# Purge's one UPDATE of the audit trail (DESIGN §5, domain.audit.purge_details).
AUDIT_PURGE_COLUMNS = "(target, details, purged)"


def login(role: str) -> str:
    return f"{PREFIX}{role}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def role_statements(database: str) -> list[str]:
    """The SQL, in order: roles (if missing), then the grants on every table of the schema."""
    out: list[str] = []
    for role in STAFF_ROLES:
        name = login(role)
        out.append(
            "DO $$ BEGIN "
            f"CREATE ROLE {name} LOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    everyone = ", ".join(login(r) for r in STAFF_ROLES)
    admin = login("admin")
    writers_of_roster = ", ".join(login(r) for r in ("officer", "admin"))
    out += [
        f"REVOKE ALL ON DATABASE {_quote(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {_quote(database)} TO {everyone}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {everyone}",
    ]
    for owned in sorted(OWNER_ONLY):  # not a model: Alembic's own table
        out.append(f"GRANT SELECT ON {_quote(owned)} TO {everyone}")
    tables: list[Table] = list(SQLModel.metadata.sorted_tables)
    for table in tables:
        name = _quote(table.name)
        out.append(f"REVOKE ALL ON {name} FROM {everyone}")
        if table.name in APPEND_ONLY:
            out.append(f"GRANT SELECT, INSERT ON {name} TO {everyone}")
            out.append(f"GRANT UPDATE {AUDIT_PURGE_COLUMNS} ON {name} TO {admin}")
        elif table.name in ADMIN_ONLY:
            out.append(f"GRANT SELECT ON {name} TO {everyone}")
            out.append(f"GRANT INSERT, UPDATE, DELETE ON {name} TO {admin}")
        elif table.name in ROSTER:
            out.append(f"GRANT SELECT ON {name} TO {everyone}")
            out.append(f"GRANT INSERT, UPDATE ON {name} TO {writers_of_roster}")
            out.append(f"GRANT DELETE ON {name} TO {admin}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE ON {name} TO {everyone}")
            out.append(f"GRANT DELETE ON {name} TO {admin}")
    # The engine's lease is given back by whichever staff login ran it.
    out.append(f"GRANT DELETE ON engine_lease TO {everyone}")
    out += _entry_policies()
    return out


def _entry_policies() -> list[str]:
    """Row-level security on the entry log: the duty login sees recent entries and open fevers."""
    duty = login("duty")
    others = ", ".join(login(r) for r in STAFF_ROLES if r != "duty")
    since = f"now() - interval '{DUTY_HISTORY_DAYS} days'"
    # A fever resolved today stays in sight: an UPDATE's new row must pass this test too.
    recent = (
        f"(at >= {since} OR (status = 'fever' AND (resolved_at IS NULL OR resolved_at >= {since})))"
    )
    policies = {
        "entry_staff": f"FOR ALL TO {others} USING (true) WITH CHECK (true)",
        "entry_duty_read": f"FOR SELECT TO {duty} USING {recent}",
        "entry_duty_insert": f"FOR INSERT TO {duty} WITH CHECK (true)",
        "entry_duty_update": f"FOR UPDATE TO {duty} USING {recent} WITH CHECK (true)",
    }
    out = ["ALTER TABLE entry ENABLE ROW LEVEL SECURITY"]
    for name, rule in policies.items():
        out.append(f"DROP POLICY IF EXISTS {name} ON entry")
        out.append(f"CREATE POLICY {name} ON entry {rule}")
    return out


def role_script(database: str) -> str:
    return ";\n".join(role_statements(database)) + ";\n"
