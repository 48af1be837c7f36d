"""LSM6DSO / LSM6DSOX on-chip FIFO, read in batches on the watermark interrupt.

micropython-lib's ``lsm6dsox`` driver (package ``lsm6dsox``, pinned in
package.json) resets the chip and sets output data rate and full scale, but
has no FIFO API. This wraps an ``LSM6DSOX`` instance thinly: it uses its
``bus`` and ``address`` (I2C only) to program the FIFO, route the watermark to
INT1, read whole batches into a preallocated buffer and decode them into
insole-axis frames without allocating.

    imu = LSM6DSOX(i2c, accel_scale=16, gyro_scale=2000)   # 104 Hz default
    fifo = FifoIMU(imu, watermark=16, axes=board_axes)
    n = fifo.read()            # frames decoded into fifo.frames (Core.step_batch layout)

Registers and values: LSM6DSO datasheet DS12140 (the DSOX, DS13025, has the
same map for these): FIFO_CTRL1..4 0x07..0x0A (WTM in *words*, BDR_XL/BDR_GY
code 4 = 104 Hz, FIFO_MODE 6 = continuous), INT1_CTRL 0x0D bit 3
INT1_FIFO_TH, FIFO_STATUS1/2 0x3A/0x3B (DIFF_FIFO 10 bits, bit 6 of STATUS2
FIFO_OVR_IA), FIFO_DATA_OUT_TAG 0x78 + 6 data bytes per word; TAG_SENSOR
(bits 7:3) 0x01 gyroscope, 0x02 accelerometer. A burst read of 7*n bytes from
0x78 returns n words: the address rolls back to 0x78 after 0x7E (ST AN5192,
FIFO section). Wake-up: WAKE_UP_THS 0x5B (1 LSB = FS/64 = 250 mg at +-16 g),
WAKE_UP_DUR 0x5C, TAP_CFG2 0x58 bit 7 INTERRUPTS_ENABLE, MD1_CFG 0x5E bit 5
INT1_WU.

Units: accelerometer at +-16 g is 0.488 mg/LSB, gyroscope at +-2000 dps
70 mdps/LSB (datasheet table 3); decoded with integer rounding to mg and
0.1 dps. Both steps are below one output unit, so a value survives
encode->decode exactly (the fake chip relies on it).

``axes``: how the chip is mounted, as (index, sign) for insole x, y, z, e.g.
((1, -1), (0, 1), (2, 1)) = insole x is -chip y, insole y is chip x. The same
mapping is applied to the gyroscope.
"""
from array import array

from ...core.compat import const
from ...core.frame import FRAME_LEN

WHO_AM_I_VALUE = const(0x6C)  # LSM6DSO and LSM6DSOX
_WHO_AM_I = const(0x0F)
_FIFO_CTRL1 = const(0x07)
_FIFO_CTRL2 = const(0x08)
_FIFO_CTRL3 = const(0x09)
_FIFO_CTRL4 = const(0x0A)
_INT1_CTRL = const(0x0D)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_FIFO_STATUS1 = const(0x3A)
_TAP_CFG2 = const(0x58)
_WAKE_UP_THS = const(0x5B)
_WAKE_UP_DUR = const(0x5C)
_MD1_CFG = const(0x5E)
_FIFO_DATA_OUT_TAG = const(0x78)
_TAG_GYRO = const(0x01)
_TAG_ACCEL = const(0x02)
_BDR_104HZ = const(0x4)
_FIFO_CONTINUOUS = const(0x6)
_XL_FS_16G = const(0x1)  # CTRL1_XL FS_XL bits 3:2 = 01
_G_FS_2000 = const(0x3)  # CTRL2_G FS_G bits 3:2 = 11
_ODR_12HZ5 = const(0x1)
IDENTITY = ((0, 1), (1, 1), (2, 1))
MAX_WATERMARK = const(255)  # frames: FIFO_CTRL1/2 WTM[8:0] counts words (<= 511), accel + gyro a frame


def _int16_views(buf):
    """Two views of ``buf`` as little-endian int16 (no copy, no allocation to read): from byte 0
    and from byte 1. MicroPython: uctypes arrays (unaligned little-endian reads); CPython:
    memoryview casts (a little-endian host, as the x86 and ARM hosts that run the tests)."""
    try:
        import uctypes
    except ImportError:
        mv = memoryview(buf)
        return mv[0:len(buf) & ~1].cast("h"), mv[1:1 + ((len(buf) - 1) & ~1)].cast("h")
    a = uctypes.addressof(buf)
    return (uctypes.struct(a, {"v": (uctypes.ARRAY | 0, uctypes.INT16 | (len(buf) // 2))}, uctypes.LITTLE_ENDIAN).v,
            uctypes.struct(a + 1, {"v": (uctypes.ARRAY | 0, uctypes.INT16 | ((len(buf) - 1) // 2))},
                           uctypes.LITTLE_ENDIAN).v)


class FifoIMU:
    """FIFO batches of an LSM6DSO/DSOX already set to +-16 g, +-2000 dps, 104 Hz.

    imu: an object with ``bus`` (I2C) and ``address`` (micropython-lib
    LSM6DSOX). watermark: frames per batch (1..MAX_WATERMARK: the WTM field is
    9 bits of words, two words a frame; the FIFO holds 512 words). Raises OSError when the
    chip does not answer as an LSM6DSO/DSOX, ValueError for a wrong full scale.
    ``frames``: array('h') of FRAME_LEN * watermark, the batch laid out for Core.step_batch:
    frame k's ax, ay, az (mg), gx, gy, gz (0.1 dps) at ``k * FRAME_LEN`` (core/frame.py); the
    zone loads after them are the app's to fill (App.on_batch steps the core on this array).
    """

    def __init__(self, imu, watermark=16, axes=IDENTITY):
        if not 1 <= watermark <= MAX_WATERMARK:
            raise ValueError("fifo: watermark must be 1..%d frames" % MAX_WATERMARK)
        self._bus = imu.bus
        self._addr = imu.address
        self.watermark = watermark
        self._one = bytearray(1)
        self._st = bytearray(2)
        self._buf = bytearray(7 * 2 * watermark)  # two words (gyro + accel) a frame
        self._v0, self._v1 = _int16_views(self._buf)
        self.frames = array("h", bytes(2 * FRAME_LEN * watermark))
        self._carry = array("h", bytes(12))  # a half pair's channels (insole axes) for the next batch
        self._have = 0  # bit 1 accel, bit 2 gyro
        # chip axis c goes to insole axis _dst[c] with sign _sg[c]
        if sorted(a[0] for a in axes) != [0, 1, 2] or any(a[1] not in (1, -1) for a in axes):
            raise ValueError("fifo: axes must map insole x, y, z to chip axes 0, 1, 2 once each, sign 1 or -1")
        self._dst = array("b", [0, 0, 0])
        self._sg = array("b", [0, 0, 0])
        for d in range(3):
            self._dst[axes[d][0]] = d
            self._sg[axes[d][0]] = axes[d][1]
        self.overruns = 0
        if self._get(_WHO_AM_I) != WHO_AM_I_VALUE:
            raise OSError("fifo: no LSM6DSO/DSOX at 0x%x" % self._addr)
        if (self._get(_CTRL1_XL) >> 2) & 3 != _XL_FS_16G or (self._get(_CTRL2_G) >> 2) & 3 != _G_FS_2000:
            raise ValueError("fifo: set accel_scale=16 and gyro_scale=2000 on the LSM6DSOX driver")
        self._odr_xl = self._get(_CTRL1_XL)
        self._odr_g = self._get(_CTRL2_G)
        self.start()

    def _get(self, reg):
        self._bus.readfrom_mem_into(self._addr, reg, self._one)
        return self._one[0]

    def _set(self, reg, value):
        self._one[0] = value
        self._bus.writeto_mem(self._addr, reg, self._one)

    def start(self):
        """(Re)start continuous FIFO at 104 Hz with the watermark on INT1."""
        self._set(_CTRL1_XL, self._odr_xl)
        self._set(_CTRL2_G, self._odr_g)
        self._set(_FIFO_CTRL4, 0)  # bypass: empties the FIFO
        words = 2 * self.watermark
        self._set(_FIFO_CTRL1, words & 0xFF)
        self._set(_FIFO_CTRL2, words >> 8)
        self._set(_FIFO_CTRL3, (_BDR_104HZ << 4) | _BDR_104HZ)
        self._set(_INT1_CTRL, 0x08)
        self._set(_MD1_CFG, 0)
        self._set(_FIFO_CTRL4, _FIFO_CONTINUOUS)
        self._have = 0

    def sleep(self, wake_mg=250):
        """Low-power: FIFO off, gyro off, accel at 12.5 Hz, INT1 on wake-up (motion > wake_mg)."""
        ths = (wake_mg + 125) // 250
        self._set(_FIFO_CTRL4, 0)
        self._set(_INT1_CTRL, 0)
        self._set(_CTRL2_G, 0)
        self._set(_CTRL1_XL, (_ODR_12HZ5 << 4) | (self._odr_xl & 0x0F))
        self._set(_WAKE_UP_DUR, 0)
        self._set(_WAKE_UP_THS, ths if ths < 63 else 63)
        self._set(_TAP_CFG2, 0x80)
        self._set(_MD1_CFG, 0x20)

    def pending(self):
        """Words waiting in the FIFO (0..1023); counts an overrun if flagged."""
        self._bus.readfrom_mem_into(self._addr, _FIFO_STATUS1, self._st)
        st = self._st
        if st[1] & 0x40:
            self.overruns += 1
        return ((st[1] & 3) << 8) | st[0]

    def read(self):
        """Read one watermark batch if available; return the frames decoded (0..watermark)."""
        if self.pending() < 2 * self.watermark:
            return 0
        self._bus.readfrom_mem_into(self._addr, _FIFO_DATA_OUT_TAG, self._buf)
        return self.decode(self._buf, 2 * self.watermark)

    def decode(self, buf, words):
        """Decode ``words`` tagged words from ``buf`` into ``frames``; return frames completed.

        Frame k's six channels go to ``frames[k * FRAME_LEN ...]`` (the zone loads after them
        are the app's). A frame is complete when one accelerometer and one gyroscope word have
        arrived; a half pair carries over to the next batch. Unknown tags (timestamps,
        temperature) are skipped. Each value is written once, at its insole axis (``axes``).
        """
        out = self.frames
        have = self._have
        d0 = self._dst[0]
        d1 = self._dst[1]
        d2 = self._dst[2]
        s0 = self._sg[0]
        s1 = self._sg[1]
        s2 = self._sg[2]
        if buf is self._buf:  # the read buffer: its int16 views (below) are made once
            v0 = self._v0
            v1 = self._v1
        else:
            v0, v1 = _int16_views(buf)
        fl = FRAME_LEN
        b = 0
        if have:  # the half pair of the last batch opens frame 0
            c = self._carry
            for i in range(6):
                out[i] = c[i]
        n = 0
        p = 0
        end = 7 * words
        # a word: tag byte, then x, y, z as little-endian int16: word j's x is at byte 7j + 1, an
        # odd byte for even j (view v1, from byte 1) and an even one for odd j (v0); either way
        # int16 number (7j + 1) >> 1 of its view (unrolled: no per-axis loop)
        while p < end:
            tag = buf[p] >> 3
            v = v0 if p & 1 else v1
            q = (p + 1) >> 1
            p += 7
            if tag == _TAG_ACCEL:
                out[b + d0] = s0 * ((v[q] * 488 + 500) // 1000)  # 0.488 mg/LSB -> mg
                out[b + d1] = s1 * ((v[q + 1] * 488 + 500) // 1000)
                out[b + d2] = s2 * ((v[q + 2] * 488 + 500) // 1000)
                have |= 1
            elif tag == _TAG_GYRO:
                out[b + 3 + d0] = s0 * ((v[q] * 7 + 5) // 10)  # 70 mdps/LSB -> 0.1 dps
                out[b + 3 + d1] = s1 * ((v[q + 1] * 7 + 5) // 10)
                out[b + 3 + d2] = s2 * ((v[q + 2] * 7 + 5) // 10)
                have |= 2
            else:
                continue
            if have == 3:
                n += 1
                b += fl
                have = 0
        if have:  # keep the half pair (its words are in frame n's slots) for the next batch
            c = self._carry
            for i in range(6):
                c[i] = out[b + i]
        self._have = have
        return n
