"""What each role may do. Every service checks before it writes or reads personal data."""

from __future__ import annotations

from duty_console.domain.actors import Actor
from duty_console.errors import PermissionDenied, Term, terms
from duty_console.i18n import N_

ALL_STAFF = frozenset({"duty", "doctor", "officer", "admin"})
LEADS = frozenset({"doctor", "officer", "admin"})

CAPABILITIES: dict[str, frozenset[str]] = {
    "entry.record": ALL_STAFF | {"system"},
    "entry.assign": ALL_STAFF,
    "entry.deny": ALL_STAFF,
    "entry.close_fever": ALL_STAFF,
    "visitor.register": ALL_STAFF,
    "people.import": frozenset({"officer", "admin", "system"}),
    "staff.manage": frozenset({"admin", "system"}),
    "export": frozenset({"doctor", "officer", "admin", "system"}),
    "report": frozenset({"doctor", "officer", "admin", "system"}),
    "report.submit": frozenset({"officer", "admin"}),
    "supplies.move": ALL_STAFF,
    "purge": frozenset({"admin", "system"}),
    # A copy of everything (the nightly one is the engine's); putting one back is the admin's.
    "backup.make": frozenset({"officer", "admin", "system"}),
    "backup.restore": frozenset({"admin"}),
    # Checking a thermometer against a reference sets the offset every later reading gets.
    "device.calibrate": LEADS,
    "defaults.load": frozenset({"admin", "system"}),
    "incident.open": ALL_STAFF | {"system"},
    "incident.step": ALL_STAFF,
    "incident.close": LEADS,
    "incident.cluster": frozenset({"officer", "admin"}),
    "hygiene.record": ALL_STAFF,
    "room.manage": ALL_STAFF,
    "alert.manage": ALL_STAFF | {"system"},
    "alert.acknowledge": ALL_STAFF,
    "engine.run": frozenset({"system", "admin", "officer", "duty"}),
    # Closing the console at the gate PC (others sign out: the next person gets the sign-in
    # screen, never the shell behind it). Over SSH everyone may leave.
    "console.quit": frozenset({"admin"}),
    # Who is in isolation or an incident, by person id (status, reports): not the gate's duty.
    "people.view": LEADS | {"system"},
    # The people side of the day (issue 11). A class teacher's check is a duty action; the
    # fit-to-return check (复课证明) is the school doctor's alone.
    "check.record": ALL_STAFF,
    "absence.record": ALL_STAFF,
    "absence.return": frozenset({"doctor"}),
    "watch.add": ALL_STAFF,
    "watch.check": ALL_STAFF,
    "watch.end": LEADS,
    "rota.manage": frozenset({"officer", "admin"}),
    "handover": ALL_STAFF,
}


def can(actor: Actor, capability: str) -> bool:
    return actor.role in CAPABILITIES[capability]


def require(actor: Actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(
            N_(
                "{name} ({staff_id}) has the role '{role}', which may not do this ({what}); "
                "ask a staff member with one of: {roles}."
            ),
            name=actor.name,
            staff_id=actor.staff_id,
            role=Term(actor.role),
            what=capability,
            roles=terms(sorted(CAPABILITIES[capability] - {"system"})),
        )
