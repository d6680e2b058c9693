"""TOML configuration → validated, typed settings (DESIGN §3.2).

Lookup order: ``--config PATH``, ``$DUTY_CONSOLE_CONFIG``, ``./duty-console.toml``, then the
user config dir. With none found, defaults apply (a SQLite file in the user data dir).
Through sudo only the system config is read (``/etc/duty-console.toml``): the caller chooses
nothing (DESIGN §5). A config writable by group or others is refused everywhere; through sudo
it must also be private (0600) to the account the console runs as, or root.
Every mistake is reported as one sentence naming the file, the key and what is expected.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from duty_console.errors import ConfigError
from duty_console.identity import under_sudo
from duty_console.paths import user_config_file, user_data_dir

ENV_VAR = "DUTY_CONSOLE_CONFIG"
# The only config a run through sudo reads (the sudo rule's wrapper passes no arguments).
SYSTEM_CONFIG = Path("/etc/duty-console.toml")


def profile_names() -> list[str]:
    """The device profiles shipped in ``devices/profiles`` (package data)."""
    from devices.profile import profile_names as shipped

    return shipped()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DatabaseSettings(_Section):
    url: str = Field(
        default="", description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://"
    )


class SiteSettings(_Section):
    name: str = Field(default="示例中学", description="School name shown in the header and reports")
    gate: str = Field(default="north", description="This PC's gate")
    timezone: str = Field(default="Asia/Shanghai", description="Site timezone for display/reports")
    locale: Literal["zh_CN", "en"] = Field(default="zh_CN", description="Interface language")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"an IANA timezone name such as Asia/Shanghai, not {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ScreeningThresholds(_Section):
    """``[screening.thresholds]``: ir = 36.8 (say, a forehead line), contact = 37.3."""

    ir: float | None = Field(default=None, ge=34.0, le=40.0)
    contact: float | None = Field(default=None, ge=34.0, le=40.0)
    manual: float | None = Field(default=None, ge=34.0, le=40.0)

    def by_mode(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ScreeningSettings(_Section):
    fever_threshold_c: float = Field(default=37.3, ge=34.0, le=40.0)
    valid_min_c: float = Field(default=32.0, ge=20.0, le=40.0)
    valid_max_c: float = Field(default=42.9, ge=35.0, le=50.0)
    recheck_within_s: int = Field(default=300, ge=5, le=86400)
    recheck_rest_s: int = Field(default=60, ge=0, le=3600)
    pair_within_s: int = Field(default=10, ge=1, le=600)
    # A fever line per measuring mode (ir, contact, manual); the others use fever_threshold_c.
    thresholds: ScreeningThresholds = Field(default_factory=lambda: ScreeningThresholds())

    @model_validator(mode="after")
    def _ordered(self) -> ScreeningSettings:
        lines = [self.fever_threshold_c, *self.thresholds.by_mode().values()]
        if not all(self.valid_min_c < line < self.valid_max_c for line in lines):
            raise ValueError("valid_min_c < every fever line < valid_max_c must hold")
        if self.recheck_rest_s >= self.recheck_within_s:
            raise ValueError("recheck_rest_s must be shorter than recheck_within_s")
        return self

    def rules_values(self) -> dict[str, object]:
        values: dict[str, object] = self.model_dump(exclude={"thresholds"})
        values["thresholds"] = tuple(sorted(self.thresholds.by_mode().items()))
        return values


class AccessSettings(_Section):
    unix_users: dict[str, str] = Field(
        default_factory=dict, description="Unix account → staff id, signed in without a PIN"
    )
    idle_lock_min: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="a console with no key pressed this long goes back to the sign-in screen",
    )


class AuditSettings(_Section):
    key_file: str = Field(
        default="",
        description="the audit chain's key file (0600); default: beside the config file",
    )


class IncidentSettings(_Section):
    escalate_min: int = Field(
        default=10,
        ge=1,
        le=1440,
        description="an overdue step nobody acknowledged escalates one role up after this long",
    )


def _local_time(value: str) -> str:
    """'9:00' or '09:00' → '09:00'; anything else is refused."""
    hh, sep, mm = value.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"a local time like 09:00, not {value!r}")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"a local time like 09:00, not {value!r}")
    return f"{h:02d}:{m:02d}"


class TimersSettings(_Section):
    """Disinfection and ventilation timers (the schedules are in data/defaults/areas.toml)."""

    realert_min: int = Field(
        default=15, ge=1, le=1440, description="An overdue task alerts again this often"
    )
    ventilation_reminders: list[str] = Field(
        default_factory=lambda: ["09:00", "13:00", "17:00"],
        min_length=1,
        description="Local times by which the day's next airing should have started",
    )
    shift_changes: list[str] | None = Field(
        default=None,
        description="Local times the gate booth is disinfected (default: every start and end "
        "of [rota] shifts, the shift changes)",
    )
    trip_ends: list[str] = Field(
        default_factory=lambda: ["08:00", "17:30"],
        description="Local times the school bus ends a trip (it is disinfected after each)",
    )
    event_grace_min: int = Field(
        default=30,
        ge=1,
        le=720,
        description="An event-triggered disinfection (shift change, trip, after use) is overdue "
        "this long after the event; one done this long before a shift change counts for it",
    )
    anchor_date: str = Field(
        default="2026-09-01",
        description="The day every-N-hours disinfection schedules count from (no drift)",
    )

    @field_validator("ventilation_reminders", "shift_changes", "trip_ends")
    @classmethod
    def _times(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        return sorted(_local_time(v) for v in values)

    @field_validator("anchor_date")
    @classmethod
    def _date(cls, value: str) -> str:
        from datetime import date

        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"a date like 2026-09-01, not {value!r}") from exc
        return value


class ShiftSettings(_Section):
    name: str = Field(description="The shift's name (day, night)")
    start: str = Field(description="Local start time, HH:MM")
    end: str = Field(description="Local end time, HH:MM (past midnight when before start)")

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            parsed = time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"a time of day like 08:00, not {value!r}") from exc
        return parsed.strftime("%H:%M")


def _default_shifts() -> list[ShiftSettings]:
    return [
        ShiftSettings(name="day", start="08:00", end="20:00"),
        ShiftSettings(name="night", start="20:00", end="08:00"),
    ]


class RotaSettings(_Section):
    shifts: list[ShiftSettings] = Field(
        default_factory=_default_shifts, description="The duty shifts of a day (24-hour rota)"
    )
    remind_before_min: int = Field(
        default=15, ge=1, le=240, description="Remind this many minutes before a shift ends"
    )

    @model_validator(mode="after")
    def _some_shifts(self) -> RotaSettings:
        if not self.shifts:
            raise ValueError("at least one shift")
        if any(s.start == s.end for s in self.shifts):
            raise ValueError("a shift's start and end must differ")
        return self


class DeviceSettings(_Section):
    name: str
    role: Literal["thermometer", "id-reader"]
    port: str
    profile: str
    baudrate: int | None = Field(default=None, gt=0)
    offset_c: float = Field(default=0.0, ge=-5.0, le=5.0)
    trigger: Literal["presence", "frame"] | None = None
    mode: Literal["body", "surface"] | None = None
    presence_c: float | None = None
    stable_frames: int | None = Field(default=None, ge=1, le=100)
    poll_interval_s: float | None = Field(default=None, gt=0)
    address: int | None = Field(default=None, ge=1, le=247)
    modbus_register: int | None = Field(default=None, ge=0, le=0xFFFF, alias="register")
    signed: bool | None = None
    scale: float | None = None
    local_echo: bool | None = Field(
        default=None,
        description="An RS485 adapter that echoes each request back: read and drop the echo",
    )

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        known = profile_names()
        if known and value not in known:
            raise ValueError(f"one of the device profiles {', '.join(known)}, not {value!r}")
        return value

    def overrides(self) -> dict[str, Any]:
        """The profile settings this device overrides (everything set except identity)."""
        skip = {"name", "role", "port", "profile", "offset_c"}
        dumped = self.model_dump(by_alias=True)
        return {k: v for k, v in dumped.items() if k not in skip and v is not None}


def _clock_time(value: str) -> str:
    try:
        hh, mm = value.split(":")
        if not (0 <= int(hh) <= 23 and 0 <= int(mm) <= 59 and len(mm) == 2):
            raise ValueError
    except ValueError as exc:
        raise ValueError(f"a local time like 16:00, not {value!r}") from exc
    return f"{int(hh):02d}:{mm}"


class ReportSettings(_Section):
    folder: str = Field(
        default="",
        description="Where the daily report is written (md and xlsx); relative to the config "
        "file; empty: a 'reports' folder beside the SQLite database (or in the user data dir)",
    )
    at: str = Field(default="16:00", description="Local time the engine writes the day's report")
    remind_at: str = Field(
        default="17:00",
        description="Local time after which a day with no submitted report reminds the officer",
    )

    @field_validator("at", "remind_at")
    @classmethod
    def _local_time(cls, value: str) -> str:
        return _clock_time(value)

    def local_time(self, which: str) -> time:
        hh, mm = getattr(self, which).split(":")
        return time(int(hh), int(mm))


class BackupSettings(_Section):
    at: str = Field(
        default="02:30",
        description='Local time the engine backs the SQLite database up every night; "" for never',
    )
    keep: int = Field(default=14, ge=1, le=3650, description="How many nightly copies to keep")
    folder: str = Field(
        default="",
        description="Where the copies go; relative to the config file; empty: a 'backups' "
        "folder beside the database",
    )

    @field_validator("at")
    @classmethod
    def _local_time(cls, value: str) -> str:
        return value if value == "" else _clock_time(value)

    def local_time(self) -> time | None:
        if not self.at:
            return None
        hh, mm = self.at.split(":")
        return time(int(hh), int(mm))


class CalibrationSettings(_Section):
    """Not ``[devices]``: in TOML that name is the ``[[devices]]`` list of tables."""

    every_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="Warn when a thermometer has not been checked against a reference for this "
        "many days (0: never warn)",
    )


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    screening: ScreeningSettings = Field(default_factory=ScreeningSettings)
    access: AccessSettings = Field(default_factory=AccessSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    timers: TimersSettings = Field(default_factory=TimersSettings)
    rota: RotaSettings = Field(default_factory=RotaSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    calibration: CalibrationSettings = Field(default_factory=CalibrationSettings)
    devices: list[DeviceSettings] = Field(default_factory=list)
    keys: dict[str, str] = Field(default_factory=dict, description="binding id → key(s)")
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_devices(self) -> Settings:
        names = [d.name for d in self.devices]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"device names must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def database_url(self) -> str:
        return self.database.url or default_database_url()


def default_database_url() -> str:
    return f"sqlite:///{user_data_dir() / 'duty.db'}"


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use, or None when there is none anywhere (defaults apply)."""
    if under_sudo():
        if explicit:
            raise ConfigError(
                f"Through sudo the console reads only the system config {SYSTEM_CONFIG}; "
                "--config is refused."
            )
        if not SYSTEM_CONFIG.is_file():
            raise ConfigError(
                f"Through sudo the console reads only the system config {SYSTEM_CONFIG}, "
                "and there is none; the administrator creates it (README, Over SSH)."
            )
        return SYSTEM_CONFIG
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"The config file {path} does not exist (given with --config).")
        return path
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"The config file {path} does not exist (named by ${ENV_VAR}).")
        return path
    for candidate in (Path.cwd() / "duty-console.toml", user_config_file()):
        if candidate.is_file():
            return candidate
    return None


def _location(loc: tuple[int | str, ...]) -> str:
    """('screening', 'fever_threshold_c') → '[screening] fever_threshold_c'."""
    parts = [str(p) for p in loc]
    if not parts:
        return "the top level"
    if parts[0] == "devices" and len(parts) >= 2:
        head = f"[[devices]] #{int(parts[1]) + 1}"
        rest = parts[2:]
    elif len(parts) == 1:
        return parts[0]
    else:
        head, rest = f"[{parts[0]}]", parts[1:]
    return f"{head} {'.'.join(rest)}".strip()


_PLAIN = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text in quotes",
    "dict_type": "a table",
    "list_type": "a list ([[...]] tables)",
    "model_type": "a table",
}
_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def _describe(error: Any) -> str:
    kind = error["type"]
    where = _location(error["loc"])
    if kind == "extra_forbidden":
        if len(error["loc"]) == 1:
            known = ", ".join(f"[{k}]" for k in Settings.model_fields if k != "source")
            return f"[{error['loc'][0]}] is not a known section (known: {known})"
        return f"{where} is not a known key (check the spelling)"
    if kind == "missing":
        return f"{where} is required"
    msg = _PLAIN.get(kind) or str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        msg = "one of " + str(error.get("ctx", {}).get("expected", ""))
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(error.get("ctx", {}).values()), "")
        msg = f"a number {_BOUNDS[kind]} {bound}"
    got = error.get("input")
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
    return f"{where}: expected {msg}{shown}"


def parse_settings(data: dict[str, Any], source: str = "<config>") -> Settings:
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = _describe(exc.errors()[0])
        more = len(exc.errors()) - 1
        tail = f" ({more} more problem{'s' if more > 1 else ''} after this one.)" if more else ""
        raise ConfigError(f"{source}: {first}.{tail}") from exc
    return settings.model_copy(update={"source": source})


def check_config_file(path: Path, *, private: bool) -> None:
    """Refuse a config others could have written; ``private``: others may not read it either
    (and it belongs to this account or root), as through sudo."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from exc
    mode = st.st_mode & 0o777
    if mode & 0o022:
        raise ConfigError(
            f"{path} is writable by group or others (mode {mode:o}), so anyone could have "
            f"changed it; run `chmod 600 {path}`."
        )
    if private and (mode & 0o077 or st.st_uid not in (os.getuid(), 0)):
        raise ConfigError(
            f"{path} must be private to the account the console runs as (mode 600, owned by "
            f"it or root), not mode {mode:o} owned by uid {st.st_uid}; run `chmod 600 {path}`."
        )


def load_settings(explicit: str | os.PathLike[str] | None = None) -> Settings:
    """Find, read and validate the configuration."""
    path = find_config(explicit)
    if path is None:
        return Settings()
    check_config_file(path, private=under_sudo())
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from exc
    except UnicodeDecodeError as exc:
        # Saved as UTF-16 (Notepad) or cut in the middle of a character (a power cut).
        raise ConfigError(
            f"{path}: not UTF-8 (byte {exc.start}); save the file as UTF-8 and try again."
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from exc
    settings = parse_settings(data, str(path))
    url = settings.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # A relative SQLite path is relative to the config file, not to wherever the user stands.
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:":
            absolute = (path.parent / rel).resolve()
            settings = settings.model_copy(
                update={"database": DatabaseSettings(url=f"sqlite:///{absolute}")}
            )
    folder = Path(settings.reports.folder)
    if settings.reports.folder and not folder.is_absolute():
        # The reports folder too: beside the config file, wherever the engine was started.
        reports = settings.reports.model_copy(update={"folder": str(path.parent / folder)})
        settings = settings.model_copy(update={"reports": reports})
    folder = Path(settings.backup.folder)
    if settings.backup.folder and not folder.is_absolute():
        backup = settings.backup.model_copy(update={"folder": str(path.parent / folder)})
        settings = settings.model_copy(update={"backup": backup})
    return settings
