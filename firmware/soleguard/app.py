"""The insole app: sampler -> core -> alarm lifecycle -> outbox -> radio, commands -> haptics.

Everything is injected (``hardware.build(board)`` makes the real objects on a
device; on the unix port the same over the chip/port models of sim/models), so the same
code runs in both places. The work is in plain methods that the asyncio
tasks of ``run()`` call, and that the simulator calls in simulated time:

  on_batch()       the sampler: one FIFO batch -> frames (+ zone loads from
                   the ADC ring) -> Core.step_batch; events -> _emit. The
                   steady-state path allocates nothing (tests/test_fw_app.py
                   proves it under heap_lock)
  every_second()   sensor health, IMU freeze, battery, heartbeat, sleep
                   decision, watchdog feed
  radio_service()  a port that owns the schedule (link.Link: delivery + LoRa
                   + BLE on a board) is told ``notify()`` when a record was
                   appended; another port (LoopbackRadio) is handed each
                   pending record (again every RESEND_S until acknowledged);
                   then received commands are applied
  haptics.tick()   every 20 ms
  on_wake()        with light sleep between batches (edges/sleep.py): the
                   zones read once for the batch, then on_batch; doze_ms()
                   says how long the MCU may sleep next (0: stay awake)

Time: the core gets the sample clock ``t_ms`` (frame k is at k x 1000 / odr_hz
ms, from 0, exact integer accumulation, no drift: the timeline a replay uses);
haptics and the radio get ``clock()`` (time.ticks_ms on a device).
"""
from .edges.board import zone_positions
from .core.pipeline import Core
from .core.events import CAUSE_SOS, EV_ALARM, EV_CANCELLED, EV_CLEARED, EV_PRE_ALARM
from array import array

from .core.frame import FRAME_LEN
from .edges.haptics import EVACUATION, PRE_ALARM, SOS_CONFIRM, TECH, Haptics
from .core.lifecycle import IDLE
from .edges.outbox import OutboxFull
from .edges.power import IdlePolicy
from .edges.sleep import batch_ms
from .core.radioport import CMD_ACK, CMD_ALARM_ACK, CMD_ALL_CLEAR, CMD_EVACUATE
from .edges import selftest
from .edges.store import validate
from .core.technical import (
    CAUSE_TECHNICAL,
    EV_HEARTBEAT,
    EV_SELFTEST,
    TECH_BATTERY_LOW,
    TECH_IMU_FAULT,
    TECH_IMU_STUCK,
    TECH_SELFTEST,
    TECH_STORAGE,
    tech_detail,
)

_IMU_STUCK_S = 60  # six channels frozen for a minute: a live IMU's noise changes LSBs every sample
_BATTERY_EVERY_S = 60


class App:
    """One insole. See the module docstring; all arguments are injected objects.

    board: validated board dict. fifo: drivers.lsm6dso_fifo.FifoIMU.
    zones: zones.Zones or None. motor: PWM-like (duty_u16). battery:
    battery.Battery. outbox: outbox.Outbox. radio: radio port object.
    values: stored configuration dict (store.validate). clock: ms clock.
    wdt: machine.WDT or None. on_event(t, type, cause, detail): observer.
    sleep_ms: blocking short sleep (self-test motor pulse). config_store:
    store.ConfigStore that keeps configuration received over the radio, or None.
    A radio with ``attach(app)`` (link.Link: roll-call state, config frames)
    is attached here. pair: the pair link edge (edges/pair_link.PairLinkBle, or
    any object with ``core``, a pairlink.PairLink, ``clock``, the link's ms
    clock, and ``run()``) or None (a single insole: exactly the app without a
    pair; edges/pairing.py). pair_log(mode, t): called on each mode change.
    """

    def __init__(self, board, fifo, zones, motor, battery, outbox, radio, values=None,
                 clock=None, wdt=None, on_event=None, sleep_ms=None, config_store=None, pair=None,
                 pair_log=None):
        values = dict(values or {})
        self.values = dict(values)  # as stored (config frames update and save these)
        self.config_store = config_store
        if "RATE_HZ" not in values:  # the core's sample-count windows follow the board's ODR (104 Hz on devices)
            values["RATE_HZ"] = board["imu"]["odr_hz"]
        cfg, edge = validate(values)
        self.cfg = cfg
        self.edge = edge
        self.board = board
        n, xs, ys = zone_positions(board)
        if zones is not None and zones.n != n:
            raise ValueError("app: board has %d zones, Zones has %d" % (n, zones.n))
        self.core = Core(cfg, n, xs, ys, True)
        self.pair = None  # edges/pairing.Pairing: the pair's fusion, mode and clocks
        self._pair_edge = pair
        if pair is not None:
            from .edges.pairing import Pairing

            self.pair = Pairing(self.core, cfg, pair.core, pair.clock, pair_log, board.get("pair_sleep", "single"))
        self.fifo = fifo
        self._buf = fifo.frames  # one batch in the Core.step_batch layout: the driver decodes into it
        self._times = [0] * fifo.watermark  # sample clock of each frame of the batch, ms
        self.zones = zones if n else None
        self.motor = motor
        self.haptics = Haptics(motor)
        self.battery = battery
        self.outbox = outbox
        self.radio = radio
        self.clock = clock or (lambda: self.t_ms)
        self.wdt = wdt
        self.on_event = on_event
        self.sleep_ms = sleep_ms or (lambda ms: None)
        self.idle = IdlePolicy(edge["IDLE_SLEEP_S"], cfg.TILT_UPRIGHT_DEG)
        odr = board["imu"]["odr_hz"]
        self._odr = odr
        self._frac = 0  # sample clock: 1000 x frames since t_ms's last whole ms, modulo odr
        self.t_ms = 0
        self.samples = 0
        self.seconds = 0
        self._last = array("h", bytes(12))  # the previous batch's last IMU channels, for the freeze check
        self._same = 0
        self._tech = {}  # TECH code -> latched (reported once until healthy)
        self._sent = {}  # seq -> clock() of the last send
        self.asleep = False
        self._batch_ms = batch_ms(board)
        self._may_sleep = getattr(radio, "may_sleep", None)  # looked up once: a missing attribute allocates
        self.counts = [0] * 10  # events by type
        self._fresh = False  # a record was appended since the radio was last told
        attach = getattr(radio, "attach", None)
        if attach is not None:
            attach(self)
        faults = getattr(radio, "storage_faults", None)
        if faults is not None:  # a lost window file: the supervisor must know (link.WindowFile)
            for index in faults(getattr(outbox, "fresh", False)):
                self._technical(TECH_STORAGE, index)

    # --- the sample path ---

    def on_batch(self):
        """Read one FIFO batch and step the core on it (Core.step_batch); return frames processed.

        The FIFO driver decodes the frames straight into the batch laid out for the core
        (``fifo.frames``: FRAME_LEN values each, the six IMU channels first); the zones fill in
        their loads (Zones.fill: one ring slot a frame, the latest loads once the ring is empty)
        and the sample clock of each frame goes into ``_times``. Events are drained at the
        frame that queued them, with ``t_ms`` at that frame, as when stepping frame by frame.
        Work per batch, not per frame: the IMU freeze check compares frames from the batch's end
        and stops at the first change (a live IMU's noise changes LSBs every sample)."""
        try:
            n = self.fifo.read()
        except OSError:
            self._technical(TECH_IMU_FAULT, 0)
            return 0
        if not n:
            return 0
        buf = self._buf
        if self.zones is not None:
            self.zones.fill(buf, n)
        # the freeze check: the run of frames whose six channels repeat the one before (low bytes)
        o = (n - 1) * FRAME_LEN
        k = n - 1
        while k:
            p = o - FRAME_LEN
            if ((buf[o] ^ buf[p]) | (buf[o + 1] ^ buf[p + 1]) | (buf[o + 2] ^ buf[p + 2]) | (buf[o + 3] ^ buf[p + 3])
                    | (buf[o + 4] ^ buf[p + 4]) | (buf[o + 5] ^ buf[p + 5])) & 0xFF:
                break
            k -= 1
            o = p
        last = self._last
        if k:
            self._same = n - 1 - k
        elif ((buf[0] ^ last[0]) | (buf[1] ^ last[1]) | (buf[2] ^ last[2]) | (buf[3] ^ last[3])
              | (buf[4] ^ last[4]) | (buf[5] ^ last[5])) & 0xFF:
            self._same = n - 1
        else:
            self._same += n
        o = (n - 1) * FRAME_LEN
        for i in range(6):
            last[i] = buf[o + i]
        # the sample clock: frame k at t + (frac + 1000 k) // odr ms (exact, no drift)
        times = self._times
        t = self.t_ms
        odr = self._odr
        c = self._frac
        for k in range(n):
            times[k] = t + c // odr
            c += 1000
        t += c // odr
        self._frac = c % odr
        self.samples += n
        core = self.core
        ev = core.events
        pairing = self.pair
        if pairing is not None:  # the pair: clock offset, mode, the peer's reports (per batch)
            pairing.before(times, n)
        k = 0
        while k < n:
            k += core.step_batch(times, buf, n - k, k)
            if ev.count:
                self.t_ms = times[k - 1]  # the frame that queued them (clock() of the default)
                self._drain()
        self.t_ms = t
        if pairing is not None:  # the struck foot's reports and the state go to the link
            pairing.after()
        return n

    def on_wake(self):
        """A wake from light sleep: read the zones once for the batch (the zone timer does not run
        while the MCU sleeps; every frame of the batch carries this reading), then process every
        batch waiting; return frames processed."""
        if self.zones is not None:
            self.zones.sample()
        n = 0
        while True:
            k = self.on_batch()
            if not k:
                return n
            n += k

    def doze_ms(self):
        """How long the MCU may light-sleep now, ms: the batch period, or 0 while a vibration
        pattern plays, the radio port needs the MCU awake (edges/sleep.py gives the reasons) or the
        pair link is connected on a board whose BLE does not survive light sleep (edges/pairing.py
        ``keeps_awake``, board ``pair_sleep`` "awake")."""
        if self.asleep or self.haptics.playing:
            return 0
        if self._may_sleep is not None and not self._may_sleep():
            return 0
        if self.pair is not None and self.pair.keeps_awake():
            return 0
        return self._batch_ms

    # --- slower work ---

    def every_second(self):
        """Health, battery, heartbeat, sleep decision, watchdog; call once a second."""
        self.seconds += 1
        t = self.t_ms
        feat = self.core.features
        if self.zones is not None:
            d = self.zones.end_window(feat.activity > self.cfg.STILL_ACTIVITY_MG)
            if d:
                self._emit(t, EV_ALARM, CAUSE_TECHNICAL, d)
        if self._same >= _IMU_STUCK_S * self._odr:
            self._technical(TECH_IMU_STUCK, 0)
        if self.seconds % _BATTERY_EVERY_S == 0:
            self._check_battery()
        if self.seconds % self.edge["HEARTBEAT_S"] == 0:
            self._emit(t, EV_HEARTBEAT, 0, self._battery_pct())
        if self.idle.update(t, feat, self.core.lifecycle.state == IDLE):
            self.asleep = True
        if self.wdt is not None:
            self.wdt.feed()

    def radio_service(self):
        """Send what is pending (again after RESEND_S) and apply received commands."""
        if getattr(self.radio, "owns_schedule", False):
            if self._fresh:
                self._fresh = False
                self.radio.notify()
        else:
            self._send_pending()
        while True:
            cmd = self.radio.receive()
            if cmd is None:
                break
            self.command(cmd[0], cmd[1])

    def _send_pending(self):
        now = self.clock()
        resend = self.edge["RESEND_S"] * 1000
        sent = self._sent
        live = {}
        for rec in self.outbox.pending():
            seq = rec[0]
            last = sent.get(seq)
            if last is None or now - last >= resend:
                if self.radio.send(seq, rec[1], rec[2], rec[3], rec[4]):
                    last = now
            if last is not None:
                live[seq] = last
        self._sent = live

    def command(self, cmd, arg):
        """Apply one supervisor/gateway command (radio.CMD_*)."""
        life = self.core.lifecycle
        if cmd == CMD_ACK:
            self.outbox.ack(arg)
        elif cmd == CMD_ALARM_ACK:
            life.ack(self.t_ms)
            # confirm it: a status heartbeat (lifecycle state, ack-awaited bit now
            # clear) ends the console's repeats of the ack
            self._emit(self.t_ms, EV_HEARTBEAT, 0, self._battery_pct())
        elif cmd == CMD_ALL_CLEAR:
            # The end of an evacuation order (its frame names the order), not of a
            # person's alarm: a man-down pre-alarm running when the team's all-clear
            # arrives must still escalate (the team simulation found this). Alarms end
            # by the wearer (cancel, recovery) and the supervisor's ack.
            self.haptics.stop(EVACUATION)
        elif cmd == CMD_EVACUATE:
            self.haptics.play(EVACUATION, self.clock())
        if self.core.events.count:
            self._drain()

    def start(self):
        """Self-test every alarm path and report it; return the failed-path mask."""
        mask = selftest.run(self)
        self._emit(self.t_ms, EV_SELFTEST, 0, mask)
        if mask:
            self._emit(self.t_ms, EV_ALARM, CAUSE_TECHNICAL, tech_detail(TECH_SELFTEST, mask))
        return mask

    def wake(self, slept_ms):
        """Back from sleep: restart the FIFO; the sample clock jumps by ``slept_ms``."""
        self.t_ms += slept_ms
        self.asleep = False
        self.idle.woke()
        self.fifo.start()

    # --- internals ---

    def _drain(self):
        ev = self.core.events
        for i in range(ev.count):
            self._emit(ev.t[i], ev.type[i], ev.cause[i], ev.detail[i])
        ev.clear()

    def _emit(self, t, type_, cause, detail):
        """Store an event in the outbox, react on the motor, tell the observer."""
        if type_ < len(self.counts):
            self.counts[type_] += 1
        stored = True
        try:
            self.outbox.append(t, type_, cause, detail)
            self._fresh = True
        except (OutboxFull, OSError):
            stored = False
            if cause != CAUSE_TECHNICAL:
                self._technical(TECH_STORAGE, 0)
        h = self.haptics
        now = self.clock()
        if type_ == EV_PRE_ALARM:
            h.play(PRE_ALARM, now)
        elif type_ == EV_ALARM:
            h.stop(PRE_ALARM)
            if cause == CAUSE_SOS:
                if stored:  # "SOS sent" only for an SOS in the journal; else the storage fault's TECH plays
                    h.play(SOS_CONFIRM, now)
            elif cause == CAUSE_TECHNICAL:
                h.play(TECH, now)
        elif type_ == EV_CANCELLED or type_ == EV_CLEARED:
            h.stop(PRE_ALARM)
        if self.on_event is not None:
            self.on_event(t, type_, cause, detail)

    def _technical(self, code, index):
        if self._tech.get(code):
            return
        self._tech[code] = True
        self._emit(self.t_ms, EV_ALARM, CAUSE_TECHNICAL, tech_detail(code, index))

    def _battery_pct(self):
        from .edges.battery import percent

        try:
            return percent(self.battery.read_mv())
        except OSError:
            return 0

    def _check_battery(self):
        try:
            mv = self.battery.read_mv()
        except OSError:
            return
        if mv < self.edge["BATTERY_LOW_MV"]:
            self._technical(TECH_BATTERY_LOW, 0)
        elif mv > self.edge["BATTERY_LOW_MV"] + 100:
            self._tech[TECH_BATTERY_LOW] = False  # hysteresis: charged again

    # --- asyncio wiring (device) ---

    async def run(self, int1=None, ticks_ms=None, sleeper=None):
        """Run forever: the four tasks. ``int1``: the IMU INT1 machine.Pin (watermark / wake-up).

        ``sleeper(ms)``: light sleep for at most ``ms`` (hardware.light_sleep, woken early by the
        board's wake pins); None keeps the MCU awake (asyncio idles) and the zones on their timer.
        With it, after each batch the other tasks that are due run, then the MCU sleeps for
        ``doze_ms()``; every task runs at most one batch period late."""
        import asyncio

        flag = asyncio.ThreadSafeFlag()
        if int1 is not None:
            int1.irq(lambda p: flag.set(), trigger=int1.IRQ_RISING)
            if int1.value():  # INT1 is a level: a watermark reached before attaching gives no edge
                flag.set()
        ticks = ticks_ms or self.clock

        async def sampler():
            woke = False  # back from a light sleep: read the FIFO at once
            while True:
                if woke:
                    woke = False
                elif int1 is None:
                    await asyncio.sleep_ms(1000 * self.fifo.watermark // self._odr)
                else:
                    await flag.wait()
                if self.asleep:
                    t0 = ticks()
                    self.fifo.sleep()
                    await flag.wait()  # wake-up interrupt: the wearer moves
                    self.wake(ticks() - t0)
                    continue
                if sleeper is None:
                    while self.on_batch():
                        pass
                else:
                    self.on_wake()
                    await asyncio.sleep_ms(0)  # the tasks that fell due run before the MCU sleeps
                    ms = self.doze_ms()
                    if ms:
                        sleeper(ms)
                        woke = True  # INT1, DIO1 or the timer: read what the FIFO holds
                        continue
                    # awake (a pattern plays, the radio needs it): wait for INT1 as without sleep
                if int1 is not None and int1.value():
                    # INT1 is a level: still high after the reads (one failed, e.g. an I2C NACK)
                    # means no new edge will come; retry shortly instead of waiting for ever
                    await asyncio.sleep_ms(20)
                    flag.set()

        async def supervisor():
            while True:
                await asyncio.sleep_ms(1000)
                self.every_second()

        async def motor():
            while True:
                self.haptics.tick(self.clock())
                await asyncio.sleep_ms(20)

        async def link():
            while True:
                self.radio_service()
                await asyncio.sleep_ms(250)

        tasks = [sampler(), supervisor(), motor(), link()]
        more = getattr(self.radio, "tasks", None)
        if more is not None:
            tasks += more()  # link.Link: the LoRa and BLE adapters' loops
        if self._pair_edge is not None:
            tasks.append(self._pair_edge.run())  # edges/pair_link: connect, sessions, back-off
        await asyncio.gather(*tasks)
