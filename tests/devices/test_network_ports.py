"""Devices behind a network serial server (ser2net, a USR-TCP232 box, an RFC 2217 server): the
engine's reader opens ``socket://`` and ``rfc2217://`` URLs, reads frames and polls through them.

Each test starts a real server on localhost that bridges TCP to a real pseudo-terminal, and plays
the device on the pty's master side.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
import serial
from serial import rfc2217

from devices.frames import Reading
from devices.transport import open_port

from .conftest import Pty, read_master
from .test_transport import Sink, is_reading, readers, start, status

__all__ = ["readers"]

MLX = b"Ambient = 24.51*C\tObject = 36.20*C\r\n"


class PtyPort(serial.Serial):
    """The server's side of the pty. A pty has no modem lines (their ioctl fails): report the
    lines of a device that is plugged in, as a USB adapter with no handshake wiring does."""

    cts = dsr = cd = True  # type: ignore[assignment]
    ri = False  # type: ignore[assignment]

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass


class BridgeServer:
    """A one-client TCP server forwarding bytes between its client and a pty's slave side.

    ``rfc2217=True`` speaks RFC 2217 through pyserial's ``PortManager`` (telnet negotiation,
    baud rate changes applied to the port, IAC escaping); otherwise it is a raw TCP bridge.
    """

    def __init__(self, pty: Pty, *, rfc2217_mode: bool) -> None:
        self.pty = pty
        self.rfc2217 = rfc2217_mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        # Set once a client is bridged to the open port: bytes the device sends before that
        # would be flushed by the server's own open.
        self.bridged = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, PtyPort(self.pty.path, 9600, timeout=0.05) as port:
                self._bridge(conn, port)

    def _bridge(self, conn: socket.socket, port: PtyPort) -> None:
        lock = threading.Lock()

        class Connection:
            def write(self, data: bytes) -> None:
                with lock:
                    conn.sendall(data)

        manager = rfc2217.PortManager(port, Connection()) if self.rfc2217 else None
        done = threading.Event()

        def device_to_network() -> None:
            while not done.is_set():
                try:
                    data = port.read(port.in_waiting or 1)
                except serial.SerialException:
                    break
                if data:
                    out = b"".join(manager.escape(data)) if manager else data
                    with contextlib.suppress(OSError):
                        Connection().write(out)

        pump = threading.Thread(target=device_to_network, daemon=True)
        pump.start()
        self.bridged.set()
        conn.settimeout(0.2)
        try:
            while not self.stopping.is_set():
                try:
                    data = conn.recv(1024)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                out = b"".join(manager.filter(data)) if manager else data
                if out:
                    port.write(out)
        finally:
            done.set()
            pump.join(1)

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(2)


@pytest.fixture
def raw_server(pty_pair: Pty) -> Iterator[BridgeServer]:
    server = BridgeServer(pty_pair, rfc2217_mode=False)
    yield server
    server.close()


@pytest.fixture
def rfc2217_server(pty_pair: Pty) -> Iterator[BridgeServer]:
    server = BridgeServer(pty_pair, rfc2217_mode=True)
    yield server
    server.close()


def test_an_rfc2217_port_opens_although_its_driver_refuses_a_write_timeout(
    rfc2217_server: BridgeServer,
) -> None:
    url = f"rfc2217://127.0.0.1:{rfc2217_server.port}"
    with pytest.raises(NotImplementedError):  # what open_port used to ask for
        serial.serial_for_url(url, baudrate=9600, timeout=0.1, write_timeout=1.0).close()
    port = open_port(url, 19200, 0.1)
    try:
        assert port.is_open and port.baudrate == 19200
    finally:
        port.close()


def test_an_rfc2217_thermometer_reaches_the_sink(
    rfc2217_server: BridgeServer, pty_pair: Pty, readers
) -> None:
    server = rfc2217_server
    sink = Sink()
    url = f"rfc2217://127.0.0.1:{rfc2217_server.port}"
    start(readers, url, "mlx90614-ascii", sink, overrides={"trigger": "frame"})
    sink.wait_for(status(True, "connected"))
    assert server.bridged.wait(5)
    pty_pair.write(MLX)
    reading = sink.wait_for(is_reading, timeout=5)
    assert isinstance(reading, Reading) and reading.temp_c == 36.2


def test_a_polled_device_behind_rfc2217_is_polled_and_answers(
    rfc2217_server: BridgeServer, pty_pair: Pty, readers
) -> None:
    server = rfc2217_server
    sink = Sink()
    url = f"rfc2217://127.0.0.1:{rfc2217_server.port}"
    start(readers, url, "lu90614", sink, overrides={"poll_interval_s": 0.1, "trigger": "frame"})
    sink.wait_for(status(True, "connected"))
    # Until the server opens the pty's slave side, reading the master fails (EIO).
    assert server.bridged.wait(5)
    assert read_master(pty_pair.master, 3, timeout=5) == bytes.fromhex("FA CA C4")
    pty_pair.write(bytes.fromhex("FE AC 24 14 00 00 00 00 E2"))
    reading = sink.wait_for(is_reading, timeout=5)
    assert isinstance(reading, Reading) and reading.temp_c == 36.2


def test_a_socket_url_thermometer_reaches_the_sink(
    raw_server: BridgeServer, pty_pair: Pty, readers
) -> None:
    server = raw_server
    sink = Sink()
    start(
        readers,
        f"socket://127.0.0.1:{raw_server.port}",
        "mlx90614-ascii",
        sink,
        overrides={"trigger": "frame"},
    )
    sink.wait_for(status(True, "connected"))
    assert server.bridged.wait(5)
    pty_pair.write(MLX)
    reading = sink.wait_for(is_reading, timeout=5)
    assert isinstance(reading, Reading) and reading.temp_c == 36.2


def test_a_socket_url_polled_device_is_polled(raw_server: BridgeServer, pty_pair: Pty, readers):
    sink = Sink()
    start(
        readers,
        f"socket://127.0.0.1:{raw_server.port}",
        "modbus-ir",
        sink,
        overrides={"poll_interval_s": 0.1, "trigger": "frame"},
    )
    sink.wait_for(status(True, "connected"))
    assert raw_server.bridged.wait(5)
    assert read_master(pty_pair.master, 8, timeout=5) == bytes.fromhex("01 03 00 12 00 01 24 0F")
    pty_pair.write(bytes.fromhex("01 03 02 01 6E 38 38"))
    reading = sink.wait_for(is_reading, timeout=5)
    assert isinstance(reading, Reading) and reading.temp_c == 36.6
