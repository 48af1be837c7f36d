"""Shims so the core runs unchanged on CPython and MicroPython.

Provides ``const`` (a no-op on CPython) and ``IS_MICROPYTHON``. Nothing
else: the core never reads a clock, so no ticks shim is needed here.

No firmware function is ``@micropython.native``: a file with a code-emitter
decorator compiles only with an ``-march`` (plain ``mpy-cross`` raises
"invalid arch"), and the WebAssembly port has no native emitter at all, so
the firmware stays bytecode that every runtime and every mpy-cross loads.
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    from micropython import const  # noqa: F401
else:  # CPython (even where a test has put a micropython stand-in of its own in sys.modules)

    def const(x):
        return x
