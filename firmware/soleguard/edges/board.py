"""Board definitions: loading and validation (the data lives in boards/*.py).

A board module defines ``BOARD``, a dict (see boards/t3s3.py for every key).
On a device the deploy tool copies the chosen file as ``board.py``;
``load()`` imports it. ``validate(b)`` raises ValueError naming the key for a
missing or malformed entry, so a bad board file fails at start-up with a
clear message rather than deep in a driver.
"""

_REQUIRED = ("name", "mcu", "arch", "i2c", "imu", "zones", "motor", "battery", "storage", "radios", "power")
_ARCHS = ("xtensawin", "xtensa", "armv6m", "armv7m", "armv7emsp", "armv7emdp", "armv8m", "rv32imc", "x64")


def _need(d, key, where):
    if key not in d:
        raise ValueError("board: %s: missing %r" % (where, key))
    return d[key]


def validate(b):
    """Check board dict ``b``; return it. Raises ValueError naming the problem."""
    for k in _REQUIRED:
        _need(b, k, "board")
    if b["arch"] not in _ARCHS:
        raise ValueError("board: arch %r not one of %s" % (b["arch"], ", ".join(_ARCHS)))
    imu = b["imu"]
    for k in ("model", "address", "int1", "odr_hz", "watermark", "axes"):
        _need(imu, k, "imu")
    if imu["model"] not in ("lsm6dso", "lsm6dsox"):
        raise ValueError("board: imu model %r not supported (lsm6dso, lsm6dsox)" % imu["model"])
    if not 50 <= imu["odr_hz"] <= 208:
        raise ValueError("board: imu odr_hz %r outside 50..208" % imu["odr_hz"])
    axes = imu["axes"]
    if len(axes) != 3 or sorted(a[0] for a in axes) != [0, 1, 2] or any(a[1] not in (1, -1) for a in axes):
        raise ValueError("board: imu axes must map x, y, z to a permutation of chip axes with signs +-1")
    zones = b["zones"]
    if len(zones) > 8:
        raise ValueError("board: %d zones, at most 8" % len(zones))
    for i, z in enumerate(zones):
        for k in ("name", "adc", "x_mm", "y_mm", "cal"):
            _need(z, k, "zone %d" % i)
        c = z["cal"]
        if len(c) != 3 or not 0 <= c[0] <= 65535 or c[1] < 0 or not 0 <= c[2] <= 16:
            # the range Zones() accepts: a board file that passes here also builds its zones
            raise ValueError("board: zone %d cal must be (offset 0..65535, mul >= 0, shift 0..16)" % i)
    for k in ("num", "den", "adc"):
        _need(b["battery"], k, "battery")
    st = b["storage"]
    if _need(st, "blocks", "storage") < 3:
        raise ValueError("board: storage needs >= 3 blocks")
    for k in ("battery_mah", "active_ma", "sleep_ua"):
        _need(b["power"], k, "power")
    if b.get("pair_sleep", "single") not in ("single", "awake", "modem"):  # edges/pairing.py SLEEPS
        raise ValueError("board: pair_sleep must be single, awake or modem, got %r" % (b["pair_sleep"],))
    return b


def load(name="board"):
    """Import module ``name`` (default: the deployed ``board.py``) and validate its BOARD."""
    mod = __import__(name)
    return validate(mod.BOARD)


def zone_positions(b):
    """(count, xs, ys) of the board's zones, for ``Core``."""
    z = b["zones"]
    return len(z), [q["x_mm"] for q in z], [q["y_mm"] for q in z]
