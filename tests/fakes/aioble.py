"""Fake micropython-lib ``aioble`` (0.1.0): the peripheral + server API the insole uses.

Documented API (micropython-lib micropython/bluetooth/aioble/README.md,
peripheral.py, server.py): ``Service(uuid)``, ``Characteristic(service, uuid,
read=False, write=False, write_no_response=False, notify=False,
indicate=False, initial=None, capture=False)`` with ``write(data,
send_update=False)``, ``read()``, ``await written(timeout_ms=None)`` ->
connection, or (connection, data) when ``capture``; ``register_services(*s)``;
``await advertise(interval_us, adv_data=None, resp_data=None,
connectable=True, limited_disc=False, br_edr=False, name=None,
services=None, appearance=0, manufacturer=None, timeout_ms=None)`` -> a
connection, or raises asyncio.TimeoutError after timeout_ms. The payload is
built as aioble's ``_append`` does (flags, then manufacturer id LE + data;
ValueError unless the payload stays below 31 bytes, as ``_append``'s ``< 31``).
As in the real library (and the NimBLE C layer, tests/models/bluetooth.py), a
plain Characteristic keeps only the first 20 bytes of a central's write;
``BufferedCharacteristic(..., max_len=n)`` keeps n. This fake remains only for
the app harnesses (tests/fakes/linkapp.py, test_fw_app_link.py); the adapters
are tested over the real aioble (tests/models/fw_tests). Tests read ``advertisements`` (bytes payloads)
and call ``remote_write(characteristic, data)`` as a connected central.
"""
import asyncio
import struct

advertisements = []
services = []
_ADV_MAX = 30  # aioble _append: len(adv_data) + len(field) < 31
_DEFAULT_ATTR_LEN = 20  # extmod/modbluetooth.h MP_BLUETOOTH_DEFAULT_ATTR_LEN


class Service:
    def __init__(self, uuid):
        self.uuid = uuid
        self.characteristics = []


class Characteristic:
    def __init__(self, service, uuid, read=False, write=False, write_no_response=False, notify=False,
                 indicate=False, initial=None, capture=False):
        self.service = service
        self.uuid = uuid
        self.flags = (read, write, notify, capture)
        self.value = initial or b""
        self.capture = capture
        self.max_len = _DEFAULT_ATTR_LEN
        self._writes = []
        service.characteristics.append(self)

    def write(self, data, send_update=False):
        self.value = bytes(data)

    def read(self):
        return self.value

    async def written(self, timeout_ms=None):
        waited = 0
        while not self._writes:
            if timeout_ms is not None and waited >= timeout_ms:
                raise asyncio.TimeoutError()
            await asyncio.sleep(0.001)
            waited += 1
        data = self._writes.pop(0)
        self.value = data
        return ("central", data) if self.capture else "central"


class BufferedCharacteristic(Characteristic):
    def __init__(self, *args, max_len=20, append=False, **kwargs):
        Characteristic.__init__(self, *args, **kwargs)
        self.max_len = max_len


def register_services(*s):
    services.extend(s)


def remote_write(characteristic, data):
    characteristic._writes.append(bytes(data)[:characteristic.max_len])  # the C layer truncates


def _append(adv, value, type_):
    item = struct.pack("BB", len(value) + 1, type_) + value
    if len(adv) + len(item) > _ADV_MAX:
        raise ValueError("Advertising payload too long")
    return adv + item


async def advertise(interval_us, adv_data=None, resp_data=None, connectable=True, limited_disc=False,
                    br_edr=False, name=None, services=None, appearance=0, manufacturer=None, timeout_ms=None):
    if not adv_data:
        adv = _append(b"", struct.pack("B", (0x01 if limited_disc else 0x02) + (0x18 if br_edr else 0x04)), 0x01)
        if manufacturer:
            adv = _append(adv, struct.pack("<H", manufacturer[0]) + bytes(manufacturer[1]), 0xFF)
        adv_data = adv
    advertisements.append((interval_us, bytes(adv_data), connectable))
    await asyncio.sleep((timeout_ms or 0) / 1000)
    raise asyncio.TimeoutError()
