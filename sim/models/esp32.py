# Model of MicroPython v1.28.0 `esp32` module (ports/esp32/modesp32.c,
# ports/esp32/esp32_partition.c) - the Partition class only, plus a few
# constants.  Runs on CPython and the MicroPython unix port.
#
# Default partition table = the one ESP32_GENERIC_S3 is built with:
#   ports/esp32/boards/sdkconfig.base: CONFIG_PARTITION_TABLE_CUSTOM_FILENAME=
#   "partitions-4MiBplus.csv" ->  nvs 0x9000/0x6000, phy_init 0xf000/0x1000,
#   factory 0x10000/0x1F0000.
# At boot, ports/esp32/main.c (boardctrl_startup region, "If there is no
# filesystem partition (no "vfs" or "ffat"), add a "vfs" partition") registers
# an extra data/fat partition labelled "vfs" from the end of the last
# partition to the end of the physical flash. That is modelled too, but only
# if flash_size is larger than the table (default: flash_size=None -> no vfs,
# i.e. exactly the three partitions of the CSV). Use reset_partitions() to
# choose, install_partition() to add e.g. a custom data partition.

# ESP-IDF esp_partition_type_t / subtype values
TYPE_APP = 0x00
TYPE_DATA = 0x01
TYPE_ANY = 0xFF
SUBTYPE_ANY = 0xFF
SUBTYPE_APP_FACTORY = 0x00
SUBTYPE_DATA_PHY = 0x01
SUBTYPE_DATA_NVS = 0x02
SUBTYPE_DATA_FAT = 0x81

NATIVE_BLOCK_SIZE_BYTES = 4096
ENOENT = 2
EINVAL = 22

# ESP_ERR_* used by check_esp_err -> OSError(-ESP_ERR_x) in the port
ESP_ERR_INVALID_ARG = 0x102
ESP_ERR_INVALID_SIZE = 0x104

_table = []  # list of dicts: label,type,subtype,address,size,encrypted,data
_flash = {}


def _entry(label, ptype, subtype, address, size):
    return {"label": label, "type": ptype, "subtype": subtype, "address": address,
            "size": size, "encrypted": False, "data": None}


def reset_partitions(flash_size=None, auto_vfs=True):
    """Restore the ESP32_GENERIC_S3 table. With flash_size (bytes) and
    auto_vfs, add the runtime "vfs" partition as main.c does."""
    del _table[:]
    _table.append(_entry("nvs", TYPE_DATA, SUBTYPE_DATA_NVS, 0x9000, 0x6000))
    _table.append(_entry("phy_init", TYPE_DATA, SUBTYPE_DATA_PHY, 0xF000, 0x1000))
    _table.append(_entry("factory", TYPE_APP, SUBTYPE_APP_FACTORY, 0x10000, 0x1F0000))
    _state["running"] = "factory"
    _state["boot"] = "factory"
    if flash_size and auto_vfs:
        end = 0
        for p in _table:
            end = max(end, p["address"] + p["size"])
        if flash_size > end:
            _table.append(_entry("vfs", TYPE_DATA, SUBTYPE_DATA_FAT, end, flash_size - end))


def install_partition(label, ptype, subtype, address, size):
    """Add a partition (e.g. a custom data partition) for a test."""
    _table.append(_entry(label, ptype, subtype, address, size))


def partitions():
    return list(_table)


_state = {}


def _find(ptype, subtype, label):
    # esp_partition_find(): type must match (TYPE_ANY only allowed together
    # with SUBTYPE_ANY), subtype matches or is ANY, label matches if given.
    res = []
    for p in _table:
        if ptype != TYPE_ANY and p["type"] != ptype:
            continue
        if subtype != SUBTYPE_ANY and p["subtype"] != subtype:
            continue
        if label is not None and p["label"] != label:
            continue
        res.append(p)
    return res


class Partition:
    BOOT = 0
    RUNNING = 1
    TYPE_APP = TYPE_APP
    TYPE_DATA = TYPE_DATA

    def __init__(self, id, block_size=NATIVE_BLOCK_SIZE_BYTES, _part=None):
        # esp32_partition_make_new
        if _part is None:
            if isinstance(id, int):
                if id == Partition.BOOT:
                    lab = _state["boot"]
                elif id == Partition.RUNNING:
                    lab = _state["running"]
                else:
                    raise ValueError()
                found = _find(TYPE_ANY, SUBTYPE_ANY, lab)
            else:
                found = _find(TYPE_APP, SUBTYPE_ANY, id) or _find(TYPE_DATA, SUBTYPE_ANY, id)
            if not found:
                raise OSError(ENOENT)  # esp32_partition_new(NULL) -> MP_ENOENT
            _part = found[0]
        self._p = _part
        self._bs = block_size

    @staticmethod
    def find(type=TYPE_APP, subtype=0xFF, label=None, block_size=NATIVE_BLOCK_SIZE_BYTES):
        # esp32_partition_find: defaults type=TYPE_APP, subtype=ANY
        return [Partition(None, block_size, _part=p) for p in _find(type, subtype, label)]

    def info(self):
        p = self._p
        return (p["type"], p["subtype"], p["address"], p["size"], p["label"], p["encrypted"])

    def __repr__(self):
        p = self._p
        return "<Partition type=%d, subtype=%d, address=%d, size=%d, label=%s, encrypted=%d>" % (
            p["type"], p["subtype"], p["address"], p["size"], p["label"], 1 if p["encrypted"] else 0)

    def __eq__(self, other):
        return isinstance(other, Partition) and other._p is self._p

    # --- flash contents (erased flash reads 0xFF) -----------------------
    def _mem(self):
        p = self._p
        if p["data"] is None:
            p["data"] = bytearray(b"\xff" * p["size"])
        return p["data"]

    def _check(self, off, n):
        if off < 0 or off + n > self._p["size"]:
            raise OSError(-ESP_ERR_INVALID_SIZE)

    def readblocks(self, block_num, buf, offset=0):
        off = block_num * self._bs + offset
        self._check(off, len(buf))
        m = self._mem()
        for i in range(len(buf)):
            buf[i] = m[off + i]

    def _erase(self, off, n):
        m = self._mem()
        for i in range(off, off + n):
            m[i] = 0xFF

    def writeblocks(self, block_num, buf, *args):
        off = block_num * self._bs
        if not args:
            # simple write: erase first (whole native blocks)
            start = (off // NATIVE_BLOCK_SIZE_BYTES) * NATIVE_BLOCK_SIZE_BYTES
            end = off + len(buf)
            end = ((end + NATIVE_BLOCK_SIZE_BYTES - 1) // NATIVE_BLOCK_SIZE_BYTES) * NATIVE_BLOCK_SIZE_BYTES
            self._check(start, end - start)
            keep = bytes(self._mem()[start:end])
            self._erase(start, end - start)
            m = self._mem()
            # restore bytes outside the written range (block_size < 4096 path)
            for i in range(start, end):
                if i < off or i >= off + len(buf):
                    m[i] = keep[i - start]
        else:
            off += args[0]
        self._check(off, len(buf))
        m = self._mem()
        for i in range(len(buf)):
            # NOR flash programming can only clear bits
            m[off + i] &= buf[i]

    def ioctl(self, cmd, arg):
        if cmd in (1, 2, 3):  # INIT, DEINIT, SYNC
            return 0
        if cmd == 4:  # BLOCK_COUNT
            return self._p["size"] // self._bs
        if cmd == 5:  # BLOCK_SIZE
            return self._bs
        if cmd == 6:  # BLOCK_ERASE
            if self._bs != NATIVE_BLOCK_SIZE_BYTES:
                return -EINVAL
            self._erase(arg * NATIVE_BLOCK_SIZE_BYTES, NATIVE_BLOCK_SIZE_BYTES)
            return 0
        return None

    def set_boot(self):
        _state["boot"] = self._p["label"]

    def get_next_update(self):
        # esp_ota_get_next_update_partition: no ota_x partitions in this table
        raise OSError(ENOENT)

    @classmethod
    def mark_app_valid_cancel_rollback(cls):
        return None


reset_partitions()
