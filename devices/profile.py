"""Device profiles: a device model's protocol and defaults, read from ``devices/profiles/*.toml``.

A device entry in the site config names a profile and may override its settings (baud rate,
poll interval, trigger, mode, presence threshold, register map); :func:`load_profile` merges
and checks them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from devices.protocols import PROTOCOLS, get_protocol

ROLES = ("thermometer", "id-reader")
TRIGGERS = ("presence", "frame")
_FIELDS = ("protocol", "role", "baudrate", "trigger", "poll_interval_s", "offline_after_s")


class ProfileError(ValueError):
    """A profile, or a device's override of it, is not usable; the message says why."""


class UnknownProfileError(ProfileError):
    """No profile has this name."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown device profile {name!r}; known profiles: {', '.join(known)}")
        self.name = name
        self.known = known


@dataclass
class Profile:
    """One device model, with a device's overrides applied.

    ``options`` holds everything the parser and the trigger read: ``mode``, ``presence_c``,
    ``stable_frames``, ``stable_tolerance_c``, ``debounce_s``, and for Modbus ``address``,
    ``register``, ``signed``, ``scale``. ``trigger`` is None for id-readers; ``poll_interval_s``
    is None for devices that stream by themselves; ``offline_after_s`` is None for devices that
    are silent while idle (id-readers), which go offline only on a port error.
    """

    name: str
    protocol: str
    role: str
    baudrate: int
    trigger: str | None
    poll_interval_s: float | None
    offline_after_s: float | None
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def _profiles_dir() -> Any:
    return resources.files("devices") / "profiles"


def profile_names() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _profiles_dir().iterdir()
        if entry.name.endswith(".toml")
    )


def load_profile(name: str, overrides: Mapping[str, Any] | None = None) -> Profile:
    """The profile ``name`` with a device's ``overrides`` applied, checked.

    Raises UnknownProfileError for a name that is not shipped, ProfileError for a bad value.
    """
    known = profile_names()
    if name not in known:
        raise UnknownProfileError(name, known)
    text = (_profiles_dir() / f"{name}.toml").read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"device profile {name!r} is not valid TOML: {exc}") from exc
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return _build(name, data)


def _number(name: str, key: str, value: Any, *, minimum: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"device profile {name!r}: {key} must be a number, not {value!r}")
    if value < minimum or (strict and value == minimum):
        relation = "more than" if strict else "at least"
        raise ProfileError(f"device profile {name!r}: {key} must be {relation} {minimum}")
    return float(value)


def _build(name: str, data: dict[str, Any]) -> Profile:
    protocol = data.get("protocol")
    if protocol not in PROTOCOLS:
        raise ProfileError(
            f"device profile {name!r}: protocol must be one of {', '.join(sorted(PROTOCOLS))}, "
            f"not {protocol!r}"
        )
    parser = get_protocol(protocol)
    role = data.get("role", parser.role)
    if role != parser.role:
        raise ProfileError(f"device profile {name!r}: protocol {protocol} is a {parser.role}")
    baudrate = data.get("baudrate", 9600)
    if isinstance(baudrate, bool) or not isinstance(baudrate, int) or baudrate <= 0:
        raise ProfileError(f"device profile {name!r}: baudrate must be a positive whole number")

    trigger = data.get("trigger")
    if role == "thermometer":
        trigger = trigger or "presence"
        if trigger not in TRIGGERS:
            raise ProfileError(
                f"device profile {name!r}: trigger must be presence or frame, not {trigger!r}"
            )
    elif trigger is not None:
        raise ProfileError(f"device profile {name!r}: an id-reader has no trigger")

    poll = data.get("poll_interval_s")
    poll_interval_s = (
        None if poll is None else _number(name, "poll_interval_s", poll, minimum=0, strict=True)
    )
    offline = data.get("offline_after_s")
    offline_after_s = (
        None
        if offline in (None, 0)
        else _number(name, "offline_after_s", offline, minimum=0, strict=True)
    )

    options = {k: v for k, v in data.items() if k not in _FIELDS and k != "description"}
    if not isinstance(options.setdefault("local_echo", False), bool):
        raise ProfileError(f"device profile {name!r}: local_echo must be true or false")
    if role == "thermometer":
        mode = options.setdefault("mode", "body")
        if mode not in ("body", "surface"):
            raise ProfileError(
                f"device profile {name!r}: mode must be body or surface, not {mode!r}"
            )
        options["presence_c"] = _number(
            name, "presence_c", options.get("presence_c", 30.0), minimum=-50, strict=False
        )
        frames = options.get("stable_frames", 5)
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
            raise ProfileError(f"device profile {name!r}: stable_frames must be a whole number ≥ 1")
        options["stable_tolerance_c"] = _number(
            name,
            "stable_tolerance_c",
            options.get("stable_tolerance_c", 0.2),
            minimum=0,
            strict=False,
        )
    try:
        check = parser(f"profile {name}", options)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"device profile {name!r}: {exc}") from exc
    if check.poll_request() is not None and poll_interval_s is None:
        raise ProfileError(f"device profile {name!r}: a polled device needs poll_interval_s")

    return Profile(
        name=name,
        protocol=protocol,
        role=role,
        baudrate=baudrate,
        trigger=trigger,
        poll_interval_s=poll_interval_s,
        offline_after_s=offline_after_s,
        options=options,
        description=str(data.get("description", "")),
    )
