"""Run the insole app on the unix port with the ``sim`` board, fed from a recording.

    micropython -X heapsize=160K -m simapp FEED [SECONDS]   (in the device tree of soleguard_sim.app.run_app)

FEED: one text line ``H,<imu>,<zones>,<x0>,<y0>,...`` (as soleguard_unix.replay),
then little-endian int16 frames of 14 values (frame.py order). The recording
is pushed sample by sample into the fake LSM6DSO's FIFO and the fake ADCs
(load N << 4); the zone timer's work (``zones.sample()``) runs per sample;
the app reads a FIFO batch whenever the watermark is reached, runs its
once-a-second work every 100 samples and services the loopback radio.
SECONDS > 0 loops the recording for that much simulated time (the soak).

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

import machine
from chips import FakeI2C, FakeLSM6DSO
from flash import FakeFlash

import board as sim_board  # boards/sim.py, deployed as board.py
from soleguard.edges import hardware
from soleguard.app import App
from soleguard.edges.board import validate
from soleguard.core.frame import FRAME_LEN
from soleguard.core.radioport import LoopbackRadio

_WINDOW = (400, 700)  # FIFO batches: after 64 s of warm-up, 48 s measured with gc disabled
_BATTERY_RAW = 4000 * 65535 // 2 // 3300  # 4.0 V through the 2:1 divider


def make(header, events=None):
    """Board, chip and app for a recording header (list of ints)."""
    zones = header[1]
    board = dict(sim_board.BOARD)
    proto = board["zones"]
    board["zones"] = tuple(
        {"name": proto[i]["name"], "adc": proto[i]["adc"], "x_mm": header[2 + 2 * i],
         "y_mm": header[3 + 2 * i], "cal": proto[i]["cal"]} for i in range(zones))
    validate(board)
    chip = FakeLSM6DSO()
    machine.I2C_BUSES[0] = FakeI2C({board["imu"]["address"]: chip})
    machine.ADC_VALUES[board["battery"]["adc"]] = _BATTERY_RAW
    st = board["storage"]
    gc.collect()  # the imports' garbage: the fake flash needs 4 KB in one piece (on a device it is not heap)
    # detection parity and the soak measure the sample path: the loopback radio
    # (tests/fakes/linkapp.py runs the board's LoRa + BLE link)
    hw = hardware.build(board, flash=FakeFlash(st["blocks"], st["block_size"]), radio=LoopbackRadio())
    out = events if events is not None else sys.stdout.write

    def on_event(t, ty, ca, de):
        out("E,%d,%d,%d,%d\n" % (t, ty, ca, de))

    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, {},
              on_event=on_event, clock=lambda: app.t_ms)
    return board, chip, hw, app


def run(path, seconds=0):
    f = open(path, "rb")
    header = [int(x) for x in f.readline().decode().strip().split(",")[1:]]
    start = f.tell()
    board, chip, hw, app = make(header)
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
    adc = machine.ADC_VALUES
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
            ax = _s16(vals, base)
            chip.push(ax, _s16(vals, base + 2), _s16(vals, base + 4),
                      _s16(vals, base + 6), _s16(vals, base + 8), _s16(vals, base + 10))
            for i in range(nz):
                adc[pins[i]] = _s16(vals, base + 12 + 2 * i) << 4
            if zones is not None:
                zones.sample()
            n += 1
            if chip.count >= need:
                if batches == _WINDOW[0]:
                    gc.collect()
                    gc.disable()
                    window = 0
                if window >= 0:
                    m0 = gc.mem_alloc()
                a0 = ticks_us()
                done = app.on_batch()
                app_us += ticks_diff(ticks_us(), a0)
                if window >= 0:
                    w_bytes += gc.mem_alloc() - m0
                    w_samples += done
                    if batches == _WINDOW[1]:
                        gc.enable()
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
    sys.stdout.write("S,samples=%d,app_ns_per_sample=%d,bytes_per_sample_x1000=%d,peak_live_heap=%d,heap_free=%d,"
                     "pending=%d,dropped=%d,events=%d,wdt=%d\n"
                     % (n, app_us * 1000 // max(1, app.samples), bps, peak, gc.mem_free(),
                        len(hw.outbox.pending()), hw.outbox.dropped, sum(app.counts), app.seconds))


def _s16(b, i):
    v = b[i] | (b[i + 1] << 8)
    return v - 0x10000 if v & 0x8000 else v


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
