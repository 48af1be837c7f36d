# bluetooth.py -- model of MicroPython's `bluetooth` module as built for the
# ESP32 port (NimBLE host, MICROPY_PY_BLUETOOTH_USE_SYNC_EVENTS=1).
# Runs on CPython 3.11 and on the MicroPython unix port (which has no
# bluetooth module of its own).
#
# Written from (MicroPython master 1c3c201149, esp-nimble nimble-1.6.0-idf
# 32b2124f):
#   extmod/modbluetooth.c        Python bindings, UUID, arg checking, IRQ
#                                tuple construction (invoke_irq_handler_run),
#                                gatts db (mp_bluetooth_gatts_db_*)
#   extmod/modbluetooth.h        IRQ numbers, flags, MP_BLUETOOTH_DEFAULT_ATTR_LEN=20
#   extmod/nimble/modbluetooth_nimble.c
#                                characteristic_access_cb (write truncation),
#                                gap_advertise_start, scan, connect, gattc_*
#   ports/esp32/mpconfigport.h   SYNC_EVENTS, PAIRING_BONDING, CENTRAL_MODE on
#   esp-nimble ble_gap.c/ble_gatts.c/ble_gattc.c/ble_att*.c for error codes,
#   MTU truncation, registration rules.
#   docs/library/bluetooth.rst
#
# Everything is synchronous: an action by a simulated peer (SimCentral or
# a second BLE instance) calls the target's irq handler before returning.
# On the real ESP32 the handler runs in the NimBLE host task holding the
# GIL (sync events + interlock), i.e. also "immediately", but it can
# interleave with Python code between bytecodes.  See README.md.

import sys

_IS_MP = sys.implementation.name == "micropython"

# --- module constants (modbluetooth.c globals table) ------------------------
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020

# --- IRQ numbers (modbluetooth.h) -------------------------------------------
_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_READ_REQUEST = 4
_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6
_IRQ_PERIPHERAL_CONNECT = 7
_IRQ_PERIPHERAL_DISCONNECT = 8
_IRQ_GATTC_SERVICE_RESULT = 9
_IRQ_GATTC_SERVICE_DONE = 10
_IRQ_GATTC_CHARACTERISTIC_RESULT = 11
_IRQ_GATTC_CHARACTERISTIC_DONE = 12
_IRQ_GATTC_DESCRIPTOR_RESULT = 13
_IRQ_GATTC_DESCRIPTOR_DONE = 14
_IRQ_GATTC_READ_RESULT = 15
_IRQ_GATTC_READ_DONE = 16
_IRQ_GATTC_WRITE_DONE = 17
_IRQ_GATTC_NOTIFY = 18
_IRQ_GATTC_INDICATE = 19
_IRQ_GATTS_INDICATE_DONE = 20
_IRQ_MTU_EXCHANGED = 21
_IRQ_L2CAP_ACCEPT = 22
_IRQ_L2CAP_CONNECT = 23
_IRQ_L2CAP_DISCONNECT = 24
_IRQ_L2CAP_RECV = 25
_IRQ_L2CAP_SEND_READY = 26
_IRQ_CONNECTION_UPDATE = 27
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30
_IRQ_PASSKEY_ACTION = 31

_ADV_IND = 0
_ADV_DIRECT_IND = 1
_ADV_SCAN_IND = 2
_ADV_NONCONN_IND = 3
_SCAN_RSP = 4

# --- sizes ------------------------------------------------------------------
MP_BLUETOOTH_DEFAULT_ATTR_LEN = 20
MP_BLUETOOTH_NIMBLE_MAX_SERVICES = 8
BLE_HCI_MAX_ADV_DATA_LEN = 31
BLE_HCI_MAX_SCAN_RSP_DATA_LEN = 31
BLE_ATT_MTU_DFLT = 23
BLE_ATT_MTU_MAX = 527
BLE_ATT_PREFERRED_MTU = 256  # CONFIG_BT_NIMBLE_ATT_PREFERRED_MTU default
BLE_ATT_ATTR_MAX_LEN = 512
BLE_MAX_CONNECTIONS = 4  # ports/esp32/boards/sdkconfig.ble
BLE_SVC_GAP_DEVICE_NAME_MAX_LENGTH = 31
CONN_HANDLE_NONE = 0xFFFF

# --- errno as raised on the ESP32 (newlib values) ----------------------------
ENOENT = 2
EIO = 5
E2BIG = 7
EAGAIN = 11
ENOMEM = 12
EBUSY = 16
ENODEV = 19
EINVAL = 22
EOPNOTSUPP = 95
ETIMEDOUT = 116
EALREADY = 120
ENOTCONN = 128

# NimBLE BLE_HS_E* codes and MicroPython's ble_hs_err_to_errno() table
BLE_HS_EAGAIN = 1
BLE_HS_EALREADY = 2
BLE_HS_EINVAL = 3
BLE_HS_EMSGSIZE = 4
BLE_HS_ENOENT = 5
BLE_HS_ENOMEM = 6
BLE_HS_ENOTCONN = 7
BLE_HS_ENOTSUP = 8
BLE_HS_EAPP = 9
BLE_HS_EBADDATA = 10
BLE_HS_ETIMEOUT = 13
BLE_HS_EDONE = 14
BLE_HS_EBUSY = 15
BLE_HS_ERR_ATT_BASE = 0x100
BLE_ERR_INV_HCI_CMD_PARMS = 0x12

_HS_TO_ERRNO = {
    BLE_HS_EAGAIN: EAGAIN,
    BLE_HS_EALREADY: EALREADY,
    BLE_HS_EINVAL: EINVAL,
    BLE_HS_ENOENT: ENOENT,
    BLE_HS_ENOMEM: ENOMEM,
    BLE_HS_ENOTCONN: ENOTCONN,
    BLE_HS_ENOTSUP: EOPNOTSUPP,
    BLE_HS_ETIMEOUT: ETIMEDOUT,
    BLE_HS_EDONE: EIO,
    BLE_HS_EBUSY: EBUSY,
    BLE_HS_EBADDATA: EINVAL,
}


def _hs_err(err):
    """ble_hs_err_to_errno(): mapped codes, else the NimBLE code negated."""
    if err in _HS_TO_ERRNO:
        return _HS_TO_ERRNO[err]
    return -err


def _raise(err):
    raise OSError(err)


# ATT error codes
ATT_ERR_INVALID_HANDLE = 0x01
ATT_ERR_READ_NOT_PERMITTED = 0x02
ATT_ERR_WRITE_NOT_PERMITTED = 0x03
ATT_ERR_INSUFFICIENT_AUTHEN = 0x05
ATT_ERR_ATTR_NOT_FOUND = 0x0A
ATT_ERR_INVALID_ATTR_VALUE_LEN = 0x0D
ATT_ERR_INSUFFICIENT_ENC = 0x0F

# Simulation switches
SIM_POISON_MEMORYVIEWS = True  # overwrite IRQ memoryviews after the handler returns
SIM_IRK_SECRETS = True  # NimBLE load_irk(): GET_SECRET/SET_SECRET at active(True)


def _print_exc(e):
    if _IS_MP:
        sys.print_exception(e)
    else:
        import traceback

        traceback.print_exception(type(e), e, e.__traceback__)


def _buf(obj):
    """Bytes of any buffer-protocol object (bytes, bytearray, memoryview, str)."""
    if isinstance(obj, str):
        return obj.encode()
    if isinstance(obj, UUID):
        return bytes(obj._d)
    return bytes(obj)


# ---------------------------------------------------------------------------
# UUID (bluetooth_uuid_make_new and friends)
# ---------------------------------------------------------------------------

_HEX = "0123456789abcdefABCDEF"


class UUID:
    def __init__(self, value):
        if isinstance(value, UUID):
            self._t = value._t
            self._d = bytes(value._d)
            return
        if isinstance(value, int) and not isinstance(value, bool):
            if value > 65535:
                raise ValueError("invalid UUID")
            self._t = 2
            self._d = bytes([value & 0xFF, (value >> 8) & 0xFF])
            return
        if isinstance(value, bool):
            raise TypeError("object with buffer protocol required")
        raw = _buf(value)
        if len(raw) in (2, 4, 16):
            # Bytes (or a 2/4/16-character str!) are taken as raw LE data.
            self._t = len(raw)
            self._d = raw
            return
        digits = []
        for c in raw:
            ch = chr(c)
            if ch == "-":
                continue
            if ch not in _HEX:
                raise ValueError("invalid char in UUID")
            digits.append(int(ch, 16))
            if len(digits) > 32:
                raise ValueError("UUID too long")
        if len(digits) < 32:
            raise ValueError("UUID too short")
        be = bytearray(16)
        for i in range(16):
            be[i] = (digits[2 * i] << 4) | digits[2 * i + 1]
        d = bytearray(16)
        for i in range(16):
            d[i] = be[15 - i]
        self._t = 16
        self._d = bytes(d)

    # buffer-ish protocol: bytes(uuid) -> little-endian data
    def __bytes__(self):
        return bytes(self._d)

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return self._t

    def __hash__(self):
        return hash((self._t, bytes(self._d)))

    def _cmp(self, other):
        if self._t != other._t:
            return (self._t > other._t) - (self._t < other._t)
        # mp_seq_cmp_bytes compares the stored (little-endian) bytes
        a = bytes(self._d)
        b = bytes(other._d)
        return (a > b) - (a < b)

    def __eq__(self, other):
        if not isinstance(other, UUID):
            return False
        return self._cmp(other) == 0

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __repr__(self):
        s = "UUID(" + ("0x" if self._t <= 4 else "'")
        for i in range(self._t):
            if i in (4, 6, 8, 10):
                s += "-"
            s += "%02x" % self._d[self._t - 1 - i]
        if self._t == 16:
            s += "'"
        return s + ")"

    __str__ = __repr__

    def _poison(self):
        self._d = bytes(len(self._d))


# Standard UUIDs used by the default services
_UUID_GAP = UUID(0x1800)
_UUID_GATT = UUID(0x1801)
_UUID_PRIMARY = UUID(0x2800)
_UUID_CHR_DECL = UUID(0x2803)
_UUID_CCCD = UUID(0x2902)


# ---------------------------------------------------------------------------
# The air: every simulated device and link.
# ---------------------------------------------------------------------------


class _Air:
    def __init__(self):
        self.devices = []
        self.links = []
        self.first_conn_handle = 0
        self.default_rssi = -50

    def reset(self):
        for d in list(self.devices):
            if hasattr(d, "_sim_reset_links"):
                d._sim_reset_links()
        self.devices = [d for d in self.devices if d is _singleton]
        self.links = []

    def advertisers(self, exclude=None):
        return [d for d in self.devices if d is not exclude and d._adv is not None]

    def find_advertiser(self, addr):
        addr = bytes(addr)
        for d in self.devices:
            if d._adv is not None and bytes(d._addr) == addr:
                return d
        return None

    def notify_advertising(self, dev):
        for d in self.devices:
            if d is not dev and getattr(d, "_scan", None) is not None:
                d._scan_report(dev)


air = _Air()


class _Adv:
    def __init__(self, interval_us, adv_data, resp_data, connectable):
        self.interval_us = interval_us
        self.adv_data = adv_data
        self.resp_data = resp_data
        self.connectable = connectable


class _Link:
    """One BLE connection.  c = central device, p = peripheral device."""

    def __init__(self, c, p, hc, hp):
        self.c = c
        self.p = p
        self.hc = hc
        self.hp = hp
        self.mtu = BLE_ATT_MTU_DFLT
        self.mtu_exchanged = False
        self.encrypted = False
        self.connected = True
        # CCCD state kept by each side's GATT server: {value_handle: flags}
        self.subs = {id(c): {}, id(p): {}}
        self.pending_ind = {id(c): [], id(p): []}

    def other(self, dev):
        return self.p if dev is self.c else self.c

    def handle_for(self, dev):
        return self.hc if dev is self.c else self.hp


# ---------------------------------------------------------------------------
# GATT server database
# ---------------------------------------------------------------------------


class _Entry:
    # mp_bluetooth_gatts_db_entry_t
    def __init__(self, alloc):
        self.data = bytearray(alloc)
        self.alloc = alloc
        self.len = 0
        self.append = False


class _Attr:
    def __init__(self, handle, kind, uuid, flags=0, value_handle=None):
        self.handle = handle
        self.kind = kind  # 'svc', 'decl', 'val', 'cccd', 'dsc'
        self.uuid = uuid
        self.flags = flags
        self.value_handle = value_handle


class _GattServer:
    def __init__(self):
        self.attrs = []  # ordered by handle
        self.by_handle = {}
        self.services = []  # (start, end, uuid)
        self.chars = []  # (def_handle, value_handle, props, uuid, flags)
        self.db = {}
        self._h = 0

    def _add(self, kind, uuid, flags=0, value_handle=None):
        self._h += 1
        a = _Attr(self._h, kind, uuid, flags, value_handle)
        self.attrs.append(a)
        self.by_handle[a.handle] = a
        return a

    def add_service(self, uuid, chars, entries=True):
        """chars: list of (uuid, flags, [(dsc_uuid, dsc_flags), ...]).
        Returns the flattened value handle list (chars + descriptors)."""
        svc = self._add("svc", uuid)
        handles = []
        for cu, cf, dscs in chars:
            d = self._add("decl", _UUID_CHR_DECL, cf)
            v = self._add("val", cu, cf)
            d.value_handle = v.handle
            self.chars.append((d.handle, v.handle, cf & 0x7F, cu, cf))
            handles.append(v.handle)
            if entries:
                self.db[v.handle] = _Entry(MP_BLUETOOTH_DEFAULT_ATTR_LEN)
            if cf & (FLAG_NOTIFY | FLAG_INDICATE):
                self._add("cccd", _UUID_CCCD, FLAG_READ | FLAG_WRITE, v.handle)
            for du, df in dscs:
                a = self._add("dsc", du, df, v.handle)
                handles.append(a.handle)
                if entries:
                    self.db[a.handle] = _Entry(MP_BLUETOOTH_DEFAULT_ATTR_LEN)
        self.services.append((svc.handle, self._h, uuid))
        return handles

    def add_defaults(self):
        # ble_svc_gap_init(): device name (0x2A00, read), appearance (0x2A01)
        self.add_service(_UUID_GAP, [(UUID(0x2A00), FLAG_READ, []), (UUID(0x2A01), FLAG_READ, [])])
        # ble_svc_gatt_init(): service changed (indicate) + server/client
        # supported features (nimble-1.6.0-idf, BLE_GATT_CACHING off)
        self.add_service(
            _UUID_GATT,
            [
                (UUID(0x2A05), FLAG_INDICATE, []),
                (UUID(0x2B3A), FLAG_READ, []),
                (UUID(0x2B29), FLAG_READ | FLAG_WRITE, []),
            ],
        )

    def char_for_value(self, vh):
        for c in self.chars:
            if c[1] == vh:
                return c
        return None


# ---------------------------------------------------------------------------
# BLE
# ---------------------------------------------------------------------------

_singleton = None
_addr_counter = [0]


def _default_addr():
    _addr_counter[0] += 1
    return bytes([0x7C, 0xDF, 0xA1, 0x10, 0x00, _addr_counter[0] & 0xFF])


class BLE:
    """bluetooth.BLE() -- returns the singleton (the device under test).

    Extra simulated radios: sim_new_ble(addr=..., name=...) creates an
    independent instance with the same API, sharing the simulated air."""

    def __new__(cls, *args, **kwargs):
        global _singleton
        if _singleton is None:
            o = object.__new__(cls)
            o._sim_init(bytes([0x7C, 0xDF, 0xA1, 0x00, 0x00, 0x03]), 0, "MPY ESP32")
            _singleton = o
        return _singleton

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------
    # sim internals
    # ------------------------------------------------------------------
    def _sim_init(self, addr, addr_type, name):
        self._addr = bytes(addr)
        self._addr_type = addr_type
        self._name = name.encode() if isinstance(name, str) else bytes(name)
        self._irq_handler = None
        self._active = False
        self._adv = None
        self._adv_data = None  # controller-retained payloads
        self._resp_data = None
        self._scan = None
        self._server = None
        self._links = {}  # local conn handle -> _Link
        self._next_handle = air.first_conn_handle
        self._pref_mtu = BLE_ATT_PREFERRED_MTU
        self._char_disc_busy = False
        self.sim_fail_init = 0  # errno raised by active(True) (e.g. EIO, ETIMEDOUT)
        self.sim_irq_log = []  # (event, copied data) of every IRQ delivered
        self.sim_irq_log_max = 500
        self.sim_secrets_seen = []
        self.sim_rssi = air.default_rssi
        self.sim_bond = False
        air.devices.append(self)

    def _sim_reset_links(self):
        for h in list(self._links.keys()):
            del self._links[h]
        self._adv = None
        self._scan = None

    def _log(self, event, data):
        cp = []
        for x in data:
            if isinstance(x, memoryview):
                cp.append(bytes(x))
            elif isinstance(x, UUID):
                cp.append(UUID(x))
            else:
                cp.append(x)
        self.sim_irq_log.append((event, tuple(cp)))
        if len(self.sim_irq_log) > self.sim_irq_log_max:
            self.sim_irq_log.pop(0)

    def _invoke(self, event, items, bufs=(), uuids=()):
        """invoke_irq_handler_run_protected(): build the tuple, call the
        handler, on exception print + disable the handler."""
        data = tuple(items)
        self._log(event, data)
        h = self._irq_handler
        if h is None:
            result = None
        else:
            try:
                result = h(event, data)
            except Exception as e:
                print("Unhandled exception in IRQ callback handler")
                _print_exc(e)
                self._irq_handler = None
                result = None
        if SIM_POISON_MEMORYVIEWS:
            for b in bufs:
                for i in range(len(b)):
                    b[i] = 0xEE
            for u in uuids:
                u._poison()
        return result

    @staticmethod
    def _mv(data):
        b = bytearray(data)
        return b, memoryview(b)

    def _evt_addr(self, event, handle, addr_type, addr):
        b, mv = self._mv(addr)
        return self._invoke(event, (handle, addr_type, mv), (b,))

    def _require_active(self):
        if not self._active:
            _raise(ENODEV)

    def _alloc_handle(self):
        h = self._next_handle
        self._next_handle = (self._next_handle + 1) & 0xFFFF
        return h

    def _link(self, conn_handle):
        lk = self._links.get(conn_handle)
        if lk is None or not lk.connected:
            return None
        return lk

    # ------------------------------------------------------------------
    # General
    # ------------------------------------------------------------------
    def active(self, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 2 positional arguments")
        if args:
            if args[0]:
                # mp_bluetooth_init() first calls mp_bluetooth_deinit(): calling
                # active(True) on an active stack restarts it.
                self._deinit()
                if self.sim_fail_init:
                    err = self.sim_fail_init
                    _raise(err)
                self._active = True
                self._server = _GattServer()
                self._server.add_defaults()
                self._pref_mtu = BLE_ATT_PREFERRED_MTU
                if SIM_IRK_SECRETS:
                    self._load_irk()
            else:
                self._deinit()
        return self._active

    def _load_irk(self):
        key = b"irk"
        kb, kmv = self._mv(key)
        r = self._invoke(_IRQ_GET_SECRET, (10, 0, kmv), (kb,))
        if r is not None:
            self.sim_secrets_seen.append(("get", bytes(_buf(r))))
            return
        irk = bytes(range(0xA0, 0xB0))
        kb, kmv = self._mv(key)
        vb, vmv = self._mv(irk)
        ok = self._invoke(_IRQ_SET_SECRET, (10, kmv, vmv), (kb, vb))
        self.sim_secrets_seen.append(("set", bool(ok)))

    def _deinit(self):
        if not self._active:
            return
        # Stopping: NimBLE gap callbacks check mp_bluetooth_is_active(), so
        # this side gets no IRQs; the peer sees a disconnect.
        self._active = False
        self._adv = None
        self._adv_data = None
        self._resp_data = None
        self._scan = None
        for h in list(self._links.keys()):
            lk = self._links[h]
            if lk.connected:
                self._drop_link(lk, notify_self=False)
        self._links = {}
        self._server = None

    def config(self, *args, **kwargs):
        if not kwargs:
            if len(args) != 1:
                raise TypeError("must query one param")
            p = args[0]
            if p == "gap_name":
                return bytes(self._name)
            if p == "mac":
                self._require_active()
                return (self._addr_type, bytes(self._addr))
            if p == "mtu":
                self._require_active()
                return self._pref_mtu
            # 'rxbuf' only exists without sync events (not on ESP32)
            raise ValueError("unknown config param")
        if args:
            raise TypeError("can't specify pos and kw args")
        # NB: real MicroPython iterates the kw map (order unspecified) and
        # stops at the first failure.
        for k in kwargs:
            v = kwargs[k]
            if k == "gap_name":
                raw = _buf(v)
                if len(raw) + 1 > BLE_SVC_GAP_DEVICE_NAME_MAX_LENGTH + 1:
                    _raise(EINVAL)
                self._name = raw
            elif k == "mtu":
                self._require_active()
                v = int(v)
                if v < BLE_ATT_MTU_DFLT or v > BLE_ATT_MTU_MAX:
                    _raise(EINVAL)
                self._pref_mtu = v
            elif k == "addr_mode":
                self._require_active()
                v = int(v)
                if v == 1 or v == 3:
                    self._addr_type = 1
                elif v == 0:
                    self._addr_type = 0
            elif k in ("bond", "mitm", "io", "le_secure"):
                if k == "bond":
                    self.sim_bond = bool(v)
            else:
                raise ValueError("unknown config param")
        return None

    def irq(self, handler):
        if handler is not None and not callable(handler):
            raise ValueError("invalid handler")
        self._irq_handler = handler
        return None

    # ------------------------------------------------------------------
    # GAP: advertising
    # ------------------------------------------------------------------
    def gap_advertise(self, interval_us=500000, adv_data=None, *, resp_data=None, connectable=True):
        if interval_us is None:
            self._adv = None
            return None
        interval_us = int(interval_us)
        adv = None if adv_data is None else _buf(adv_data)
        rsp = None if resp_data is None else _buf(resp_data)
        if not self._active:
            _raise(ENODEV)
        # mp_bluetooth_gap_advertise_start(): stop first, then set data
        self._adv = None
        if adv is not None:
            if len(adv) > BLE_HCI_MAX_ADV_DATA_LEN:
                # ble_gap_adv_set_data -> BLE_ERR_INV_HCI_CMD_PARMS (0x12),
                # not in the errno table -> OSError(-18)
                _raise(_hs_err(BLE_ERR_INV_HCI_CMD_PARMS))
            self._adv_data = adv
        if rsp is not None:
            if len(rsp) > BLE_HCI_MAX_SCAN_RSP_DATA_LEN:
                _raise(_hs_err(BLE_HS_EINVAL))  # -> EINVAL (22)
            self._resp_data = rsp
        itvl = interval_us // 625
        if itvl and (itvl < 0x20 or itvl > 0x4000):
            _raise(_hs_err(BLE_HS_EINVAL))
        conn = bool(connectable)
        if conn and self._n_links() >= BLE_MAX_CONNECTIONS:
            _raise(_hs_err(BLE_HS_ENOMEM))
        self._adv = _Adv(interval_us, self._adv_data or b"", self._resp_data, conn)
        air.notify_advertising(self)
        return None

    def _n_links(self):
        n = 0
        for h in self._links:
            if self._links[h].connected:
                n += 1
        return n

    # ------------------------------------------------------------------
    # GAP: scanning / connecting (central role)
    # ------------------------------------------------------------------
    def gap_scan(self, *args):
        duration_ms = 0
        interval_us = 1280000
        window_us = 11250
        active_scan = False
        if len(args) > 4:
            raise TypeError("function takes at most 5 positional arguments")
        if args:
            if args[0] is None:
                return self._scan_stop()
            duration_ms = int(args[0])
            if len(args) > 1:
                interval_us = int(args[1])
            if len(args) > 2:
                window_us = int(args[2])
            if len(args) > 3:
                active_scan = bool(args[3])
        self._require_active()
        if self._scan is not None:
            _raise(_hs_err(BLE_HS_EALREADY))
        self._scan = {"duration_ms": duration_ms, "active": active_scan}
        for d in air.advertisers(exclude=self):
            self._scan_report(d)
        if duration_ms > 0 and self._scan is not None:
            # Simulated time is compressed: a timed scan completes at once.
            self._scan = None
            self._invoke(_IRQ_SCAN_DONE, ())
        return None

    def _scan_stop(self):
        self._require_active()
        if self._scan is None:
            return None
        self._scan = None
        self._invoke(_IRQ_SCAN_DONE, ())
        return None

    def _scan_report(self, dev):
        if self._scan is None or dev._adv is None:
            return
        a = dev._adv
        if a.connectable:
            t = _ADV_IND
        elif a.resp_data is not None:
            t = _ADV_SCAN_IND
        else:
            t = _ADV_NONCONN_IND
        ab, amv = self._mv(dev._addr)
        db, dmv = self._mv(a.adv_data)
        self._invoke(_IRQ_SCAN_RESULT, (dev._addr_type, amv, t, dev.sim_rssi, dmv), (ab, db))
        if self._scan is not None and self._scan["active"] and a.resp_data is not None and t != _ADV_NONCONN_IND:
            ab, amv = self._mv(dev._addr)
            db, dmv = self._mv(a.resp_data)
            self._invoke(_IRQ_SCAN_RESULT, (dev._addr_type, amv, _SCAN_RSP, dev.sim_rssi, dmv), (ab, db))

    def gap_connect(self, *args):
        if len(args) == 1:
            if args[0] is None:
                self._require_active()
                # ble_gap_conn_cancel() with nothing pending -> EALREADY
                _raise(_hs_err(BLE_HS_EALREADY))
            raise TypeError("invalid addr")
        if len(args) < 2 or len(args) > 5:
            raise TypeError("function takes 2 to 6 positional arguments")
        addr_type = int(args[0])
        addr = _buf(args[1])
        if len(addr) != 6:
            raise ValueError("invalid addr")
        self._require_active()
        if self._scan is not None:
            self._scan_stop()
        for h in self._links:
            lk = self._links[h]
            if lk.connected and bytes(lk.other(self)._addr) == addr:
                _raise(_hs_err(BLE_HS_EDONE))  # "already connected" -> EIO
        target = air.find_advertiser(addr)
        if target is None or not target._adv.connectable or target._addr_type != addr_type:
            # Connection attempt times out (scan_duration_ms); time is
            # compressed so the failure event is delivered now.
            self._evt_addr(_IRQ_PERIPHERAL_DISCONNECT, CONN_HANDLE_NONE, 0xFF, bytes(6))
            return None
        _establish(self, target)
        return None

    def gap_disconnect(self, conn_handle):
        self._require_active()
        lk = self._link(int(conn_handle))
        if lk is None:
            return False
        self._drop_link(lk, notify_self=True)
        return True

    def _drop_link(self, lk, notify_self=True):
        if not lk.connected:
            return
        lk.connected = False
        if lk in air.links:
            air.links.remove(lk)
        for dev in (lk.c, lk.p):
            if dev is self and not notify_self:
                continue
            peer = lk.other(dev)
            h = lk.handle_for(dev)
            ev = _IRQ_PERIPHERAL_DISCONNECT if dev is lk.c else _IRQ_CENTRAL_DISCONNECT
            if hasattr(dev, "_on_link_down"):
                dev._on_link_down(lk, h, ev, peer)

    def _on_link_down(self, lk, h, ev, peer):
        if h in self._links:
            del self._links[h]
        if self._active:
            self._evt_addr(ev, h, peer._addr_type, peer._addr)

    def gap_pair(self, conn_handle):
        lk = self._link(int(conn_handle))
        if lk is None:
            _raise(ENOTCONN)
        # Pairing is not modelled beyond "Just Works" success.
        lk.encrypted = True
        self._invoke(_IRQ_ENCRYPTION_UPDATE, (int(conn_handle), 1, 0, 1 if self.sim_bond else 0, 16))
        return None

    def gap_passkey(self, conn_handle, action, passkey):
        if int(action) not in (2, 3, 4):
            _raise(EINVAL)
        return None

    # ------------------------------------------------------------------
    # GATTS
    # ------------------------------------------------------------------
    def gatts_register_services(self, services):
        # mp_bluetooth_gatts_register_service_begin()
        if not self._active:
            _raise(ENODEV)
        if self._adv is not None or self._scan is not None or self._n_links() > 0:
            # ble_gatts_reset(): !ble_gatts_mutable() -> BLE_HS_EBUSY
            _raise(_hs_err(BLE_HS_EBUSY))
        parsed = []
        for svc in services:
            items = list(svc)
            if len(items) != 2:
                raise ValueError("tuple/list has wrong length")
            su, chars = items
            if not isinstance(su, UUID):
                raise ValueError("invalid service UUID")
            clist = []
            for ch in chars:
                ci = list(ch)
                if len(ci) < 2 or len(ci) > 3:
                    raise ValueError("invalid characteristic tuple")
                if not isinstance(ci[0], UUID):
                    raise ValueError("invalid characteristic UUID")
                dl = []
                if len(ci) == 3:
                    for ds in ci[2]:
                        di = list(ds)
                        if len(di) != 2:
                            raise ValueError("tuple/list has wrong length")
                        if not isinstance(di[0], UUID):
                            raise ValueError("invalid descriptor UUID")
                        # NimBLE descriptors only get READ / WRITE att flags
                        df = int(di[1])
                        f2 = (FLAG_READ if df & FLAG_READ else 0) | (FLAG_WRITE if df & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE) else 0)
                        dl.append((UUID(di[0]), f2))
                # modbluetooth.c stores flags in a uint16_t: aioble's
                # _FLAG_WRITE_CAPTURE (0x10000) is silently dropped here.
                clist.append((UUID(ci[0]), int(ci[1]) & 0xFFFF, dl))
            parsed.append((UUID(su), clist))
            if len(parsed) > MP_BLUETOOTH_NIMBLE_MAX_SERVICES:
                _raise(E2BIG)
        srv = _GattServer()
        srv.add_defaults()
        out = []
        for su, clist in parsed:
            out.append(tuple(srv.add_service(su, clist)))
        self._server = srv
        return tuple(out)

    def _entry(self, handle):
        if self._server is None:
            return None
        return self._server.db.get(int(handle))

    def gatts_read(self, value_handle):
        # bluetooth_ble_gatts_read ignores the error: unknown handle or an
        # inactive stack returns b''.
        e = self._entry(value_handle) if self._active else None
        if e is None:
            return b""
        v = bytes(e.data[: e.len])
        if e.append:
            e.len = 0
        return v

    def gatts_write(self, value_handle, data, send_update=False):
        raw = _buf(data)
        if not self._active:
            _raise(ENODEV)
        e = self._entry(value_handle)
        if e is None:
            _raise(EINVAL)
        if len(raw) > e.alloc:
            # mp_bluetooth_gatts_db_write grows the buffer (local writes are
            # never truncated)
            e.data = bytearray(len(raw))
            e.alloc = len(raw)
        e.data[0 : len(raw)] = raw
        e.len = len(raw)
        if send_update:
            self._chr_updated(int(value_handle))
        return len(raw)

    def _chr_updated(self, vh):
        # ble_gatts_chr_updated(): to every subscribed peer; notify wins
        for h in list(self._links.keys()):
            lk = self._links.get(h)
            if lk is None or not lk.connected:
                continue
            f = lk.subs[id(self)].get(vh, 0)
            if f & 1:
                self._send_value(lk, vh, None, False)
            elif f & 2:
                self._send_value(lk, vh, None, True)

    def _local_read_for_tx(self, vh):
        # ble_att_svr_read_handle(BLE_HS_CONN_HANDLE_NONE, ...) goes through
        # characteristic_access_cb -> _IRQ_GATTS_READ_REQUEST(0xffff, vh)
        srv = self._server
        if srv is None or vh not in srv.by_handle or srv.by_handle[vh].kind not in ("val", "dsc"):
            return None
        req = self._invoke(_IRQ_GATTS_READ_REQUEST, (CONN_HANDLE_NONE, vh))
        if _as_int(req):
            return None
        e = srv.db.get(vh)
        if e is None:
            return None
        return bytes(e.data[: e.len])

    def _send_value(self, lk, vh, data, indicate):
        if data is None:
            data = self._local_read_for_tx(vh)
            if data is None:
                return BLE_HS_EAPP
        data = bytes(data)[: lk.mtu - 3]  # ble_att_tx truncates to ATT_MTU
        peer = lk.other(self)
        if indicate:
            lk.pending_ind[id(self)].append(vh)
        peer._rx_value(lk, vh, data, indicate)
        return 0

    def _notify_indicate(self, conn_handle, value_handle, data, indicate):
        raw = None if data is None else _buf(data)
        if not self._active:
            _raise(ENODEV)
        conn_handle = int(conn_handle)
        value_handle = int(value_handle)
        lk = self._link(conn_handle)
        if lk is None:
            rc = BLE_HS_ENOTCONN
        else:
            rc = self._send_value(lk, value_handle, raw, indicate)
        if rc and indicate and lk is not None:
            # BLE_GAP_EVENT_NOTIFY_TX with status != 0 -> INDICATE_DONE(status)
            # (no event when the connection does not exist)
            self._invoke(_IRQ_GATTS_INDICATE_DONE, (conn_handle, value_handle, rc))
        if rc:
            _raise(_hs_err(rc))
        return None

    def gatts_notify(self, conn_handle, value_handle, data=None):
        return self._notify_indicate(conn_handle, value_handle, data, False)

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        return self._notify_indicate(conn_handle, value_handle, data, True)

    def _indication_confirmed(self, lk, vh, status=0):
        pend = lk.pending_ind[id(self)]
        if vh in pend:
            pend.remove(vh)
        if self._active:
            self._invoke(_IRQ_GATTS_INDICATE_DONE, (lk.handle_for(self), vh, status))

    def gatts_set_buffer(self, value_handle, len_, append=False):
        if not self._active:
            _raise(ENODEV)
        e = self._entry(value_handle)
        if e is None:
            _raise(EINVAL)
        len_ = int(len_)
        # mp_bluetooth_gatts_db_resize: realloc, data_len = 0 (value cleared!)
        e.data = bytearray(len_)
        e.alloc = len_
        e.len = 0
        e.append = bool(append)
        return None

    # --- server side of remote ATT operations --------------------------------
    def _srv_read(self, lk, handle):
        """Remote read of `handle`.  Returns (att_status, bytes)."""
        if not self._active or self._server is None:
            return ATT_ERR_INVALID_HANDLE, b""
        srv = self._server
        a = srv.by_handle.get(handle)
        if a is None:
            return ATT_ERR_INVALID_HANDLE, b""
        if a.kind == "cccd":
            f = lk.subs[id(self)].get(a.value_handle, 0)
            return 0, bytes([f & 0xFF, 0])
        if a.kind == "svc":
            return 0, bytes(a.uuid)
        if a.kind == "decl":
            return 0, bytes([a.flags & 0x7F, a.value_handle & 0xFF, a.value_handle >> 8]) + bytes(srv.by_handle[a.value_handle].uuid)
        if a.uuid == UUID(0x2A00) and a.handle <= 5:
            return 0, bytes(self._name)
        if a.uuid == UUID(0x2A01) and a.handle <= 5:
            return 0, b"\x00\x00"
        if not (a.flags & FLAG_READ):
            return ATT_ERR_READ_NOT_PERMITTED, b""
        if (a.flags & 0x0E00) and not lk.encrypted:
            return ATT_ERR_INSUFFICIENT_ENC if (a.flags & 0x0200) else ATT_ERR_INSUFFICIENT_AUTHEN, b""
        req = self._invoke(_IRQ_GATTS_READ_REQUEST, (lk.handle_for(self), handle))
        r = _as_int(req)
        if r:
            return r, b""
        e = srv.db.get(handle)
        if e is None:
            return ATT_ERR_ATTR_NOT_FOUND, b""
        return 0, bytes(e.data[: e.len])

    def _srv_write(self, lk, handle, data, with_response=True):
        """Remote write.  Returns att_status (0 = ok)."""
        if not self._active or self._server is None:
            return ATT_ERR_INVALID_HANDLE
        srv = self._server
        a = srv.by_handle.get(handle)
        if a is None:
            return ATT_ERR_INVALID_HANDLE
        if a.kind == "cccd":
            # NimBLE owns the CCCD; no IRQ reaches Python (BLE_GAP_EVENT_SUBSCRIBE
            # is ignored by modbluetooth_nimble.c)
            if len(data) != 2:
                return ATT_ERR_INVALID_ATTR_VALUE_LEN
            lk.subs[id(self)][a.value_handle] = data[0] & 3
            return 0
        if a.kind not in ("val", "dsc"):
            return ATT_ERR_WRITE_NOT_PERMITTED
        # characteristics: either WRITE or WRITE_NO_RESPONSE maps to
        # BLE_ATT_F_WRITE, so both ATT write ops are accepted
        if not (a.flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE)):
            return ATT_ERR_WRITE_NOT_PERMITTED
        if (a.flags & 0x7000) and not lk.encrypted:
            return ATT_ERR_INSUFFICIENT_ENC if (a.flags & 0x1000) else ATT_ERR_INSUFFICIENT_AUTHEN
        e = srv.db.get(handle)
        if e is None:
            return ATT_ERR_ATTR_NOT_FOUND
        # characteristic_access_cb, BLE_GATT_ACCESS_OP_WRITE_CHR:
        offset = e.len if e.append else 0
        e.len = min(e.alloc, len(data) + offset)
        n = e.len - offset
        if n > 0:
            e.data[offset : offset + n] = data[:n]
        self._invoke(_IRQ_GATTS_WRITE, (lk.handle_for(self), handle))
        return 0

    # --- client side: data arriving from a peer server -----------------------
    def _rx_value(self, lk, vh, data, indicate):
        if not self._active:
            return
        b, mv = self._mv(data)
        ev = _IRQ_GATTC_INDICATE if indicate else _IRQ_GATTC_NOTIFY
        self._invoke(ev, (lk.handle_for(self), vh, mv), (b,))
        if indicate:
            # NimBLE host confirms indications automatically
            lk.other(self)._indication_confirmed(lk, vh, 0)

    # ------------------------------------------------------------------
    # GATTC
    # ------------------------------------------------------------------
    def _peer_for(self, conn_handle):
        self._require_active()
        lk = self._link(int(conn_handle))
        if lk is None:
            _raise(ENOTCONN)
        return lk, lk.other(self)

    def gattc_discover_services(self, conn_handle, uuid=None):
        if uuid is not None and not isinstance(uuid, UUID):
            raise TypeError("UUID")
        lk, peer = self._peer_for(conn_handle)
        h = int(conn_handle)
        srv = peer._server
        for start, end, su in (srv.services if srv else []):
            if uuid is None or su == uuid:
                u = UUID(su)
                self._invoke(_IRQ_GATTC_SERVICE_RESULT, (h, start, end, u), (), (u,))
        self._invoke(_IRQ_GATTC_SERVICE_DONE, (h, 0))
        return None

    def gattc_discover_characteristics(self, conn_handle, start_handle, end_handle, uuid=None):
        if uuid is not None and not isinstance(uuid, UUID):
            raise TypeError("UUID")
        lk, peer = self._peer_for(conn_handle)
        h = int(conn_handle)
        start_handle = int(start_handle)
        end_handle = int(end_handle)
        srv = peer._server
        found = [c for c in (srv.chars if srv else []) if start_handle <= c[0] <= end_handle]
        # ble_gattc_characteristic_cb: each result is reported once the next
        # one arrives (end = next def_handle - 1), the last with the query end.
        for i in range(len(found)):
            c = found[i]
            e = found[i + 1][0] - 1 if i + 1 < len(found) else end_handle
            if uuid is None or c[3] == uuid:
                u = UUID(c[3])
                self._invoke(_IRQ_GATTC_CHARACTERISTIC_RESULT, (h, e, c[1], c[2], u), (), (u,))
        self._invoke(_IRQ_GATTC_CHARACTERISTIC_DONE, (h, 0))
        return None

    def gattc_discover_descriptors(self, conn_handle, start_handle, end_handle):
        lk, peer = self._peer_for(conn_handle)
        h = int(conn_handle)
        start_handle = int(start_handle)
        end_handle = int(end_handle)
        srv = peer._server
        # ble_gattc_disc_all_dscs: attributes in (start_handle, end_handle]
        for a in (srv.attrs if srv else []):
            if start_handle < a.handle <= end_handle:
                if a.kind in ("svc", "decl"):
                    break
                u = UUID(a.uuid)
                self._invoke(_IRQ_GATTC_DESCRIPTOR_RESULT, (h, a.handle, u), (), (u,))
        self._invoke(_IRQ_GATTC_DESCRIPTOR_DONE, (h, 0))
        return None

    def gattc_read(self, conn_handle, value_handle):
        lk, peer = self._peer_for(conn_handle)
        h = int(conn_handle)
        vh = int(value_handle)
        st, data = peer._srv_read(lk, vh)
        if st == 0:
            data = data[: lk.mtu - 1]  # single ATT Read Request, no blob reads
            b, mv = self._mv(data)
            self._invoke(_IRQ_GATTC_READ_RESULT, (h, vh, mv), (b,))
            self._invoke(_IRQ_GATTC_READ_DONE, (h, vh, 0))
        else:
            self._invoke(_IRQ_GATTC_READ_DONE, (h, vh, BLE_HS_ERR_ATT_BASE + st))
        return None

    def gattc_write(self, conn_handle, value_handle, data, mode=0):
        raw = _buf(data)
        mode = int(mode)
        lk, peer = self._peer_for(conn_handle)
        h = int(conn_handle)
        vh = int(value_handle)
        if mode not in (0, 1):
            _raise(_hs_err(BLE_HS_EINVAL))
        raw = raw[: lk.mtu - 3]  # ble_gattc_write_flat / no_rsp: truncated to MTU
        st = peer._srv_write(lk, vh, raw, mode == 1)
        if mode == 1:
            self._invoke(_IRQ_GATTC_WRITE_DONE, (h, vh, BLE_HS_ERR_ATT_BASE + st if st else 0))
        return None

    def gattc_exchange_mtu(self, conn_handle):
        lk, peer = self._peer_for(conn_handle)
        if lk.mtu_exchanged:
            _raise(_hs_err(BLE_HS_EALREADY))
        _exchange_mtu(lk, self._pref_mtu, peer._pref_mtu)
        return None

    # ------------------------------------------------------------------
    # sim helpers for tests
    # ------------------------------------------------------------------
    def sim_links(self):
        return [self._links[h] for h in self._links if self._links[h].connected]

    def sim_advertising(self):
        """None, or dict(interval_us, adv_data, resp_data, connectable)."""
        a = self._adv
        if a is None:
            return None
        return {"interval_us": a.interval_us, "adv_data": a.adv_data, "resp_data": a.resp_data, "connectable": a.connectable}

    def sim_handles(self):
        """[(handle, kind, uuid, flags)] of the local GATT table."""
        if self._server is None:
            return []
        return [(a.handle, a.kind, a.uuid, a.flags) for a in self._server.attrs]

    def sim_buffer(self, value_handle):
        """(alloc, len, append) of a gatts db entry."""
        e = self._entry(value_handle)
        if e is None:
            return None
        return (e.alloc, e.len, e.append)

    def sim_update_conn_params(self, conn_handle, interval=24, latency=0, timeout=400, status=0):
        """Fire _IRQ_CONNECTION_UPDATE on this device (interval in 1.25 ms units)."""
        self._invoke(_IRQ_CONNECTION_UPDATE, (int(conn_handle), interval, latency, timeout, status))


def _as_int(r):
    # mp_obj_get_int_maybe(): ints (and bools) count, anything else is 0
    if r is None:
        return 0
    if isinstance(r, bool):
        return 1 if r else 0
    if isinstance(r, int):
        return r
    return 0


def _exchange_mtu(lk, a, b):
    lk.mtu = min(a, b)
    lk.mtu_exchanged = True
    for dev in (lk.c, lk.p):
        if hasattr(dev, "_on_mtu") and dev._active:
            dev._on_mtu(lk)


def _on_mtu_ble(self, lk):
    self._invoke(_IRQ_MTU_EXCHANGED, (lk.handle_for(self), lk.mtu))


BLE._on_mtu = _on_mtu_ble


def _establish(central, periph):
    """Create a link; the peripheral stops advertising (legacy adv)."""
    hc = central._alloc_handle()
    hp = periph._alloc_handle()
    lk = _Link(central, periph, hc, hp)
    central._links[hc] = lk
    periph._links[hp] = lk
    periph._adv = None
    air.links.append(lk)
    if hasattr(central, "_on_connected"):
        central._on_connected(lk)
    else:
        central._evt_addr(_IRQ_PERIPHERAL_CONNECT, hc, periph._addr_type, periph._addr)
    if hasattr(periph, "_on_connected"):
        periph._on_connected(lk)
    else:
        periph._evt_addr(_IRQ_CENTRAL_CONNECT, hp, central._addr_type, central._addr)
    return lk


def sim_new_ble(addr=None, addr_type=0, name="peer"):
    """A second, independent BLE radio on the same simulated air."""
    o = object.__new__(BLE)
    o._sim_init(addr if addr is not None else _default_addr(), addr_type, name)
    return o


def sim_aioble(radio):
    """A separate copy of the real aioble bound to ``radio`` (from ``sim_new_ble``): a second
    device's BLE stack on the same air.

    aioble binds to ``BLE()`` when it is imported, so the copy is imported while ``BLE`` returns
    ``radio``, then kept out of sys.modules (the device under test keeps its own aioble). Used
    by the pair tests (tests/pairapp.py, tests/models/fw_tests/test_fw_pair_link.py): the copy
    runs the left insole's peripheral, whose code path imports nothing lazily.
    """
    global BLE
    saved = {}
    for k in list(sys.modules):
        if k == "aioble" or k.startswith("aioble."):
            saved[k] = sys.modules.pop(k)
    real = BLE
    BLE = lambda *a, **kw: radio  # noqa: E731
    try:
        import aioble

        mod = aioble
    finally:
        BLE = real
        for k in list(sys.modules):
            if k == "aioble" or k.startswith("aioble."):
                del sys.modules[k]
        for k in saved:
            sys.modules[k] = saved[k]
    return mod


def sim_reset(keep_irq=True):
    """Reset the air and the singleton (deactivated, no links).  The
    singleton's irq handler is kept by default because aioble registers it
    once at import time."""
    air.reset()
    if _singleton is not None:
        h = _singleton._irq_handler
        _singleton._active = False
        _singleton._server = None
        _singleton._links = {}
        _singleton._adv = None
        _singleton._adv_data = None
        _singleton._resp_data = None
        _singleton._scan = None
        _singleton._next_handle = air.first_conn_handle
        _singleton._name = b"MPY ESP32"
        _singleton.sim_fail_init = 0
        _singleton.sim_irq_log = []
        _singleton._irq_handler = h if keep_irq else None


# ---------------------------------------------------------------------------
# Test-side central ("phone")
# ---------------------------------------------------------------------------


class AttError(Exception):
    def __init__(self, code):
        super().__init__("ATT error 0x%02x" % code)
        self.code = code


class SimAdvert:
    def __init__(self, dev, adv_type, rssi):
        a = dev._adv
        self.device = dev
        self.addr = bytes(dev._addr)
        self.addr_type = dev._addr_type
        self.adv_type = adv_type
        self.rssi = rssi
        self.adv_data = bytes(a.adv_data)
        self.resp_data = None if a.resp_data is None else bytes(a.resp_data)
        self.connectable = a.connectable

    def fields(self, adv_type):
        out = []
        for payload in (self.adv_data, self.resp_data):
            if not payload:
                continue
            i = 0
            while i + 1 < len(payload):
                ln = payload[i]
                if ln == 0:
                    break
                if payload[i + 1] == adv_type:
                    out.append(payload[i + 2 : i + 1 + ln])
                i += 1 + ln
        return out

    def name(self):
        f = self.fields(0x09) or self.fields(0x08)
        return str(f[0], "utf-8") if f else None


class SimCentral:
    """A synchronous GATT client, e.g. a phone app.

        phone = SimCentral(mtu=185)
        adv = phone.find(name="insole")
        link = phone.connect(adv)      # DUT gets _IRQ_CENTRAL_CONNECT
        link.exchange_mtu()            # both sides -> min(185, 256)
        link.write(uuid_or_handle, b"...")   # DUT gets _IRQ_GATTS_WRITE
        link.subscribe(uuid_or_handle)
        link.notifications -> [(value_handle, bytes)]
    """

    def __init__(self, addr=b"\x5a\x11\x22\x33\x44\x55", addr_type=1, mtu=185, name="phone"):
        self._addr = bytes(addr)
        self._addr_type = addr_type
        self._pref_mtu = mtu
        self._adv = None
        self._active = True
        self._links = {}
        self._next_handle = 0
        self.name = name
        air.devices.append(self)

    def _alloc_handle(self):
        h = self._next_handle
        self._next_handle += 1
        return h

    def scan(self, active=True):
        out = []
        for d in air.advertisers(exclude=self):
            a = d._adv
            t = _ADV_IND if a.connectable else (_ADV_SCAN_IND if a.resp_data is not None else _ADV_NONCONN_IND)
            out.append(SimAdvert(d, t, d.sim_rssi if hasattr(d, "sim_rssi") else air.default_rssi))
        return out

    def find(self, name=None, addr=None):
        for a in self.scan():
            if name is not None and a.name() == name:
                return a
            if addr is not None and a.addr == bytes(addr):
                return a
        return None

    def connect(self, target):
        if isinstance(target, SimAdvert):
            dev = target.device
        elif isinstance(target, (bytes, bytearray)):
            dev = air.find_advertiser(target)
        else:
            dev = target
        if dev is None or dev._adv is None:
            raise OSError(ETIMEDOUT)  # nothing advertising there
        if not dev._adv.connectable:
            raise OSError(ETIMEDOUT)
        lk = _establish(self, dev)
        return SimLink(self, lk)

    def _on_connected(self, lk):
        self._links[lk.handle_for(self)] = lk

    def _on_link_down(self, lk, h, ev, peer):
        if h in self._links:
            del self._links[h]

    def _on_mtu(self, lk):
        pass

    def _rx_value(self, lk, vh, data, indicate):
        sl = getattr(lk, "_simlink", None)
        if sl is None:
            return
        if indicate:
            sl.indications.append((vh, bytes(data)))
            if sl.auto_confirm:
                lk.other(self)._indication_confirmed(lk, vh, 0)
            else:
                sl._unconfirmed.append(vh)
        else:
            sl.notifications.append((vh, bytes(data)))

    def _indication_confirmed(self, lk, vh, status=0):
        pass


class SimLink:
    def __init__(self, central, lk):
        self.central = central
        self._lk = lk
        lk._simlink = self
        self.peer = lk.p
        self.notifications = []
        self.indications = []
        self.auto_confirm = True
        self._unconfirmed = []

    @property
    def connected(self):
        return self._lk.connected

    @property
    def mtu(self):
        return self._lk.mtu

    @property
    def conn_handle(self):
        """The handle the peripheral (DUT) sees for this connection."""
        return self._lk.hp

    def exchange_mtu(self, mtu=None):
        if mtu is not None:
            self.central._pref_mtu = mtu
        if self._lk.mtu_exchanged:
            raise OSError(EALREADY)
        _exchange_mtu(self._lk, self.central._pref_mtu, self.peer._pref_mtu)
        return self._lk.mtu

    def _check(self):
        if not self._lk.connected:
            raise OSError(ENOTCONN)

    def services(self):
        self._check()
        srv = self.peer._server
        return [] if srv is None else list(srv.services)

    def characteristics(self):
        """[(def_handle, value_handle, properties, uuid)]"""
        self._check()
        srv = self.peer._server
        return [] if srv is None else [(c[0], c[1], c[2], c[3]) for c in srv.chars]

    def handle(self, uuid_or_handle):
        if isinstance(uuid_or_handle, int):
            return uuid_or_handle
        u = uuid_or_handle if isinstance(uuid_or_handle, UUID) else UUID(uuid_or_handle)
        for c in self.characteristics():
            if c[3] == u:
                return c[1]
        raise KeyError("characteristic %r not found" % (u,))

    def cccd_handle(self, uuid_or_handle):
        vh = self.handle(uuid_or_handle)
        srv = self.peer._server
        for a in srv.attrs:
            if a.kind == "cccd" and a.value_handle == vh:
                return a.handle
        raise KeyError("no CCCD for handle %d" % vh)

    def read(self, uuid_or_handle):
        """ATT read (+ read blobs, i.e. the whole value).  Raises AttError."""
        self._check()
        st, data = self.peer._srv_read(self._lk, self.handle(uuid_or_handle))
        if st:
            raise AttError(st)
        return data

    def write(self, uuid_or_handle, data, response=True):
        """Write request (response=True; long writes up to 512 bytes are
        reassembled by NimBLE's prepare/execute queue and arrive whole) or
        write command (response=False; must fit ATT_MTU-3)."""
        self._check()
        data = bytes(data)
        if response:
            if len(data) > BLE_ATT_ATTR_MAX_LEN:
                raise AttError(ATT_ERR_INVALID_ATTR_VALUE_LEN)
        else:
            if len(data) > self._lk.mtu - 3:
                raise ValueError("write without response longer than ATT_MTU-3 (%d)" % (self._lk.mtu - 3))
        st = self.peer._srv_write(self._lk, self.handle(uuid_or_handle), data, response)
        if st and response:
            raise AttError(st)
        return None

    def subscribe(self, uuid_or_handle, notify=True, indicate=False):
        self._check()
        ch = self.cccd_handle(uuid_or_handle)
        v = (1 if notify else 0) | (2 if indicate else 0)
        st = self.peer._srv_write(self._lk, ch, bytes([v, 0]), True)
        if st:
            raise AttError(st)

    def confirm(self):
        """Confirm the oldest unconfirmed indication (auto_confirm=False)."""
        if self._unconfirmed:
            vh = self._unconfirmed.pop(0)
            self.peer._indication_confirmed(self._lk, vh, 0)

    def fail_indication(self, status=BLE_HS_ETIMEOUT):
        """The oldest unconfirmed indication times out (ATT 30 s timeout)."""
        if self._unconfirmed:
            vh = self._unconfirmed.pop(0)
            self.peer._indication_confirmed(self._lk, vh, status)

    def pop_notification(self):
        return self.notifications.pop(0) if self.notifications else None

    def disconnect(self):
        if self._lk.connected:
            self.peer._drop_link(self._lk, notify_self=True)

    def update_params(self, interval=24, latency=0, timeout=400):
        self.peer.sim_update_conn_params(self._lk.hp, interval, latency, timeout, 0)
