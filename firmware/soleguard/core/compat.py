"""Shims so the core runs unchanged on CPython and MicroPython.

Provides ``const`` (a no-op on CPython), ``micropython`` (for the
``@micropython.native`` decorator) and ``IS_MICROPYTHON``. Nothing else: the
core never reads a clock, so no ticks shim is needed here.

``@micropython.native`` marks the three per-sample functions (the features'
filter generator, the posture tracker, ``Core.step_batch``). MicroPython's
compiler takes the decorator by its spelling (compile.c,
``compile_built_in_decorator``) and emits machine code with the same object
semantics as bytecode: the same runtime calls for every operation, so the
same small-int overflow, the same results. On CPython ``micropython.native``
here returns the function unchanged. A file with the decorator compiles only
with an ``-march`` (plain ``mpy-cross`` raises "SyntaxError: invalid arch"):
tools/deploy.py compiles for the board's arch (boards/<name>.py, ``xtensawin``
for the ESP32-S3 boards, whose port has MICROPY_EMIT_XTENSAWIN and puts native
code in MALLOC_CAP_EXEC memory, ports/esp32/main.c) and sim/mpbuild.py for the
unix port's own arch (its ``sys.implementation._mpy``). The WebAssembly port
has no native emitter; tools/wasm/run_tests.mjs removes the decorator lines
(line numbers kept) so the 32-bit port checks the same code as bytecode.
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    import micropython  # noqa: F401
    from micropython import const  # noqa: F401
else:  # CPython (even where a test has put a micropython stand-in of its own in sys.modules)

    def const(x):
        return x

    class micropython:  # noqa: N801 (spelled as the module whose decorator it stands in for)
        """``@micropython.native`` on CPython: the function itself."""

        @staticmethod
        def native(f):
            return f
