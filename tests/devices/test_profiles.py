"""The shipped device profiles and a device's overrides of them."""

from __future__ import annotations

import pytest

from devices.profile import ProfileError, UnknownProfileError, load_profile, profile_names

ALL = [
    "barcode-line",
    "gy-mcu90614",
    "idc50",
    "lu90614",
    "mlx90614-ascii",
    "modbus-ir",
    "rdm6300",
]


def test_every_contract_profile_is_shipped() -> None:
    assert profile_names() == ALL


@pytest.mark.parametrize("name", ALL)
def test_each_profile_loads(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.baudrate == (115200 if name == "idc50" else 9600)
    if profile.role == "id-reader":
        assert profile.trigger is None
        assert profile.offline_after_s is None  # silent while idle is not offline
    else:
        assert profile.trigger in ("presence", "frame")
        assert profile.offline_after_s
        assert profile.options["presence_c"] == 30.0
        assert profile.options["stable_frames"] == 5


def test_polled_profiles_have_a_poll_interval() -> None:
    assert load_profile("lu90614").poll_interval_s == 0.5
    assert load_profile("modbus-ir").poll_interval_s == 0.5
    assert load_profile("mlx90614-ascii").poll_interval_s is None


def test_unknown_profile_names_itself_and_the_known_ones() -> None:
    with pytest.raises(UnknownProfileError) as err:
        load_profile("mlx90640")
    assert "'mlx90640'" in str(err.value)
    assert all(name in str(err.value) for name in ALL)
    assert isinstance(err.value, ValueError)


def test_device_overrides_win() -> None:
    profile = load_profile(
        "modbus-ir",
        {"baudrate": 19200, "register": 0x0E, "address": 3, "mode": "surface", "trigger": "frame"},
    )
    assert (profile.baudrate, profile.trigger) == (19200, "frame")
    assert (profile.options["register"], profile.options["address"]) == (0x0E, 3)
    assert profile.options["mode"] == "surface"


def test_unset_overrides_are_ignored() -> None:
    assert load_profile("idc50", {"baudrate": None}).baudrate == 115200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trigger": "sometimes"}, "trigger"),
        ({"mode": "forehead"}, "mode"),
        ({"baudrate": -1}, "baudrate"),
        ({"poll_interval_s": 0}, "poll_interval_s"),
        ({"address": 300}, "address"),
        ({"stable_frames": 0}, "stable_frames"),
    ],
)
def test_bad_overrides_are_explained(overrides: dict, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile("modbus-ir", overrides)


def test_id_reader_takes_no_trigger() -> None:
    with pytest.raises(ProfileError, match="no trigger"):
        load_profile("rdm6300", {"trigger": "frame"})
