"""Widgets and modals of the console, named after what they are at the gate."""
