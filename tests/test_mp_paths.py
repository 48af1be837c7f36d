"""MicroPython runs do not depend on where the checkout lives or on the caller's working directory.

The unix port keeps module names and file paths on its heap; the app harness
at its test heap once failed from a checkout path of 23+ characters. Every run
now goes through a device-like tree with relative paths (sim/mpbuild.py), so
the app's heap figures must be identical from a 100+ character path.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from soleguard_sim.app import vendor_lib
from soleguard_sim.mpbuild import micropython_path

ROOT = Path(__file__).resolve().parent.parent

HARNESS = """
import json, sys
import soleguard, soleguard_sim
from soleguard_sim.app import HEAP, run_app
from soleguard_sim.scenario import generate, load_script
res = run_app(generate(load_script("fall_forward"), seed=1))
print(json.dumps({"heap": HEAP, "figures": res.figures, "events": [[e.t_ms, e.type, e.cause, e.detail] for e in res.events],
                  "samples": res.samples, "files": [soleguard.__file__, soleguard_sim.__file__]}))
"""


def _have_micropython():
    try:
        micropython_path()
    except RuntimeError as e:
        pytest.skip(str(e))


def _run_harness(root: Path, cwd: Path):
    env = dict(os.environ)
    pkgs = root / ".pkgs"
    env["PYTHONPATH"] = os.pathsep.join([str(pkgs), str(root / "firmware")])
    env["SOLEGUARD_MPLIB"] = str(vendor_lib())  # the real micropython-lib, found beside this checkout
    p = subprocess.run([sys.executable, "-c", HARNESS], cwd=str(cwd), env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert all(f.startswith(str(root)) for f in out["files"]), out["files"]  # the copy ran, not this checkout
    return out


def _layout(root: Path):
    """The parts of a checkout the harness reads, with import names as the package installs them
    (no tests/: the host tool's harness and models are in its package, sim/harness and sim/models)."""
    for part in ("firmware", "sim", "console", "boards"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".pkgs").mkdir()
    (root / ".pkgs" / "soleguard_sim").symlink_to(root / "sim", target_is_directory=True)
    (root / ".pkgs" / "soleguard_console").symlink_to(root / "console", target_is_directory=True)


def test_app_harness_heap_is_the_same_from_a_long_checkout_path(tmp_path):
    _have_micropython()
    short = tmp_path / "a"
    long_ = tmp_path / ("very-long-checkout-path-" * 5) / "projects" / "safety" / "soleguard"
    assert len(str(long_)) >= 100
    for root in (short, long_):
        root.mkdir(parents=True)
        _layout(root)
    a = _run_harness(short, short)
    b = _run_harness(long_, long_)
    assert a["heap"] == b["heap"]
    assert a["events"] == b["events"] and a["events"]
    for k in ("peak_live_heap", "heap_free", "pending", "events"):
        assert a["figures"][k] == b["figures"][k], (k, a["figures"], b["figures"])


def test_micropython_replay_ignores_a_soleguard_folder_in_the_working_directory(tmp_path, monkeypatch):
    _have_micropython()
    from soleguard_sim.replay import replay, replay_micropython
    from soleguard_sim.scenario import generate, load_script

    decoy = tmp_path / "soleguard"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('the decoy was imported')\n")
    monkeypatch.chdir(tmp_path)
    tr = generate(load_script("fall_forward"), seed=1)
    assert replay_micropython(tr).events == replay(tr).events
