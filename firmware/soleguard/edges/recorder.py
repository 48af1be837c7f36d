"""Explicit local recording mode: raw frames to a stream, for collecting labelled data.

Privacy: this is the only path by which raw samples are kept, and only when
the wearer or a technician turns it on (``start``); it writes to a local
file-like stream given by the caller (flash file, SD card), never to a radio.
Nothing here imports ``machine`` or opens a file: the stream is injected.

Format (little-endian; decoded by sim/importers/recording.py):

  header   b"SGRC" | version u8 (=1) | rate_hz u16 | imu u8 (0/1) | zones u8
           | board: 16 bytes ASCII, NUL-padded | zones x (x_mm i16, y_mm i16)
           | crc16 u16 over everything before it in the header
  block    0xB1 u8 | n u8 (frames, 1..255) | t0_ms u32 (time of frame 0)
           | n x FRAME_LEN i16 (frame.py order, frames 1000/rate_hz ms apart)
           | crc16 u16 over the block from 0xB1
A time step other than 1000/rate_hz (a dropped sample) ends the block; the
next one starts at the new time. CRC: CRC-16/CCITT-FALSE (poly 0x1021,
init 0xFFFF), so a decoder drops a corrupted block and keeps the others.

    rec = Recorder(open("rec.sgr", "wb"), b"xiao_s3", 100, zones=8, zone_x=xs, zone_y=ys)
    rec.start()                 # writes the header; nothing is written before
    rec.add(t_ms, frame)        # per sample; writes one block every 32 frames
    rec.stop()                  # flushes the last block
"""
import struct

from ..core.compat import const
from ..core.frame import FRAME_LEN

MAGIC = b"SGRC"
VERSION = const(1)
BLOCK_MARK = const(0xB1)
_BLOCK_HEAD = const(6)  # mark, n, t0


def _crc_table():
    t = []
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
        t.append(c & 0xFFFF)
    return tuple(t)


_CRC = _crc_table()


def crc16(data, n=-1, crc=0xFFFF):
    """CRC-16/CCITT-FALSE of the first ``n`` bytes of ``data`` (all when n < 0)."""
    if n < 0:
        n = len(data)
    for i in range(n):
        crc = ((crc << 8) & 0xFFFF) ^ _CRC[((crc >> 8) ^ data[i]) & 0xFF]
    return crc


class Recorder:
    """Writes frames to ``stream`` (anything with ``write(bytes)``) while enabled.

    board: bytes, at most 16 (board name). rate_hz: the sample rate.
    zones, zone_x, zone_y, imu: as for ``Core``. frames_per_block: 1..255.
    Raises ValueError for a bad board name or block size.
    """

    def __init__(self, stream, board, rate_hz, zones=0, zone_x=(), zone_y=(), imu=True, frames_per_block=32):
        if len(board) > 16 or not 0 < frames_per_block < 256:
            raise ValueError("recorder: board name <= 16 bytes, 1..255 frames per block")
        self._stream = stream
        self._board = board
        self._rate = rate_hz
        self._dt = 1000 // rate_hz
        self._zones = zones
        self._zx = zone_x
        self._zy = zone_y
        self._imu = imu
        self._per = frames_per_block
        self._buf = bytearray(_BLOCK_HEAD + 2 * FRAME_LEN * frames_per_block + 2)
        self._n = 0
        self._t_next = 0
        self.enabled = False
        self.blocks = 0

    def start(self):
        """Enable recording and write the header."""
        h = bytearray(MAGIC + struct.pack("<BHBB", VERSION, self._rate, 1 if self._imu else 0, self._zones))
        h += self._board + bytes(16 - len(self._board))
        for i in range(self._zones):
            h += struct.pack("<hh", self._zx[i], self._zy[i])
        h += struct.pack("<H", crc16(h))
        self._stream.write(h)
        self._n = 0
        self.enabled = True

    def add(self, t, frame):
        """Record ``frame`` (array('h'), frame.py) taken at ``t`` ms; nothing when disabled."""
        if not self.enabled:
            return
        if self._n and t != self._t_next:
            self.flush()
        buf = self._buf
        if self._n == 0:
            struct.pack_into("<BBI", buf, 0, BLOCK_MARK, 0, t)
        off = _BLOCK_HEAD + 2 * FRAME_LEN * self._n
        for k in range(FRAME_LEN):
            struct.pack_into("<h", buf, off + 2 * k, frame[k])
        self._n += 1
        self._t_next = t + self._dt
        if self._n >= self._per:
            self.flush()

    def flush(self):
        """Write the pending block, if any."""
        n = self._n
        if not n:
            return
        buf = self._buf
        buf[1] = n
        end = _BLOCK_HEAD + 2 * FRAME_LEN * n
        struct.pack_into("<H", buf, end, crc16(buf, end))
        self._stream.write(memoryview(buf)[: end + 2])
        self._n = 0
        self.blocks += 1

    def stop(self):
        """Flush and disable; the stream stays open (the caller owns it)."""
        self.flush()
        self.enabled = False
