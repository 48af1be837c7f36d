"""The pair link over BLE with micropython-lib ``aioble`` (package.json pins aioble 0.6.2).

    core = pairlink.PairLink(pairlink.pair_key(team_key, left_id, right_id), side, cfg, seed=my_id)
    pair = PairLinkBle(core, clock, central=(side == pairlink.SIDE_RIGHT))
    aioble.register_services(*ble_radio_services, *pair.services())   # one call: it replaces all
    asyncio.create_task(pair.run())
    # the app: core.send_impulse / send_state / processed per sample (allocation-free),
    #          core.next_impulse / peer_done / pair_mode for fusion, core.status for the heartbeat

Roles: the central (the right insole by default: it decides the SOS and owns the
pair's alarms, docs/PAIR.md) scans for its peripheral's advert -- the service
SERVICE_UUID plus manufacturer data (MANUFACTURER_ID, pairlink.adv_tag(key)),
so it finds its own peer among other insoles -- and connects with a
CONN_INTERVAL_US connection interval. The peripheral advertises only while not
connected. Frames: central -> peripheral by write without response on
``c2p`` (a BufferedCharacteristic with capture: writes queue, none is lost),
peripheral -> central by notification on ``p2c``. aioble's client keeps only
the newest notification (client.py: ``deque((), 1)``), so the central gives
its characteristic a queue of RX_QUEUE frames after discovery and takes the
frames queued there itself (aioble's wait logic assumes a queue of one).

Reconnect: after a failed attempt or a dropped link, wait BACKOFF_MIN_MS
doubling up to BACKOFF_MAX_MS (+ up to a quarter of it at random), back to the
minimum once a session came up. A session that saw pairlink.BAD_MAX failed
frames is disconnected (a foreign device). Every stamp is read as close to the
radio as the API allows: ``clock()`` right before a write / notify, and
right after ``written()`` / ``notified()`` returns (clocksync.py says why).

``clock()``: monotonic ms, the same clock the app stamps its impulses with.
``aioble`` / ``bluetooth`` / ``urandom``: injected modules (None imports the
real ones: aioble creates bluetooth.BLE() on import).
"""
import asyncio

from ..core import pairlink as PL
from ..core.compat import const

SERVICE_UUID = "5e1e6a4d-0101-4a6b-9c3e-50e1e6a4d000"
C2P_UUID = "5e1e6a4d-0102-4a6b-9c3e-50e1e6a4d000"  # central -> peripheral (write without response)
P2C_UUID = "5e1e6a4d-0103-4a6b-9c3e-50e1e6a4d000"  # peripheral -> central (notify)
MANUFACTURER_ID = const(0xFFFF)  # as ble_radio: the SIG "no company" id; a product needs its own
ADV_INTERVAL_US = const(250000)  # while apart: the central's 2 s scan sees several adverts
ADV_WINDOW_MS = const(10000)  # advertise this long, then back off (0.25 mA class, docs/PAIR.md)
SCAN_MS = const(2000)
SCAN_INTERVAL_US = const(60000)
SCAN_WINDOW_US = const(30000)  # 50 % scan duty while looking: costs current, hence the back-off
CONN_INTERVAL_US = const(30000)  # 30 ms: alignment within 10 ms in every simulated link (tests/test_pairlink_props.py)
CONNECT_MS = const(3000)
BACKOFF_MIN_MS = const(1000)
BACKOFF_MAX_MS = const(32000)
TX_POLL_MS = const(20)  # a new impulse waits at most this long before it is sent
RX_QUEUE = const(8)


class PairLinkBle:
    """``core`` (pairlink.PairLink) over aioble; ``central``: True for the scanning/connecting side."""

    def __init__(self, core, clock, central, aioble=None, bluetooth=None, urandom=None):
        if aioble is None:
            import aioble
        if bluetooth is None:
            import bluetooth
        if urandom is None:
            import os

            urandom = os.urandom
        self.aioble = aioble
        self.core = core
        self.clock = clock
        self.central = central
        self.urandom = urandom
        self.tag = core.adv_tag
        self.uuid = bluetooth.UUID(SERVICE_UUID)
        self.c2p_uuid = bluetooth.UUID(C2P_UUID)
        self.p2c_uuid = bluetooth.UUID(P2C_UUID)
        self.service = None
        if not central:
            self.service = aioble.Service(self.uuid)
            self.c2p = aioble.BufferedCharacteristic(self.service, self.c2p_uuid, write=True, write_no_response=True,
                                                     capture=True, max_len=PL.FRAME_MAX)
            self.p2c = aioble.Characteristic(self.service, self.p2c_uuid, notify=True)
        self.connects = 0  # connections made
        self.failures = 0  # attempts that ended in an error or timeout
        self.dropped = 0  # connections dropped for failed frames (pairlink.BAD_MAX)
        self._fails = 0
        self._rng = 0x3C6E
        self.conn = None

    def services(self):
        """The GATT services to register (the peripheral's one; none on the central)."""
        return (self.service,) if self.service is not None else ()

    def _backoff(self):
        d = BACKOFF_MIN_MS << self._fails
        if d > BACKOFF_MAX_MS:
            d = BACKOFF_MAX_MS
        else:
            self._fails += 1
        s = self._rng
        s ^= (s << 7) & 0xFFFF
        s ^= s >> 9
        s ^= (s << 8) & 0xFFFF
        self._rng = s
        return d + s % (d // 4 + 1)

    async def run(self):
        """Forever: connect, run a session, back off, again. Never raises (errors are counted)."""
        while True:
            sessions = self.core.sessions
            try:
                if self.central:
                    await self._connect_central()
                else:
                    await self._accept()
            except asyncio.CancelledError:
                raise
            except Exception:  # asyncio.TimeoutError, aioble.DeviceDisconnectedError, GattError, OSError
                self.failures += 1
            await self._close()
            if self.core.sessions != sessions:
                self._fails = 0
            await asyncio.sleep_ms(self._backoff())

    async def _close(self):
        self.core.stop(self.clock())
        c = self.conn
        self.conn = None
        if c is not None and c.is_connected():
            try:
                await c.disconnect(timeout_ms=1000)
            except Exception:
                pass

    async def _accept(self):
        conn = await self.aioble.advertise(ADV_INTERVAL_US, services=[self.uuid],
                                           manufacturer=(MANUFACTURER_ID, bytes(self.tag)), timeout_ms=ADV_WINDOW_MS)
        self.conn = conn
        self.connects += 1

        async def send(frame):
            self.p2c.notify(conn, frame)

        async def recv():
            _, data = await self.c2p.written()
            return data

        await self._session(conn, send, recv)

    async def _connect_central(self):
        device = None
        async with self.aioble.scan(SCAN_MS, interval_us=SCAN_INTERVAL_US, window_us=SCAN_WINDOW_US) as scanner:
            async for r in scanner:
                for _, data in r.manufacturer(MANUFACTURER_ID):
                    if bytes(data[:4]) == bytes(self.tag):
                        device = r.device
                        break
                if device is not None:
                    break
        if device is None:
            raise asyncio.TimeoutError()
        conn = await device.connect(timeout_ms=CONNECT_MS, min_conn_interval_us=CONN_INTERVAL_US,
                                    max_conn_interval_us=CONN_INTERVAL_US)
        self.conn = conn
        self.connects += 1
        svc = await conn.service(self.uuid)
        if svc is None:
            raise OSError(2)  # not our service: the back-off applies
        c2p = await svc.characteristic(self.c2p_uuid)
        p2c = await svc.characteristic(self.p2c_uuid)
        await p2c.subscribe(notify=True)
        q = type(p2c._notify_queue)((), RX_QUEUE)  # aioble keeps 1 (see the module docstring)
        p2c._notify_queue = q

        async def send(frame):
            await c2p.write(frame, False)

        async def recv():
            # aioble's notified() sets its flag only when the queue goes from empty to one frame and waits
            # on it whenever one frame or none is queued: with a longer queue, a second frame that came
            # before the reader ran again would wait for ever (the link went silent after its first two
            # frames: tests/test_pair_app.py). Queued frames are taken here; a wake-up whose frame was
            # taken so finds the queue empty (IndexError) and waits again.
            while True:
                if q:
                    return q.popleft()
                try:
                    return await p2c.notified()
                except IndexError:
                    pass

        await self._session(conn, send, recv)

    async def _session(self, conn, send, recv):
        core = self.core
        core.start(self.clock(), self.urandom(PL.NONCE_LEN))

        async def reader():
            try:
                while True:
                    data = await recv()
                    core.receive(data, len(data), self.clock())
            except Exception:  # DeviceDisconnectedError: the writer loop sees the link gone
                pass

        rt = asyncio.create_task(reader())
        try:
            while conn.is_connected():
                n = core.poll(self.clock())
                while n:
                    await send(bytes(core.mv[:n]))
                    n = core.poll(self.clock())
                if core.should_drop():
                    self.dropped += 1
                    return
                if core.status(self.clock()) == PL.LINK_DOWN:
                    return  # the session ended itself (counter exhausted)
                w = core.wait_ms(self.clock())
                await asyncio.sleep_ms(w if w < TX_POLL_MS else TX_POLL_MS)
        finally:
            rt.cancel()
