"""The pair wired into the app: two firmware Apps (left + right) over the NimBLE ``bluetooth`` model
with the real aioble (tests/pairapp.py), replaying a real both-feet IPOL recording with a gesture
of the project's tap model injected into both feet (sim/pairtaps.py's grid: the right foot strikes,
the struck left foot planted), on CPython and the MicroPython unix port (identical output).

* both insoles paired -> exactly one SOS, from the right insole, the pair rule's (the same
  recording without a pair gives none: the single rule misses this gesture); the right insole's
  heartbeat status carries HB_PAIR once the link is up, and so does the left's;
* the left insole absent -> the right insole's single-insole SOS (a gesture the single rule sees);
* the left insole vanishes between the 2nd and the 3rd strike -> one SOS within 1.5 s of the third;
* the left insole in pair mode, its own foot raising an SOS on its own (the same feed alone, no
  pair: an SOS) -> no person alarm from it, while its technical alarm (a failed FIFO read) and its
  heartbeat go out; the right insole raises nothing.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soleguard.core.events import CAUSE_SOS, CAUSE_TECHNICAL, EV_ALARM
from soleguard.core.protocol import HB_PAIR
from soleguard_sim import pairsos, pairtaps
from soleguard_sim import tapmodel as tm
from soleguard_sim.app import write_feed

from models_support import env, mp_extras, need_vendor

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
AT_MS = 15000  # the gesture's start: the pair link is up (pair mode) within a few seconds
SOS_LATENCY_MS = 1500  # the target after the third strike


def _inject(host, g, name):
    """``host`` whole with gesture ``g`` at AT_MS (tapmodel.inject crops around it; the pair needs
    the seconds before for its link to come up): (trace, strike times ms)."""
    from soleguard_sim.trace import Trace

    c = tm.inject(host, g, AT_MS, name, positive=True)
    i0 = (AT_MS - tm.PRE_MS) // tm.DT_MS
    imu = host.imu.copy()
    imu[i0:i0 + len(c.t_ms)] = c.imu
    strikes = [s + i0 * tm.DT_MS for s in c.meta["labels"]["sos"][0]["strikes_ms"]]
    return Trace(meta=dict(c.meta), t_ms=host.t_ms.copy(), imu=imu, loads=None), strikes


@pytest.fixture(scope="module")
def feeds(datasets, tmp_path_factory):
    """Feeds of one real IPOL pair with injected gestures: (folder, {name: (params, strikes)})."""
    traces, errors = pairtaps.load([datasets / "ipol_foot"])
    assert not errors, errors
    pairs = [pr for pr in pairtaps.host_pairs(pairtaps.real_pairs(traces)) if pr[0].name == "3-1_rf"]
    assert pairs, "IPOL 3-1 (both feet) not found"
    right, left = pairs[0]
    d = tmp_path_factory.mktemp("pairfeeds")
    rng = np.random.default_rng(3)
    found = {}
    while len(found) < 2:
        p = tm.with_params(pairtaps.grid_params(rng), odr_hz=100)
        rt, strikes = _inject(right, tm.strike_gesture(p), "g")
        lt, _ = _inject(left, tm.left_gesture(p), "g_left")
        both = pairsos.replay_pair(rt, lt, None, link=(60, 3))["sos"]
        alone = pairsos.replay_pair(rt, None, None, pair=False)["sos"]
        kind = "paironly" if len(both) == 1 and not alone else "both" if len(both) == 1 and len(alone) == 1 else None
        if kind and kind not in found:
            found[kind] = (strikes, rt, lt)
    for kind, (strikes, rt, lt) in found.items():
        write_feed(rt, d / (kind + "_right.feed"))
        write_feed(lt, d / (kind + "_left.feed"))
    # the left foot's own strikes (the tap model on the left foot: a gesture its single rule sees)
    while True:
        p = tm.with_params(tm.sample_params(rng), odr_hz=100)
        lt, _ = _inject(left, tm.strike_gesture(p), "own")
        if len(pairsos.replay_pair(lt, None, None, pair=False)["sos"]) == 1:
            break
    write_feed(lt, d / "own_left.feed")
    write_feed(right, d / "plain_right.feed")
    return d, {k: v[0] for k, v in found.items()}


def _run_cpython(d, scenario, right, left):
    e = env()
    e["PYTHONPATH"] = str(ROOT / "sim" / "models") + ":" + e["PYTHONPATH"] + ":" + str(ROOT / "boards")
    p = subprocess.run([sys.executable, str(TESTS / "pairapp.py"), scenario, right, left], cwd=str(d), env=e,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    return p.stdout


def _run_mp(d, scenario, right, left):
    from soleguard_sim.mpbuild import run_micropython

    extras = tuple(mp_extras()) + ((TESTS / "pairapp.py", "pairapp.py", False),
                                   (ROOT / "boards" / "sim.py", "board.py", False))
    p = run_micropython(["-m", "pairapp", scenario, right, left], "4M", extras=extras, workdir=d,
                        capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    return p.stdout


def run(d, scenario, right, left):
    """The scenario's output lines on CPython and on the unix port: [cpython, micropython]. The events
    are identical; when the link comes up differs by a few batches (each runtime's asyncio schedules
    the BLE model's tasks in its own order), so every assertion is made on both."""
    need_vendor()
    out = []
    for go in (_run_cpython, _run_mp):
        out.append([l.split(",") for l in go(d, scenario, right, left).splitlines() if l[:2] in ("E,", "M,", "H,", "S,")])
    assert [l for l in out[0] if l[0] == "E"] == [l for l in out[1] if l[0] == "E"]
    return out


def sos(lines, side):
    return [int(l[2]) for l in lines if l[0] == "E" and l[1] == side and int(l[3]) == EV_ALARM
            and int(l[4]) == CAUSE_SOS]


def person_alarms(lines, side):
    from soleguard.core.events import EV_PRE_ALARM

    return [l for l in lines if l[0] == "E" and l[1] == side and
            ((int(l[3]) == EV_ALARM and int(l[4]) != CAUSE_TECHNICAL) or int(l[3]) == EV_PRE_ALARM)]


def status(lines, side):
    return [int(l[2]) for l in lines if l[0] == "H" and l[1] == side]


def test_a_paired_gesture_raises_one_sos_from_the_right_insole_in_pair_mode(feeds):
    d, params = feeds
    third = params["paironly"][2]
    for lines in run(d, "pair", "paironly_right.feed", "paironly_left.feed"):
        _paired(lines, third)


def _paired(lines, third):
    r = sos(lines, "R")
    assert len(r) == 1 and 0 <= r[0] - third <= SOS_LATENCY_MS, (r, third)
    assert sos(lines, "L") == [] and person_alarms(lines, "L") == []
    modes = [l for l in lines if l[0] == "M"]
    assert ["M", "R", "1"] == modes[0][:3] or ["M", "L", "1"] == modes[0][:3], modes
    up = [int(l[3]) for l in modes if l[2] == "1"]
    assert len(up) == 2 and max(up) < AT_MS, modes  # both insoles in pair mode before the gesture, once
    assert all(s & HB_PAIR for s in status(lines, "R")[AT_MS // 1000:]), status(lines, "R")
    assert all(s & HB_PAIR for s in status(lines, "L")[AT_MS // 1000:]), status(lines, "L")
    stats = {l[1]: dict(kv.split("=") for kv in l[2:]) for l in lines if l[0] == "S"}
    assert stats["R"]["gestures"] == "1" and stats["R"]["sessions"] == "1" and stats["L"]["sessions"] == "1"


def test_without_a_pair_configured_the_app_is_the_single_insole_app(feeds):
    d, params = feeds
    for lines in run(d, "single", "paironly_right.feed", "paironly_left.feed"):
        assert sos(lines, "R") == [] and not [l for l in lines if l[0] == "M"]  # the single rule misses it
        assert not any(s & HB_PAIR for s in status(lines, "R") + status(lines, "L"))
    for both in run(d, "single", "both_right.feed", "both_left.feed"):
        assert len(sos(both, "R")) == 1


def test_the_left_insole_absent_gives_the_single_insole_sos(feeds):
    d, params = feeds
    third = params["both"][2]
    for lines in run(d, "noleft", "both_right.feed", "both_left.feed"):
        r = sos(lines, "R")
        assert len(r) == 1 and 0 <= r[0] - third <= SOS_LATENCY_MS, (r, third)
        assert not [l for l in lines if l[0] == "M"] and not any(s & HB_PAIR for s in status(lines, "R"))


def test_a_link_dropped_mid_gesture_still_gives_one_sos_in_time(feeds):
    d, params = feeds
    st = params["both"]
    drop = (st[1] + st[2]) // 2  # between the second and the third strike
    for lines in run(d, "drop:%d" % drop, "both_right.feed", "both_left.feed"):
        r = sos(lines, "R")
        assert len(r) == 1 and 0 <= r[0] - st[2] <= SOS_LATENCY_MS, (r, st)
        down = [int(l[3]) for l in lines if l[0] == "M" and l[1] == "R" and l[2] == "0"]
        assert down and drop <= down[0] <= r[0], (down, drop, r)  # the right insole went single before it


def test_the_left_insole_in_pair_mode_raises_no_person_alarm_but_its_technical_ones(feeds):
    d, params = feeds
    for alone in run(d, "leftsingle", "plain_right.feed", "own_left.feed"):
        assert len(sos(alone, "L")) == 1  # its feed raises an SOS on a single insole
    fault = AT_MS + 5000
    for lines in run(d, "fault:%d" % fault, "plain_right.feed", "own_left.feed"):
        assert person_alarms(lines, "L") == [] and person_alarms(lines, "R") == []
        tech = [l for l in lines if l[0] == "E" and l[1] == "L" and int(l[3]) == EV_ALARM
                and int(l[4]) == CAUSE_TECHNICAL]
        assert len(tech) == 1 and int(tech[0][2]) >= fault - 200, tech
        hl = status(lines, "L")
        assert len(hl) >= 25 and all(s & HB_PAIR for s in hl[AT_MS // 1000:]), hl
