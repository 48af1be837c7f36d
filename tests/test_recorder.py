# runtimes: cpython micropython
"""recorder.py: nothing written unless enabled; header and blocks with CRCs."""
import struct

from soleguard.core.frame import FRAME_LEN, new_frame
from soleguard.edges.recorder import BLOCK_MARK, MAGIC, Recorder, crc16


class Sink:
    """A stream double: keeps what is written."""

    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data += bytes(b)
        return len(b)


def test_crc16_ccitt_false_check_value():
    assert crc16(b"123456789") == 0x29B1  # the catalogued check value


def test_disabled_writes_nothing():
    s = Sink()
    rec = Recorder(s, b"sim", 100)
    f = new_frame()
    for i in range(100):
        rec.add(10 * i, f)
    assert len(s.data) == 0 and not rec.enabled


def test_header_and_blocks():
    s = Sink()
    rec = Recorder(s, b"xiao_s3", 100, zones=2, zone_x=(25, 180), zone_y=(-12, 30), frames_per_block=4)
    rec.start()
    hlen = 4 + 5 + 16 + 8
    assert bytes(s.data[:4]) == MAGIC and len(s.data) == hlen + 2
    assert struct.unpack_from("<H", s.data, hlen)[0] == crc16(s.data, hlen)
    f = new_frame()
    for i in range(10):
        f[1] = i
        rec.add(1000 + 10 * i, f)
    rec.add(2000, f)  # a gap ends the block
    rec.stop()
    assert rec.blocks == 4  # 4 + 4 + 2 frames, then 1 after the gap
    pos = hlen + 2
    sizes = []
    while pos < len(s.data):
        assert s.data[pos] == BLOCK_MARK
        n = s.data[pos + 1]
        end = pos + 6 + 2 * FRAME_LEN * n
        assert struct.unpack_from("<H", s.data, end)[0] == crc16(s.data[pos:end])
        sizes.append((n, struct.unpack_from("<I", s.data, pos + 2)[0]))
        pos = end + 2
    assert sizes == [(4, 1000), (4, 1040), (2, 1080), (1, 2000)]
