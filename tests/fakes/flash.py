"""A NOR flash block device with power-cut injection at any byte.

Follows MicroPython's extended block protocol (as ``esp32.Partition``):
``readblocks(n, buf, off)``, ``writeblocks(n, buf, off)`` (no erase; bits can
only be cleared: new = old & data), ``ioctl(4)`` block count, ``ioctl(5)``
block size, ``ioctl(6, n)`` erase to 0xFF.

``cut_after``: bytes (written or erased) that land before the power fails;
the byte that would exceed it raises PowerCut and nothing after it lands.
Erase proceeds from the block's first byte upward. ``cut_after=-1``: never.
``written`` counts the bytes that landed (the number of cut points to test).
"""


class PowerCut(Exception):
    pass


class FakeFlash:
    def __init__(self, blocks=4, block_size=128, cut_after=-1, data=None):
        self.blocks = blocks
        self.block_size = block_size
        self.mem = bytearray(data) if data is not None else bytearray(b"\xff" * (blocks * block_size))
        self.cut_after = cut_after
        self.written = 0
        self.erases = 0

    def _land(self):
        if self.cut_after >= 0 and self.written >= self.cut_after:
            raise PowerCut("power cut after %d bytes" % self.written)
        self.written += 1

    def readblocks(self, n, buf, off=0):
        base = n * self.block_size + off
        for i in range(len(buf)):
            buf[i] = self.mem[base + i]

    def writeblocks(self, n, buf, off=0):
        base = n * self.block_size + off
        if off + len(buf) > self.block_size:
            raise ValueError("write crosses a block")
        for i in range(len(buf)):
            self._land()
            self.mem[base + i] &= buf[i]

    def ioctl(self, op, arg):
        if op == 4:
            return self.blocks
        if op == 5:
            return self.block_size
        if op == 6:
            base = arg * self.block_size
            for i in range(self.block_size):
                self._land()
                self.mem[base + i] = 0xFF
            self.erases += 1
            return 0
        return None

    def power_on(self):
        """A copy of the contents with the power back (no cut)."""
        return FakeFlash(self.blocks, self.block_size, -1, self.mem)
