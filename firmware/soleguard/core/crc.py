"""CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over a buffer range.

Used per outbox record and for the persisted configuration. Table-free: 8
shifts per byte, a few µs for a 14-byte record on the unix port; records are
written on events, never per sample. Allocation-free.
"""


def crc16(buf, start=0, end=-1):
    """CRC of ``buf[start:end]`` (end -1 = to the end) as an int 0..65535."""
    if end < 0:
        end = len(buf)
    c = 0xFFFF
    for i in range(start, end):
        c ^= buf[i] << 8
        for _ in range(8):
            if c & 0x8000:
                c = ((c << 1) ^ 0x1021) & 0xFFFF
            else:
                c = (c << 1) & 0xFFFF
    return c
