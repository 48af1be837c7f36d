"""The chip and port models' own tests (tests/models), over the real micropython-lib packages.

SX1262 + ESP32 ``machine``/``esp32`` (sx1262_tests) and LSM6DSO + I2C/GPIO +
``bluetooth`` (imu_ble_tests) on CPython (pytest, child process) and on the
MicroPython unix port (their runners print ``N passed, N failed``). Every test
of theirs must pass on both runtimes, and the two runs must count the same tests.
"""
import pytest

from models_support import run_mp, run_pytest, summary

SUITES = {"sx1262_tests": 44, "imu_ble_tests": 62}


@pytest.mark.parametrize("folder", sorted(SUITES))
def test_models_suite_passes_on_cpython(folder):
    p = run_pytest(folder)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert summary(p) == (SUITES[folder], 0), p.stdout[-2000:]


@pytest.mark.parametrize("folder", sorted(SUITES))
def test_models_suite_passes_on_micropython(folder):
    p = run_mp(folder + "/run_mp.py", paths=("lib/" + folder,))
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert summary(p) == (SUITES[folder], 0), p.stdout[-2000:]
