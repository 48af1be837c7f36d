# Tiny test runner for the MicroPython unix port (pytest does not exist there).
#
#   MICROPYPATH=/work/chipmodels/sx1262/tests:/work/chipmodels/sx1262:\
#     /work/shared/vendor/micropython-lib/lib:.frozen \
#     /work/chipmodels/.venv/bin/micropython /work/chipmodels/sx1262/run_mp.py [module ...] [-k substr]
#
# Runs every top-level `test_*` function of the given test modules (default:
# all tests/test_*.py), prints one line per failure and "N passed, N failed".
import sys
import os

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
TESTS = HERE  # soleguard: the runner sits in the tests folder
ARGV = sys.argv[1:]  # a list of our own: MicroPython's sys module is not writable
if "--dir" in ARGV:  # soleguard: the same runner for another folder of tests (tests/models/fw_tests)
    _i = ARGV.index("--dir")
    TESTS = ARGV[_i + 1]
    ARGV = ARGV[:_i] + ARGV[_i + 2:]
for p in (TESTS, TESTS.rsplit("/", 1)[0] if "/" in TESTS else "."):
    if p not in sys.path:
        sys.path.insert(0, p)

args = ARGV
pattern = None
if "-k" in args:
    i = args.index("-k")
    pattern = args[i + 1]
    args = args[:i] + args[i + 2:]
mods = args or sorted(f[:-3] for f in os.listdir(TESTS) if f.startswith("test_") and f.endswith(".py"))

passed = 0
failed = 0
for name in mods:
    mod = __import__(name)
    names = sorted(n for n in dir(mod) if n.startswith("test_"))
    for n in names:
        if pattern and pattern not in n:
            continue
        fn = getattr(mod, n)
        try:
            fn()
            passed += 1
        except Exception as e:
            failed += 1
            print("FAIL %s.%s: %r" % (name, n, e))
            if hasattr(sys, "print_exception"):
                sys.print_exception(e)
        except BaseException as e:  # SimReset etc. leaking out is a failure too
            failed += 1
            print("FAIL %s.%s: %r" % (name, n, e))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
