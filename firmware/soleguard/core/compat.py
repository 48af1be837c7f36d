"""Shims so the core runs unchanged on CPython and MicroPython.

Provides ``const`` (a no-op on CPython) and ``IS_MICROPYTHON``. Nothing
else: the core never reads a clock, so no ticks shim is needed here.

The three per-sample functions (the features' filter generator, the posture
tracker, ``Core.step_batch``) carry the comment line
``# @micropython.native: ...`` where a decorator would go. Every firmware
file compiles with plain ``mpy-cross`` (bytecode, any board) and runs from
source on every runtime as it stands. The build for a target with a native
emitter turns that line into the decorator (``sim/mpbuild.py native_source``,
line numbers kept): tools/deploy.py for the board's arch (``xtensawin`` on
the ESP32-S3 boards, whose port has MICROPY_EMIT_XTENSAWIN and puts native
code in MALLOC_CAP_EXEC memory, ports/esp32/main.c), sim/mpbuild.py for the
unix port's own arch (its ``sys.implementation._mpy``). MicroPython's
compiler takes the decorator by its spelling (compile.c,
``compile_built_in_decorator``) and emits machine code with the same object
semantics as bytecode: the same runtime calls for every operation, so the
same small-int overflow, the same results (events identical on all 1037
recordings).
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    from micropython import const  # noqa: F401
else:  # CPython (even where a test has put a micropython stand-in of its own in sys.modules)

    def const(x):
        return x
