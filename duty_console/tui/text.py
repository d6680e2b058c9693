"""How entries read on screen, in the active language: statuses, reasons, times, masked names.

No ambiguous-width glyphs (degree signs, bullets, middle dots): they misalign Chinese terminals.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from duty_console.db.connect import DISK_FULL, LOCKED, UNREACHABLE, failure_kind
from duty_console.domain import screening as s
from duty_console.domain.entries import EntryRow
from duty_console.domain.pinyin import mask_name
from duty_console.i18n import N_, _

STATUS_LABELS: dict[str, str] = {
    s.NORMAL: N_("normal"),
    s.FEVER: N_("fever"),
    s.RECHECK_NORMAL: N_("recheck ok"),
    s.FEVER_CONFIRMED: N_("fever again"),
    s.INVALID: N_("invalid"),
    s.DENIED: N_("refused"),
}

# What the last-reading panel says under the temperature.
STATUS_ADVICE: dict[str, str] = {
    s.NORMAL: N_("normal, may enter"),
    s.FEVER: N_("fever: recheck by contact thermometer"),
    s.RECHECK_NORMAL: N_("recheck normal, may enter"),
    s.FEVER_CONFIRMED: N_("fever confirmed: to the isolation room"),
    s.INVALID: N_("invalid reading: measure again"),
    s.DENIED: N_("entry refused"),
}

REASON_LABELS = {
    "not_registered": N_("not registered"),
    "no_mask": N_("no mask"),
    "fever": N_("fever"),
    "other": N_("other"),
}

ROLE_LABELS = {
    "duty": N_("duty"),
    "doctor": N_("doctor"),
    "officer": N_("officer"),
    "admin": N_("admin"),
    "system": N_("system"),
}

MODE_LABELS: dict[str, str] = {
    s.Mode.IR: N_("IR"),
    s.Mode.CONTACT: N_("contact"),
    s.Mode.MANUAL: N_("IR gun"),
}
MODE_LONG_LABELS: dict[str, str] = {
    s.Mode.CONTACT: N_("contact thermometer (axillary, oral)"),
    s.Mode.MANUAL: N_("hand-held IR gun"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def status_advice(status: str) -> str:
    return _(STATUS_ADVICE.get(status, status))


def advice(row: EntryRow, rules: s.Rules, tz: tzinfo, fever_at: datetime | None = None) -> str:
    """What to do about this reading, in a few words. Never "may enter" for someone unknown.

    ``fever_at``: for a reading during the rest, when the fever it belongs to was taken.
    """
    if row.status in (s.INVALID, s.DENIED):
        return status_advice(row.status)
    if row.rest_of is not None:
        if fever_at is None:
            return _("fever again: too soon for the recheck, let them rest")
        rested = fever_at + timedelta(seconds=rules.recheck_rest_s)
        return _("too soon for the recheck: let them rest, recheck at {time}").format(
            time=clock_time(rested, tz)
        )
    if row.incident_id is not None and not row.rings:
        return _("under incident #{id}: follow its checklist").format(id=row.incident_id)
    if row.status == s.FEVER:
        return _("fever: let them rest {minutes} min, then recheck").format(
            minutes=max(1, round(rules.recheck_rest_s / 60))
        )
    if is_unidentified(row):
        if is_unknown_card(row):
            return _("card not on the roster: press p to name the person")
        return _("nobody identified: press p to name the person")
    if row.person_id and not row.name and not row.visitor:
        return _("not on the roster: check who this is")
    return status_advice(row.status)


def is_unknown_card(row: EntryRow) -> bool:
    return not row.person_id and row.note.startswith("card ") and "not in the roster" in row.note


def reason_label(reason: str) -> str:
    return _(REASON_LABELS.get(reason, reason)) if reason else ""


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def mode_label(mode: str, *, long: bool = False) -> str:
    labels = MODE_LONG_LABELS if long and mode in MODE_LONG_LABELS else MODE_LABELS
    return _(labels.get(mode, mode)) if mode else ""


def device_label(device: str) -> str:
    return _("manual") if device == "manual" else device


def temperature(temp_c: float | None) -> str:
    """36.8 → '36.8C'; no reading → '--'."""
    return "--" if temp_c is None else f"{temp_c:.1f}C"


def clock_time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M:%S")


def day_and_time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%m-%d %H:%M:%S")


def countdown(seconds: float) -> str:
    """Seconds left → 'm:ss' (never negative)."""
    left = max(0, int(seconds))
    return f"{left // 60}:{left % 60:02d}"


def who(row: EntryRow) -> str:
    """The masked name of whoever the entry is about, or what they are when there is no name."""
    if row.name:
        name = mask_name(row.name)
        return _("visitor {name}").format(name=name) if row.visitor else name
    if row.visitor:
        return _("visitor")
    if row.person_id:
        # Named by a card or an id that the roster no longer has (removed, or never imported).
        return _("not in roster")
    if row.status == s.DENIED:
        return _("no name given")
    return _("unidentified")


def nameless_labels() -> list[str]:
    return [_("unidentified"), _("no name given"), _("visitor"), _("not in roster")]


def is_unidentified(row: EntryRow) -> bool:
    """A reading nobody is named for yet (a refusal without a name needs none)."""
    return not row.person_id and not row.visitor and row.status != s.DENIED


def nothing_recorded(error: BaseException, db_path: Path | None = None) -> str:
    """What a console says when the database refused a write: the cause in plain words
    (a full disk, a long write elsewhere, no connection), never the driver's "database is
    locked". ``db_path``: the SQLite file, whose free space tells a full disk apart."""
    kind = failure_kind(error, db_path)
    if kind == DISK_FULL:
        return _(
            "Nothing was recorded: the disk holding the database is full. "
            "Free some space, then do it again."
        )
    if kind == LOCKED:
        return _(
            "Nothing was recorded: the database stayed busy with another long write. "
            "Do it again in a moment."
        )
    text = str(getattr(error, "orig", None) or error).strip()
    reason = (text.splitlines()[0] if text else type(error).__name__)[:120]
    if kind == UNREACHABLE:
        return _(
            "Nothing was recorded: the database cannot be reached ({reason}). "
            "Do it again when it is back."
        ).format(reason=reason)
    return _("Nothing was recorded: the database did not accept it ({reason}).").format(
        reason=reason
    )
