"""Duty Console: the school gate and outbreak-duty console."""

__version__ = "0.1.0"
