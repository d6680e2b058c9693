"""The shipped device profiles (``*.toml`` here, package data) and their loader."""

from devices.profile import Profile, ProfileError, UnknownProfileError, load_profile, profile_names

__all__ = ["Profile", "ProfileError", "UnknownProfileError", "load_profile", "profile_names"]
