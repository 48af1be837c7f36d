"""Run the insole app on the unix port with the ``sim`` board, fed from a recording.

    micropython -X heapsize=256K -m simapp FEED [SECONDS]   (in the device tree of soleguard_sim.app.run_app)

FEED: one text line ``H,<imu>,<zones>,<x0>,<y0>,...`` (as soleguard_unix.replay),
then little-endian int16 frames of 14 values (frame.py order).

The hardware is the chip and port models of sim/models (README there: who
wrote them, from which sources) under the real micropython-lib ``lsm6dsox``
driver: ``hardware.build`` opens ``machine.I2C`` (the ESP32-S3 port model),
the driver resets and configures the LSM6DSO register model, the firmware's
FifoIMU programs its FIFO, ADCs read the model's input voltages and the
outbox lives in the ``outbox`` partition of the ``esp32`` model
(boards/partitions.csv). Each recorded sample is queued on the LSM6DSO model
(mg, mdps on the chip axes) and the model's clock advanced by one output-data-
rate tick, so each sample becomes one gyroscope + one accelerometer FIFO word;
the zone inputs are set so the ADC reads the recorded load (the sim board's
calibration (0, 1, 4) decodes raw 12-bit counts as N) and the zone timer's
work (``zones.sample()``) runs per sample; the app reads a FIFO batch whenever
the watermark is reached, runs its once-a-second work every 100 samples and
services the loopback radio. SECONDS > 0 loops the recording for that much
simulated time (the soak).

The figures are the app's: time and heap spent inside ``machine.I2C`` calls
(on a device C code over the wires; here the Python models) are measured
around each call and left out of ``app_ns_per_sample`` and
``bytes_per_sample_x1000``; ``bus_ns_per_sample`` reports them.

Output lines:
  E,t,type,cause,detail   every event the app emits (core and technical)
  D,samples               end
  S,k=v,...               figures: app us/sample (on_batch only), bytes/sample
                          in steady state (gc disabled over a window of
                          batches), peak live heap, heap free, outbox state
"""
import gc
import sys
import time

import esp32
import machine
import sim_hw
from lsm6dso_model import LSM6DSO

import board as sim_board  # boards/sim.py, deployed as board.py
from soleguard.edges import hardware
from soleguard.app import App
from soleguard.edges.board import validate
from soleguard.core.frame import FRAME_LEN
from soleguard.core.radioport import LoopbackRadio

_WINDOW = (400, 700)  # FIFO batches: after 64 s of warm-up, 48 s measured with gc disabled
_BATTERY_UV = 2000000  # a 4.0 V cell through the 2:1 divider
_ADC_FS_UV = 3100000  # the ESP32-S3 ADC at 11 dB: 4095 counts = 3100 mV (the machine model's figure)
_PARTITION = ("outbox", 0x06, 0x200000, 0x4000)  # boards/partitions.csv: data, undefined, 16 KB


_PortI2C = machine.I2C


class MeteredI2C(_PortI2C):
    """``machine.I2C`` of the port model, counting the heap and time its calls take (the hardware's).

    The time includes the metering itself: ``gc.mem_alloc()`` walks the whole heap's block table
    (about 32 us on the 320K test heap), so it is called only while ``metering`` (the allocation
    window) and never charged to the app."""

    alloc = 0
    us = 0
    metering = False

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        t0 = time.ticks_us()
        a0 = gc.mem_alloc() if MeteredI2C.metering else 0
        try:
            _PortI2C.readfrom_mem_into(self, addr, memaddr, buf, addrsize)
        finally:
            if MeteredI2C.metering:
                MeteredI2C.alloc += gc.mem_alloc() - a0
            MeteredI2C.us += time.ticks_diff(time.ticks_us(), t0)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        t0 = time.ticks_us()
        a0 = gc.mem_alloc() if MeteredI2C.metering else 0
        try:
            _PortI2C.writeto_mem(self, addr, memaddr, buf, addrsize)
        finally:
            if MeteredI2C.metering:
                MeteredI2C.alloc += gc.mem_alloc() - a0
            MeteredI2C.us += time.ticks_diff(time.ticks_us(), t0)


def uv_for_raw(n):
    """ADC input (uV) the model converts to exactly ``n`` counts (0..4095)."""
    return (n * _ADC_FS_UV + 4094) // 4095


def make(header, events=None, watermark=0):
    """Board, chip model, model clock, hardware and app for a recording header (list of ints).

    ``watermark`` > 0: FIFO frames per batch instead of the sim board's (a device board's, to
    measure its schedule)."""
    zones = header[1]
    board = dict(sim_board.BOARD)
    if watermark:
        board["imu"] = dict(board["imu"], watermark=watermark)
    proto = board["zones"]
    board["zones"] = tuple(
        {"name": proto[i]["name"], "adc": proto[i]["adc"], "x_mm": header[2 + 2 * i],
         "y_mm": header[3 + 2 * i], "cal": proto[i]["cal"]} for i in range(zones))
    validate(board)
    machine.reset_model()
    machine.I2C = MeteredI2C  # hardware.build opens the bus through the module, as on a device
    clock = sim_hw.SimClock()
    bus = sim_hw.i2c_bus(board["i2c"]["id"])
    bus.log_max = 0  # the model's transfer log would hold ~2000 transfers of heap
    chip = LSM6DSO(bus, clock=clock, address=board["imu"]["address"])
    machine.set_adc_uv(board["battery"]["adc"], _BATTERY_UV)
    esp32.reset_partitions()
    label, subtype, address, size = _PARTITION
    esp32.install_partition(label, esp32.Partition.TYPE_DATA, subtype, address, size)
    gc.collect()
    # detection parity and the soak measure the sample path: the loopback radio
    # (tests/linkapp.py runs the board's LoRa + BLE link)
    hw = hardware.build(board, radio=LoopbackRadio())
    if hw.imu is None or hw.storage_error:
        raise RuntimeError("sim board did not come up: %s %s" % (hw.imu_error, hw.storage_error))
    out = events if events is not None else sys.stdout.write

    def on_event(t, ty, ca, de):
        out("E,%d,%d,%d,%d\n" % (t, ty, ca, de))

    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, {},
              on_event=on_event, clock=lambda: app.t_ms)
    return board, chip, clock, hw, app


def run(path, seconds=0):
    f = open(path, "rb")
    header = [int(x) for x in f.readline().decode().strip().split(",")[1:]]
    start = f.tell()
    board, chip, clock, hw, app = make(header)
    app.start()
    zones = hw.zones
    nz = header[1]
    pins = [z["adc"] for z in board["zones"]]
    odr = board["imu"]["odr_hz"]
    wm = board["imu"]["watermark"]
    need = 2 * wm
    buf = bytearray(2 * FRAME_LEN * 64)
    vals = memoryview(buf)
    limit = seconds * odr if seconds else -1
    set_uv = machine.set_adc_uv
    bus_us0 = 0
    bus_a0 = 0
    n = 0
    app_us = 0
    batches = 0
    peak = 0
    window = -1  # steady-state allocation window: batches _WINDOW of a run
    w_bytes = 0
    w_samples = 0
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
    gc.collect()
    while limit < 0 or n < limit:
        got = f.readinto(buf)
        if not got:
            if limit < 0:
                break
            f.seek(start)
            continue
        for k in range(got // (2 * FRAME_LEN)):
            if 0 <= limit <= n:
                break
            base = 2 * FRAME_LEN * k
            # insole units (mg, 0.1 dps) are the chip's axes on the sim board (identity mounting)
            chip.push((_s16(vals, base), _s16(vals, base + 2), _s16(vals, base + 4)),
                      (100 * _s16(vals, base + 6), 100 * _s16(vals, base + 8), 100 * _s16(vals, base + 10)))
            chip.tick()  # one output-data-rate tick: the sample lands in the FIFO as two words
            for i in range(nz):
                set_uv(pins[i], uv_for_raw(_s16(vals, base + 12 + 2 * i)))
            if zones is not None:
                zones.sample()
            n += 1
            if chip.fifo_level() >= need:
                if batches == _WINDOW[0]:
                    gc.collect()
                    gc.disable()
                    window = 0
                    MeteredI2C.metering = True
                if window >= 0:
                    gc.collect()  # the chip model's garbage (gc is off in the window; the app's delta below)
                    bus_a0 = MeteredI2C.alloc
                    m0 = gc.mem_alloc()
                bus_us0 = MeteredI2C.us
                a0 = ticks_us()
                done = app.on_batch()
                app_us += ticks_diff(ticks_us(), a0) - (MeteredI2C.us - bus_us0)
                if window >= 0:
                    w_bytes += gc.mem_alloc() - m0 - (MeteredI2C.alloc - bus_a0)
                    w_samples += done
                    if batches == _WINDOW[1]:
                        gc.enable()
                        MeteredI2C.metering = False
                        window = -2
                batches += 1
            if n % odr == 0:
                app.every_second()
                app.radio_service()
                if n % (60 * odr) == 0:
                    gc.collect()
                    used = gc.mem_alloc()
                    if used > peak:
                        peak = used
                    if window != 0 and n % (600 * odr) == 0:  # every 10 simulated min, never in the alloc window
                        sys.stdout.write("P,%d\n" % n)
            app.haptics.tick(app.t_ms)
    gc.collect()
    peak = max(peak, gc.mem_alloc())
    sys.stdout.write("D,%d\n" % n)
    bps = w_bytes * 1000 // w_samples if window == -2 and w_samples else -1
    sys.stdout.write("S,samples=%d,app_ns_per_sample=%d,bus_ns_per_sample=%d,bytes_per_sample_x1000=%d,"
                     "peak_live_heap=%d,heap_free=%d,pending=%d,dropped=%d,events=%d,wdt=%d\n"
                     % (n, app_us * 1000 // max(1, app.samples), MeteredI2C.us * 1000 // max(1, app.samples), bps,
                        peak, gc.mem_free(),
                        len(hw.outbox.pending()), hw.outbox.dropped, sum(app.counts), app.seconds))


def _s16(b, i):
    v = b[i] | (b[i + 1] << 8)
    return v - 0x10000 if v & 0x8000 else v


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
