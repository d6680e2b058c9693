"""Devices and their health, and the engine lease (one engine per gate)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from duty_console.db.models.base import time_field


class Device(SQLModel, table=True):
    """A configured serial device and its health, as last written by the gate's engine."""

    __tablename__ = "device"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    gate: str = Field(max_length=64)
    role: str = Field(max_length=16)
    profile: str = Field(max_length=64)
    port: str = Field(default="", max_length=255)
    online: bool = Field(default=False)
    status: str = Field(default="", max_length=255)
    frames_ok: int = Field(default=0)
    frames_bad: int = Field(default=0)
    sensor_errors: int = Field(default=0)
    # Readings the engine dropped because its backlog was full (the database could not be
    # written for hours), and the newest one's time (engine.ingest.MAX_PENDING).
    readings_dropped: int = Field(default=0)
    dropped_at: datetime | None = time_field(nullable=True)
    last_frame_at: datetime | None = time_field(nullable=True)
    updated_at: datetime = time_field()


class EngineLease(SQLModel, table=True):
    """Who runs the engine of a gate; a stale heartbeat means the holder died."""

    __tablename__ = "engine_lease"

    gate: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=255)
    started_at: datetime = time_field()
    heartbeat_at: datetime = time_field()
