"""The firmware's adapters over the real micropython-lib packages and the chip/port models.

tests/models/fw_tests (the edges, the boards, boot faults, the app wired to its radios) on CPython (pytest in a child process: the models patch
``time``/``asyncio``/``micropython`` process-wide) and on the MicroPython unix
port (device tree: firmware + models + boards + the real packages).
"""
from models_support import run_mp, run_pytest, summary


def test_fw_over_models_on_cpython():
    p = run_pytest("fw_tests")
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-2000:]


def test_fw_over_models_on_micropython():
    p = run_mp("sx1262_tests/run_mp.py", ("--dir", "lib/fw_tests"), heap="16M", paths=("lib/fw_tests", "lib/sx1262_tests"))  # the models keep logs
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-2000:]
    assert summary(p)[0] >= 24 and summary(p)[1] == 0, p.stdout[-2000:]
