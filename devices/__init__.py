"""Serial devices at the gate: bytes in, typed frames and measurements out.

This package knows frames, profiles and ports; it knows nothing of the database, the rules or the
screen, and imports nothing from ``duty_console``.
"""

from devices.frames import (
    BadFrame,
    CardRead,
    DeviceEvent,
    DeviceStatus,
    Frame,
    Measurement,
    Reading,
    SensorError,
)
from devices.profile import Profile, ProfileError, UnknownProfileError, load_profile, profile_names

__all__ = [
    "BadFrame",
    "CardRead",
    "DeviceEvent",
    "DeviceStatus",
    "Frame",
    "Measurement",
    "Profile",
    "ProfileError",
    "Reading",
    "SensorError",
    "UnknownProfileError",
    "load_profile",
    "profile_names",
]
