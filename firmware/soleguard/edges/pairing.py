"""The pair in the app: the link's frames feed the fusion, the mode follows the link (docs/PAIR.md).

    link = pair_link(edge, team_key, own_id, cfg)       # None: no pair configured (PAIR_SIDE 0)
    pairing = Pairing(core, cfg, link, ticks_ms)         # the App does this (App(pair=...))
    # per FIFO batch: pairing.before(times, n) before Core.step_batch, pairing.after() after it

Roles (PAIR.md "Which insole owns what"): the right insole (SIDE_RIGHT) runs
``pair.PairFusion`` as ``Core.pair`` and decides the pair's SOS; the left one
runs ``pair.StruckFoot`` and, while the pair is up, raises no SOS of its own
(``AlarmLifecycle.sos_muted``). Its falls and man-down still alarm (the feet
disagree: docs/PAIR.md "Fall and man-down with both feet"), as do its
technical alarms, heartbeat, outbox and radio.

Mode: the right insole is in ``MODE_PAIR`` while ``PairLink.pair_mode`` holds
(link up, clock proven within PAIR_GOOD_MS); ``PairFusion.set_mode`` is called
only on a change (it forgets all pair state). The left insole is in
``MODE_PAIR`` while its own ``pair_mode`` holds *and* the right one's last state
frame said MODE_PAIR, so the left never goes quiet while the right decides
single-insole. Both send their state (posture, load, alarm state, mode) each
batch: PairLink sends it on a change and every PAIR_STATE_MS. A change is
counted (``changes``) and passed to ``log(mode, t_ticks)``; the heartbeat
carries the mode (protocol.HB_PAIR, edges/link.py ``link_status``).

Clocks: the link runs on ``clock()`` (time.ticks_ms: the MCU's crystal, +-40
ppm as PAIR_DRIFT_PPM assumes); the core runs on the sample clock (App.t_ms,
the IMU's ODR: percent-level drift). At each batch ``before`` takes the offset
ticks - sample time of the batch's last frame (just read from the FIFO), and
every time crossing between the two is converted with it: the offset is
re-read every batch, so the IMU's drift never accumulates (at 2 % it moves the
offset 0.3 ms per 16-frame batch); what remains is the FIFO read latency
(under a sample period plus the batch's processing), the same on both insoles.

Nothing here allocates per batch (the link's send/receive paths are its own).
"""
from ..core import pairlink as PL
from ..core.pair import MODE_PAIR, MODE_SINGLE, PairFusion, StruckFoot

# board "pair_sleep": how the pair and light sleep between FIFO batches go together (docs/PAIR.md
# "BLE and light sleep"). Stock MicroPython v1.28.0 builds NimBLE without controller modem sleep, so
# a connection does not survive machine.lightsleep.
SLEEP_SINGLE = "single"  # a light-sleeping board runs no pair link (single insole): keeps a shift (XIAO)
SLEEP_AWAKE = "awake"  # the link runs; the MCU stays awake while connected (~38 mA on the XIAO)
SLEEP_MODEM = "modem"  # firmware with BLE controller modem sleep: link and light sleep together
SLEEPS = (SLEEP_SINGLE, SLEEP_AWAKE, SLEEP_MODEM)


def runs_link(board):
    """Whether this board runs the pair link at all: not when it light-sleeps between batches with
    ``pair_sleep`` "single" (the default)."""
    return not board.get("light_sleep", True) or board.get("pair_sleep", SLEEP_SINGLE) != SLEEP_SINGLE


def pair_link(edge, team_key, own_id, cfg):
    """The insole's ``pairlink.PairLink`` from the stored configuration, or None (PAIR_SIDE 0).

    edge: store.validate's edge dict (PAIR_SIDE, PAIR_PEER_ID); team_key: 16..64 bytes;
    own_id: this insole's protocol.Keys.device_id. The pair key is PL.pair_key(team key,
    left id, right id) (docs/PAIR.md "Keys and pairing"). Raises ValueError for a peer id
    equal to the own id or a bad team key."""
    side = edge["PAIR_SIDE"]
    if not side:
        return None
    peer = edge["PAIR_PEER_ID"]
    left, right = (own_id, peer) if side == PL.SIDE_LEFT else (peer, own_id)
    return PL.PairLink(PL.pair_key(team_key, left, right), side, cfg, seed=own_id)


class Pairing:
    """One insole's side of the pair in the app. core: pipeline.Core (its ``pair`` hook and lifecycle
    are set here); cfg: config.Config; link: pairlink.PairLink; clock: the link's ms clock (ticks_ms);
    log(mode, t): called on each mode change (optional); sleep: the board's ``pair_sleep`` (SLEEP_*)."""

    def __init__(self, core, cfg, link, clock, log=None, sleep=SLEEP_SINGLE):
        if sleep not in SLEEPS:
            raise ValueError("board: pair_sleep must be one of %s, got %r" % ("/".join(SLEEPS), sleep))
        self._awake = sleep != SLEEP_MODEM
        self.core = core
        self.link = link
        self.clock = clock
        self.log = log
        self.side = link.side
        self.fusion = None
        self.foot = None
        if link.side == PL.SIDE_RIGHT:
            self.fusion = PairFusion(cfg, core.tap)
            core.pair = self.fusion
        else:
            self.foot = StruckFoot(cfg)
            core.pair = self.foot
        self.mode = MODE_SINGLE
        self.changes = 0  # mode changes since boot
        self.off = 0  # ticks - sample time at the last batch, ms
        self._sessions = link.sessions

    def keeps_awake(self):
        """True while the MCU must not light-sleep for the link: connected, and the board's BLE does
        not keep connections across light sleep (stock MicroPython; SLEEP_MODEM: it does)."""
        return self._awake and self.link.connected

    def sample_to_link(self, t):
        """A sample-clock time (ms) on the link clock (ms), with the latest batch's offset."""
        return t + self.off

    def before(self, times, n):
        """At a FIFO batch of ``n`` >= 1 frames (sample times ``times[0..n-1]``), before Core.step_batch:
        the clock offset, the mode, and (right insole) the peer's reports in sample time."""
        now = self.clock()
        off = now - times[n - 1]
        self.off = off
        link = self.link
        mode = MODE_PAIR if link.pair_mode(now) else MODE_SINGLE
        if self.foot is not None and link.peer_mode != MODE_PAIR:
            mode = MODE_SINGLE  # the right insole decides single-insole: the left keeps its own alarms
        if mode != self.mode:
            self.mode = mode
            self.changes += 1
            if self.fusion is not None:
                self.fusion.set_mode(mode)
            else:
                self.core.lifecycle.sos_muted = mode == MODE_PAIR
            if self.log is not None:
                self.log(mode, now)
        fusion = self.fusion
        if fusion is not None:
            while True:
                kind = link.next_impulse(now)
                if not kind:
                    break
                if mode == MODE_PAIR:
                    fusion.peer(kind, link.imp_t - off, link.imp_err)
            if mode == MODE_PAIR:
                d = link.peer_done(now)
                if d >= 0:
                    fusion.peer_done(d - off)

    def after(self):
        """After Core.step_batch: (left insole) the struck foot's reports go out in link time, with
        ``done``; both insoles' state (posture, load %, alarm state, mode) for the peer."""
        link = self.link
        off = self.off
        core = self.core
        foot = self.foot
        if foot is not None:
            if link.sessions != self._sessions:  # a new session: the peer learns our still/moving state
                self._sessions = link.sessions
                foot.resync()
            while True:
                kind = foot.next()
                if not kind:
                    break
                link.send_impulse(kind, foot.rep_t + off, foot.rep_peak)
            if foot.done >= 0:
                link.processed(foot.done + off)
        feat = core.features
        base = feat.load_base
        pct = feat.load * 100 // base if base > 0 else 0
        link.send_state(self.clock(), core.posture.state, pct, core.lifecycle.state, self.mode)
