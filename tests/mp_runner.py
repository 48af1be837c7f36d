"""Test runner for the MicroPython unix port (pytest's counterpart on device-like heaps).

Run in a device-like tree (``tools/mptest.py`` does this, through soleguard_sim.mpbuild)::

    MICROPYPATH=lib:lib/tests:.frozen micropython -X heapsize=96K -m mp_runner [module ...]

Collects the ``tests/test_*.py`` modules whose first line is exactly
``# runtimes: cpython micropython`` (or only the modules named), imports each,
calls every ``test_*`` function in it, prints each failure with
``sys.print_exception``, and ends with the line ``N passed, N failed``.
Exits 1 on any failure or when nothing was collected.

Heap: 96K. The tightest target is the RP2040 (264 KB SRAM), where
``gc.mem_free()`` is about 190 KB after boot; the radio library (aioble or
lora-sx126x), asyncio, the edges and their buffers take about half of it, so
about 96 KB is what the core has there. ESP32-S3 boards with PSRAM have
megabytes, so the RP2040 figure is the one that binds. A small heap also makes
the collector run often, which exposes hidden allocation. Test modules are
compiled from source here (a device runs frozen or .mpy code, which costs
less heap), and each is dropped from ``sys.modules`` after its run.
"""
import gc
import os
import sys

MARKER = "# runtimes: cpython micropython"
HEAP_LINE = "# heapsize:"


def _tests_dir():
    # this file's folder; run as ``micropython -m mp_runner`` so that names stay relative
    # (a script's folder goes on sys.path as its realpath, which depends on the checkout's path)
    try:
        a = __file__
    except NameError:  # exec'd on a board by tools/deploy.py --test, which sets sys.argv[0]
        a = sys.argv[0]
    i = a.rfind("/")
    return a[:i] if i >= 0 else "."


def discover(folder):
    """Names of the dual-runtime test modules in ``folder`` on the default heap, sorted.

    A module whose second line is ``# heapsize: N`` is left out: tools/mptest.py
    runs it in its own process with that heap (named on the command line).
    """
    names = []
    for fn in os.listdir(folder):
        if fn.startswith("test_") and fn.endswith(".py"):
            with open(folder + "/" + fn) as fh:
                first = fh.readline().rstrip("\r\n")
                second = fh.readline()
            if first == MARKER and not second.startswith(HEAP_LINE):
                names.append(fn[:-3])
    names.sort()
    return names


def run_module(name):
    """Import ``name`` and run its ``test_*`` functions; return (passed, failed)."""
    passed = 0
    failed = 0
    try:
        mod = __import__(name)
    except Exception as e:
        print("FAIL %s (import)" % name)
        sys.print_exception(e)
        return 0, 1
    tests = [k for k in dir(mod) if k.startswith("test_")]
    tests.sort()
    for k in tests:
        fn = getattr(mod, k)
        if not callable(fn):
            continue
        try:
            fn()
            passed += 1
        except Exception as e:
            failed += 1
            print("FAIL %s.%s" % (name, k))
            sys.print_exception(e)
        gc.collect()
    print("%-28s %d passed, %d failed" % (name, passed, failed))
    del sys.modules[name]
    gc.collect()
    return passed, failed


def main():
    names = sys.argv[1:] or discover(_tests_dir())
    passed = 0
    failed = 0
    for name in names:
        p, f = run_module(name)
        passed += p
        failed += f
    print("%d passed, %d failed" % (passed, failed))
    if failed or not passed:
        sys.exit(1)


main()
