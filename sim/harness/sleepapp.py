"""The app with or without light sleep between FIFO batches, on the unix port in simulated time.

    micropython -X heapsize=192K -m sleepapp FEED SECONDS MODE [WATERMARK]   (in the device tree of soleguard_sim.app)

FEED and the board, chip and app are simapp's (``simapp.make``; WATERMARK > 0:
FIFO frames per batch instead of the sim board's). SECONDS > 0
loops the recording for that much simulated time (0: once). MODE 0 = awake
as without sleep (zones sampled every sample by the timer, once-a-second
work on the second, haptics ticked every sample); MODE 1 = the device's
schedule with light sleep (edges/sleep.py): at each watermark the MCU wakes,
``App.on_wake`` reads the zones once and processes the batch, the
once-a-second work and radio service that fell due run, the haptics tick;
then ``App.doze_ms()`` decides: > 0 sleeps until the next watermark, 0 stays
awake until it (haptics ticked every sample meanwhile).

What a wake costs is measured, not assumed: the host time (ticks_us) of all
the work done at the wake. Output lines:
  E,t,type,cause,detail   every event (as simapp)
  W,work_us,bus_us        MODE 1: each wake's host us of work, and the I2C model's share of it
  S,k=v,...               samples, wakes, work_us (host us of the work at the
                          wakes; MODE 0: of every batch and second), awake_ms
                          (simulated ms the MCU stayed awake between wakes),
                          motor_ms (simulated ms the motor was on), batch_ms,
                          bus_us / bus_bytes / bus_transfers (the I2C model's share
                          of work_us, and what went over the bus)
"""
import sys
import time

import machine
from simapp import _s16, make, uv_for_raw

from soleguard.core.frame import FRAME_LEN


class _TimedBus:
    """The FIFO's I2C bus, timed: the LSM6DSO register model (Python) stands in for a transfer that is
    C code and bus time on a device (the power model adds the bus time from the board's I2C clock)."""

    def __init__(self, bus):
        self.bus = bus
        self.us = 0
        self.bytes = 0
        self.transfers = 0

    def readfrom_mem_into(self, addr, reg, buf):
        t0 = time.ticks_us()
        self.bus.readfrom_mem_into(addr, reg, buf)
        self.us += time.ticks_diff(time.ticks_us(), t0)
        self.bytes += len(buf)
        self.transfers += 1

    def writeto_mem(self, addr, reg, buf):
        t0 = time.ticks_us()
        self.bus.writeto_mem(addr, reg, buf)
        self.us += time.ticks_diff(time.ticks_us(), t0)
        self.bytes += len(buf)
        self.transfers += 1


def run(path, seconds, mode, watermark=0):
    f = open(path, "rb")
    header = [int(x) for x in f.readline().decode().strip().split(",")[1:]]
    start = f.tell()
    board, chip, clock, hw, app = make(header, watermark=watermark)
    app.start()
    bus = _TimedBus(hw.fifo._bus)
    hw.fifo._bus = bus
    zones = hw.zones
    nz = header[1]
    pins = [z["adc"] for z in board["zones"]]
    odr = board["imu"]["odr_hz"]
    need = 2 * board["imu"]["watermark"]
    buf = bytearray(2 * FRAME_LEN * 64)
    vals = memoryview(buf)
    limit = seconds * odr if seconds else -1
    set_uv = machine.set_adc_uv
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
    n = 0
    wakes = 0
    work = 0
    awake_samples = 0
    motor_samples = 0
    due_second = odr
    awake = False  # MODE 1: stayed awake after the last wake (doze_ms() was 0)
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
            n += 1
            if app.haptics.on:
                motor_samples += 1
            if mode == 0:
                if zones is not None:
                    zones.sample()
                t0 = ticks_us()
                if chip.fifo_level() >= need:
                    app.on_batch()
                if n % odr == 0:
                    app.every_second()
                    app.radio_service()
                app.haptics.tick(app.t_ms)
                work += ticks_diff(ticks_us(), t0)
                continue
            if awake:
                awake_samples += 1
                app.haptics.tick(app.t_ms)
            if chip.fifo_level() < need:
                continue
            wakes += 1
            b0 = bus.us
            t0 = ticks_us()
            app.on_wake()
            while n >= due_second:  # the supervisor and link tasks that fell due during the sleep
                due_second += odr
                app.every_second()
                app.radio_service()
            app.haptics.tick(app.t_ms)
            awake = app.doze_ms() == 0
            dt = ticks_diff(ticks_us(), t0)
            work += dt
            sys.stdout.write("W,%d,%d\n" % (dt, bus.us - b0))  # after the timed span: the write is not work
    sys.stdout.write("S,samples=%d,wakes=%d,work_us=%d,awake_ms=%d,motor_ms=%d,batch_ms=%d,bus_us=%d,bus_bytes=%d,"
                     "bus_transfers=%d\n" % (n, wakes, work, awake_samples * 1000 // odr, motor_samples * 1000 // odr,
                                             app._batch_ms, bus.us, bus.bytes, bus.transfers))


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
