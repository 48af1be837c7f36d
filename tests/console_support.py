"""Shared helpers of the console tests: a private Mosquitto broker, waits."""
import os
import time

import pytest

from soleguard_console.broker import Mosquitto, find_binary


def need(binary_ok, what):
    """Fail in CI (tools/setup.sh installs it), skip elsewhere, when missing."""
    if binary_ok:
        return
    msg = "%s not installed (Debian package; tools/setup.sh installs it as root)" % what
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def start_broker():
    need(find_binary(), "mosquitto")
    return Mosquitto().start()


def wait(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()
