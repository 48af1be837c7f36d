"""BLE adapter over micropython-lib ``aioble`` (package.json pins aioble 0.6.2).

    ble = BleRadio(delivery)                 # imports aioble lazily (it builds bluetooth.BLE())
    asyncio.create_task(ble.run())

docs/PROTOCOL.md 8.4:
- While an alarm is being resent, the insole advertises its latest alarm
  frame as manufacturer-specific data (company id MANUFACTURER_ID), every
  ADV_INTERVAL_US, so any gateway or phone scanning nearby sees it without a
  connection: flags AD 3 bytes + manufacturer AD 4 + frame 20 = 27 of the 31
  legacy advertising bytes (``adv_payload`` checks). Outside alarms it does
  not advertise (no trackable beacon).
- GATT service SERVICE_UUID: ``downlink`` (write, captured) takes a downlink
  frame (an ``ack`` or ``config``) which goes through delivery's decoder, so
  it is trusted only if its MAC is; ``uplink`` (read, notify) holds the latest
  uplink frame.
Uses only the documented aioble API: ``Service``, ``Characteristic(service,
uuid, read=, write=, notify=, capture=)``, ``register_services``,
``await advertise(interval_us, connectable=, manufacturer=(id, bytes),
timeout_ms=)`` (raises asyncio.TimeoutError when nobody connected),
``await characteristic.written()`` -> (connection, data) with capture, and
``characteristic.write(data)``.
"""
import asyncio

from ..core.compat import const

ADV_INTERVAL_US = const(100000)  # 100 ms during an alarm: a scanner finds it within a second
MANUFACTURER_ID = const(0xFFFF)  # Bluetooth SIG "no company" id for tests; a product needs its own
SERVICE_UUID = "5e1e6a4d-0001-4a6b-9c3e-50e1e6a4d000"
DOWNLINK_UUID = "5e1e6a4d-0002-4a6b-9c3e-50e1e6a4d000"
UPLINK_UUID = "5e1e6a4d-0003-4a6b-9c3e-50e1e6a4d000"
_ADV_MAX = const(30)  # aioble's advertising builder keeps fields while the payload stays < 31 bytes
DOWNLINK_MAX = const(32)  # >= the longest downlink frame (ack 26 B, config 24 B)


def adv_payload(frame):
    """The legacy advertising bytes aioble builds for our fields (flags + manufacturer data)."""
    p = bytes((2, 0x01, 0x06, len(frame) + 3, 0xFF, MANUFACTURER_ID & 0xFF, MANUFACTURER_ID >> 8)) + bytes(frame)
    if len(p) > _ADV_MAX:
        raise ValueError("ble: advertisement of %d bytes > 30" % len(p))
    return p


class BleRadio:
    """Advertises the alarm in flight and serves the GATT ack/config service for ``delivery``.

    ``aioble`` / ``bluetooth``: the modules (None imports the real ones; tests run the real
    aioble over the ``bluetooth`` model of sim/models).
    ``clock()``: monotonic ms (lora_radio.Clock on a device).
    """

    def __init__(self, delivery, clock, aioble=None, bluetooth=None):
        if aioble is None:
            import aioble  # micropython-lib; creates bluetooth.BLE() on import
        if bluetooth is None:
            import bluetooth
        self.aioble = aioble
        self.d = delivery
        self.clock = clock
        self.service = aioble.Service(bluetooth.UUID(SERVICE_UUID))
        # the C layer keeps 20 bytes of a write unless the buffer is set larger (modbluetooth.c
        # MP_BLUETOOTH_DEFAULT_ATTR_LEN): ack frames are 26 B, config 24 B
        self.downlink = aioble.BufferedCharacteristic(self.service, bluetooth.UUID(DOWNLINK_UUID), write=True,
                                                      capture=True, max_len=DOWNLINK_MAX)
        self.uplink = aioble.Characteristic(self.service, bluetooth.UUID(UPLINK_UUID), read=True, notify=True)
        aioble.register_services(self.service)
        self.commands = []
        self.advertised = 0  # advertising sessions started

    def publish(self, frame):
        """Set the uplink characteristic to ``frame`` and notify subscribed centrals."""
        self.uplink.write(frame, send_update=True)

    async def advertise_once(self, timeout_ms=1000):
        """Advertise the alarm in flight for up to ``timeout_ms``; return True if one was."""
        if not self.d.alarm_in_flight():
            return False
        frame = bytes(self.d.frame[:self.d.last_n])
        self.publish(frame)
        self.advertised += 1
        try:
            await self.aioble.advertise(ADV_INTERVAL_US, connectable=True,
                                        manufacturer=(MANUFACTURER_ID, frame), timeout_ms=timeout_ms)
        except asyncio.TimeoutError:
            pass  # nobody connected: advertise again with the newest frame
        return True

    async def serve_writes(self):
        """Feed every frame written to ``downlink`` to delivery."""
        while True:
            _, data = await self.downlink.written()
            cmd = self.d.on_frame(data, len(data), self.clock())
            if cmd is not None:
                self.commands.append((cmd, self.d.evacuating))

    async def run(self):
        async def adv():
            while True:
                if not await self.advertise_once():
                    await asyncio.sleep(1)

        await asyncio.gather(adv(), self.serve_writes())
