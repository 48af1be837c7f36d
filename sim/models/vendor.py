"""Where the real micropython-lib packages are: put them on ``sys.path`` (CPython and MicroPython).

``SOLEGUARD_MPLIB`` (tests/test_models.py sets it) or ``../shared/vendor/micropython-lib/lib``
beside the checkout. Under MicroPython the device tree (soleguard_sim.mpbuild) already holds
them in ``lib/``; then nothing is added. Raises ImportError naming the folder when the
packages are found nowhere: tests over the real libraries never fall back to a stand-in.
"""
import sys

try:
    import os

    _env = os.getenv("SOLEGUARD_MPLIB")
except (ImportError, AttributeError):
    _env = None


def _default():
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    # sim/models -> the checkout -> its parent
    return here + "/../../../shared/vendor/micropython-lib/lib"


def _exists(p):
    try:
        import os

        os.stat(p + "/lora/sx126x.py")
        return True
    except (OSError, ImportError):
        return False


LIB = _env or _default()
if _exists(LIB):
    if LIB not in sys.path:
        sys.path.append(LIB)
else:
    found = False
    for p in sys.path:
        if p and _exists(p):
            LIB = p
            found = True
            break
    if not found:
        raise ImportError("micropython-lib packages not found at %s (set SOLEGUARD_MPLIB)" % LIB)
