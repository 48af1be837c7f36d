# runtimes: cpython micropython
# heapsize: 640K
"""Edges without hardware: FIFO decode through the LSM6DSO register model (sim/models) under the real
micropython-lib ``lsm6dsox`` driver (tests/imu_model.py),
haptics priorities, zone health, configuration validation and persistence,
board files, the app's zero-allocation sample path (heap_lock on MicroPython).

Heap 448K (second line, read by tools/mptest.py): this module compiles the
whole app from source on the 64-bit unix port (about 90 KB of bytecode and
objects once loaded) and the LSM6DSO model, whose full 512-word FIFO (the
overrun test) is a list of bytes objects: 320K ran out of one piece of 4 KB,
448K passes; a device loads precompiled .mpy and the app itself runs
in 160K (sim/app.py), see docs/FIRMWARE.md."""
import gc
import os
from array import array

from fakes.flash import FakeFlash
from imu_model import IMUChip, locked_batch

from soleguard.edges import haptics as H
from soleguard.edges.board import validate as validate_board
from soleguard.edges.drivers.lsm6dso_fifo import FifoIMU
from soleguard.core.frame import FRAME_LEN, Z0, new_frame
from soleguard.edges.outbox import Outbox
from soleguard.core.radioport import CMD_EVACUATE, LoopbackRadio
from soleguard.edges.store import ConfigStore, validate
from soleguard.core.technical import (
    TECH_IMU_STUCK, TECH_ZONE_IMPLAUSIBLE, TECH_ZONE_SATURATED, TECH_ZONE_STUCK, tech_detail,
)
from soleguard.edges.zones import SAT_WINDOWS, STUCK_WINDOWS, Zones

from synth import FALL, LYING, STAND, WALK, fill_pattern

try:
    import micropython

    _MP = hasattr(micropython, "heap_lock")
except ImportError:
    _MP = False


def _chip(watermark=4, axes=((0, 1), (1, 1), (2, 1))):
    chip = IMUChip()
    return chip, FifoIMU(chip.driver(), watermark, axes)


def test_fifo_decodes_exact_values_in_batches():
    chip, fifo = _chip(4)
    samples = [(0, 0, 1000, 0, 0, 0), (-15990, 15990, -1, 19999, -20000, 7), (488, -489, 3, -1, 1, 0),
               (1, 2, 3, 4, 5, 6), (100, 200, 300, -400, -500, -600)]
    for s in samples:
        chip.push(*s)
    assert fifo.read() == 4  # one watermark batch; the fifth sample waits
    for k in range(4):
        assert tuple(fifo.frames[FRAME_LEN * k: FRAME_LEN * k + 6]) == samples[k], k
    assert fifo.read() == 0
    for s in samples[:3]:
        chip.push(*s)
    assert fifo.read() == 4 and tuple(fifo.frames[0:6]) == samples[4]


def test_fifo_axis_mapping_and_wrong_chip():
    chip, fifo = _chip(1, ((1, -1), (0, 1), (2, 1)))
    chip.push(10, 20, 30, 1, 2, 3)
    assert fifo.read() == 1 and tuple(fifo.frames[0:6]) == (-20, 10, 30, -2, 1, 3)
    chip = IMUChip(who_am_i=0x6A)  # another chip
    try:
        FifoIMU(type("I", (), {"bus": chip.bus, "address": 0x6A})())
        assert False
    except OSError:
        pass


def _words(*words):
    """FIFO words (tag, x, y, z) as the chip's 7-byte tagged records."""
    out = bytearray()
    for tag, x, y, z in words:
        out.append(tag << 3)
        for v in (x, y, z):
            v &= 0xFFFF
            out.append(v & 0xFF)
            out.append(v >> 8)
    return out


def test_fifo_half_pair_carries_over_and_unknown_tags_are_skipped():
    chip, fifo = _chip(2, ((1, -1), (0, 1), (2, 1)))
    # accel 0x02 (LSB 0.488 mg), gyro 0x01 (70 mdps), timestamp 0x04 skipped
    buf = _words((2, 1000, -2000, 2049), (4, 1, 2, 3), (1, 10, -10, 3), (2, -1, 1, 0))
    assert fifo.decode(buf, 4) == 1  # one pair; the last accel word waits for its gyro
    assert tuple(fifo.frames[0:6]) == (976, 488, 1000, 7, 7, 2)  # insole x = -chip y, y = chip x
    assert fifo.decode(_words((1, -100, 100, 0)), 1) == 1
    assert tuple(fifo.frames[0:6]) == (0, 0, 0, -70, -70, 0)
    try:
        FifoIMU(chip.driver(), 2, ((0, 1), (0, 1), (2, 1)))
        assert False
    except ValueError as e:
        assert "axes" in str(e)


def test_fifo_overrun_counted_and_sleep_programs_wakeup():
    chip, fifo = _chip(4)
    for i in range(300):
        chip.push(i, 0, 1000, 0, 0, 0)
    fifo.read()
    assert fifo.overruns == 1
    fifo.sleep(500)
    assert chip.regs[0x5E] & 0x20 and chip.regs[0x5B] == 2 and chip.regs[0x0A] == 0


def test_haptics_priorities_and_patterns():
    class P:
        v = 0

        def duty_u16(self, v=None):
            if v is None:
                return self.v
            self.v = v

    pwm = P()
    h = H.Haptics(pwm)
    assert h.play(H.TECH, 0) and pwm.v == 65535
    assert h.play(H.PRE_ALARM, 100)  # higher replaces lower
    assert not h.play(H.SOS_CONFIRM, 150)  # lower refused
    h.tick(500)
    assert pwm.v == 0  # 400 ms on, then off
    h.tick(1100)
    assert pwm.v == 65535  # repeats
    assert h.play(H.EVACUATION, 1200) and h.playing == H.EVACUATION
    h.stop(H.PRE_ALARM)  # not playing: no effect
    assert h.playing == H.EVACUATION
    h.stop(H.EVACUATION)
    assert h.playing == H.NONE and pwm.v == 0
    h.play(H.SOS_CONFIRM, 0)
    for t in (120, 270, 390, 400):
        h.tick(t)
    assert h.playing == H.NONE and pwm.v == 0  # one-shot ends by itself
    h.play(H.TECH, (1 << 30) - 100)  # ticks_ms wrap
    h.tick(50)
    assert h.on
    h.tick(800)
    assert not h.on


class _ADC:
    def __init__(self):
        self.v = 0

    def read_u16(self):
        return self.v


def test_zones_ring_calibration_and_repeats():
    adcs = [_ADC(), _ADC()]
    z = Zones(adcs, [(1000, 5, 6), (0, 1, 4)])
    buf = array("h", [-1] * (7 * FRAME_LEN))
    adcs[0].v, adcs[1].v = 1000 + 64 * 10, 160
    z.sample()
    adcs[0].v, adcs[1].v = 500, 65535
    z.sample()
    assert z.fill(buf, 3) == 2  # two slots for three frames: the third repeats the latest loads
    assert [buf[k * FRAME_LEN + Z0 + i] for k in range(3) for i in range(2)] == [50, 10, 0, 4095, 0, 4095]
    assert buf[Z0 + 2] == -1 and buf[FRAME_LEN + 5] == -1  # only the zones' slots are written
    assert z.fill(buf, 2) == 0 and buf[Z0] == 0 and buf[FRAME_LEN + Z0 + 1] == 4095  # no slot: latest
    got = []
    for j in range(200):  # batches of 7 frames straddle the ring's wrap (RING 64 slots)
        adcs[0].v, adcs[1].v = 1000 + 64 * j, 16 * j
        z.sample()
        if j % 7 == 6:
            assert z.fill(buf, 3) == 3 and z.fill(buf, 7) == 4  # the rest of the 7 after 3, then 4 repeats
            got += [buf[k * FRAME_LEN + Z0] for k in range(4)] + [buf[k * FRAME_LEN + Z0 + 1] for k in range(7)]
    want = []
    for j in range(6, 200, 7):
        want += [5 * (j - 3) + 5 * i for i in range(4)] + [j - 3 + i for i in range(4)] + [j] * 3
    assert got == want
    for bad in ((1000, -5, 6), (-1, 1, 4), (0, 1, 17)):
        try:
            Zones([_ADC()], [bad])
            assert False, bad
        except ValueError as e:
            assert "zone 0" in str(e), e


def test_zone_health_saturated_and_stuck():
    adcs = [_ADC(), _ADC()]
    z = Zones(adcs, [(0, 1, 4), (0, 1, 4)])
    buf = array("h", bytes(2 * FRAME_LEN * 4))
    found = []
    for w in range(STUCK_WINDOWS + 2):
        for k in range(25):
            adcs[0].v = 65535  # shorted
            adcs[1].v = 3000  # frozen while walking
            for j in range(4):
                z.sample()
            z.fill(buf, 4)
        d = z.end_window(True)
        if d:
            found.append((w, d))
    assert found[0] == (SAT_WINDOWS - 1, tech_detail(TECH_ZONE_SATURATED, 0))
    assert found[1] == (STUCK_WINDOWS - 1, tech_detail(TECH_ZONE_STUCK, 1))
    assert len(found) == 2  # reported once each


def test_zone_health_sees_the_latest_reading_in_a_window_without_a_slot():
    adcs = [_ADC()]
    z = Zones(adcs, [(0, 1, 4)])
    buf = array("h", bytes(2 * FRAME_LEN * 4))
    adcs[0].v = 2100 << 4  # 2100 N: implausible on one zone
    z.sample()
    z.fill(buf, 4)
    found = []
    for w in range(SAT_WINDOWS):
        found.append(z.end_window(False))
        z.fill(buf, 4)  # light sleep without a wake's sample: the frames repeat the latest loads
    assert buf[3 * FRAME_LEN + Z0] == 2100
    assert found[-1] == tech_detail(TECH_ZONE_IMPLAUSIBLE, 0) and not any(found[:-1])


def test_config_validation_names_the_field_and_keeps_previous():
    cfg, edge = validate({"PRE_ALARM_MS": 20000, "LORA_SF": 10})
    assert cfg.PRE_ALARM_MS == 20000 and edge["LORA_SF"] == 10 and edge["HEARTBEAT_S"] == 300
    for bad, word in (({"LORA_SF": 13}, "LORA_SF"), ({"HEARTBEAT_S": 600}, "HEARTBEAT_S"),
                      ({"LORA_BW_KHZ": 200}, "LORA_BW_KHZ"), ({"NOPE": 1}, "NOPE"),
                      ({"TEAM_KEY_ID": "7"}, "TEAM_KEY_ID"), ({"PRE_ALARM_MS": 1}, "PRE_ALARM_MS")):
        try:
            validate(bad)
            assert False, bad
        except ValueError as e:
            assert word in str(e), (bad, e)
    path = "/tmp/soleguard_test_cfg_%d.json" % os.getpid() if hasattr(os, "getpid") else "/tmp/soleguard_test_cfg.json"
    for p in (path, path + ".old", path + ".new"):
        try:
            os.remove(p)
        except OSError:
            pass
    st = ConfigStore(path)
    assert st.load() == {} and st.source == "defaults"
    st.save({"TEAM_KEY_ID": 7})
    try:
        st.save({"TEAM_KEY_ID": 70000})
        assert False
    except ValueError:
        pass
    assert ConfigStore(path).load() == {"TEAM_KEY_ID": 7}
    st.save({"TEAM_KEY_ID": 8})
    with open(path, "w") as fh:  # a corrupted file: the previous one is used
        fh.write('{"crc": 1, "values": {"TEAM_KEY_ID": 9}}')
    again = ConfigStore(path)
    assert again.load() == {"TEAM_KEY_ID": 7} and again.source == path + ".old"
    for p in (path, path + ".old"):
        os.remove(p)


_ROOT = __file__[: __file__.rfind("tests/")] or "./"


def _load_board(name):
    # exec, not import: on CPython ``sim`` is the host simulator package.
    ns = {}
    with open(_ROOT + "boards/%s.py" % name) as fh:
        exec(fh.read(), ns)
    return ns["BOARD"]


def test_boards_parse_and_validate():
    for name, zones in (("t3s3", 5), ("xiao_s3", 3), ("sim", 8)):
        b = validate_board(_load_board(name))
        assert len(b["zones"]) == zones
    b = dict(_load_board("t3s3"))
    b["imu"] = dict(b["imu"], axes=((0, 1), (0, 1), (2, 1)))
    try:
        validate_board(b)
        assert False
    except ValueError as e:
        assert "axes" in str(e)
    # a zone calibration Zones() would refuse is refused here, naming the zone
    for cal in ((0, -1, 4), (-5, 1, 4), (70000, 1, 4), (0, 1, 17), (0, 1)):
        b = dict(_load_board("t3s3"))
        b["zones"] = tuple(dict(z, cal=cal) if i == 1 else z for i, z in enumerate(b["zones"]))
        try:
            validate_board(b)
            assert False, cal
        except ValueError as e:
            assert "zone 1 cal" in str(e), e


class _PWM:
    def __init__(self):
        self.v = 0

    def duty_u16(self, v=None):
        if v is None:
            return self.v
        self.v = v


class _Battery:
    mv = 3900

    def read_mv(self):
        return self.mv


def _app(events):
    from soleguard.app import App

    board = _load_board("sim")
    board = dict(board, storage=dict(board["storage"], block_size=256))
    chip, fifo = _chip(board["imu"]["watermark"])
    adcs = [_ADC() for _ in range(8)]
    zones = Zones(adcs, [z["cal"] for z in board["zones"]])
    app = App(board, fifo, zones, _PWM(), _Battery(), Outbox(FakeFlash(4, 256)), LoopbackRadio(),
              on_event=lambda t, a, b, c: events.append((t, a, b, c)))
    return app, chip, adcs


def _feed(app, chip, adcs, pattern, n, i0, f):
    done = 0
    for i in range(n):
        fill_pattern(f, pattern, i, 8)
        chip.push(f[0], f[1], f[2], f[3], f[4], f[5])
        for z in range(8):
            adcs[z].v = f[Z0 + z] << 4
        app.zones.sample()
        if chip.count >= 2 * app.fifo.watermark:
            done += app.on_batch()
    return done


def test_app_events_selftest_radio_and_zero_allocation():
    events = []
    app, chip, adcs = _app(events)
    assert app.start() == 0 and events[0][1] == 7
    f = new_frame()
    i = 0
    for pattern, n in ((STAND, 300), (WALK, 2000), (FALL, 1), (LYING, 2000)):
        _feed(app, chip, adcs, pattern, n, i, f)
        i += n
    kinds = [(e[1], e[2]) for e in events]
    assert (1, 1) in kinds and (2, 1) in kinds, kinds  # fall pre-alarm, then alarm
    assert app.haptics.playing == H.NONE  # pre-alarm vibration stopped at the alarm
    assert app.outbox.pending()
    app.radio_service()
    assert not app.outbox.pending()  # loopback acknowledged everything
    app.radio.commands.append((CMD_EVACUATE, 0))
    app.radio_service()
    assert app.haptics.playing == H.EVACUATION
    # steady state: standing, no events; warm up, then measure
    _feed(app, chip, adcs, STAND, 3000, i, f)
    i += 3000
    n = len(events)
    done = 0
    used = 0
    for k in range(60):
        for j in range(16):
            fill_pattern(f, STAND, i, 8)
            i += 1
            chip.push(f[0], f[1], f[2], f[3], f[4], f[5])
            app.zones.sample()
        got, b = locked_batch(chip, app.on_batch)  # heap_lock on MicroPython: an allocation raises
        done += got
        used += b
    assert used == 0, used
    assert done == 960 and len(events) == n


def test_imu_freeze_run_counted_across_batches_and_alarmed_once():
    events = []
    app, chip, adcs = _app(events)
    wm = app.fifo.watermark
    seq = []
    for j, run in enumerate((1, 5, wm, wm + 1, 3, 3 * wm, 2, wm - 1)):
        seq += [(100 + j, -50, 1000, 3 * j, 0, -7)] * run
    seq.insert(30, (100 + 256 + 2, -50, 1000, 6, 0, -7))  # differs above the low bytes: a repeat
    seq += [seq[-1]] * (-len(seq) % wm)
    ref = 0
    prev = (0, 0, 0, 0, 0, 0)
    for k, f in enumerate(seq):
        chip.push(*f)
        ref = ref + 1 if not any((a ^ b) & 0xFF for a, b in zip(f, prev)) else 0  # frame by frame
        prev = f
        if (k + 1) % wm == 0:
            assert app.on_batch() == wm
            assert app._same == ref, k
    odr = app.board["imu"]["odr_hz"]
    stuck = tech_detail(TECH_IMU_STUCK, 0)
    # frozen for 70 s more: the alarm at the first second with 60 s of repeats counted, once
    want = [s for s in range(1, 71) if ref + s * odr // wm * wm >= 60 * odr][0]
    got = []
    for k in range(70 * odr):
        chip.push(*seq[-1])
        if chip.count >= 2 * wm:
            app.on_batch()
        if (k + 1) % odr == 0:
            app.every_second()
            got += [(k + 1) // odr for e in events if e[3] == stuck]
            del events[:]
    assert got == [want], (got, want)


def test_app_survives_imu_errors_as_a_technical_alarm():
    events = []
    app, chip, adcs = _app(events)
    chip.fail = True
    assert app.on_batch() == 0 and app.on_batch() == 0
    tech = [e for e in events if e[2] == 4]
    assert len(tech) == 1 and tech[0][3] >> 8 == 4  # TECH_IMU_FAULT, once


def test_light_sleep_wake_allocates_nothing_and_stays_awake_while_a_pattern_plays():
    events = []
    app, chip, adcs = _app(events)
    app.start()
    f = new_frame()
    i = 0
    _feed(app, chip, adcs, STAND, 3000, i, f)
    i += 3000
    app.haptics.play(H.TECH, 0)
    assert app.doze_ms() == 0  # the motor's PWM and pattern ticks need the MCU awake
    app.haptics.stop(H.TECH)
    assert app.doze_ms() == 1000 * app.fifo.watermark // app.board["imu"]["odr_hz"]
    done = 0
    used = 0
    for k in range(30):
        for j in range(app.fifo.watermark):
            fill_pattern(f, STAND, i, 8)
            i += 1
            chip.push(f[0], f[1], f[2], f[3], f[4], f[5])
        # heap_lock on MicroPython around the wake: an allocation raises; the chip model's own
        # heap (C code and wires on a device) is counted apart
        got, b = locked_batch(chip, app.on_wake)
        ms, b2 = locked_batch(chip, app.doze_ms)
        done += got
        used += b + b2
        assert ms > 0
    assert used == 0, used
    assert done == 30 * app.fifo.watermark
