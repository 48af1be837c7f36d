"""Shims so the core runs unchanged on CPython and MicroPython.

Provides ``const`` (a no-op on CPython) and ``IS_MICROPYTHON``. Nothing else:
the core never reads a clock, so no ticks shim is needed here.
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    from micropython import const  # noqa: F401
except ImportError:  # CPython

    def const(x):
        return x
