"""Build the app's edges from a board definition (the only module that imports ``machine``).

    hw = build(board)                  # on a device
    hw = build(board, flash=fake)      # on the unix port (tests/fakes/machine.py)
    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, ...)

Storage: the board's ``storage.partition`` data partition (esp32.Partition)
unless ``flash`` is given. Radio: ``radio`` if given (the #6 adapters), else
the loopback stand-in. The ADC ring is sampled by a ``machine.Timer`` at the
IMU rate (``start_zone_timer``).
"""
import machine

from .battery import Battery
from .drivers.lsm6dso_fifo import FifoIMU
from .outbox import Outbox
from .radio import LoopbackRadio
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


def build(board, flash=None, radio=None):
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
    hw.radio = radio if radio is not None else LoopbackRadio()
    return hw


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
