"""Property tests: line noise anywhere between frames never costs a frame or invents one.

Noise that could itself start a frame (a sync byte, an "Object =" text) is left out of the
strict properties: with one-byte checksums such noise can, rarely and legitimately, make a
frame. The robust properties feed arbitrary noise and check the parsers survive it.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.frames import BadFrame, CardRead, Reading
from devices.protocols.base import Protocol
from devices.simulator import encode_card, encode_reading

from .conftest import AT, parser

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# profile → (values the frames carry, bytes that may start one of its frames)
THERMOMETERS = {
    "mlx90614-ascii": (
        st.one_of(st.none(), st.integers(-4000, 12500).map(lambda x: x / 100)),
        b"=",
    ),
    "gy-mcu90614": (st.integers(-32768, 32767).map(lambda x: x / 100), b"\x5a"),
    "lu90614": (st.integers(0, 25599).map(lambda x: x / 100), b"\xfe"),
    "idc50": (st.integers(0, 2559).map(lambda x: x / 10), b"\xaa"),
    "modbus-ir": (st.one_of(st.none(), st.integers(-3276, 3276).map(lambda x: x / 10)), b"\x01"),
}


def noise(avoid: bytes) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=40).map(lambda b: bytes(x for x in b if x not in avoid))


def feed_in_pieces(proto: Protocol, stream: bytes, cuts: list[int]) -> list:
    out = []
    edges = [0, *sorted(set(cuts)), len(stream)]
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        out.extend(proto.feed(stream[a:b], 100.0 + i, AT))
        assert len(getattr(proto, "_buf", b"")) <= proto.max_buffer
    return out


def readings(frames: list) -> list[float | None]:
    return [f.temp_c for f in frames if isinstance(f, Reading)]


def build(name: str, pieces: list[tuple[bytes, float | None]], tail: bytes) -> bytes:
    return b"".join(g + encode_reading(name, v) for g, v in pieces) + tail


def check_strict(name: str, data: st.DataObject) -> None:
    values, avoid = THERMOMETERS[name]
    pieces = data.draw(st.lists(st.tuples(noise(avoid), values), max_size=12))
    tail = data.draw(noise(avoid))
    stream = build(name, pieces, tail)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    out = feed_in_pieces(parser(name), stream, cuts)
    assert readings(out) == [v for _, v in pieces]
    assert all(isinstance(f, Reading | BadFrame) for f in out)


def check_robust(name: str, data: st.DataObject) -> None:
    values, _ = THERMOMETERS[name]
    pieces = data.draw(st.lists(st.tuples(st.binary(max_size=40), values), max_size=12))
    tail = data.draw(st.binary(max_size=40))
    stream = build(name, pieces, tail)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    out = feed_in_pieces(parser(name), stream, cuts)
    for frame in out:  # every reading is a whole, valid frame on its own
        if isinstance(frame, Reading):
            again = [f for f in parser(name).feed(frame.raw + b"\r\n", 0.0, AT) if f != frame]
            assert readings(again) == [frame.temp_c]


@SETTINGS
@given(st.data())
def test_mlx_noise_between_lines_costs_nothing(data: st.DataObject) -> None:
    check_strict("mlx90614-ascii", data)


@SETTINGS
@given(st.data())
def test_gy_mcu_noise_between_frames_costs_nothing(data: st.DataObject) -> None:
    check_strict("gy-mcu90614", data)


@SETTINGS
@given(st.data())
def test_lu90614_noise_between_frames_costs_nothing(data: st.DataObject) -> None:
    check_strict("lu90614", data)


@SETTINGS
@given(st.data())
def test_idc50_noise_between_frames_costs_nothing(data: st.DataObject) -> None:
    check_strict("idc50", data)


@SETTINGS
@given(st.data())
def test_modbus_noise_between_frames_costs_nothing(data: st.DataObject) -> None:
    check_strict("modbus-ir", data)


@SETTINGS
@given(st.data())
def test_binary_parsers_survive_arbitrary_noise(data: st.DataObject) -> None:
    check_robust(data.draw(st.sampled_from(["gy-mcu90614", "lu90614", "idc50", "modbus-ir"])), data)


@SETTINGS
@given(st.data())
def test_mlx_never_reports_a_temperature_that_was_not_sent(data: st.DataObject) -> None:
    values, _ = THERMOMETERS["mlx90614-ascii"]
    no_object_word = st.binary(max_size=40).filter(lambda b: b"bject" not in b.lower())
    pieces = data.draw(st.lists(st.tuples(no_object_word, values), max_size=12))
    stream = build("mlx90614-ascii", pieces, data.draw(no_object_word))
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    out = feed_in_pieces(parser("mlx90614-ascii"), stream, cuts)
    # Arbitrary noise, even with "=" and line ends in it, neither loses nor invents a reading.
    assert readings(out) == [v for _, v in pieces]


CARDS = st.integers(0, 2**32 - 1).map(str)


@SETTINGS
@given(st.data())
def test_rdm6300_noise_between_frames_costs_nothing(data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.tuples(noise(b"\x02"), CARDS, st.integers(0, 255)), max_size=10))
    stream = b"".join(g + encode_card("rdm6300", c, version=v) for g, c, v in pieces)
    stream += data.draw(noise(b"\x02"))
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    out = feed_in_pieces(parser("rdm6300", debounce_s=0.0), stream, cuts)
    assert [f.card_id for f in out if isinstance(f, CardRead)] == [c for _, c, _ in pieces]


SCAN = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


def noise_line() -> st.SearchStrategy[bytes]:
    """A line of scanner noise: it has a control character, so it is not an ID."""
    body = st.binary(max_size=20).map(lambda b: bytes(x for x in b if x not in b"\r\n\t"))
    return st.tuples(body, st.sampled_from(b"\x00\x01\x07\x1b\x7f"), body).map(
        lambda t: t[0] + bytes([t[1]]) + t[2]
    )


@SETTINGS
@given(st.data())
def test_barcode_noise_lines_cost_nothing(data: st.DataObject) -> None:
    suffix = st.sampled_from([b"\r", b"\n", b"\r\n", b"\t"])
    pieces = data.draw(
        st.lists(st.tuples(st.lists(st.tuples(noise_line(), suffix), max_size=2), SCAN, suffix))
    )
    stream = b"".join(
        b"".join(n + s for n, s in noisy) + scan.encode() + end for noisy, scan, end in pieces
    )
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    out = feed_in_pieces(parser("barcode-line", debounce_s=0.0), stream, cuts)
    assert [f.card_id for f in out if isinstance(f, CardRead)] == [s for _, s, _ in pieces]


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["rdm6300", "barcode-line", "mlx90614-ascii"]))
def test_arbitrary_bytes_never_break_a_parser(blob: bytes, name: str) -> None:
    proto = parser(name)
    for i in range(0, len(blob), 97):
        proto.feed(blob[i : i + 97], float(i), AT)
        assert len(getattr(proto, "_buf", b"")) <= max(proto.max_buffer, 512)
