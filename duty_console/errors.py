"""Errors a user can fix. The CLI prints their message (one or two sentences) and exits 1."""


class UserError(Exception):
    """Something the user can fix: bad config, bad input, a missing permission."""

    exit_code = 1


class ConfigError(UserError):
    """The configuration file is missing a value, has a wrong one, or has an unknown key."""


class PermissionDenied(UserError):
    """The acting staff member's role may not do this."""


class NotFound(UserError):
    """A person, staff member, room or incident that does not exist."""
