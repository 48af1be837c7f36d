# Tests of the bluetooth model through the raw MicroPython API (no aioble).
from helpers import raises, errno_of, ble_reset
import bluetooth
from bluetooth import UUID, SimCentral, AttError

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_READ_REQUEST = 4
_IRQ_GATTS_INDICATE_DONE = 20
_IRQ_MTU_EXCHANGED = 21
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30

SVC = UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
RX = UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")
TX = UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")
F_READ = bluetooth.FLAG_READ
F_WRITE = bluetooth.FLAG_WRITE
F_NOTIFY = bluetooth.FLAG_NOTIFY
F_INDICATE = bluetooth.FLAG_INDICATE


class Recorder:
    def __init__(self, ble):
        self.events = []
        self.ret = {}
        ble.irq(self)

    def __call__(self, event, data):
        cp = []
        for x in data:
            if isinstance(x, memoryview):
                cp.append(bytes(x))
            elif isinstance(x, UUID):
                cp.append(UUID(x))
            else:
                cp.append(x)
        self.events.append((event, tuple(cp)))
        return self.ret.get(event)

    def of(self, ev):
        return [d for e, d in self.events if e == ev]


def _peripheral(chars=((RX, F_WRITE),), active=True):
    ble_reset()
    ble = bluetooth.BLE()
    rec = Recorder(ble)
    if active:
        ble.active(True)
    handles = None
    if chars is not None:
        ((handles),) = ble.gatts_register_services(((SVC, chars),))
    return ble, rec, handles


def _connect(ble, mtu=185):
    ble.gap_advertise(100000, b"\x02\x01\x06")
    phone = SimCentral(mtu=mtu)
    link = phone.connect(ble)
    return phone, link


# --- UUID ---------------------------------------------------------------------


def test_uuid_forms_and_equality_quirks():
    assert repr(UUID(0x180F)) == "UUID(0x180f)"
    assert bytes(UUID(0x180F)) == b"\x0f\x18"  # little endian
    u = UUID("6e400001-b5a3-f393-e0a9-e50e24dcca9e")
    assert u == SVC and hash(u) == hash(SVC)
    assert repr(u) == "UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')"
    assert bytes(u)[0] == 0x9E and bytes(u)[15] == 0x6E
    # a 16-bit UUID never equals its 128-bit base-UUID expansion
    assert UUID(0x2902) != UUID("00002902-0000-1000-8000-00805f9b34fb")
    # a 4-character *string* is taken as 4 raw bytes -> a 32-bit UUID!
    q = UUID("180F")
    assert len(bytes(q)) == 4 and q != UUID(0x180F)
    assert UUID(UUID(0x2A00)) == UUID(0x2A00)
    assert UUID(b"\x00\x2a") == UUID(0x2A00)
    e = raises(ValueError, UUID, 0x10000)
    assert "invalid UUID" in str(e)
    raises(ValueError, UUID, "6e400001-b5a3-f393-e0a9-e50e24dcca9z")
    raises(ValueError, UUID, "6e400001-b5a3-f393-e0a9")


# --- general ------------------------------------------------------------------


def test_singleton_config_and_inactive_errors():
    ble_reset()
    ble = bluetooth.BLE()
    assert bluetooth.BLE() is ble
    assert ble.active() is False
    assert ble.config("gap_name") == b"MPY ESP32"
    assert errno_of(raises(OSError, ble.config, "mac")) == 19  # ENODEV when off
    assert errno_of(raises(OSError, ble.gap_advertise, 100000, b"")) == 19
    assert ble.gatts_read(20) == b""  # error swallowed by the binding
    ble.active(True)
    t, mac = ble.config("mac")
    assert t == 0 and len(mac) == 6
    assert ble.config("mtu") == 256
    raises(ValueError, ble.config, "rxbuf")  # no ringbuffer with sync events
    raises(ValueError, ble.config, rxbuf=512)
    raises(TypeError, ble.config)
    raises(TypeError, ble.config, "mtu", mtu=100)
    assert errno_of(raises(OSError, ble.config, mtu=600)) == 22
    ble.config(gap_name="insole-L")
    assert ble.config("gap_name") == b"insole-L"
    assert errno_of(raises(OSError, ble.config, gap_name="x" * 32)) == 22
    raises(ValueError, ble.irq, 5)


def test_activation_asks_for_irk_secret():
    ble, rec, _ = _peripheral(chars=None, active=False)
    ble.active(True)
    gets = rec.of(_IRQ_GET_SECRET)
    sets = rec.of(_IRQ_SET_SECRET)
    assert gets == [(10, 0, b"irk")]
    assert len(sets) == 1 and sets[0][0] == 10 and sets[0][1] == b"irk" and len(sets[0][2]) == 16


def test_active_true_twice_restarts_stack():
    ble, rec, (h,) = _peripheral()
    ble.gatts_write(h, b"hello")
    assert ble.gatts_read(h) == b"hello"
    ble.active(True)  # mp_bluetooth_init() deinit()s first
    assert ble.gatts_read(h) == b""


# --- GATT server ----------------------------------------------------------------


def test_register_services_handles_and_cccd_layout():
    ble, rec, handles = _peripheral(chars=((RX, F_WRITE), (TX, F_READ | F_NOTIFY, ((UUID(0x2901), F_READ),))))
    rx, tx, desc = handles
    assert (rx, tx, desc) == (16, 18, 20)  # after GAP(1-5) + GATT(6-13), svc=14
    kinds = [(h, k) for h, k, u, f in ble.sim_handles() if h >= 14]
    assert kinds == [(14, "svc"), (15, "decl"), (16, "val"), (17, "decl"), (18, "val"), (19, "cccd"), (20, "dsc")]
    assert ble.sim_buffer(rx) == (20, 0, False)
    raises(ValueError, ble.gatts_register_services, ((SVC, ((RX,),)),))
    raises(ValueError, ble.gatts_register_services, ((0x180F, ()),))


def test_register_while_advertising_or_connected_is_ebusy():
    ble, rec, _ = _peripheral()
    ble.gap_advertise(100000, b"")
    assert errno_of(raises(OSError, ble.gatts_register_services, ((SVC, ((RX, F_WRITE),)),))) == 16
    ble.gap_advertise(None)
    ble.gatts_register_services(((SVC, ((RX, F_WRITE),)),))


def test_central_write_longer_than_buffer_is_truncated_to_20():
    ble, rec, (h,) = _peripheral()
    phone, link = _connect(ble)
    conn = rec.of(_IRQ_CENTRAL_CONNECT)[0]
    assert conn[0] == link.conn_handle and conn[1] == phone._addr_type and conn[2] == phone._addr
    link.write(RX, bytes(range(26)))
    w = rec.of(_IRQ_GATTS_WRITE)
    assert w == [(link.conn_handle, h)]  # tuple is (conn_handle, value_handle): no data
    assert ble.gatts_read(h) == bytes(range(20))


def test_set_buffer_enlarges_and_append_mode_accumulates():
    ble, rec, (h,) = _peripheral()
    phone, link = _connect(ble)
    ble.gatts_set_buffer(h, 32)
    link.write(RX, bytes(range(26)))
    assert ble.gatts_read(h) == bytes(range(26))
    ble.gatts_set_buffer(h, 8, True)
    assert ble.gatts_read(h) == b""  # resize clears the value
    link.write(RX, b"abc")
    link.write(RX, b"defgh")
    link.write(RX, b"ijk")  # buffer full: silently dropped
    assert ble.gatts_read(h) == b"abcdefgh"
    assert ble.gatts_read(h) == b""  # append-mode read clears
    assert errno_of(raises(OSError, ble.gatts_set_buffer, 999, 10)) == 22


def test_local_gatts_write_grows_buffer_and_long_read():
    ble, rec, (h,) = _peripheral(chars=((TX, F_READ),))
    assert ble.gatts_write(h, b"x" * 100) == 100
    assert ble.sim_buffer(h)[0] == 100
    phone, link = _connect(ble)
    assert link.read(TX) == b"x" * 100
    assert rec.of(_IRQ_GATTS_READ_REQUEST) == [(link.conn_handle, h)]


def test_read_request_rejection_and_permissions():
    ble, rec, (r, w) = _peripheral(chars=((TX, F_READ), (RX, F_WRITE)))
    phone, link = _connect(ble)
    rec.ret[_IRQ_GATTS_READ_REQUEST] = 0x0E
    assert raises(AttError, link.read, TX).code == 0x0E
    assert raises(AttError, link.read, RX).code == 0x02  # read not permitted
    assert raises(AttError, link.write, TX, b"1").code == 0x03  # write not permitted


def test_notify_truncated_to_mtu_minus_3_and_sent_without_subscription():
    ble, rec, (h,) = _peripheral(chars=((TX, F_READ | F_NOTIFY),))
    phone, link = _connect(ble)
    ble.gatts_notify(link.conn_handle, h, bytes(range(30)))
    assert link.pop_notification() == (h, bytes(range(20)))  # default MTU 23
    assert link.exchange_mtu() == 185
    assert rec.of(_IRQ_MTU_EXCHANGED) == [(link.conn_handle, 185)]
    ble.gatts_notify(link.conn_handle, h, bytes(range(30)))
    assert link.pop_notification() == (h, bytes(range(30)))
    assert errno_of(raises(OSError, ble.gatts_notify, 77, h, b"x")) == 128  # ENOTCONN


def test_notify_without_data_fires_read_request_with_conn_none():
    ble, rec, (h,) = _peripheral(chars=((TX, F_READ | F_NOTIFY),))
    phone, link = _connect(ble)
    ble.gatts_write(h, b"val")
    ble.gatts_notify(link.conn_handle, h)
    assert rec.of(_IRQ_GATTS_READ_REQUEST) == [(0xFFFF, h)]
    assert link.pop_notification() == (h, b"val")


def test_subscribe_is_invisible_to_python_but_drives_send_update():
    ble, rec, (h,) = _peripheral(chars=((TX, F_READ | F_NOTIFY | F_INDICATE),))
    phone, link = _connect(ble)
    ble.gatts_write(h, b"a", True)
    assert link.notifications == []  # not subscribed yet
    n_events = len(rec.events)
    link.subscribe(TX)
    assert len(rec.events) == n_events  # CCCD writes raise no IRQ
    ble.gatts_write(h, b"b", True)
    assert link.notifications == [(h, b"b")]
    link.subscribe(TX, notify=False, indicate=True)
    ble.gatts_write(h, b"c", True)
    assert link.indications == [(h, b"c")]
    assert rec.of(_IRQ_GATTS_INDICATE_DONE) == [(link.conn_handle, h, 0)]


def test_indicate_done_waits_for_confirmation():
    ble, rec, (h,) = _peripheral(chars=((TX, F_READ | F_INDICATE),))
    phone, link = _connect(ble)
    link.auto_confirm = False
    ble.gatts_indicate(link.conn_handle, h, b"i1")
    assert rec.of(_IRQ_GATTS_INDICATE_DONE) == []
    link.confirm()
    assert rec.of(_IRQ_GATTS_INDICATE_DONE) == [(link.conn_handle, h, 0)]
    ble.gatts_indicate(link.conn_handle, h, b"i2")
    link.fail_indication()
    assert rec.of(_IRQ_GATTS_INDICATE_DONE)[-1] == (link.conn_handle, h, 13)  # BLE_HS_ETIMEOUT


def test_disconnect_events_and_gap_disconnect_bool():
    ble, rec, (h,) = _peripheral()
    phone, link = _connect(ble)
    assert ble.sim_advertising() is None  # advertising stops on connect
    assert ble.gap_disconnect(link.conn_handle) is True
    assert rec.of(_IRQ_CENTRAL_DISCONNECT)[0][0] == link.conn_handle
    assert not link.connected
    assert ble.gap_disconnect(link.conn_handle) is False
    phone2, link2 = _connect(ble)
    link2.disconnect()
    assert len(rec.of(_IRQ_CENTRAL_DISCONNECT)) == 2


# --- advertising ---------------------------------------------------------------


def test_advertising_payload_limits():
    ble, rec, _ = _peripheral(chars=None)
    ble.gap_advertise(100000, b"\x1e\xff" + b"x" * 29)  # exactly 31 bytes
    assert len(ble.sim_advertising()["adv_data"]) == 31
    e = raises(OSError, ble.gap_advertise, 100000, b"\x1f\xff" + b"x" * 30)
    assert errno_of(e) == -18  # BLE_ERR_INV_HCI_CMD_PARMS passed through negated
    assert ble.sim_advertising() is None  # already stopped before the data was rejected
    e = raises(OSError, ble.gap_advertise, 100000, b"\x02\x01\x06", resp_data=b"y" * 32)
    assert errno_of(e) == 22  # scan response: BLE_HS_EINVAL -> EINVAL
    # adv_data=None reuses the previous payload
    ble.gap_advertise(100000)
    assert ble.sim_advertising()["adv_data"] == b"\x02\x01\x06"
    ble.gap_advertise(100000, b"")
    assert ble.sim_advertising()["adv_data"] == b""


def test_advertising_interval_limits():
    ble, rec, _ = _peripheral(chars=None)
    assert errno_of(raises(OSError, ble.gap_advertise, 10000, b"")) == 22  # < 20 ms
    assert errno_of(raises(OSError, ble.gap_advertise, 10240625 + 625, b"")) == 22
    ble.gap_advertise(20000, b"")
    ble.gap_advertise(100, b"")  # rounds to 0 -> NimBLE default interval


# --- IRQ delivery quirks -----------------------------------------------------------


def test_exception_in_irq_handler_disables_it():
    ble, rec, (h,) = _peripheral()
    calls = []

    def bad(event, data):
        calls.append(event)
        raise RuntimeError("boom")

    ble.irq(bad)
    phone, link = _connect(ble)  # CENTRAL_CONNECT -> exception -> handler dropped
    link.write(RX, b"x")
    assert calls == [_IRQ_CENTRAL_CONNECT]
    assert ble._irq_handler is None


def test_irq_memoryviews_are_only_valid_during_the_callback():
    ble, rec, _ = _peripheral()
    kept = []

    def h(event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            kept.append(data[2])  # keeps the memoryview, not a copy
            kept.append(bytes(data[2]))

    ble.irq(h)
    phone, link = _connect(ble)
    assert kept[1] == phone._addr
    assert bytes(kept[0]) != phone._addr  # later contents are garbage


# --- central role between two model radios -----------------------------------------


def test_two_radios_scan_connect_discover_write_read():
    ble, rec, _ = _peripheral(chars=None)
    peer = bluetooth.sim_new_ble(name="peer")
    prec = Recorder(peer)
    peer.active(True)
    ((rx, tx),) = peer.gatts_register_services(((SVC, ((RX, F_WRITE), (TX, F_READ | F_NOTIFY))),))
    peer.gatts_write(tx, b"hello-from-peer")
    peer.gap_advertise(100000, b"\x02\x01\x06", resp_data=b"\x05\x09peer")
    ble.gap_scan(1000, 30000, 30000, True)
    res = rec.of(5)
    assert [r[2] for r in res] == [0, 4]  # ADV_IND then SCAN_RSP
    assert res[0][1] == peer._addr and res[1][4] == b"\x05\x09peer"
    assert rec.of(6) == [()]  # SCAN_DONE
    ble.gap_connect(res[0][0], res[0][1])
    (c,) = rec.of(7)
    assert prec.of(_IRQ_CENTRAL_CONNECT)[0][2] == ble._addr
    ch = c[0]
    ble.gattc_discover_services(ch)
    svcs = rec.of(9)
    assert [s[3] for s in svcs] == [UUID(0x1800), UUID(0x1801), SVC]
    start, end = svcs[2][1], svcs[2][2]
    ble.gattc_discover_characteristics(ch, start, end)
    chars = rec.of(11)
    assert [(x[2], x[3], x[4]) for x in chars] == [(rx, F_WRITE, RX), (tx, F_READ | F_NOTIFY, TX)]
    assert chars[0][1] == tx - 2 and chars[1][1] == end  # end handles
    ble.gattc_write(ch, rx, bytes(range(26)), 1)
    assert rec.of(17) == [(ch, rx, 0)]
    assert peer.gatts_read(rx) == bytes(range(20))  # ATT_MTU 23 -> only 20 bytes sent
    ble.gattc_read(ch, tx)
    assert rec.of(15) == [(ch, tx, b"hello-from-peer")] and rec.of(16) == [(ch, tx, 0)]
    ble.gattc_read(ch, rx)
    assert rec.of(16)[-1] == (ch, rx, 0x102)  # BLE_HS_ERR_ATT_BASE + read-not-permitted
    ble.gattc_discover_descriptors(ch, tx, end)
    assert rec.of(13) == [(ch, tx + 1, UUID(0x2902))]
    ble.gattc_write(ch, tx + 1, b"\x01\x00", 1)
    peer.gatts_write(tx, b"n1", True)
    assert rec.of(18) == [(ch, tx, b"n1")]
    assert errno_of(raises(OSError, ble.gattc_exchange_mtu, 99)) == 128
    ble.gattc_exchange_mtu(ch)
    assert rec.of(21) == [(ch, 256)]
    assert errno_of(raises(OSError, ble.gattc_exchange_mtu, ch)) == 120  # EALREADY
    ble.gap_disconnect(ch)
    assert rec.of(8)[0][0] == ch and prec.of(_IRQ_CENTRAL_DISCONNECT)


def test_connect_to_absent_peer_reports_failure_event():
    ble, rec, _ = _peripheral(chars=None)
    ble.gap_connect(0, b"\x01\x02\x03\x04\x05\x06")
    assert rec.of(8) == [(0xFFFF, 0xFF, bytes(6))]
    raises(ValueError, ble.gap_connect, 0, b"\x01\x02")
    assert errno_of(raises(OSError, ble.gap_connect, None)) == 120
