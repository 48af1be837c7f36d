# run_mp.py -- tiny test runner for the MicroPython unix port.
#
#   MICROPYPATH=/work/chipmodels/imu_ble:/work/shared/vendor/micropython-lib/lib:.frozen \
#       /work/chipmodels/.venv-ib/bin/micropython /work/chipmodels/imu_ble/run_mp.py [module ...] [-k substr]
#
# Runs every `def test_*()` in tests/test_*.py (or the named modules) and
# prints "N passed, N failed".  Works under CPython too.
import sys
import os  # noqa: E401

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
if _here == "":
    _here = "."
if not _here.startswith("/"):
    _cwd = os.getcwd()
    _here = _cwd if _here == "." else _cwd + "/" + _here
for p in (_here, _here.rsplit("/", 1)[0]):  # soleguard: the runner sits in the tests folder
    if p not in sys.path:
        sys.path.insert(0, p)
# soleguard: the run chdirs to a temporary folder (below), so relative path entries become absolute
_cwd0 = os.getcwd()
for _i in range(len(sys.path)):
    if sys.path[_i] and sys.path[_i][0] not in "/." or sys.path[_i].startswith("./"):
        sys.path[_i] = _cwd0 + "/" + sys.path[_i]
import vendor  # noqa: E402,F401  (puts the real micropython-lib on sys.path)

import mpcompat  # noqa: E402

mpcompat.install()

DEFAULT_MODULES = ["test_lsm6dso", "test_bluetooth_raw", "test_aioble"]


def _tmpdir():
    # aioble.security writes ble_secrets.json into the CWD on activation.
    import time

    base = "/tmp/imu_ble_mp_%d" % (time.ticks_us() if hasattr(time, "ticks_us") else int(time.time() * 1e6))
    try:
        os.mkdir(base)
    except OSError:
        pass
    os.chdir(base)
    return base


def _cleanup(d):
    try:
        for n in os.listdir(d):
            os.remove(d + "/" + n)
        os.chdir("/")
        os.rmdir(d)
    except OSError:
        pass


def _print_exc(e):
    if sys.implementation.name == "micropython":
        sys.print_exception(e)
    else:
        import traceback

        traceback.print_exception(type(e), e, e.__traceback__)


def main(argv):
    mods = []
    pattern = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-k":
            pattern = argv[i + 1]
            i += 2
            continue
        mods.append(a)
        i += 1
    if not mods:
        mods = DEFAULT_MODULES
    tmp = _tmpdir()
    passed = 0
    failed = 0
    failures = []
    for mn in mods:
        mod = __import__(mn)
        names = sorted([n for n in dir(mod) if n.startswith("test_")])
        for n in names:
            if pattern and pattern not in n:
                continue
            fn = getattr(mod, n)
            try:
                fn()
                passed += 1
                print("PASS", mn + "." + n)
            except Exception as e:
                failed += 1
                failures.append(mn + "." + n)
                print("FAIL", mn + "." + n)
                _print_exc(e)
    for f in failures:
        print("failed:", f)
    _cleanup(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return failed


if __name__ == "__main__":
    rc = main(sys.argv[1:])
    sys.exit(1 if rc else 0)
