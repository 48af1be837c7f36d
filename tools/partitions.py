"""Partition table CSV -> the ESP-IDF binary table flashed at 0x8000 (host side, stdlib only).

    python tools/partitions.py boards/partitions.csv build/partitions.bin

Format (ESP-IDF "Partition Tables" and components/partition_table/gen_esp32part.py):
each entry 32 bytes little-endian: magic 0x50AA, type, subtype, offset u32,
size u32, label 16 bytes (NUL padded), flags u32; then an MD5 entry (0xEBEB,
14 x 0xFF, the MD5 of the entries before it); the rest of the 0xC00-byte
table is 0xFF. Offsets are checked: 4 KB aligned (app partitions 64 KB),
in order, not overlapping, below the flash size. ``read(path)`` returns
[(name, type, subtype, offset, size)]; errors name the file and line.
"""
import hashlib
import struct
import sys

TYPES = {"app": 0x00, "data": 0x01}
SUBTYPES = {
    "app": {"factory": 0x00, "test": 0x20, **{"ota_%d" % i: 0x10 + i for i in range(16)}},
    "data": {"ota": 0x00, "phy": 0x01, "nvs": 0x02, "coredump": 0x03, "nvs_keys": 0x04, "efuse": 0x05,
             "undefined": 0x06, "esphttpd": 0x80, "fat": 0x81, "spiffs": 0x82, "littlefs": 0x83},
}
TABLE_OFFSET = 0x8000
TABLE_SIZE = 0xC00
FLASH_MIN = 4 * 1024 * 1024


def _int(text, path, line, field):
    try:
        v = text.strip().lower()
        mul = 1
        if v.endswith("k"):
            v, mul = v[:-1], 1024
        elif v.endswith("m"):
            v, mul = v[:-1], 1024 * 1024
        return int(v, 0) * mul
    except ValueError:
        raise ValueError("%s: line %d: %s %r is not a number" % (path, line, field, text.strip()))


def read(path, flash_size=FLASH_MIN):
    rows = []
    end = TABLE_OFFSET + 0x1000
    with open(path) as f:
        for line, raw in enumerate(f, 1):
            s = raw.split("#", 1)[0].strip()
            if not s:
                continue
            cols = [c.strip() for c in s.split(",")]
            if len(cols) < 5:
                raise ValueError("%s: line %d: need name, type, subtype, offset, size" % (path, line))
            name, ty, sub, off, size = cols[:5]
            if not 1 <= len(name) <= 15:
                raise ValueError("%s: line %d: name %r must be 1..15 characters" % (path, line, name))
            if ty not in TYPES:
                raise ValueError("%s: line %d: type %r not one of %s" % (path, line, ty, ", ".join(TYPES)))
            if sub not in SUBTYPES[ty]:
                raise ValueError("%s: line %d: subtype %r not a %s subtype" % (path, line, sub, ty))
            off = _int(off, path, line, "offset")
            size = _int(size, path, line, "size")
            align = 0x10000 if ty == "app" else 0x1000
            if off % align or size % 0x1000:
                raise ValueError("%s: line %d: %s offset 0x%x / size 0x%x not aligned to 0x%x"
                                 % (path, line, name, off, size, align))
            if off < end:
                raise ValueError("%s: line %d: %s at 0x%x overlaps the previous partition (ends 0x%x)"
                                 % (path, line, name, off, end))
            end = off + size
            if end > flash_size:
                raise ValueError("%s: line %d: %s ends at 0x%x, beyond the 0x%x flash" % (path, line, name, end,
                                                                                        flash_size))
            rows.append((name, ty, sub, off, size))
    return rows


def binary(rows):
    out = b""
    for name, ty, sub, off, size in rows:
        out += struct.pack("<HBBII16sI", 0x50AA, TYPES[ty], SUBTYPES[ty][sub], off, size, name.encode(), 0)
    out += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(out).digest()
    return out + b"\xff" * (TABLE_SIZE - len(out))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        data = binary(read(argv[0]))
    except (OSError, ValueError) as e:
        print("partitions: %s" % e, file=sys.stderr)
        return 1
    with open(argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
