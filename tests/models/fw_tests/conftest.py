# pytest (CPython) path setup; sx1262_tests/run_mp.py --dir lib/fw_tests does the same under MicroPython.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SUITES = os.path.dirname(HERE)
ROOT = os.path.join(os.path.dirname(os.path.dirname(SUITES)), "sim", "models")  # the models (sim/models)
for p in (HERE, ROOT, os.path.join(SUITES, "sx1262_tests")):
    if p not in sys.path:
        sys.path.insert(0, p)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _tmp_cwd(tmp_path, monkeypatch):
    # aioble.security writes ble_secrets.json into the CWD on activation
    monkeypatch.chdir(tmp_path)
    yield
