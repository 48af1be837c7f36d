"""Build the app's edges from a board definition (the only module that imports ``machine``).

    hw = build(board, values, key_path="/team.key")            # on a device
    hw = build(board, values, key=k, windows=w)   # on the unix port, over the models of sim/models
    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, values, ...)

Storage: the board's ``storage.partition`` data partition (esp32.Partition)
unless ``flash`` is given. Radio: ``radio`` if given; else, when the board
lists ``lora`` and/or ``ble`` radios, link.make_link (delivery.Delivery with
lora_radio.LoRaRadio on the board's SX1262 and ble_radio.BleRadio) with the
team id from ``values`` (TEAM_ID), the key from ``key`` or the key file
``key_path`` (link.load_key), the device id from ``machine.unique_id()`` and the replay
windows in ``windows`` (link.WindowFile("/windows.json") by default); a board
with neither gets the loopback stand-in. Without a readable key the radio is
a LoopbackRadio that is down: the self-test reports the radio path failed
(a technical alarm on the motor), nothing is sent unauthenticated.
``hw.link_error`` says why. The ADC ring is sampled by a ``machine.Timer`` at
the IMU rate (``start_zone_timer``).
"""
import machine

from .battery import Battery
from .drivers.lsm6dso_fifo import FifoIMU
from .outbox import Outbox
from ..core.radioport import LoopbackRadio
from .zones import Zones


class Hardware:
    pass


class NoIMU:
    """Stands in for FifoIMU when the IMU did not answer at boot: every access raises OSError, so
    the self-test reports the IMU path and the app its technical alarm; zones, SOS over the
    radio path, heartbeats and the radios go on."""

    def __init__(self, watermark):
        from array import array

        from ..core.frame import FRAME_LEN

        self.watermark = watermark
        self.frames = array("h", bytes(2 * FRAME_LEN * watermark))  # FifoIMU's batch layout
        self.overruns = 0

    def _get(self, reg):
        raise OSError(19)

    def read(self):
        raise OSError(19)

    def pending(self):
        raise OSError(19)

    def start(self):
        pass

    def sleep(self, wake_mg=250):
        pass


class RamFlash:
    """A block device in RAM (the esp32.Partition block protocol) for when the outbox partition is
    missing: events are still journalled and sent, but do not survive a reset (storage alarm)."""

    def __init__(self, blocks, block_size):
        self.block_size = block_size
        self.blocks = blocks
        self.mem = bytearray(b"\xff" * (blocks * block_size))

    def readblocks(self, n, buf, off=0):
        p = n * self.block_size + off
        buf[:] = self.mem[p:p + len(buf)]

    def writeblocks(self, n, buf, off=None):
        p = n * self.block_size + (off or 0)
        if off is None:  # simple protocol: erase the blocks first
            for i in range(len(buf)):
                self.mem[p + i] = buf[i]
            return
        for i in range(len(buf)):
            self.mem[p + i] &= buf[i]

    def ioctl(self, op, arg):
        if op == 4:
            return self.blocks
        if op == 5:
            return self.block_size
        if op == 6:
            p = arg * self.block_size
            for i in range(self.block_size):
                self.mem[p + i] = 0xFF
            return 0
        return None


def _flash(board):
    import esp32  # device only

    name = board["storage"]["partition"]
    found = esp32.Partition.find(esp32.Partition.TYPE_DATA, label=name)
    if not found:
        raise OSError("no '%s' data partition for the outbox" % name)
    return found[0]


def build(board, values=None, flash=None, radio=None, key=None, key_path="/team.key", modem=None,
          aioble=None, bluetooth=None, windows=None, clock=None, **link_kw):
    from lsm6dsox import LSM6DSOX  # micropython-lib (package.json)

    hw = Hardware()
    b = board["i2c"]
    hw.i2c = machine.I2C(b["id"], scl=machine.Pin(b["scl"]), sda=machine.Pin(b["sda"]), freq=b["freq"])
    imu = board["imu"]
    hw.imu_error = None
    try:
        hw.imu = LSM6DSOX(hw.i2c, address=imu["address"], accel_scale=16, gyro_scale=2000)
        hw.fifo = FifoIMU(hw.imu, imu["watermark"], imu["axes"])
    except OSError as e:  # no chip / NACK (19), bus held low (116 on the ESP32): the self-test's IMU alarm
        hw.imu = None
        hw.imu_error = "IMU: %s" % e
        hw.fifo = NoIMU(imu["watermark"])
    hw.int1 = machine.Pin(imu["int1"], machine.Pin.IN)
    zs = board["zones"]
    adcs = [machine.ADC(machine.Pin(z["adc"]), atten=machine.ADC.ATTN_11DB) for z in zs]
    zp = board.get("zone_power")  # optional GPIO that powers the FSR dividers only while they are read
    power = machine.Pin(zp, machine.Pin.OUT, value=0) if zp is not None and zs else None
    hw.zones = Zones(adcs, [z["cal"] for z in zs], power) if zs else None
    m = board["motor"]
    hw.motor = machine.PWM(machine.Pin(m["pin"]), freq=m["pwm_hz"], duty_u16=0)
    bat = board["battery"]
    hw.battery = Battery(machine.ADC(machine.Pin(bat["adc"]), atten=machine.ADC.ATTN_11DB), bat["num"], bat["den"])
    hw.storage_error = None
    if flash is None:
        try:
            flash = _flash(board)
        except OSError as e:  # no partition: keep protecting; the self-test raises the storage alarm
            hw.storage_error = str(e)
            st = board["storage"]
            flash = RamFlash(st["blocks"], st["block_size"])
    hw.outbox = Outbox(flash)
    hw.outbox.volatile = hw.storage_error is not None
    hw.link_error = None
    hw.pair = None  # edges/pair_link.PairLinkBle when the configuration names a pair (App(pair=))
    hw.pair_error = None
    hw.radio = radio if radio is not None else _radio(board, hw, values, key, key_path, modem, aioble,
                                                      bluetooth, windows, clock, link_kw)
    return hw


def _pair(board, hw, cfg, edge, key, link, clock, aioble, bluetooth):
    """The pair link of a configured pair (store PAIR_SIDE / PAIR_PEER_ID), or None: none configured,
    no BLE radio, or a light-sleeping board whose BLE connections do not survive light sleep
    (pairing.runs_link; ``hw.pair_error`` says why). The left (peripheral) registers its service
    with BleRadio's in one call: a second register_services call replaces the first."""
    if not edge["PAIR_SIDE"]:
        return None  # nothing of the pair imported: the single insole's heap as before
    from .pairing import pair_link, runs_link

    if "ble" not in board["radios"]:
        hw.pair_error = "pair configured but the board has no BLE radio: single insole"
        return None
    if not runs_link(board):
        hw.pair_error = "pair configured, board light-sleeps (pair_sleep single): single insole"
        return None
    from ..core.pairlink import SIDE_RIGHT
    from .lora_radio import Clock
    from .pair_link import PairLinkBle

    core = pair_link(edge, key, link.device_id, cfg)
    pair = PairLinkBle(core, clock or Clock(), central=edge["PAIR_SIDE"] == SIDE_RIGHT, aioble=aioble,
                       bluetooth=bluetooth)
    more = pair.services()
    if more:
        pair.aioble.register_services(link.ble.service, *more)
    return pair


def _radio(board, hw, values, key, key_path, modem, aioble, bluetooth, windows, clock, link_kw):
    radios = board["radios"]
    if "lora" not in radios and "ble" not in radios:
        return LoopbackRadio()
    from .link import WindowFile, load_key, make_link
    from .store import validate

    try:
        if not values or "TEAM_ID" not in values:  # no config, or a corrupt one read as defaults
            raise ValueError("no TEAM_ID configured (config.json missing or corrupt): enrol the insole")
        cfg, edge = validate(values)
        if key is None:
            key = load_key(key_path, edge["TEAM_ID"])
        if windows is None:
            windows = WindowFile("/windows.json")
        board = with_config(board, values)
        if modem is None and "lora" in radios:
            from lora.sx126x import AsyncSX1262  # micropython-lib lora-sx126x (package.json)

            from .lora_radio import make_modem

            modem = make_modem(board, machine.SPI, machine.Pin, AsyncSX1262)
        link = make_link(board, hw.outbox, edge, key, machine.unique_id(), clock=clock, modem=modem,
                         aioble=aioble, bluetooth=bluetooth, windows=windows, **link_kw)
        try:
            hw.pair = _pair(board, hw, cfg, edge, key, link, clock, aioble, bluetooth)
        except (ValueError, OSError) as e:  # a peer id equal to our own: the insole runs single
            hw.pair_error = "pair: %s" % e
        return link
    except (ValueError, OSError, RuntimeError) as e:  # RuntimeError: the SX1262 driver (no chip, BUSY stuck)
        hw.link_error = str(e)
        r = LoopbackRadio()
        r.down = True
        return r


def board_timer(hw):
    """The hardware timer id for the zone sampling (v1.28.0 ESP32: ids 0..3; no virtual timer -1)."""
    return getattr(hw, "timer_id", 0)


_LORA_KEYS = (("LORA_SF", "sf"), ("LORA_BW_KHZ", "bw_khz"), ("LORA_TX_DBM", "tx_dbm"), ("LORA_FREQ_KHZ", "uplink_khz"))


def with_config(board, values):
    """``board`` with the configuration's LORA_* values (store.py) applied to ``radios.lora``:
    a configured value wins over the board file's (a copy; the board dict is not changed)."""
    lc = board["radios"].get("lora")
    if lc is None or not any(k in values for k, _ in _LORA_KEYS):
        return board
    lc = dict(lc)
    for k, name in _LORA_KEYS:
        if k in values:
            lc[name] = values[k]
    radios = dict(board["radios"])
    radios["lora"] = lc
    b = dict(board)
    b["radios"] = radios
    return b


def start_zone_timer(hw, odr_hz):
    """Sample the zones at the IMU rate from a soft timer (device)."""
    if hw.zones is None:
        return None
    t = machine.Timer(board_timer(hw))
    z = hw.zones
    t.init(mode=machine.Timer.PERIODIC, freq=odr_hz, callback=lambda _: z.sample())
    return t


def sleeper(board, hw):
    """The app's light sleep (``App.run(..., sleeper=)``): ``machine.lightsleep(ms)`` with the board's
    RTC-capable wake pins armed (edges/sleep.py ``wake_sources``): INT1 (FIFO watermark, a high level)
    on ext0, the SX1262's DIO1 (high on RxDone/TxDone) on ext1. Other pins: the timer ends the sleep."""
    import esp32  # device only

    from .sleep import wake_sources

    w = wake_sources(board)
    if w["int1"]:
        esp32.wake_on_ext0(pin=hw.int1, level=esp32.WAKEUP_ANY_HIGH)
    if w["dio1"]:
        esp32.wake_on_ext1(pins=(machine.Pin(board["radios"]["lora"]["dio1"], machine.Pin.IN),),
                           level=esp32.WAKEUP_ANY_HIGH)
    return machine.lightsleep


def watchdog(board):
    return machine.WDT(timeout=board.get("wdt_ms", 8000))
