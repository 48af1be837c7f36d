"""The core's dual-runtime tests on a 32-bit MicroPython: the WebAssembly port under Node.

The unix port's small ints are 63-bit, an MCU's 31-bit: an intermediate above
2**30 is a heap-allocated big int on the insole but not on the unix port. The
npm package @micropython/micropython-webassembly-pyscript (MicroPython 1.27,
``sys.maxsize`` = 2**31 - 1; tools/wasm, installed by tools/setup.sh with npm)
runs the core's modules there, the zero-allocation tests (heap_lock) included,
and the replay driver (soleguard_unix.replay) over real recordings, which must
give the same events as CPython. Fails in CI, skips elsewhere, when Node or the
package is missing.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

WASM = Path(__file__).resolve().parent.parent / "tools" / "wasm"


def _node():
    node = shutil.which("node")
    if node is None or not (WASM / "node_modules" / "@micropython").is_dir():
        msg = "node or tools/wasm/node_modules missing (cd tools/wasm && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return node


def test_core_tests_pass_on_the_32_bit_port():
    node = _node()
    p = subprocess.run([node, "run_tests.mjs"], cwd=str(WASM), capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "maxsize 2147483647" in p.stdout
    m = re.findall(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    assert m and int(m[-1][0]) >= 100 and m[-1][1] == "0", p.stdout[-2000:]
    assert "0 bytes allocated in steady state" in p.stdout


# short real recordings with events (a fall on the ankle, a waist fall, lying down) and one
# pressure-only walk: tests/test_replay_parity.py runs these on the unix port
REPLAY_CASES = [
    ("umafall", "umafall_ankle/UMAFall_Subject_02_Fall_forwardFall_1_2016-06-13_20-43-52_ankle.csv"),
    ("umafall", "umafall_ankle/UMAFall_Subject_04_ADL_LyingDown_OnABed_1_2016-06-13_13-10-22_ankle.csv"),
    ("sisfall", "sisfall_waist/F01_SA01_R01.txt"),
    ("ipol", "ipol_foot/5-1_rf.txt"),
]


def test_replay_parity_on_the_32_bit_port(datasets, tmp_path):
    from soleguard_sim.importers import module
    from soleguard_sim.replay import Event, protocol_lines, replay

    node = _node()
    traces = [tr for kind, rel in REPLAY_CASES for tr in module(kind).import_file(datasets / rel)]
    files = []
    for k, tr in enumerate(traces):
        f = tmp_path / ("feed%d.txt" % k)
        f.write_text("".join(protocol_lines(tr)))
        files.append(str(f))
    p = subprocess.run([node, "run_tests.mjs", "--replay"] + files, cwd=str(WASM), capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "maxsize 2147483647" in p.stdout
    got = {}
    done = {}
    k = None
    for line in p.stdout.splitlines():
        parts = line.split(",")
        if parts[0] == "T":
            k = int(parts[1])
            got[k] = []
        elif parts[0] == "E":
            got[k].append(Event(*(int(x) for x in parts[1:5])))
        elif parts[0] == "D":
            done[k] = int(parts[1])
    assert sorted(got) == list(range(len(traces)))
    with_events = 0
    for k, tr in enumerate(traces):
        want = replay(tr).events
        assert done.get(k) == len(tr.t_ms), (tr.name, done.get(k))
        assert got[k] == want, (tr.name, got[k], want)
        with_events += bool(want)
    assert with_events >= 3  # not vacuous: falls and lying down raise events
