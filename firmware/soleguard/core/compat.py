"""Shims so the core runs unchanged on CPython and MicroPython.

Provides ``const`` (a no-op on CPython), ``micropython`` (the real module on
MicroPython; on CPython a stand-in whose ``native`` and ``viper`` decorators
return the function unchanged) and ``IS_MICROPYTHON``. Nothing else: the core
never reads a clock, so no ticks shim is needed here.

Hot-path functions are written ``@micropython.native`` after
``from .compat import micropython``: MicroPython's compiler recognises the
decorator by that name and emits machine code (mpy-cross ``-march``), CPython
runs the same source as plain Python. ``native`` keeps Python integer
semantics (same results on both runtimes); ``viper`` does not (machine-word
ints wrap) and is used only on byte-level edge code whose values fit.
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    import micropython  # noqa: F401
    from micropython import const  # noqa: F401
else:  # CPython (even where a test has put a micropython stand-in of its own in sys.modules)

    def const(x):
        return x

    class micropython:  # noqa: N801 - stands in for the module of that name
        """CPython stand-in: the code emitters' decorators are no-ops."""

        @staticmethod
        def native(f):
            return f

        @staticmethod
        def viper(f):
            return f

        const = staticmethod(const)
