"""`doctor` on a gate PC's serial set-up: the account's dialout group, ModemManager probing the
ports, and identical adapters without serial numbers that /dev/serial/by-id cannot tell apart.
sysfs and /proc are laid out in tmp the way the kernel shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from duty_console import doctor


def usb_tty(root: Path, tty: str, port: str, vendor: str, product: str, serial: str = "") -> None:
    """/sys/class/tty/TTY → …/usb1/PORT/PORT:1.0/TTY/tty/TTY, the USB device at …/PORT."""
    usb = root / "devices" / "pci0000:00" / "usb1" / port
    node = usb / f"{port}:1.0" / tty / "tty" / tty
    node.mkdir(parents=True)
    (usb / "idVendor").write_text(vendor + "\n")
    (usb / "idProduct").write_text(product + "\n")
    (usb / "product").write_text("USB Serial\n")
    if serial:
        (usb / "serial").write_text(serial + "\n")
    classes = root / "class" / "tty"
    classes.mkdir(parents=True, exist_ok=True)
    (classes / tty).symlink_to(node)


def test_two_ch340s_without_serials_are_reported_with_the_fix(tmp_path: Path, capsys) -> None:
    usb_tty(tmp_path, "ttyUSB0", "1-1.2", "1a86", "7523")
    usb_tty(tmp_path, "ttyUSB1", "1-1.3", "1a86", "7523")
    usb_tty(tmp_path, "ttyUSB2", "1-1.4", "0403", "6001", serial="A10K4XYZ")
    usb_tty(tmp_path, "ttyACM0", "1-2", "2341", "0043", serial="8503631")
    adapters = doctor.serial_adapters(tmp_path / "class" / "tty")
    assert [(a.tty, a.serial) for a in adapters] == [
        ("ttyACM0", "8503631"),
        ("ttyUSB0", ""),
        ("ttyUSB1", ""),
        ("ttyUSB2", "A10K4XYZ"),
    ]
    (group,) = doctor.ambiguous_adapters(adapters)
    assert [a.tty for a in group] == ["ttyUSB0", "ttyUSB1"]

    ok = doctor._check_serial_setup(
        ["/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"],
        uid=0,
        sys_class_tty=tmp_path / "class" / "tty",
        proc=tmp_path / "proc",
    )
    out = capsys.readouterr().out
    assert not ok
    assert "[FAIL] 2 identical USB Serial adapters (1a86:7523, ttyUSB0, ttyUSB1)" in out
    assert "/dev/serial/by-id has one link for all of them" in out and "by-path" in out


def test_modem_manager_and_a_missing_dialout_group_are_reported(tmp_path: Path, capsys) -> None:
    proc = tmp_path / "proc"
    for pid, name in (("1", "systemd"), ("812", "ModemManager")):
        (proc / pid).mkdir(parents=True)
        (proc / pid / "comm").write_text(name + "\n")
    nobody = 65534
    user, groups = doctor.account_groups(nobody)
    if "dialout" in groups:
        pytest.skip(f"{user} is in dialout here")
    ok = doctor._check_serial_setup(
        ["/dev/ttyUSB0"], uid=nobody, sys_class_tty=tmp_path / "none", proc=proc
    )
    out = capsys.readouterr().out
    assert not ok
    assert f"the account {user} is not in the 'dialout' group" in out
    assert f"usermod -aG dialout {user}" in out
    assert "[warn] ModemManager is running" in out and "ID_MM_DEVICE_IGNORE" in out


def test_a_quiet_machine_passes(tmp_path: Path, capsys) -> None:
    (tmp_path / "proc" / "1").mkdir(parents=True)
    (tmp_path / "proc" / "1" / "comm").write_text("systemd\n")
    assert doctor._check_serial_setup(
        ["/dev/ttyUSB0"], uid=0, sys_class_tty=tmp_path / "none", proc=tmp_path / "proc"
    )
    assert capsys.readouterr().out == ""


def test_the_udev_example_names_each_device_and_keeps_modemmanager_away() -> None:
    rules = Path(__file__).resolve().parents[2] / "deploy" / "99-duty-console.rules"
    lines = [line for line in rules.read_text("utf-8").splitlines() if line and line[0] != "#"]
    assert lines
    for line in lines:
        assert 'SUBSYSTEM=="tty"' in line and "SYMLINK+=" in line
        assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line and 'GROUP="dialout"' in line
