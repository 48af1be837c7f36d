"""The app's radio port on a board: delivery.Delivery driven by the LoRa adapter (+ BLE).

    link = make_link(board, outbox, edge, key, hardware_id)     # hardware.build does this
    app = App(board, ..., outbox, link, ...)                    # App calls link.attach(app)
    asyncio.gather(*link.tasks())                               # App.run() does this

Path of an event on a board: core -> lifecycle -> App._emit -> outbox (flash)
-> App.radio_service: ``notify()`` -> Delivery.service (schedule, counter,
duty cycle, frame) -> LoRaRadio (868.1 MHz uplink, RX1 and listen windows on
869.525 MHz) and, while an alarm is in flight, BleRadio's advertisement.
Downlinks come back through Delivery.on_frame: receipt and supervisor acks
act on the outbox inside delivery; evacuate / all clear / alarm ack become
radio.CMD_* that ``receive()`` hands to App.command (lifecycle, haptics); an
evacuation also appends the EV_EVAC_ACK record, a roll call the answer
(state from ``link_state(app)``; heartbeat status bits from
``link_status(app)``), a config frame calls ``configure(app, ...)``.

Which adapters exist comes from the board's ``radios`` (``lora``, ``ble``);
the LoRa settings from ``radios.lora``; the team id from the validated
configuration (TEAM_ID), the key from the enrolment key file (``load_key``),
the device id from the MCU's unique id (protocol.Keys.device_id). Delivery's
haptics argument is None: the app renders orders on its own clock.
"""
import json
import os

from ..core import protocol as P
from ..core.delivery import EVAC_SPREAD_MS, Delivery, Prng
from .gateway import RX1_DELAY_MS
from .haptics import EVACUATION
from ..core.lifecycle import ALARM, PRE_ALARM
from .store import validate


STORAGE_WINDOWS = 1  # technical alarm index of TECH_STORAGE: the window file


class Link:
    """Radio port (radio.py) over ``delivery`` and its adapters; it owns the schedule."""

    owns_schedule = True  # App.radio_service calls notify() instead of send() per record

    def __init__(self, delivery, lora=None, ble=None):
        self.d = delivery
        self.lora = lora
        self.ble = ble

    def notify(self):
        self.d.notify()

    def send(self, seq, t, type_, cause, detail):
        self.d.notify()
        return True

    def receive(self):
        if self.lora is not None:
            c = self.lora.receive()
            if c is not None:
                return c
        if self.ble is not None and self.ble.commands:
            return self.ble.commands.pop(0)
        return None

    def may_sleep(self):
        """False while the MCU must stay awake (edges/sleep.py): an uplink and its RX1 window, an
        answer slot scheduled (its timing is within EVAC_SLOT_GUARD_MS), or an alarm in flight,
        which BLE advertises (a BLE advert does not survive light sleep)."""
        if self.lora is not None and (self.lora.busy or self.d.slot_pending()):
            return False
        return not (self.ble is not None and self.d.alarm_in_flight())

    def selftest(self):
        if self.lora is not None:
            return self.lora.selftest()
        return self.ble is not None

    def attach(self, app):
        """Called by App(): roll-call answers and config frames reach the app."""
        self.app = app
        self.d.state = lambda: link_state(app)
        self.d.status = lambda: link_status(app)
        self.d.on_config = lambda param, value: configure(app, param, value)

    def storage_faults(self, journal_fresh):
        """Technical alarm indices (TECH_STORAGE) for the stores at boot:
        1 = window file lost or unreadable (``journal_fresh``: the outbox
        started a blank journal, so a missing window file is a first boot)."""
        st = self.d._store
        if getattr(st, "lost", False) or (getattr(st, "absent", False) and not journal_fresh):
            return (STORAGE_WINDOWS,)
        return ()

    def tasks(self):
        """The adapters' coroutines (App.run gathers them with its own)."""
        out = []
        if self.lora is not None:
            out.append(self.lora.run())
        if self.ble is not None:
            out.append(self.ble.run())
        return out


def link_state(app):
    """The insole's state for a roll-call answer (protocol STATE_*)."""
    s = app.core.lifecycle.state
    if s == ALARM:
        return P.STATE_ALARM
    if s == PRE_ALARM:
        return P.STATE_PRE_ALARM
    if app.haptics.playing == EVACUATION:
        return P.STATE_EVACUATING
    return P.STATE_OK


def link_status(app):
    """The lifecycle's heartbeat status bits (protocol HB_ALARM_ACTIVE,
    HB_PRE_ALARM, HB_ACK_AWAITED): the state itself, not the journal's
    pending records (those are gone once the gateway gave receipt); HB_PAIR
    while the insole is in the pair's SOS mode (edges/pairing.py)."""
    life = app.core.lifecycle
    s = life.state
    b = P.HB_ALARM_ACTIVE if s == ALARM else (P.HB_PRE_ALARM if s == PRE_ALARM else 0)
    if life.ack_awaited():
        b |= P.HB_ACK_AWAITED
    pairing = app.pair
    if pairing is not None and pairing.mode:
        b |= P.HB_PAIR
    return b


def configure(app, param, value):
    """A config frame (protocol PARAM_*): validate, apply, save; return True if taken."""
    if param == P.PARAM_HEARTBEAT_S:
        name, v = "HEARTBEAT_S", value
    elif param == P.PARAM_PRE_ALARM_S:
        name, v = "PRE_ALARM_MS", value * 1000
    elif param == P.PARAM_RX_PERIOD_S:
        lora = getattr(app.radio, "lora", None)
        if lora is None or not 1 <= value <= 2:  # the host preamble (~1 s) must span the period
            return False
        lora.rx_period_ms = value * 1000
        return True
    else:
        return False
    new = dict(app.values)
    new[name] = v
    chk = dict(new)
    if "RATE_HZ" not in chk:
        chk["RATE_HZ"] = app._odr
    try:
        cfg, edge = validate(chk)
    except ValueError:
        return False
    app.values = new
    app.edge = edge
    app.cfg = cfg
    app.core.lifecycle._pre_ms = cfg.PRE_ALARM_MS  # the only core value a config frame changes
    if app.config_store is not None:
        try:
            app.config_store.save(new)
        except (OSError, ValueError):
            pass
    return True


def load_key(path, team=None):
    """The team key (bytes, 16..64) from ``path``; ValueError naming the file and field."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        raise ValueError("key: cannot read %s (enrol the insole)" % path)
    raw = text
    if text.startswith("{"):
        try:
            doc = json.loads(text)
            raw = doc["key"]
        except (ValueError, KeyError, TypeError):
            raise ValueError("key: %s: not a key file (JSON with team and key)" % path)
        if team is not None and doc.get("team") != team:
            raise ValueError("key: %s: team %r, the configuration says TEAM_ID %d" % (path, doc.get("team"), team))
    try:
        key = bytes.fromhex(raw)
    except (ValueError, TypeError):
        key = b""
    if not 16 <= len(key) <= 64:
        raise ValueError("key: %s: key must be 32..128 hex digits (16..64 bytes)" % path)
    return key


class WindowFile:
    """The protocol window store (load_windows / save_window) in one small JSON file.

    Written (to ``path + ".new"``, then renamed) only when delivery persists a
    sender's counter, i.e. before the insole acts on one of its downlinks:
    a few writes per alarm or order, not per frame heard. Also keeps the last
    all-clear id per sender (keys "c<sender>").

    On load: the main file, else the ``.new`` copy (complete whenever the main
    file is missing: the main file is removed only after ``.new`` was closed);
    neither file -> ``absent`` (an empty file is written at once, so a later
    loss is seen); blank or unreadable with no good copy -> ``lost``. Link
    turns ``lost``, and ``absent`` on an insole whose journal ran before, into
    a technical alarm (TECH_STORAGE, index 1): the windows are gone, so a
    captured downlink could act again.
    """

    def __init__(self, path):
        self.path = path
        self._w = {}
        self._c = {}
        self.writes = 0
        self.lost = False  # the file was blank or unreadable and no good .new copy: a technical alarm
        self.absent = False  # neither file exists (a first boot, or a loss if the journal ran before)
        ok = self._load(path)
        if ok is True:
            return
        new = self._load(path + ".new")
        if new is True:  # cut between FAT's remove and rename: the complete copy
            self._save()
        elif ok is None and new is None:
            self.absent = True
            self._save()  # from now on a missing file is a loss
        else:
            self.lost = True

    def _load(self, path):
        """True: loaded; None: no such file; False: blank or unreadable."""
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            return None
        try:
            doc = json.loads(text)
            w = {}
            c = {}
            for k in doc:
                if k[0] == "c":
                    c[int(k[1:])] = int(doc[k])
                else:
                    w[int(k)] = int(doc[k])
        except (ValueError, TypeError, AttributeError, IndexError):
            return False
        self._w = w
        self._c = c
        return True

    def load_windows(self):
        return list(self._w.items())

    def load_cleared(self):
        return list(self._c.items())

    def save_cleared(self, sender, order):
        """The last order id an all-clear of ``sender`` ended (kept as "c<sender>")."""
        self._c[sender] = order
        self._save()

    def save_window(self, sender, hi):
        self._w[sender] = hi
        self._save()

    def _save(self):
        doc = dict((str(k), v) for k, v in self._w.items())
        for k, v in self._c.items():
            doc["c%d" % k] = v
        text = json.dumps(doc)
        new = self.path + ".new"
        with open(new, "w") as f:
            f.write(text)
        try:
            os.rename(new, self.path)  # replaces atomically on littlefs and POSIX
        except OSError:  # FAT will not rename over a file
            os.remove(self.path)
            os.rename(new, self.path)
        self.writes += 1


def make_link(board, outbox, edge, key, hardware_id, clock=None, modem=None, aioble=None, bluetooth=None,
              windows=None, evac_spread_ms=EVAC_SPREAD_MS, rx1_delay_ms=RX1_DELAY_MS):
    """Build Delivery + the board's adapters. ``modem``: the real lora driver (on the SX1262 model
    in tests); ``aioble`` / ``bluetooth``: None imports the real ones (hardware.py passes the board's modem; None with a LoRa radio is a ValueError). ``windows``: window store
    (protocol interface; WindowFile on a device, MemoryStore if None)."""
    from .lora_radio import Clock, LoRaRadio

    radios = board["radios"]
    lc = radios.get("lora")
    keys = P.Keys(key)
    dev = keys.device_id(hardware_id)
    clock = clock or Clock()
    sf = lc["sf"] if lc else 9
    bw = lc["bw_khz"] if lc else 125
    seed = (dev ^ (outbox.next_counter() * 0x9E3779B1)) & 0xFFFFFFFF  # differs on every boot
    d = Delivery(outbox, keys, edge["TEAM_ID"], dev, windows if windows is not None else P.MemoryStore(),
                 Prng(seed), None, sf=sf, bw_hz=bw * 1000, evac_spread_ms=evac_spread_ms,
                 slot=edge.get("ANSWER_SLOT", 0) - 1,
                 side=1 if edge.get("PAIR_SIDE", 0) == 2 else 0)  # 2: the right insole (pairlink.SIDE_RIGHT)
    lora = None
    if lc is not None:
        if modem is None:
            raise ValueError("board has a LoRa radio but no modem was given")
        lora = LoRaRadio(modem, d, lc, clock, rx1_delay_ms=rx1_delay_ms)
    ble = None
    if "ble" in radios:
        from .ble_radio import BleRadio

        ble = BleRadio(d, clock, aioble, bluetooth)
    link = Link(d, lora, ble)
    link.device_id = dev
    link.team = edge["TEAM_ID"]
    return link
