"""Build the app's edges from a board definition (the only module that imports ``machine``).

    hw = build(board, values, key_path="/team.key")            # on a device
    hw = build(board, values, flash=fake, key=k, modem=m, aioble=a, bluetooth=b,
               windows=w)                                          # on the unix port (tests/fakes)
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
    hw.imu = LSM6DSOX(hw.i2c, address=imu["address"], accel_scale=16, gyro_scale=2000)
    hw.fifo = FifoIMU(hw.imu, imu["watermark"], imu["axes"])
    hw.int1 = machine.Pin(imu["int1"], machine.Pin.IN)
    zs = board["zones"]
    adcs = [machine.ADC(machine.Pin(z["adc"]), atten=machine.ADC.ATTN_11DB) for z in zs]
    hw.zones = Zones(adcs, [z["cal"] for z in zs]) if zs else None
    m = board["motor"]
    hw.motor = machine.PWM(machine.Pin(m["pin"]), freq=m["pwm_hz"], duty_u16=0)
    bat = board["battery"]
    hw.battery = Battery(machine.ADC(machine.Pin(bat["adc"]), atten=machine.ADC.ATTN_11DB), bat["num"], bat["den"])
    hw.outbox = Outbox(flash if flash is not None else _flash(board))
    hw.link_error = None
    hw.radio = radio if radio is not None else _radio(board, hw, values, key, key_path, modem, aioble,
                                                      bluetooth, windows, clock, link_kw)
    return hw


def _radio(board, hw, values, key, key_path, modem, aioble, bluetooth, windows, clock, link_kw):
    radios = board["radios"]
    if "lora" not in radios and "ble" not in radios:
        return LoopbackRadio()
    from .link import WindowFile, load_key, make_link
    from .store import validate

    try:
        edge = validate(values or {})[1]
        if key is None:
            key = load_key(key_path, edge["TEAM_ID"] if values and "TEAM_ID" in values else None)
        if windows is None:
            windows = WindowFile("/windows.json")
        if modem is None and "lora" in radios:
            from lora import AsyncSX1262  # micropython-lib (package.json)

            from .lora_radio import make_modem

            modem = make_modem(board, machine.SPI, machine.Pin, AsyncSX1262)
        return make_link(board, hw.outbox, edge, key, machine.unique_id(), clock=clock, modem=modem,
                         aioble=aioble, bluetooth=bluetooth, windows=windows, **link_kw)
    except (ValueError, OSError) as e:
        hw.link_error = str(e)
        r = LoopbackRadio()
        r.down = True
        return r


def start_zone_timer(hw, odr_hz):
    """Sample the zones at the IMU rate from a soft timer (device)."""
    if hw.zones is None:
        return None
    t = machine.Timer(-1)
    z = hw.zones
    t.init(mode=machine.Timer.PERIODIC, freq=odr_hz, callback=lambda _: z.sample())
    return t


def watchdog(board):
    return machine.WDT(timeout=board.get("wdt_ms", 8000))
