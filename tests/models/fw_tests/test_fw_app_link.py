"""The app wired to its radios: core -> lifecycle -> outbox -> delivery -> LoRa and BLE over
the real micropython-lib packages and the models: the real ``lora`` driver on an SX1262 model
(``hardware``'s ``make_modem`` on the sim board's pins of the ``machine`` model), the real
``aioble`` on the ``bluetooth`` model; the IMU is the LSM6DSO register model under the real
``lsm6dsox`` driver (tests/imu_model.py). The gateway role (firmware gateway.Gateway) has its
own SX1262 model and real driver on the same model Air (the medium between the chips: a
receiver hears a packet only when it was listening as the packet started); a console signs
orders with the team key; a phone (the model's SimCentral) scans the BLE beacon.

The app replays a synthetic walk, fall and lying still (tests/synth.py; the unix-port run of a
sim/scenario.py recording from .mpy is tests/test_app_link_mp.py): the insole's chip puts the
authenticated alarm frame on the air, the alarm is resent until a gateway-signed receipt ack
(received by the insole's chip) stops it, BLE advertises it meanwhile; an evacuation order
plays the evacuation pattern and an evac_ack goes out; a roll call is answered with the app's
state, a config frame is applied; across a reset mid-alarm (the app rebuilt from the same fake
flash, the chips keep their wiring) the alarm is resent with a new counter and delivered. The
sample path stays allocation-free with the link attached (heap_lock on MicroPython).

Time: the app's clock (``Ticks``) moves as the tests say; each link round first brings the
radio models' clock (simenv) up to it, then runs on simulated microseconds (SPI, BUSY, time on
air). The insole's listen window is held open ``LISTEN_MS``: the SX1262 model reports a
preamble only with the header (preamble + 12.25 symbols), so a 245-symbol downlink needs the
receiver on for about 1.05 s. A downlink the gateway is given goes on the air in the insole's
next listen window (``Radios.gateway_tx``).

Both runtimes through tests/test_fw_models.py (CPython in a child process: the models patch
``time``/``asyncio`` process-wide; MicroPython in the models' device tree).
"""
import asyncio
import gc

import fwhelpers as F
import machine
import simenv
from fakes.flash import FakeFlash
from imu_model import IMUChip, locked_batch
from sx1262_model import MODE_RX, SX1262

from soleguard.edges import haptics as H
from soleguard.core import protocol as P
from soleguard.app import App
from soleguard.core.delivery import DOWNLINK_KHZ, UPLINK_KHZ
from soleguard.edges.drivers.lsm6dso_fifo import FifoIMU
from soleguard.core.events import CAUSE_FALL, CAUSE_TECHNICAL, EV_ALARM, EV_HEARTBEAT
from soleguard.core.frame import Z0, new_frame
from soleguard.edges.gateway import LONG_PREAMBLE, Gateway
from soleguard.edges.link import Link, WindowFile, link_state, load_key, make_link
from soleguard.edges.lora_radio import Clock, lora_cfg
from soleguard.edges.outbox import Outbox
from soleguard.edges.zones import Zones

from synth import FALL, LYING, STAND, WALK, fill_pattern

KEY = b"app-link-test-team-key-0123456"
TEAM = 12
LISTEN_MS = 1500  # > 257.25 symbols at SF9 (4.096 ms): the long-preamble downlink's header (see above)
GW_PINS = (2, 15, 16, 17, 18)  # the gateway's SX1262: SPI 2, NSS, BUSY, DIO1, RESET (free on the sim board)


_BOARD = []


def _board():
    if not _BOARD:
        b = F.board("sim")
        _BOARD.append(dict(b, storage=dict(b["storage"], block_size=256)))
    return _BOARD[0]


class _ADC:
    v = 0

    def read_u16(self):
        return self.v


class _PWM:
    v = 0

    def duty_u16(self, v=None):
        if v is None:
            return self.v
        self.v = v


class _Battery:
    def read_mv(self):
        return 3900


class Ticks:
    t = 0

    def __call__(self):
        return self.t


class Radios:
    """The radio side of the world: the models' clock, the Air, the insole's SX1262 model on the
    sim board's LoRa pins, the gateway's SX1262 model + real driver, a phone. Survives a reset."""

    def __init__(self):
        b = _board()
        F._ble_reset()
        lc = b["radios"]["lora"]
        self.clock, self.air, self.chip = F.radio_world(b, tcxo_mv=lc.get("tcxo_mv"))
        spi_id, nss, busy, dio1, rst = GW_PINS
        self.gw_chip = SX1262(self.clock, air=self.air, name="gw", tcxo_mv=None)
        self.gw_chip.connect_machine(spi_id, nss=nss, busy=busy, dio1=dio1, reset=rst)
        self.gm = F.AsyncSX1262(machine.SPI(spi_id, baudrate=8000000), machine.Pin(nss, machine.Pin.OUT, value=1),
                                machine.Pin(busy, machine.Pin.IN), dio1=machine.Pin(dio1, machine.Pin.IN),
                                reset=machine.Pin(rst))
        import bluetooth

        self.phone = bluetooth.SimCentral()
        self.queued = []  # (frame, long preamble): sent in the insole's next listen window

    def catch_up(self, t_ms):
        """The models' clock up to the app's ``t_ms`` (at least 1 ms on: a chip finishes entering sleep)."""
        self.clock.advance_us(max(1000, t_ms * 1000 - self.clock.now_us()))

    async def gateway_tx(self):
        if not self.queued:
            return
        while self.chip.mode != MODE_RX:  # the insole opens its receive window
            await asyncio.sleep_ms(1)
        frame, long = self.queued.pop(0)
        self.gm.configure(lora_cfg(_board()["radios"]["lora"], DOWNLINK_KHZ, LONG_PREAMBLE if long else 8))
        await self.gm.send(frame)
        self.gm.standby()

    def check(self):
        for c in (self.chip, self.gw_chip):
            assert not c.violations and not c.exec_failures, (c.violations, c.exec_failures)


class World:
    """One insole app with its link, a gateway modem on the same air, a console."""

    def __init__(self, flash=None, windows=None, radios=None, ticks=None, slot=0):
        self.radios = radios or Radios()
        self.air = self.radios.air
        self.ticks = ticks or Ticks()
        self.flash = flash or FakeFlash(4, 256)
        self.windows = windows if windows is not None else P.MemoryStore()
        board = _board()
        chip = IMUChip()  # the LSM6DSO register model under the real lsm6dsox driver
        self.chip = chip
        self.fifo = FifoIMU(chip.driver(), board["imu"]["watermark"], board["imu"]["axes"])
        self.adcs = [_ADC() for _ in range(8)]
        zones = Zones(self.adcs, [z["cal"] for z in board["zones"]])
        box = Outbox(self.flash)
        values = {"TEAM_ID": TEAM, "ANSWER_SLOT": slot}
        from soleguard.edges.store import validate

        self.radios.catch_up(self.ticks.t)
        self.modem = F.make_modem(board)  # the real lora driver on the insole's SX1262 model

        async def build():  # aioble starts its capture task when the BLE service is built, inside the loop
            self.link = make_link(board, box, validate(values)[1], KEY, b"insole-hw-1", clock=Clock(self.ticks),
                                  modem=self.modem, windows=self.windows, evac_spread_ms=0, rx1_delay_ms=0)
            await F.settle()

        simenv.run(build())  # the real aioble on the bluetooth model
        self.link.lora.rx_window_ms = LISTEN_MS
        self.events = []
        self.app = App(board, self.fifo, zones, _PWM(), _Battery(), box, self.link, values,
                       clock=self.ticks, on_event=lambda t, a, b, c: self.events.append((t, a, b, c)))
        keys = P.Keys(KEY)
        self.keys = keys
        self.gw = Gateway(keys, TEAM, keys.device_id(b"gw"), P.TxCounter(P.MemoryStore()), P.MemoryStore(),
                          lambda line: None)
        self.console = P.Encoder(keys, TEAM, keys.device_id(b"console"), P.TxCounter(P.MemoryStore()))
        self.up = P.Decoder(keys, TEAM, P.ReplayWindow(4), False)
        self.seen = 0  # air.log entries looked at

    def feed(self, pattern, n):
        f = new_frame()
        app = self.app
        for k in range(n):
            fill_pattern(f, pattern, k, 8)  # each pattern from its start, as test_fw_edges
            self.chip.push(f[0], f[1], f[2], f[3], f[4], f[5])
            for z in range(8):
                self.adcs[z].v = f[Z0 + z] << 4
            app.zones.sample()
            if self.chip.count >= 2 * app.fifo.watermark:
                app.on_batch()
                self.ticks.t += 160

    def step(self):
        """The app's radio task once, then one LoRa round (send what is due, else listen; a queued
        downlink goes on the air in that listen window)."""
        r = self.radios
        r.catch_up(self.ticks.t)
        self.app.radio_service()

        async def round_():
            g = asyncio.create_task(r.gateway_tx())
            await self.link.lora.step()
            await g

        simenv.run(round_())
        self.app.radio_service()
        r.check()

    def advertise(self):
        """One BLE advertising session; (returned True, the payload a scanning phone saw)."""
        seen = []

        async def go():
            adv = asyncio.create_task(self.link.ble.advertise_once(timeout_ms=20))
            await asyncio.sleep_ms(5)
            seen.extend(bytes(a.adv_data) for a in self.radios.phone.scan())
            return await adv

        ok = simenv.run(go())
        return ok, seen

    def uplinks(self):
        """New frames the insole's chip transmitted: list of (type, a, b, counter, bytes)."""
        out = []
        log = self.air.log
        while self.seen < len(log):
            e = log[self.seen]
            self.seen += 1
            if e["sender"] is self.radios.chip:
                data = bytes(e["payload"])
                # the uplink channel (the chip's PLL step is 0.95 Hz: the driver rounds down) and a short preamble
                assert abs(e["freq_hz"] - UPLINK_KHZ * 1000) <= 1 and e["preamble"] == 8, (e["freq_hz"], e["preamble"])
                assert self.up.decode(data) == P.OK  # authenticated with the team key
                out.append((self.up.type, self.up.a, self.up.b, self.up.counter, data))
        return out

    def gateway_hears(self, data):
        """The gateway receives ``data``; its receipt ack goes on the air (downlink channel)."""
        now = self.ticks.t
        assert self.gw.on_uplink(data, len(data), now, "lora") == P.OK
        out = self.gw.service(now + 1000)
        assert out is not None
        self.transmit(out[0], False)

    def transmit(self, frame, long):
        """The gateway's radio sends ``frame`` in the insole's next listen window."""
        self.radios.queued.append((bytes(frame), long))

    def order(self, t, a=0, b=0, c=0):
        """A console frame through the gateway's line protocol, sent with the long preamble."""
        n = self.console.encode(t, a, b, c)
        self.gw.on_line("D " + "".join("%02x" % x for x in self.console.mv[:n]), self.ticks.t)
        frame, long, ms = self.gw.service(self.ticks.t)
        assert long
        self.transmit(frame, True)


def _alarm(w):
    w.feed(STAND, 300)
    w.feed(WALK, 2000)
    w.feed(FALL, 1)
    w.feed(LYING, 2000)
    assert (EV_ALARM, CAUSE_FALL) in [(e[1], e[2]) for e in w.events], w.events


def _alarm_frames(w, rounds=6):
    got = []
    for _ in range(rounds):
        w.step()
        got += [u for u in w.uplinks() if u[0] == P.T_ALARM]
        if got:
            break
    return got


def _heartbeats(w, rounds=4):
    got = []
    for _ in range(rounds):
        w.step()
        got += [u for u in w.uplinks() if u[0] == P.T_HEARTBEAT]
    return got


def test_heartbeat_reports_the_lifecycle_and_the_supervisor_ack_is_confirmed():
    """After the gateway's receipt no alarm record is pending, yet the alarm is
    still on: the heartbeat says so (alarm active, ack awaited). The
    supervisor's ack is confirmed at once by a status heartbeat without the
    ack-awaited bit, which is what stops the console's repeats."""
    w = World()
    _alarm(w)
    first = _alarm_frames(w)
    w.gateway_hears(first[0][4])
    w.step()
    assert all(r[2] != EV_ALARM for r in w.app.outbox.pending())
    w.app._emit(w.app.t_ms, EV_HEARTBEAT, 0, 80)  # the periodic heartbeat (every_second's, without its zone checks)
    (hb,) = _heartbeats(w)
    assert hb[2] & P.HB_ALARM_ACTIVE and hb[2] & P.HB_ACK_AWAITED, hb
    n = w.console.encode(P.T_ACK, w.link.device_id, first[0][3], P.ACK_BY_SUPERVISOR)
    w.transmit(bytes(w.console.mv[:n]), False)
    got = _heartbeats(w)
    assert w.app.core.lifecycle.acked
    assert len(got) == 1 and got[0][2] & P.HB_ALARM_ACTIVE and not got[0][2] & P.HB_ACK_AWAITED, got


def test_the_motor_confirms_an_sos_only_once_it_is_stored():
    w = World()

    def broken(t, type_, cause, detail):
        raise OSError(5, "flash write failed")

    orig = w.app.outbox.append
    w.app.outbox.append = broken
    w.app.core.lifecycle.sos(w.app.t_ms)
    w.app._drain()
    assert w.app.haptics.playing == H.TECH  # the storage fault is felt, never "SOS sent"
    w.app.outbox.append = orig
    w.app.core.lifecycle.sos(w.app.t_ms + 1000)
    w.app._drain()
    assert w.app.haptics.playing == H.SOS_CONFIRM


def test_app_alarm_ack_evacuation_over_lora_and_ble():
    w = World()
    assert isinstance(w.app.radio, Link) and w.app.start() == 0  # the radio path passes the self-test
    _alarm(w)
    first = _alarm_frames(w)
    assert len(first) == 1 and first[0][1] == CAUSE_FALL
    # BLE advertises the frame in flight as manufacturer data (what a scanning phone sees)
    ok, seen = w.advertise()
    assert ok and len(seen) == 1 and seen[0][7:] == first[0][4], seen
    # no ack: resent after 20-30 s with a new counter
    w.ticks.t += 31000
    again = _alarm_frames(w, 1)
    assert len(again) == 1 and again[0][3] > first[0][3]
    # the gateway's receipt ack (signed with its own id) stops the resends
    w.gateway_hears(again[0][4])
    w.step()
    assert all(r[2] != EV_ALARM for r in w.app.outbox.pending())
    assert not w.link.d.alarm_in_flight()
    for _ in range(3):
        w.ticks.t += 31000
        w.step()
    assert [u for u in w.uplinks() if u[0] == P.T_ALARM] == []
    # the supervisor's ack reaches the lifecycle
    n = w.console.encode(P.T_ACK, w.link.device_id, again[0][3], P.ACK_BY_SUPERVISOR)
    w.transmit(bytes(w.console.mv[:n]), False)
    w.step()
    assert w.app.core.lifecycle.acked
    # evacuation: long vibration, then an evac_ack for the order
    w.order(P.T_EVACUATE, 5, 1)
    w.step()
    assert w.app.haptics.playing == H.EVACUATION
    assert link_state(w.app) == P.STATE_ALARM  # still lying: the alarm state ranks above evacuating
    ups = []
    for _ in range(3):
        w.step()
        ups += w.uplinks()
    evac = [u for u in ups if u[0] == P.T_EVAC_ACK]
    assert len(evac) == 1 and evac[0][1] == 5
    w.gateway_hears(evac[0][4])  # acknowledged: the next record may go (stop-and-wait)
    w.step()
    # roll call answered with the app's state; config frame applied
    w.order(P.T_ROLL_CALL, 9)
    for _ in range(3):
        w.step()
        ups += w.uplinks()
    ans = [u for u in ups if u[0] == P.T_ROLL_CALL_ANSWER]
    assert len(ans) == 1 and ans[0][1] == 9 and ans[0][2] == P.STATE_ALARM
    w.order(P.T_CONFIG, P.BROADCAST, P.PARAM_HEARTBEAT_S, 120)
    w.step()
    assert w.app.edge["HEARTBEAT_S"] == 120
    # all clear ends the vibration
    w.order(P.T_ALL_CLEAR, 5)
    w.step()
    assert w.app.haptics.playing == H.NONE


def test_reset_mid_alarm_resends_from_the_journal_and_delivers():
    w = World()
    w.app.start()
    _alarm(w)
    first = _alarm_frames(w)
    assert len(first) == 1
    # power cut before any ack: the app is rebuilt from the same flash and window store
    w2 = World(flash=w.flash.power_on(), windows=w.windows, radios=w.radios, ticks=w.ticks)
    w2.seen = len(w.air.log)
    w2.ticks.t += 5000
    assert w2.app.start() == 0
    assert [r for r in w2.app.outbox.pending() if r[2] == EV_ALARM]
    again = _alarm_frames(w2)
    assert len(again) == 1 and again[0][1] == CAUSE_FALL and again[0][3] > first[0][3]
    w2.gateway_hears(again[0][4])
    w2.step()
    assert all(r[2] != EV_ALARM for r in w2.app.outbox.pending())


def test_sample_path_allocates_nothing_with_the_link_attached():
    w = World()
    w.app.start()
    w.step()
    w.feed(STAND, 3000)
    done = 0
    f = new_frame()
    app = w.app
    i = 0
    used = 0
    for _ in range(40):
        for _ in range(16):
            fill_pattern(f, STAND, i, 8)
            i += 1
            w.chip.push(f[0], f[1], f[2], f[3], f[4], f[5])
            app.zones.sample()
        got, b = locked_batch(w.chip, app.on_batch)  # heap_lock on MicroPython: an allocation raises
        done += got
        used += b
    assert used == 0, used
    assert done == 640


def test_key_file_and_window_file():
    path = "/tmp/soleguard-test-%d" % id(KEY)
    with open(path + ".key", "w") as f:
        f.write('{"site": "s", "team": 12, "key": "%s"}' % ("ab" * 20))
    assert load_key(path + ".key", 12) == b"\xab" * 20
    for text, team, word in (('{"team": 3, "key": "%s"}' % ("ab" * 20), 12, "TEAM_ID"), ("abcd", None, "hex")):
        with open(path + ".key", "w") as f:
            f.write(text)
        try:
            load_key(path + ".key", team)
            assert False
        except ValueError as e:
            assert word in str(e), e
    try:
        load_key(path + ".missing")
        assert False
    except ValueError as e:
        assert "enrol" in str(e)
    ws = WindowFile(path + ".win")
    ws.save_window(0x12345678, 77)
    ws.save_window(5, 9)
    assert sorted(WindowFile(path + ".win").load_windows()) == [(5, 9), (0x12345678, 77)]
    import os

    for p in (path + ".key", path + ".win"):
        os.remove(p)


def _write(p, text):
    with open(p, "w") as f:
        f.write(text)


def _rm(*paths):
    import os

    for p in paths:
        try:
            os.remove(p)
        except OSError:
            pass


def test_window_file_lost_blank_or_unreadable_is_recovered_or_a_technical_alarm():
    """The replay windows and last all-clear ids: a cut FAT replace (main gone,
    .new complete) is recovered silently; a blank or corrupt file with no good
    .new, or a file lost from an insole whose journal says it has run before,
    raises a technical alarm (storage) the supervisor sees."""
    from soleguard.core.technical import TECH_STORAGE, tech_detail

    path = "/tmp/soleguard-win-%d" % id(World)
    _rm(path, path + ".new")
    ws = WindowFile(path)  # first boot: no file; one is made at once
    assert not ws.lost and ws.absent
    assert not WindowFile(path).absent  # so that a later loss shows
    ws.save_window(0x12345678, 77)
    ws.save_cleared(0x0C0C0C0C, 65535)
    import os

    os.rename(path, path + ".new")  # power cut between FAT's remove and rename
    ws2 = WindowFile(path)
    assert not ws2.lost and ws2.load_windows() == [(0x12345678, 77)] and ws2.load_cleared() == [(0x0C0C0C0C, 65535)]
    for text in ("", "{\"12\": "):
        _rm(path + ".new")
        _write(path, text)
        assert WindowFile(path).lost, text
    flash = FakeFlash(4, 256)
    w = World(flash=flash, windows=WindowFile(path))
    assert (EV_ALARM, CAUSE_TECHNICAL, tech_detail(TECH_STORAGE, 1)) in [e[1:] for e in w.events]
    del w
    gc.collect()  # one World at a time (MicroPython test heap)
    _rm(path, path + ".new")  # lost after that first run: the journal says the insole ran before
    w = World(flash=flash.power_on(), windows=WindowFile(path))
    assert (EV_ALARM, CAUSE_TECHNICAL, tech_detail(TECH_STORAGE, 1)) in [e[1:] for e in w.events]
    del w
    gc.collect()
    _rm(path, path + ".new")
    w3 = World(windows=WindowFile(path))  # a new insole: blank journal, no file: nothing to report
    assert [e for e in w3.events if e[2] == CAUSE_TECHNICAL] == []
    _rm(path, path + ".new")


def test_evacuation_all_clear_does_not_end_a_pre_alarm():
    from soleguard.core.lifecycle import PRE_ALARM
    from soleguard.core.radioport import CMD_ALL_CLEAR, CMD_EVACUATE

    w = World()
    w.app.start()
    w.feed(STAND, 300)
    w.feed(WALK, 2000)
    w.feed(FALL, 1)
    w.feed(LYING, 300)
    assert w.app.core.lifecycle.state == PRE_ALARM
    w.app.command(CMD_EVACUATE, 1)
    w.app.command(CMD_ALL_CLEAR, 1)  # the team's evacuation is over; this wearer is still down
    assert w.app.haptics.playing != H.EVACUATION
    w.feed(LYING, 1700)
    assert (EV_ALARM, CAUSE_FALL) in [(e[1], e[2]) for e in w.events]


def test_enrolment_answer_slot_reaches_delivery():
    # ANSWER_SLOT (edge config, roster position + 1) is the insole's evacuation answer slot; 0 = none
    assert World().link.d.slot == -1
    assert World(slot=8).link.d.slot == 7
