# pytest configuration (CPython only)
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# the models themselves live in sim/models (the sim board runs on them too)
ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "sim", "models")
for p in (HERE, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)
import vendor  # noqa: E402,F401  (puts the real micropython-lib on sys.path)

import mpcompat  # noqa: E402

mpcompat.install()

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _tmp_cwd(tmp_path, monkeypatch):
    # aioble.security writes ble_secrets.json into the CWD on activation
    monkeypatch.chdir(tmp_path)
    yield
