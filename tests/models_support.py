"""Running code over the chip/port models (sim/models; their suites in tests/models) and the real micropython-lib packages.

The models patch process-wide state on CPython (``time.sleep_ms`` moves a
simulated clock, ``micropython`` and ``asyncio.ThreadSafeFlag`` shims), so
every run happens in a child process: pytest for CPython, the MicroPython
unix port in a device tree (soleguard_sim.mpbuild) whose ``lib/`` holds the
firmware, the models laid flat (their ``machine``, ``esp32``, ``bluetooth``,
``time`` shadow the port's), the boards and the real packages.

``VENDOR``: ../shared/vendor/micropython-lib/lib (or SOLEGUARD_MPLIB).
``need_vendor()`` fails in CI and skips elsewhere when it is missing.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "models"  # the models' own suites and the firmware-over-models tests
CHIP_MODELS = ROOT / "sim" / "models"  # the models (the sim board runs on them too: sim/app.py)
VENDOR = Path(os.environ.get("SOLEGUARD_MPLIB", ROOT.parent / "shared" / "vendor" / "micropython-lib" / "lib")).resolve()


def need_vendor():
    if not (VENDOR / "lora" / "sx126x.py").is_file():
        msg = "real micropython-lib packages not found at %s (set SOLEGUARD_MPLIB)" % VENDOR
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return VENDOR


def env():
    e = dict(os.environ)
    e["SOLEGUARD_MPLIB"] = str(VENDOR)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT / "firmware"), str(ROOT), str(ROOT / "tests")])  # synth.py
    return e


def run_pytest(folder, *args, timeout=600):
    """pytest over ``folder`` (under tests/models) in a child CPython; returns CompletedProcess."""
    need_vendor()
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           str(MODELS / folder)] + list(args), cwd=str(MODELS), env=env(),
                          capture_output=True, text=True, timeout=timeout)


def mp_extras():
    # the packages one by one: a folder laid flat into lib/ loses its __init__.py (mpbuild)
    pkgs = [(p, p.name, False) for p in sorted(VENDOR.iterdir()) if p.is_dir() or p.suffix == ".py"]
    suites = [(p, p.name, False) for p in sorted(MODELS.iterdir()) if p.is_dir() and p.name != "__pycache__"]
    # fw_tests/test_fw_app_link: the IMU under the real lsm6dsox (imu_model) and the block-level flash fake
    support = [(ROOT / "tests" / n, n, False) for n in ("synth.py", "imu_model.py")] + [
        (ROOT / "tests" / "fakes" / n, "fakes/" + n, False) for n in ("__init__.py", "flash.py")]
    return [(CHIP_MODELS, "", False)] + suites + [(ROOT / "boards", "boards", False)] + support + pkgs


def run_mp(script, args=(), heap="1M", timeout=600, paths=()):
    """``micropython lib/<script> args`` in a device tree with the models and the real packages."""
    need_vendor()
    from soleguard_sim.mpbuild import run_micropython

    return run_micropython(["lib/" + script] + list(args), heap, extras=mp_extras(),
                           paths=tuple(paths) + ("lib",), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)


def summary(p):
    """(passed, failed) from a runner's last 'N passed, N failed' line or pytest's summary."""
    import re

    out = p.stdout + p.stderr
    m = re.findall(r"(\d+) passed(?:, (\d+) failed)?", out)
    f = re.findall(r"(\d+) failed", out)
    passed = int(m[-1][0]) if m else 0
    failed = int(f[-1]) if f else 0
    return passed, failed
