"""Register-level fakes: an I2C bus and an LSM6DSO/DSOX whose FIFO is fed from a recording.

``FakeLSM6DSO`` answers WHO_AM_I (0x6C), keeps a 128-byte register file
(writes land there; CTRL3_C's SW_RESET bit clears itself), and models the
FIFO: ``push(ax, ay, az, gx, gy, gz)`` (insole units: mg, 0.1 dps, at
+-16 g / +-2000 dps) appends a gyroscope then an accelerometer tagged word
while FIFO_CTRL4 selects continuous mode; FIFO_STATUS1/2 report the word
count and the watermark/overrun flags; a read from FIFO_DATA_OUT_TAG pops
len(buf) // 7 words. ``fail = True`` makes every access raise OSError (EIO),
like a chip that stopped answering. Nothing here allocates per sample.
"""

_FIFO_WORDS = 512  # the LSM6DSO FIFO holds 3 kbytes = 438 words; a bit more is harmless here


def _raw(value, num, den):
    """Nearest raw count for ``value`` at ``num/den`` units per LSB (integer, symmetric)."""
    if value < 0:
        return -_raw(-value, num, den)
    return (2 * value * den + num) // (2 * num)


class FakeLSM6DSO:
    def __init__(self):
        self.regs = bytearray(128)
        self.regs[0x0F] = 0x6C
        self.ring = bytearray(7 * _FIFO_WORDS)
        self.head = 0
        self.count = 0
        self.overrun = False
        self.fail = False
        self.pushed = 0
        self._cnt = 0

    def _word(self, tag, x, y, z):
        if self.count >= _FIFO_WORDS:  # continuous mode: the oldest word is overwritten
            self.head = (self.head + 1) % _FIFO_WORDS
            self.count -= 1
            self.overrun = True
        p = 7 * ((self.head + self.count) % _FIFO_WORDS)
        r = self.ring
        r[p] = (tag << 3) | (self._cnt << 1)
        self._cnt = (self._cnt + 1) & 3
        r[p + 1] = x & 0xFF
        r[p + 2] = (x >> 8) & 0xFF
        r[p + 3] = y & 0xFF
        r[p + 4] = (y >> 8) & 0xFF
        r[p + 5] = z & 0xFF
        r[p + 6] = (z >> 8) & 0xFF
        self.count += 1

    def push(self, ax, ay, az, gx, gy, gz):
        """One sample at the output data rate (only while the FIFO is in continuous mode)."""
        self.pushed += 1
        if self.regs[0x0A] & 7 != 6:
            return
        self._word(0x01, _raw(gx, 7, 10), _raw(gy, 7, 10), _raw(gz, 7, 10))
        self._word(0x02, _raw(ax, 488, 1000), _raw(ay, 488, 1000), _raw(az, 488, 1000))

    def read_into(self, reg, buf):
        if self.fail:
            raise OSError(5)
        if reg == 0x78:
            r = self.ring
            for k in range(len(buf) // 7):
                if self.count == 0:
                    for i in range(7):
                        buf[7 * k + i] = 0  # empty FIFO reads tag 0 (skipped by the decoder)
                    continue
                p = 7 * self.head
                for i in range(7):
                    buf[7 * k + i] = r[p + i]
                self.head = (self.head + 1) % _FIFO_WORDS
                self.count -= 1
            return
        if reg == 0x3A:
            n = self.count
            wtm = self.regs[0x07] | ((self.regs[0x08] & 1) << 8)
            buf[0] = n & 0xFF
            if len(buf) > 1:
                buf[1] = ((n >> 8) & 3) | (0x80 if n >= wtm > 0 else 0) | (0x40 if self.overrun else 0)
            self.overrun = False
            return
        for i in range(len(buf)):
            buf[i] = self.regs[reg + i]

    def write(self, reg, buf):
        if self.fail:
            raise OSError(5)
        for i in range(len(buf)):
            self.regs[reg + i] = buf[i]
        if reg == 0x12:
            self.regs[0x12] &= 0xFE  # SW_RESET completes at once
        if reg == 0x0A and buf[0] & 7 == 0:
            self.count = 0  # bypass mode empties the FIFO


class FakeI2C:
    """machine.I2C's memory API over a dict of address -> device; unknown address: OSError(ENODEV)."""

    def __init__(self, devices=None):
        self.devices = devices or {}

    def _dev(self, addr):
        d = self.devices.get(addr)
        if d is None:
            raise OSError(19)
        return d

    def readfrom_mem_into(self, addr, reg, buf):
        self._dev(addr).read_into(reg, buf)

    def readfrom_mem(self, addr, reg, n):
        b = bytearray(n)
        self._dev(addr).read_into(reg, b)
        return bytes(b)

    def writeto_mem(self, addr, reg, buf):
        self._dev(addr).write(reg, buf)

    def scan(self):
        return sorted(self.devices)
