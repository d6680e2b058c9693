"""All tables. Importing this module registers every model on ``SQLModel.metadata``."""

from duty_console.db.models.alerts import ALERT_SEVERITIES, Alert
from duty_console.db.models.areas import Area, AreaType
from duty_console.db.models.audit import AuditRecord
from duty_console.db.models.base import Stamped
from duty_console.db.models.calibration import Calibration
from duty_console.db.models.devices import Device, EngineLease
from duty_console.db.models.entries import ENTRY_STATUSES, Entry, Visitor
from duty_console.db.models.hygiene import DisinfectionRecord, VentilationSession
from duty_console.db.models.incidents import Incident, IncidentNote, IncidentStep
from duty_console.db.models.people import Person, WatchCategory, WatchEntry
from duty_console.db.models.playbooks import Playbook, PlaybookStep
from duty_console.db.models.reports import DailyReport
from duty_console.db.models.rooms import ROOM_STATES, IsolationRoom, IsolationStay
from duty_console.db.models.routine import (
    Absence,
    AbsenceFollowUp,
    ClassCheck,
    HandoverItem,
    WatchCheck,
)
from duty_console.db.models.shifts import Handover, Shift
from duty_console.db.models.staff import Staff
from duty_console.db.models.supplies import Supply, SupplyMovement

__all__ = [
    "ALERT_SEVERITIES",
    "ENTRY_STATUSES",
    "ROOM_STATES",
    "Absence",
    "AbsenceFollowUp",
    "Alert",
    "Area",
    "AreaType",
    "AuditRecord",
    "Calibration",
    "ClassCheck",
    "DailyReport",
    "Device",
    "DisinfectionRecord",
    "EngineLease",
    "Entry",
    "Handover",
    "HandoverItem",
    "Incident",
    "IncidentNote",
    "IncidentStep",
    "IsolationRoom",
    "IsolationStay",
    "Person",
    "Playbook",
    "PlaybookStep",
    "Shift",
    "Staff",
    "Stamped",
    "Supply",
    "SupplyMovement",
    "VentilationSession",
    "Visitor",
    "WatchCategory",
    "WatchCheck",
    "WatchEntry",
]
