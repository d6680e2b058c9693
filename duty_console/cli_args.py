"""Argument types every command module shares: a local day and a time, read strictly."""

from __future__ import annotations

import argparse
from datetime import date, datetime


def date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-29") from exc


def datetime_arg(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time like 2026-11-29T08:00 or 2026-11-29T08:00+08:00"
        ) from exc
