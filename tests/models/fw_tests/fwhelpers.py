"""The firmware's edges over the models and the real micropython-lib packages (both runtimes).

``board(name)``: boards/<name>.py BOARD. ``radio_world(board, **chip_kw)``: a
fresh machine model and simulated clock, an SX1262 model wired to the board's
LoRa pins (``tcxo_mv`` as the board's module has, unless given). The real
driver class is ``AsyncSX1262`` (lora.sx126x, imported as sx1262_tests/helpers does).
"""
import sys

import helpers  # sx1262_tests/helpers.py: simenv, machine model, the real lora driver
import machine
import simenv
from sx1262_model import SX1262, Air

AsyncSX1262 = helpers.AsyncSX1262
IS_MP = sys.implementation.name == "micropython"
# the modules on the two boards (Semtech reference design / Seeed Wio-SX1262): 1.8 V TCXO on DIO3
TCXO_MV = 1800


if not IS_MP:
    import bluetooth

    # CPython only: aioble.security saves the IRK NimBLE hands over at activation as JSON,
    # which CPython's json refuses for bytes (the device writes ble_secrets.json)
    bluetooth.SIM_IRK_SECRETS = False

    import struct as _struct

    class _MPStruct:
        """CPython only: ``struct`` as MicroPython's (py/modstruct.c, py/binary.c mp_binary_set_val)
        packs an int, the low bytes of the value without a range check. The real driver relies on
        it: SetRx packs its 24-bit timeout as ``B`` (>> 16) + ``H`` (the whole value), so a receive
        window over 1023 ms raises struct.error on CPython and is right on MicroPython."""

        def __getattr__(self, name):
            return getattr(_struct, name)

        @staticmethod
        def pack_into(fmt, buf, offset, *args):
            order = fmt[0] if fmt and fmt[0] in "<>!=@" else ""
            codes = []
            num = ""
            for ch in fmt[len(order):]:
                if ch.isdigit():
                    num += ch
                    continue
                codes += [ch] if ch in "sp" else [ch] * (int(num) if num else 1)
                num = ""
            vals = []
            for c, v in zip(codes, args):
                if c in "bBhHiIlLqQ" and isinstance(v, int):
                    bits = 8 * _struct.calcsize(order + c)
                    v &= (1 << bits) - 1
                    if c.islower() and v >= 1 << (bits - 1):
                        v -= 1 << bits
                vals.append(v)
            _struct.pack_into(fmt, buf, offset, *vals)

    helpers.sx126x.struct = _MPStruct()


def board(name):
    mod = __import__("boards." + name)
    return getattr(mod, name).BOARD


def radio_world(b, seed=1, **chip_kw):
    machine.reset_model()
    clock = simenv.install()
    air = Air(clock, seed=seed)
    c = b["radios"]["lora"]
    chip_kw.setdefault("tcxo_mv", TCXO_MV)
    chip = SX1262(clock, air=air, name="insole", **chip_kw)
    chip.connect_machine(c["spi"], nss=c["cs"], busy=c["busy"], dio1=c["dio1"], reset=c["reset"],
                         rxen=c.get("rxen"))
    return clock, air, chip


def peer(clock, air, name="gw"):
    """A second SX1262 + real driver on SPI 2 (pins 15..18): the other end of the link."""
    chip = SX1262(clock, air=air, name=name, tcxo_mv=None)
    chip.connect_machine(2, nss=15, busy=16, dio1=17, reset=18)
    spi = machine.SPI(2, baudrate=8000000)
    m = AsyncSX1262(spi, machine.Pin(15, machine.Pin.OUT, value=1), machine.Pin(16, machine.Pin.IN),
                    dio1=machine.Pin(17, machine.Pin.IN), reset=machine.Pin(18))
    return chip, m


def make_modem(b):
    from soleguard.edges.lora_radio import make_modem as mk

    return mk(b, machine.SPI, machine.Pin, AsyncSX1262)


def raises(exc, fn, *a, **kw):
    return helpers.raises(exc, fn, *a, **kw)


class ClockBridge:
    """The imu_ble models' clock interface (now_us, add_listener) on the simenv SimClock: one timeline.

    A listener (the LSM6DSO model) gets ``on_time(t)`` at each of its events; the bridge
    looks again at least every POLL_US so a reprogrammed ODR is picked up.
    """

    POLL_US = 5000

    def __init__(self, clock):
        self.c = clock
        self.ls = []
        self._h = None

    def now_us(self):
        return self.c.now_us()

    def now_ms(self):
        return self.c.now_us() // 1000

    def add_listener(self, dev):
        if dev not in self.ls:
            self.ls.append(dev)
        self._arm()

    def remove_listener(self, dev):
        if dev in self.ls:
            self.ls.remove(dev)

    def _arm(self):
        if self._h is not None:
            self.c.cancel(self._h)
        t = self.c.now_us() + self.POLL_US
        for d in self.ls:
            n = d.next_event_us()
            if n is not None and n < t:
                t = n
        self._h = self.c.schedule_at(t, self._fire)

    def _fire(self):
        self._h = None
        now = self.c.now_us()
        for d in self.ls:
            n = d.next_event_us()
            while n is not None and n <= now:
                d.on_time(n)
                n = d.next_event_us()
        self._arm()


def _ble_reset():
    """bluetooth + aioble back to a clean state (imu_ble_tests/helpers.ble_reset)."""
    import bluetooth

    if "aioble" in sys.modules:
        import aioble
        from aioble.device import DeviceConnection

        try:
            aioble.stop()
        except Exception:
            pass
        DeviceConnection._connected.clear()
        from aioble.server import BaseCharacteristic

        # aioble starts one capture task per process, on the loop running when the first captured
        # characteristic is made; each test runs a new loop, so let the next one start its own
        for a in ("_capture_queue", "_capture_write_event", "_capture_consumed_event", "_capture_task"):
            if a in BaseCharacteristic.__dict__:
                delattr(BaseCharacteristic, a)
    bluetooth.sim_reset(keep_irq=True)


KEY = b"insole-model-test-team-key"
TEAM = 3
BATTERY_UV = 2000000  # 4.0 V cell through the 2:1 divider


def insole(name, faults=(), then=None, values=None, **chip_kw):
    """A board's whole insole over the models: world, chips, ``hardware.build`` result.

    ``hardware.build`` runs inside an asyncio loop on simulated time (aioble starts its
    capture task when the BLE service is built, as on the device before ``asyncio.run``);
    ``then(w)``: an async function run in the same loop after it (BLE traffic needs that).

    faults: "no_sx1262", "busy_stuck", "tcxo_missing" (the chip has a TCXO, the board file
    does not say so), "i2c_nack", "i2c_stuck", "no_partition", "no_key".
    Returns a dict: clock, air, chip, imu, int1 (machine.Pin), hw, board.
    """
    import esp32
    import sim_hw
    from lsm6dso_model import LSM6DSO

    from soleguard.core import protocol as P
    from soleguard.edges import hardware

    _ble_reset()
    b = dict(board(name))
    if "no_sx1262" in faults:
        chip_kw["present"] = False
    if "busy_stuck" in faults:
        chip_kw["busy_stuck"] = True
    if "tcxo_missing" in faults:
        lc = dict(b["radios"]["lora"])
        lc.pop("tcxo_mv", None)
        b["radios"] = dict(b["radios"])
        b["radios"]["lora"] = lc
    clock, air, chip = radio_world(b, **chip_kw)
    bridge = ClockBridge(clock)
    i = b["i2c"]
    bus = sim_hw.i2c_bus(i["id"])
    imu = LSM6DSO(bus, clock=bridge, address=b["imu"]["address"])
    imu.set_motion(acc_mg=(0, 0, 1000), gyro_mdps=(0, 0, 0))
    int1 = machine.Pin(b["imu"]["int1"])
    imu.connect_int1(int1)
    if "i2c_nack" in faults:
        imu.present = False
    if "i2c_stuck" in faults:
        bus.stuck = True
    for z in b["zones"]:
        machine.set_adc_uv(z["adc"], 100000)
    machine.set_adc_uv(b["battery"]["adc"], BATTERY_UV)
    esp32.reset_partitions()
    st = b["storage"]
    if "no_partition" not in faults:
        esp32.install_partition(st["partition"], esp32.Partition.TYPE_DATA, 0x81, 0x200000,
                                st["blocks"] * st["block_size"])
    key = None if "no_key" in faults else KEY
    w = {"clock": clock, "air": air, "chip": chip, "imu": imu, "int1": int1, "board": b, "bus": bus}

    async def go():
        w["hw"] = hardware.build(b, {"TEAM_ID": TEAM} if values is None else values, key=key, key_path="no-such-dir/team.key",
                                 windows=P.MemoryStore())
        if then is not None:
            w["result"] = await then(w)
        await settle()

    simenv.run(go())
    return w


def uv_for_load(n, cal):
    """ADC input (uV, 11 dB) that the board's zone calibration (offset, mul, shift) decodes as ~``n`` N."""
    off, mul, shift = cal
    u16 = off + ((n << shift) + mul - 1) // mul
    raw = (u16 + 15) // 16
    return (raw * 3100000 + 4094) // 4095


class Script:
    """The wearer, as the chips see it: synth patterns (tests/synth.py) played at the IMU's ODR.

    ``parts``: [(pattern, samples)]; after the last part the last pattern goes on. Installs an
    LSM6DSO source (chip axes: the board's mounting inverted; mg and mdps) that also sets the
    zone ADC inputs for the same sample (the zone timer reads them).
    """

    def __init__(self, w, parts):
        from soleguard.core.frame import Z0, new_frame

        self.w = w
        self.parts = parts
        self.f = new_frame()
        self.z0 = Z0
        b = w["board"]
        self.axes = b["imu"]["axes"]
        self.zones = b["zones"]
        self.period_us = 1000000 // b["imu"]["odr_hz"]
        self.k = -1
        self.acc = (0, 0, 1000)
        self.gyro = (0, 0, 0)
        w["imu"].set_source(self._at)

    def _sample(self, k):
        from synth import fill_pattern

        i = k
        for kind, n in self.parts:
            if i < n:
                break
            i -= n
        else:
            kind, i = self.parts[-1][0], i
        fill_pattern(self.f, kind, i, len(self.zones))
        f = self.f
        acc = [0, 0, 0]
        gyro = [0, 0, 0]
        for a in range(3):
            c, s = self.axes[a]
            acc[c] = f[a] * s
            gyro[c] = f[3 + a] * s * 100
        self.acc = tuple(acc)
        self.gyro = tuple(gyro)
        for z in range(len(self.zones)):
            machine.set_adc_uv(self.zones[z]["adc"], uv_for_load(f[self.z0 + z], self.zones[z]["cal"]))

    def _at(self, t_us):
        k = t_us // self.period_us
        if k != self.k:
            self.k = k
            self._sample(k)
        return self.acc, self.gyro


_KEPT = []  # CPython: tasks a test's loop left pending (see settle)


async def settle():
    """CPython: keep what the app left pending on this loop (aioble's timeout tasks) referenced,
    so no coroutine is finalised after its loop closed: its finaliser would call the closed
    loop, and when that happens inside a later compile() CPython 3.11 raises SystemError
    ("AST constructor recursion depth mismatch"). MicroPython has no all_tasks: nothing to do."""
    import asyncio

    tasks = getattr(asyncio, "all_tasks", None)
    if tasks is not None:
        _KEPT.extend(tasks())
