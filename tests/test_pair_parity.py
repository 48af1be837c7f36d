"""The pair fusion gives identical events on CPython and the MicroPython unix port (real pairs with a
gesture injected), and sim/pairsos.py's replay is the same model as the device-side driver."""
import importlib
import importlib.util
import io
import sys
from pathlib import Path

import numpy as np
import pytest

from soleguard_sim import pairreplay, pairsos, pairtaps

# the unix-port drivers are not an installed package: load the package from the firmware tree
# (pair_replay imports soleguard and soleguard_unix.replay only)
_SPEC = importlib.util.spec_from_file_location(
    "soleguard_unix", Path(__file__).resolve().parent.parent / "firmware" / "soleguard_unix" / "__init__.py",
    submodule_search_locations=[str(Path(__file__).resolve().parent.parent / "firmware" / "soleguard_unix")])
sys.modules.setdefault("soleguard_unix", importlib.util.module_from_spec(_SPEC))
pair_replay = importlib.import_module("soleguard_unix.pair_replay")


@pytest.fixture(scope="module")
def gestures(datasets):
    traces, errors = pairtaps.load([datasets / "ipol_foot", datasets / "moticon_insole"])
    pairs = pairtaps.host_pairs(pairtaps.real_pairs(traces))
    rng = np.random.default_rng(5)
    out = []
    while len(out) < 3:
        p = pairtaps.grid_params(rng)
        rt, lt, _ = pairtaps.inject_grid(pairs[len(out) % len(pairs)], p, rng, "parity%d" % len(out))
        if rt is not None:
            out.append((rt, lt, (40 + 60 * len(out), 7 - 7 * len(out))))
    return out


def test_pair_replay_identical_on_both_runtimes_and_in_the_simulator(gestures):
    raised = 0
    for rt, lt, link in gestures:
        buf = io.StringIO()
        lines = iter(pairreplay.protocol_lines_pair(rt, lt, link))
        pair_replay.run(lambda: next(lines, ""), buf.write)
        cp = pairreplay.parse_pair_output(buf.getvalue())
        mp = pairreplay.replay_pair_micropython(rt, lt, link)
        assert mp == cp and cp["n"] == len(rt.t_ms)
        sim = pairsos.replay_pair(rt, lt, None, link=link)
        assert (sim["candidates"], sim["confirmed"], sim["gestures"], sim["refused_moving"]) == cp["counters"]
        raised += sim["gestures"]
    # the pair rule raised an SOS itself (not only the single rules: since the lifted-foot rule, docs/TAPS.md,
    # the single insole locks out most of these gestures first, so the fusion decides fewer of them)
    assert raised >= 1


def test_pair_replay_names_the_bad_line():
    lines = iter(["H,1,0\n", "L,1,0\n", "S,0,1,2\n"])
    with pytest.raises(ValueError, match="line 3"):
        pair_replay.run(lambda: next(lines, ""), lambda s: None)
