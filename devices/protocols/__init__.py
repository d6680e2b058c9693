"""One parser per device family, looked up by the ``protocol`` name in a profile."""

from __future__ import annotations

from devices.protocols.barcode_line import BarcodeLine
from devices.protocols.base import Protocol
from devices.protocols.gy_mcu import GyMcu
from devices.protocols.idc50 import Idc50
from devices.protocols.lu90614 import Lu90614
from devices.protocols.mlx_ascii import MlxAscii
from devices.protocols.modbus_ir import ModbusIr
from devices.protocols.rdm6300 import Rdm6300

PROTOCOLS: dict[str, type[Protocol]] = {
    cls.name: cls for cls in (MlxAscii, GyMcu, Lu90614, Idc50, ModbusIr, Rdm6300, BarcodeLine)
}


def get_protocol(name: str) -> type[Protocol]:
    """The parser class for protocol ``name``; KeyError naming the known ones if there is none."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise KeyError(f"unknown device protocol {name!r}; known: {known}") from None


__all__ = ["PROTOCOLS", "Protocol", "get_protocol"]
