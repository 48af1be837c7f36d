"""LoRa adapters over micropython-lib ``lora`` + ``lora-sx126x`` + ``lora-async`` (package.json pins).

    modem = make_modem(board, SPI, Pin, AsyncSX1262)  # lora.AsyncSX1262 on the board's SPI pins
    radio = LoRaRadio(modem, delivery, board_lora)   # the app's radio port (radio.py)
    asyncio.create_task(radio.run())

Thin: the protocol, schedule and duty cycle are delivery.py's; this module only
moves bytes with the documented AsyncModem API (``configure(lora_cfg)``,
``await send(packet)``, ``await recv(timeout_ms)`` -> RxPacket or None,
``sleep()``, ``standby()``). The ``lora`` package is imported only inside
``make_modem``, so the module compiles with mpy-cross and imports on the unix port.

Insole timing (docs/PROTOCOL.md 8.3):
- uplink on 868.1 MHz; then one receive window RX1_DELAY_MS after the end of
  transmission on the downlink channel 869.525 MHz (the gateway's receipt ack);
- a listen window of ``rx_window_ms`` every ``rx_period_ms`` on 869.525 MHz.
  Host downlinks carry a 245-symbol preamble (~1.0 s at SF9) so a window
  shorter than the preamble still catches it. This needs the SX126x to keep
  receiving once a preamble is detected (StopTimerOnPreamble, SX1261/2 DS
  13.1.8, command 0x9F): lora-sx126x 0.1.x does not expose it, so
  ``make_modem`` sends it through the driver's command helper.
- between windows the modem sleeps (warm start: ~0.6 uA, DS table 3-5).
Power cost of the listen windows (SX1262, DC-DC, RX 4.6 mA at 125 kHz, DS
table 3-5): rx_window 33 ms every 1 s = 4.6 mA x 0.033 = 0.15 mA average,
3.6 mAh a day; every 2 s, 1.8 mAh a day (docs/PROTOCOL.md 8.3 has the table).
"""
import asyncio

from ..core.compat import const
from ..core.delivery import DOWNLINK_KHZ, UPLINK_KHZ
from .gateway import LONG_PREAMBLE, RX1_DELAY_MS

RX_WINDOW_MS = const(33)  # 8 symbols at SF9: enough to detect a preamble
RX_PERIOD_MS = const(1000)
_CMD_STOP_TIMER_ON_PREAMBLE = const(0x9F)
_WAKE_GAP_MS = const(2)  # LoRaRadio.run: the least sleep between two rounds (see there)
GW_LISTEN_MS = const(1000)  # the gateway's longest receive call (the driver packs <= 1023 ms on CPython)


def _sleep_ms(ms):
    f = getattr(asyncio, "sleep_ms", None)
    return f(ms) if f is not None else asyncio.sleep(ms / 1000)


def _ticks():
    import time

    return time.ticks_ms() if hasattr(time, "ticks_ms") else int(time.monotonic() * 1000)


class Clock:
    """Monotonic ms since start from a wrapping ticks source (ticks_diff-safe)."""

    def __init__(self, ticks=None):
        self._ticks = ticks or _ticks
        self._last = self._ticks()
        self.ms = 0

    def __call__(self):
        t = self._ticks()
        d = (t - self._last) & 0x3FFFFFFF  # ticks_ms wraps at 2**30 on MCUs
        self._last = t
        self.ms += d
        return self.ms


def lora_cfg(lora, freq_khz, preamble=8):
    """The micropython-lib ``lora_cfg`` dict for the board's ``radios.lora`` settings."""
    # only keys sx126x.configure() reads (it ignores others silently); CRC is always on in the driver
    return {"freq_khz": freq_khz, "sf": lora["sf"], "bw": str(lora["bw_khz"]), "coding_rate": 5,
            "preamble_len": preamble, "output_power": lora["tx_dbm"]}


class RxEnable:
    """The driver's ``ant_sw`` for a module whose RF switch RX path is a host GPIO (Wio-SX1262 RF_SW):
    high while receiving, low when transmitting or idle (TX is switched by DIO2)."""

    def __init__(self, pin):
        self.pin = pin
        pin.value(0)

    def rx(self):
        self.pin.value(1)

    def tx(self, hp=True):
        self.pin.value(0)

    def idle(self):
        self.pin.value(0)


def make_modem(board, SPI, Pin, AsyncSX1262):
    """lora.AsyncSX1262 on the board's pins; ``SPI``/``Pin``: machine's classes, ``AsyncSX1262``: the
    micropython-lib driver class (hardware.py passes them: it is the only module importing machine)."""
    c = board["radios"]["lora"]
    spi = SPI(c["spi"], baudrate=2000000, sck=Pin(c["sck"]), mosi=Pin(c["mosi"]), miso=Pin(c["miso"]))
    # tcxo_mv: the module's TCXO on DIO3 (else the XOSC never starts: OpError 0x20 on the first TX/RX);
    # rxen: the RF switch's RX enable, driven through the driver's ant_sw hooks
    ant = RxEnable(Pin(c["rxen"], Pin.OUT)) if c.get("rxen") is not None else None
    modem = AsyncSX1262(spi, Pin(c["cs"], Pin.OUT, value=1), busy=Pin(c["busy"], Pin.IN),
                        dio1=Pin(c["dio1"], Pin.IN), reset=Pin(c["reset"]),
                        dio3_tcxo_millivolts=c.get("tcxo_mv"), lora_cfg=lora_cfg(c, DOWNLINK_KHZ), ant_sw=ant)
    modem._cmd("BB", _CMD_STOP_TIMER_ON_PREAMBLE, 1)  # see module docstring
    return modem


class LoRaRadio:
    """The insole's radio port (radio.py) over an AsyncModem, driving a delivery.Delivery.

    ``send`` only tells delivery to look at the outbox (it owns the schedule);
    ``receive`` returns the commands delivery derived from downlinks.
    """

    def __init__(self, modem, delivery, lora, clock=None, rx_period_ms=RX_PERIOD_MS, rx_window_ms=RX_WINDOW_MS,
                 rx1_delay_ms=RX1_DELAY_MS):
        self.modem = modem
        self.rx1_delay_ms = rx1_delay_ms  # tests whose gateway answers at once shorten the wait
        self.d = delivery
        self.lora = lora
        self.clock = clock or Clock()
        self.rx_period_ms = rx_period_ms
        self.rx_window_ms = rx_window_ms
        self._cmds = []
        self._up = lora_cfg(lora, lora.get("uplink_khz", UPLINK_KHZ))  # LORA_FREQ_KHZ (hardware.with_config)
        self._down = lora_cfg(lora, DOWNLINK_KHZ)
        self.windows = 0  # receive windows opened (power accounting)
        self.busy = False  # an uplink on air or its RX1 window open: the MCU stays awake (edges/sleep.py)
        self.faults = 0  # driver errors survived by run()
        self.error = None

    # --- radio port ---

    def send(self, seq, t, type_, cause, detail):
        self.d.notify()
        return True

    def receive(self):
        return self._cmds.pop(0) if self._cmds else None

    def selftest(self):
        if self.faults:
            return False
        try:
            self.modem.standby()
            self.modem.sleep()
            return True
        except Exception:
            return False

    # --- work ---

    async def _listen(self, timeout_ms):
        self.modem.configure(self._down)
        self.windows += 1
        rx = await self.modem.recv(timeout_ms=timeout_ms)
        if rx:
            cmd = self.d.on_frame(rx, len(rx), self.clock())
            if cmd is not None:
                self._cmds.append((cmd, self.d.evacuating))
        return rx

    async def _send(self, n):
        """Transmit ``d.frame[:n]``, then its RX1 window."""
        self.busy = True  # RX1 opens RX1_DELAY_MS after TxDone: a light sleep could miss the receipt ack
        try:
            self.modem.configure(self._up)
            await self.modem.send(self.d.frame[:n])
            await _sleep_ms(self.rx1_delay_ms)
            await self._listen(self.rx_window_ms)
        finally:
            self.busy = False

    async def step(self):
        """One round: send what is due (then its RX1 window), else one listen window, cut short
        when the insole's answer slot falls inside it (the slot must not wait for the window's
        end; other records can: a shorter window could miss a preamble)."""
        n = self.d.service(self.clock())
        if n:
            await self._send(n)
        else:
            w = self.rx_window_ms
            slot = self.d.slot_in_ms(self.clock())
            if 0 <= slot < w:
                w = slot
            if w > 0:
                await self._listen(w)
        self.modem.sleep()

    async def run(self):
        """Forever: a listen window (``step``) every ``rx_period_ms``, and between windows what
        delivery has due at its own time. An answer slot (PROTOCOL.md 8.3) falls between
        windows and must go within EVAC_SLOT_GUARD_MS of its start, so the loop sleeps until
        the earlier of the next window and ``Delivery.next_due``, and a window ends early when
        the slot falls inside it. A driver error (RuntimeError: status check, BUSY timeout)
        counts in ``faults``, makes ``selftest`` fail (the radio-path technical alarm) and is
        retried at the next window: it never ends the app's other tasks (fall and SOS
        detection)."""
        next_rx = self.clock()
        while True:
            now = self.clock()
            try:
                if now - next_rx >= 0:
                    next_rx = now + self.rx_period_ms
                    await self.step()
                else:
                    n = self.d.service(now)
                    if n:
                        await self._send(n)
                        self.modem.sleep()
                now = self.clock()
                wait = next_rx - now
                due = self.d.next_due(now)
                if due < wait:
                    wait = due
            except Exception as e:  # noqa: BLE001 - any driver failure is the radio's, not the app's
                self.faults += 1
                self.error = str(e)
                wait = next_rx - self.clock()
            # at least _WAKE_GAP_MS: the modem was just put to sleep and is not to be commanded while
            # it enters sleep (BUSY high; 500 us in sim/models/sx1262_model.py T_SLEEP_ENTRY_US, an
            # assumption: the datasheet gives no figure), and a due service() did not take cannot spin the loop
            await _sleep_ms(wait if wait > _WAKE_GAP_MS else _WAKE_GAP_MS)


class GatewayRadio:
    """The gateway role's radio: continuous receive on the uplink channel, transmit what
    ``gateway.Gateway.service`` returns on the downlink channel (long preamble for host frames)."""

    def __init__(self, modem, gateway, lora, clock=None):
        self.modem = modem
        self.gw = gateway
        self.clock = clock or Clock()
        self._up = lora_cfg(lora, UPLINK_KHZ)
        self._short = lora_cfg(lora, DOWNLINK_KHZ)
        self._long = lora_cfg(lora, DOWNLINK_KHZ, LONG_PREAMBLE)

    async def step(self, listen_ms=GW_LISTEN_MS):
        """Send what is due, then receive until the next receipt ack falls due (at most ``listen_ms``).

        An uplink is heard only by a receiver already in RX when it starts, so the gateway stays
        in receive, and it leaves receive exactly when an ack is due: the ack's window is
        ACK_SLACK_MS wide (a fixed 50 ms receive lost 9 of 12 acks with the real driver). The
        SX126x stops an RX timeout at header detection, so an uplink that has started is kept.
        """
        out = self.gw.service(self.clock())
        if out is not None:
            frame, long, _ = out
            self.modem.configure(self._long if long else self._short)
            await self.modem.send(frame)
        wait = listen_ms
        due = self.gw.due_in_ms(self.clock())
        if due is not None and due < wait:
            wait = due
        if wait < 1:
            return  # an ack is due now: service it first
        self.modem.configure(self._up)
        rx = await self.modem.recv(timeout_ms=wait)
        if rx:
            self.gw.on_uplink(rx, len(rx), self.clock(), "lora")

    async def run(self):
        while True:
            await self.step()
