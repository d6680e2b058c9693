"""Each device family's frames, as the real device sends them, mixed with line noise."""

from __future__ import annotations

import pytest

from devices.frames import BadFrame, CardRead, Reading
from devices.protocols import PROTOCOLS, get_protocol
from devices.protocols.modbus_ir import crc16_modbus, read_request

from .conftest import bad, feed_all, good, parser

MLX_LINE = b"Ambient = 24.51*C\tObject = 36.20*C\r\n"
MLX_F = b"Ambient = 76.12*F\tObject = 97.16*F\r\n"


def mlx_frame(obj: str, amb: str = "24.51") -> bytes:
    celsius = f"Ambient = {amb}*C\tObject = {obj}*C\r\n"
    return celsius.encode() + b"Ambient = 76.12*F\tObject = 97.0*F\r\n\r\n"


def temps(frames: list) -> list[float | None]:
    return [f.temp_c for f in frames if isinstance(f, Reading)]


class TestRegistry:
    def test_every_profile_protocol_is_registered(self) -> None:
        assert set(PROTOCOLS) == {
            "mlx90614-ascii",
            "gy-mcu90614",
            "lu90614",
            "idc50",
            "modbus-ir",
            "rdm6300",
            "barcode-line",
        }

    def test_unknown_protocol_is_a_key_error_naming_the_known_ones(self) -> None:
        with pytest.raises(KeyError, match="mlx90614-ascii"):
            get_protocol("mlx90615-telepathy")


class TestMlxAscii:
    def test_one_measurement_is_one_reading_not_three(self) -> None:
        out = feed_all(parser("mlx90614-ascii"), [mlx_frame("36.20")])
        assert out == [
            Reading("gate-1", out[0].at, 100.0, 36.2, "body", 24.51, MLX_LINE.rstrip(b"\r\n"))
        ]

    def test_banner_after_reset_is_ignored_silently(self) -> None:
        banner = (
            b"Adafruit MLX90614 test\r\nEmissivity = 1.00\r\n"
            b"================================================\r\n"
        )
        out = feed_all(parser("mlx90614-ascii"), [banner, mlx_frame("36.40")])
        assert [type(f) for f in out] == [Reading]
        assert temps(out) == [36.4]

    @pytest.mark.parametrize("printed", ["nan", "inf", "ovf", "-inf"])
    def test_arduino_failed_read_is_a_sensor_error(self, printed: str) -> None:
        out = feed_all(parser("mlx90614-ascii"), [mlx_frame(printed)])
        assert len(out) == 1
        reading = out[0]
        assert isinstance(reading, Reading)
        assert reading.temp_c is None
        assert reading.error == f"sensor error: {printed}"

    def test_garbage_between_lines_is_reported_and_readings_survive(self) -> None:
        stream = [
            b"\x00\xff\x13",
            mlx_frame("36.20"),
            b"#$%!\r\n",
            mlx_frame("36.30"),
            b"junk",
            mlx_frame("36.50"),
        ]
        out = feed_all(parser("mlx90614-ascii"), stream)
        assert temps(out) == [36.2, 36.3, 36.5]
        # the leading noise, the line of noise, and the noise glued to the last line
        assert [f.raw for f in bad(out)] == [b"\x00\xff\x13", b"#$%!", b"junk"]

    def test_partial_first_line_after_reset_is_a_bad_frame(self) -> None:
        out = feed_all(parser("mlx90614-ascii"), [b"ect = 36.20*C\r\n", mlx_frame("36.6")])
        assert temps(out) == [36.6]
        assert [f.reason for f in bad(out)] == ["unparseable line: 'ect = 36.20*C'"]

    def test_reading_split_across_many_reads(self) -> None:
        data = mlx_frame("37.85")
        out = feed_all(parser("mlx90614-ascii"), [data[i : i + 1] for i in range(len(data))])
        assert temps(out) == [37.85]
        assert bad(out) == []

    def test_crlf_split_between_reads_is_one_terminator(self) -> None:
        out = feed_all(parser("mlx90614-ascii"), [MLX_LINE[:-1], b"\n", MLX_F, b"\r", b"\n"])
        assert temps(out) == [36.2]
        assert bad(out) == []

    def test_over_long_line_is_one_bad_frame(self) -> None:
        out = feed_all(parser("mlx90614-ascii"), [b"x" * 200, b"y" * 200, b"\r\n", MLX_LINE])
        assert temps(out) == [36.2]
        assert len(bad(out)) == 1
        assert bad(out)[0].reason.startswith("line too long")

    def test_surface_mode_from_options(self) -> None:
        out = feed_all(parser("mlx90614-ascii", mode="surface"), [MLX_LINE])
        assert [f.mode for f in good(out)] == ["surface"]


def gy(obj_c: float, amb_c: float = 24.5) -> bytes:
    body = bytes([0x5A, 0x5A, 0x45, 0x04])
    body += round(obj_c * 100).to_bytes(2, "big", signed=True)
    body += round(amb_c * 100).to_bytes(2, "big", signed=True)
    return body + bytes([sum(body) & 0xFF])


class TestGyMcu:
    def test_frame_gives_object_and_ambient(self) -> None:
        out = feed_all(parser("gy-mcu90614"), [gy(36.62, 25.01)])
        assert len(out) == 1
        assert isinstance(out[0], Reading)
        assert (out[0].temp_c, out[0].ambient_c, out[0].mode) == (36.62, 25.01, "body")

    def test_negative_temperatures_are_signed(self) -> None:
        out = feed_all(parser("gy-mcu90614"), [gy(-12.5, -3.0)])
        assert isinstance(out[0], Reading)
        assert (out[0].temp_c, out[0].ambient_c) == (-12.5, -3.0)

    def test_garbage_and_false_sync_are_skipped(self) -> None:
        stream = [b"\x01\x02\x5a", gy(36.5), b"\x5a\x5a\x45", gy(36.6), b"\xff" * 7, gy(36.7)]
        out = feed_all(parser("gy-mcu90614"), stream)
        assert temps(out) == [36.5, 36.6, 36.7]
        assert all(f.reason.startswith("garbage") for f in bad(out))

    def test_bad_checksum_is_one_bad_frame_and_no_reading(self) -> None:
        corrupt = bytearray(gy(36.5))
        corrupt[8] ^= 0x01
        out = feed_all(parser("gy-mcu90614"), [bytes(corrupt), gy(36.6)])
        assert temps(out) == [36.6]
        assert len(bad(out)) == 1
        assert bad(out)[0].reason.startswith("bad checksum")

    def test_real_frame_starting_inside_a_truncated_one_still_parses(self) -> None:
        out = feed_all(parser("gy-mcu90614"), [gy(36.5)[:6] + gy(36.6)])
        assert temps(out) == [36.6]
        assert len(bad(out)) == 1


def lu(temp: float, mode_byte: int = 0xAC) -> bytes:
    cents = round(temp * 100)
    body = bytes([0xFE, mode_byte, cents // 100, cents % 100, 0, 0, 0, 0])
    return body + bytes([sum(body) & 0xFF])


class TestLu90614:
    def test_documented_example_is_40_30_body(self) -> None:
        out = feed_all(parser("lu90614"), [bytes.fromhex("FE AC 28 1E 00 00 00 00 F0")])
        assert len(out) == 1
        assert isinstance(out[0], Reading)
        assert (out[0].temp_c, out[0].mode) == (40.3, "body")

    def test_surface_reply(self) -> None:
        out = feed_all(parser("lu90614"), [lu(31.07, 0xAA)])
        assert [(f.temp_c, f.mode) for f in out if isinstance(f, Reading)] == [(31.07, "surface")]

    def test_poll_request_is_the_measure_command(self) -> None:
        assert parser("lu90614").poll_request() == bytes.fromhex("FA CA C4")

    def test_garbage_and_bad_checksum(self) -> None:
        corrupt = bytearray(lu(36.5))
        corrupt[3] += 1
        stream = [b"\xfe\x00\x13", lu(36.4), bytes(corrupt), b"\x00", lu(36.6)]
        out = feed_all(parser("lu90614"), stream)
        assert temps(out) == [36.4, 36.6]
        assert [f.reason.split(":")[0] for f in bad(out)] == ["garbage", "bad checksum", "garbage"]


def idc(temp: float) -> bytes:
    tenths = round(temp * 10)
    body = bytes([0xAA, 0x55, 0x06, tenths // 10, tenths % 10])
    return body + bytes([sum(body) & 0xFF])


class TestIdc50:
    def test_documented_example_is_36_7(self) -> None:
        out = feed_all(parser("idc50"), [bytes.fromhex("AA 55 06 24 07 30")])
        assert temps(out) == [36.7]

    def test_garbage_and_bad_checksum(self) -> None:
        corrupt = bytearray(idc(36.5))
        corrupt[5] ^= 0xFF
        stream = [b"\xaa\xaa\x55", idc(36.4), bytes(corrupt), idc(36.6), b"\x00\x01"]
        out = feed_all(parser("idc50"), stream)
        assert temps(out) == [36.4, 36.6]
        assert sum(f.reason.startswith("bad checksum") for f in bad(out)) == 1


class TestModbusIr:
    def test_documented_request_and_reply(self) -> None:
        proto = parser("modbus-ir")
        assert proto.poll_request() == bytes.fromhex("01 03 00 12 00 01 24 0F")
        out = feed_all(proto, [bytes.fromhex("01 03 02 01 6E 38 38")])
        assert temps(out) == [36.6]

    def test_crc_is_crc16_modbus(self) -> None:
        assert crc16_modbus(b"123456789") == 0x4B37

    def test_register_map_from_the_device_config(self) -> None:
        proto = parser("modbus-ir", address=7, register=0x0E, signed=False, scale=0.01)
        assert proto.poll_request() == read_request(7, 0x0E)
        reply = bytes([7, 3, 2]) + (3660).to_bytes(2, "big")
        reply += crc16_modbus(reply).to_bytes(2, "little")
        assert temps(feed_all(proto, [reply])) == [36.6]

    def test_exception_reply_is_a_sensor_error(self) -> None:
        reply = bytes([1, 0x83, 0x04])
        reply += crc16_modbus(reply).to_bytes(2, "little")
        out = feed_all(parser("modbus-ir"), [reply])
        assert len(out) == 1
        assert isinstance(out[0], Reading)
        assert out[0].temp_c is None
        assert out[0].error == "modbus exception 04 (slave device failure)"

    def test_out_of_range_value_is_a_sensor_error(self) -> None:
        reply = bytes([1, 3, 2, 0x7F, 0xFF])
        reply += crc16_modbus(reply).to_bytes(2, "little")
        out = feed_all(parser("modbus-ir"), [reply])
        assert temps(out) == [None]

    def test_wrong_crc_is_one_bad_frame(self) -> None:
        out = feed_all(parser("modbus-ir"), [bytes.fromhex("01 03 02 01 6E 38 39")])
        assert temps(out) == []
        assert len(out) == 1
        assert isinstance(out[0], BadFrame)
        assert out[0].reason.startswith("bad CRC")

    def test_echoed_request_is_not_garbage(self) -> None:
        proto = parser("modbus-ir")
        request = proto.poll_request()
        assert request is not None
        out = feed_all(proto, [request + bytes.fromhex("01 03 02 01 6E 38 38")])
        assert out == good(out)
        assert temps(out) == [36.6]

    def test_reply_from_another_slave_is_skipped(self) -> None:
        other = bytes([2, 3, 2, 1, 0x6E])
        other += crc16_modbus(other).to_bytes(2, "little")
        out = feed_all(parser("modbus-ir"), [other, bytes.fromhex("01 03 02 01 6E 38 38")])
        assert temps(out) == [36.6]


def rdm(data: bytes) -> bytes:
    xor = 0
    for b in data:
        xor ^= b
    return b"\x02" + data.hex().upper().encode() + f"{xor:02X}".encode() + b"\x03"


class TestRdm6300:
    def test_card_number_is_decimal_of_the_last_four_data_bytes(self) -> None:
        frame = rdm(bytes([0x1A, 0x00, 0x9C, 0x3F, 0x2B]))
        out = feed_all(parser("rdm6300"), [frame])
        assert out == [CardRead("gate-1", out[0].at, 100.0, str(0x009C3F2B), frame)]
        assert out[0].card_id == "10239787"

    def test_card_held_for_a_second_is_one_presentation(self) -> None:
        frame = rdm(bytes([0x1A, 0x00, 0x9C, 0x3F, 0x2B]))
        out = feed_all(parser("rdm6300"), [frame] * 20, step=0.05)
        assert [f.card_id for f in out if isinstance(f, CardRead)] == ["10239787"]

    def test_same_card_again_after_a_pause_is_a_second_presentation(self) -> None:
        frame = rdm(bytes([0x1A, 0, 0, 0x30, 0x39]))
        proto = parser("rdm6300")
        first = feed_all(proto, [frame] * 5, start=10.0, step=0.05)
        again = feed_all(proto, [frame] * 5, start=11.5, step=0.05)
        assert [f.card_id for f in first + again if isinstance(f, CardRead)] == ["12345"] * 2

    def test_another_card_right_after_is_its_own_presentation(self) -> None:
        a, b = rdm(bytes([1, 0, 0, 0, 7])), rdm(bytes([1, 0, 0, 0, 8]))
        out = feed_all(parser("rdm6300"), [a, a, b, b], step=0.05)
        assert [f.card_id for f in out if isinstance(f, CardRead)] == ["7", "8"]

    def test_bad_checksum_and_garbage(self) -> None:
        frame = rdm(bytes([0x1A, 0, 0, 0x30, 0x39]))
        corrupt = frame[:11] + b"0" + frame[12:]
        out = feed_all(parser("rdm6300"), [b"\xffzz", corrupt, b"\x00", frame], step=2.0)
        assert [f.card_id for f in good(out)] == ["12345"]
        assert [f.reason.split(":")[0] for f in bad(out)] == ["garbage", "bad checksum", "garbage"]


class TestBarcodeLine:
    @pytest.mark.parametrize("suffix", [b"\r", b"\n", b"\r\n", b"\t"])
    def test_each_suffix_ends_one_id(self, suffix: bytes) -> None:
        out = feed_all(parser("barcode-line"), [b"20240117" + suffix, b" S-0042 " + suffix], step=2)
        assert [f.card_id for f in out if isinstance(f, CardRead)] == ["20240117", "S-0042"]
        assert bad(out) == []

    def test_crlf_split_across_reads_is_not_an_empty_line(self) -> None:
        out = feed_all(parser("barcode-line"), [b"A1\r", b"\nA2\r", b"\n"], step=2)
        assert [f.card_id for f in good(out)] == ["A1", "A2"]

    def test_continuous_read_repeats_are_one_scan(self) -> None:
        out = feed_all(parser("barcode-line"), [b"A1\r\n"] * 5 + [b"A2\r\n"], step=0.2)
        assert [f.card_id for f in good(out)] == ["A1", "A2"]

    def test_noise_line_is_a_bad_frame_not_an_id(self) -> None:
        out = feed_all(parser("barcode-line"), [b"\x00\x13\x7f\r\n", b"\xff\xfe\r\n", b"A1\r\n"])
        assert [f.card_id for f in good(out)] == ["A1"]
        assert len(bad(out)) == 2
