"""The app on the MicroPython unix port (sim board over the chip/port models of sim/models
and the real lsm6dsox, boards/sim.py test heap, .mpy as deployed) emits the same detection events as
``soleguard_sim.replay.replay`` for real recordings; a 10-minute simulated soak allocates
nothing per sample in steady state. The 8-hour soak is ``soleguard soak``."""
import pytest

from soleguard_sim.app import HEAP, MIN_FREE_AT_PEAK, heap_headroom, run_app
from soleguard_sim.importers import module
from soleguard_sim.replay import replay

CASES = [
    ("umafall", "umafall_ankle/UMAFall_Subject_02_Fall_forwardFall_1_2016-06-13_20-43-52_ankle.csv", True),
    ("sisfall", "sisfall_waist/F01_SA01_R01.txt", True),
    ("moticon", "moticon_insole/230927_102114.txt", False),
    ("ipol", "ipol_foot/5-1_rf.txt", False),
]


@pytest.mark.parametrize("kind,rel,has_events", CASES, ids=[c[1].split("/")[-1][:40] for c in CASES])
def test_app_events_match_replay(datasets, kind, rel, has_events):
    for tr in module(kind).import_file(datasets / rel):
        res = run_app(tr)
        want = replay(tr).events
        assert res.core_events == want, (tr.name, res.core_events, want)
        assert res.samples == len(tr.t_ms)
        assert res.events[0].type == 7 and res.events[0].detail == 0  # self-test passed, reported first
        if has_events:
            assert want, "vacuous parity"


def test_ten_minute_soak_zero_bytes_per_sample(datasets):
    tr = module("moticon").import_file(datasets / "moticon_insole/230927_102137.txt")[0]
    res = run_app(tr, seconds=600)
    f = res.figures
    assert res.samples == 60000
    assert f["bytes_per_sample_x1000"] == 0, f
    assert f["wdt"] == 600 and f["pending"] == 0
    assert [e.type for e in res.events].count(6) == 2  # heartbeats every 5 min
    # heap headroom at the test heap (boards/sim.py): at least 25 % free at the peak of live heap
    assert heap_headroom(f["peak_live_heap"], HEAP) >= MIN_FREE_AT_PEAK, f
