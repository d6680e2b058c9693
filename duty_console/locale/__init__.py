"""Gettext catalogs: ``<lang>/LC_MESSAGES/duty_console.po`` and the compiled ``.mo`` beside it."""
