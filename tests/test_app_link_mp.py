"""The wired app on the MicroPython unix port (firmware, sim board, chip models and the real
micropython-lib packages as .mpy): a generated fall_forward trace (sim/scenario.py, seed 1) through
hardware.build's LoRa + BLE link (tests/linkapp.py): the real ``lora`` driver on an SX1262 model,
the real ``aioble`` on the ``bluetooth`` model; the IMU, ADCs and partition are the models of
sim/models under the real ``lsm6dsox``; the gateway has its own SX1262 model on the same model Air.

Checks: the insole's chip puts the authenticated alarm frame on the air; the first one is
not heard and the insole is reset 3 s later (app rebuilt from the same partition): the alarm
is resent from the journal with a new counter, the gateway's signed receipt ack (received by
the insole's chip in its listen window) stops the resends; a phone scanning BLE saw the alarm
frame advertised meanwhile; an evacuation order plays the evacuation pattern and an evac_ack
goes out; the outbox ends empty, with >= 25 % of the test heap free at the peak. Heap:
boards/sim.py link_test_kb (the link stack, the in-process gateway role, the radio models and
packages; docs/FIRMWARE.md).
"""
import pytest

from pathlib import Path

from soleguard_sim.app import LINK_HEAP, MIN_FREE_AT_PEAK, app_extras, heap_headroom, vendor_lib, write_feed
from soleguard_sim.mpbuild import micropython_path, run_micropython
from soleguard_sim.scenario import generate, load_script

HEAP = LINK_HEAP
TESTS = Path(__file__).resolve().parent


def link_extras():
    """The sim board's device tree plus linkapp and the real ``lora`` and ``aioble`` packages."""
    lib = vendor_lib()
    return app_extras() + ((TESTS / "linkapp.py", "linkapp.py", True), (lib / "lora", "lora", True),
                           (lib / "aioble", "aioble", True))


def test_wired_app_on_the_unix_port_alarm_reset_ack_evacuation(tmp_path):
    try:
        micropython_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    tr = generate(load_script("fall_forward"), seed=1)
    write_feed(tr, tmp_path / "feed.bin")
    p = run_micropython(["-m", "linkapp", "feed.bin"], HEAP, extras=link_extras(), workdir=tmp_path,
                        capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, (p.stdout + p.stderr)[-1500:]
    lines = [l.split(",") for l in p.stdout.splitlines()]
    kinds = [l[0] for l in lines]
    ups = [(int(l[1]), int(l[2]), int(l[3])) for l in lines if l[0] == "U"]
    alarms = [u for u in ups if u[0] == 1]  # protocol T_ALARM, cause in a
    assert alarms[0][2] == 1  # the fall, authenticated (linkapp decodes every frame with the team key)
    r = kinds.index("R")
    after = [l for l in lines[r:] if l[0] == "U" and l[1] == "1"]
    assert after and int(after[0][2]) > alarms[0][1] and after[0][3] == "1"  # resent after the reset
    acked = [int(l[1]) for l in lines if l[0] == "A"]
    assert int(after[0][2]) in acked
    # no resend of an acknowledged alarm: nothing after the acknowledged transmission
    assert max(u[1] for u in alarms if u[2] == 1) == int(after[0][2])
    assert sum(int(l[1]) for l in lines if l[0] == "B") >= 1  # BLE advertised the alarm in flight
    assert ["V", "3"] in lines
    evac = [u for u in ups if u[0] == 5]  # T_EVAC_ACK
    assert evac and evac[0][2] == 3
    s = dict(kv.split("=") for kv in lines[-1][1:])
    assert lines[-1][0] == "S" and s["pending"] == "0" and int(s["samples"]) == len(tr.t_ms)
    assert heap_headroom(int(s["peak_live_heap"]), HEAP) >= MIN_FREE_AT_PEAK, s
