"""Boot with a fault, then a simulated minute: the insole keeps detecting and says what is wrong.

For each board (T3-S3, XIAO ESP32S3 + Wio-SX1262), each fault is injected into
the models before ``hardware.build``; then ``App.start`` (self-test) and
``App.run`` (all tasks, the radio adapters' included) run for 60 s of
simulated time while the wearer stands, gives the silent SOS (three strikes),
walks, falls and lies still. The app must report the SOS and the fall alarms
(where the IMU is there to see them) and the technical alarm naming the
failed path. Faults: no SX1262, BUSY stuck, TCXO not in the board file,
transient I2C NACKs while running, a stuck I2C bus at boot, INT1 already high
when the app attaches, no outbox partition, no team key, a corrupt config.

The whole matrix (2 boards x 10 cases, 20 simulated minutes) runs on the
MicroPython unix port, the runtime a board has (about 1.5 s a case there);
CPython repeats one case per board as a cross-check (about 3 s a case).
"""
import asyncio

import fwhelpers as F
import simenv
from synth import FALL, LYING, STAND, STRIKES, WALK

from soleguard.core.events import CAUSE_FALL, CAUSE_SOS, CAUSE_TECHNICAL, EV_ALARM
from soleguard.core.technical import (SELFTEST_IMU, SELFTEST_RADIO, SELFTEST_STORAGE, TECH_IMU_FAULT,
                                      TECH_SELFTEST, tech_detail)

WEARER = ((STAND, 300), (WALK, 1000), (FALL, 1), (LYING, 3000), (STAND, 300), (STRIKES, 150), (STAND, 2000))
RUN_MS = 60000
# fault -> (technical alarm details that must appear, IMU there to detect?)
FAULTS = {
    "none": ((), True),
    "no_sx1262": ((tech_detail(TECH_SELFTEST, SELFTEST_RADIO),), True),
    "busy_stuck": ((tech_detail(TECH_SELFTEST, SELFTEST_RADIO),), True),
    "tcxo_missing": ((tech_detail(TECH_SELFTEST, SELFTEST_RADIO),), True),
    "i2c_nack_running": ((tech_detail(TECH_IMU_FAULT, 0),), True),
    "i2c_stuck": ((tech_detail(TECH_SELFTEST, SELFTEST_IMU),), False),
    "int1_high": ((), True),
    "no_partition": ((tech_detail(TECH_SELFTEST, SELFTEST_STORAGE),), True),
    "no_key": ((tech_detail(TECH_SELFTEST, SELFTEST_RADIO),), True),
    "corrupt_config": ((tech_detail(TECH_SELFTEST, SELFTEST_RADIO),), True),
}


def _boot(name, fault):
    from soleguard.app import App
    from soleguard.edges.store import ConfigStore

    values = {"TEAM_ID": F.TEAM}
    if fault == "corrupt_config":
        with open("config.json", "w") as f:
            f.write('{"crc": 1, "values": {"TEAM_ID": 3')  # cut short by a power loss
        values = ConfigStore("config.json").load()
    w = F.insole(name, faults=(fault,), values=values)
    hw = w["hw"]
    events = []
    clock = w["clock"]
    app = App(w["board"], hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, values,
              clock=lambda: clock.now_us() // 1000, on_event=lambda t, a, b, c: events.append((t, a, b, c)))
    return w, app, events


def _minute(name, fault):
    from soleguard.edges import hardware

    w, app, events = _boot(name, fault)
    F.Script(w, WEARER)
    app.start()
    hardware.start_zone_timer(w["hw"], w["board"]["imu"]["odr_hz"])
    if fault != "int1_high":
        w["clock"].advance_ms(50)  # the usual: the app attaches INT1 before the FIFO fills
    else:
        w["clock"].advance_ms(1500)  # boot work took long: INT1 is already high
        assert w["int1"].value() == 1

    async def run():
        if fault == "i2c_nack_running":
            async def glitch():
                await asyncio.sleep_ms(20000)
                w["bus"].inject("nack", count=2)

            asyncio.create_task(glitch())
        try:
            await asyncio.wait_for_ms(app.run(w["int1"]), RUN_MS)
        except asyncio.TimeoutError:
            pass
        await F.settle()

    simenv.run(run())
    import gc

    gc.collect()
    return w, app, events


def _check(name, fault):
    w, app, events = _minute(name, fault)
    expect, imu = FAULTS[fault]
    alarms = [(e[2], e[3]) for e in events if e[1] == EV_ALARM]
    for d in expect:
        assert (CAUSE_TECHNICAL, d) in alarms, (name, fault, d, alarms)
    if imu:
        causes = [a[0] for a in alarms]
        assert CAUSE_SOS in causes and CAUSE_FALL in causes, (name, fault, alarms, app.samples)
    assert app.seconds >= 55, (name, fault, app.seconds)  # the supervisor kept running
    return app


def test_boot_faults_t3s3():
    for fault in sorted(FAULTS) if F.IS_MP else ["no_sx1262"]:
        _check("t3s3", fault)


def test_boot_faults_xiao_s3():
    for fault in sorted(FAULTS) if F.IS_MP else ["i2c_nack_running"]:
        _check("xiao_s3", fault)
