"""Replay a pair of traces (left and right insole of one wearer) through both firmware cores.

``soleguard replay --pair LEFT RIGHT``. The right insole runs its whole core with
``pair.PairFusion`` as ``Core.pair`` (the striking insole, the pair's SOS), the
left one its whole core with ``pair.StruckFoot`` (reports for the link); each
report and each ``done`` time reaches the right insole ``latency_ms`` after its
sample, its time off by ``clock_err_ms``, and the fusion is told the proven
bound PAIR_GOOD_MS: the model of sim/pairsos.py with a fixed link. The SOS mode
is MODE_PAIR throughout (the link is up for the whole replay), so, as in the app
(edges/pairing.py), the left insole raises no SOS of its own: its falls and
man-down alarm, the pair's SOS is the right insole's.

``runtime='micropython'`` runs firmware/soleguard_unix/pair_replay.py under the
unix port; ``replay_pair`` here is the same driver on CPython, and both give the
same events (tests/test_pair_replay.py).

``check_pair(left, right, trim)`` refuses two traces that are not one recording
of both feet: ValueError naming the file and the field (foot, dataset,
subject/wearer, recording, rate_hz, generator, t_ms, length).
"""
from __future__ import annotations

import re

import numpy as np

from soleguard.core import pair as P
from soleguard.core.config import Config

from .mpbuild import run_micropython
from .replay import Event, core_args, frames, make_core
from .trace import DT_MS, Trace, crop_labels

LINK = (150, 0)  # default link: report latency ms (inside pairsos.LINK_MS 40-250), clock error ms (within +-PAIR_GOOD_MS)
_STEM = re.compile(r"^(.*?)(_right|_left|_rf|_lf)$")


def recording_of(tr: Trace) -> str:
    """The recording a trace belongs to: meta ``recording``, else its name without the foot suffix."""
    if tr.meta.get("recording"):
        return str(tr.meta["recording"])
    m = _STEM.match(tr.name)
    return m.group(1) if m else tr.name


def _where(tr: Trace) -> str:
    return str(tr.path or tr.name)


def check_pair(left: Trace, right: Trace, trim: bool = False) -> tuple:
    """(left, right, info): the two feet of one recording on one time base.

    Both must name the same dataset, subject (and wearer), recording (meta ``recording`` or the
    name without _left/_right/_lf/_rf), rate_hz and, for synthetic traces, generator (seed, mass,
    wearer); ``foot`` must be left and right. t_ms must be the uniform 10 ms grid from 0. The
    left foot starts ``source_t0_ms`` (right's minus left's) later where the importer states it
    (Moticon). Different lengths on that time base are an error unless ``trim``: then both are
    cut to their common span (``info``: samples cut from each). ValueError names the file and field.
    """
    for tr, side in ((left, "left"), (right, "right")):
        if tr.meta.get("foot") != side:
            raise ValueError("%s: field foot is %r, the %s trace of --pair must be a %s foot"
                             % (_where(tr), tr.meta.get("foot"), side.upper(), side))
        t = tr.t_ms
        if len(t) == 0 or t[0] != 0 or (len(t) > 1 and not np.all(np.diff(t) == DT_MS)):
            raise ValueError("%s: field t_ms is not the %d ms grid from 0" % (_where(tr), DT_MS))
    for key in ("dataset", "subject", "wearer", "rate_hz", "generator"):
        a, b = left.meta.get(key), right.meta.get(key)
        if a != b:
            raise ValueError("%s and %s are not one pair: field %s differs (%r, %r)"
                             % (_where(left), _where(right), key, _short(a), _short(b)))
    if recording_of(left) != recording_of(right):
        raise ValueError("%s and %s are not one pair: field recording differs (%r, %r)"
                         % (_where(left), _where(right), recording_of(left), recording_of(right)))
    # left time = right time + off (Moticon's insoles start apart)
    off = int(right.meta.get("source_t0_ms", 0) or 0) - int(left.meta.get("source_t0_ms", 0) or 0)
    if off % DT_MS:
        raise ValueError("%s: field source_t0_ms is off the %d ms grid of %s" % (_where(left), DT_MS, _where(right)))
    t0 = max(0, -off)
    t1 = min(int(right.t_ms[-1]), int(left.t_ms[-1]) - off)
    if t1 < t0:
        raise ValueError("%s and %s do not overlap in time (source_t0_ms)" % (_where(left), _where(right)))
    n = (t1 - t0) // DT_MS + 1
    cut = {"right": len(right.t_ms) - n, "left": len(left.t_ms) - n, "left_offset_ms": off}
    if (cut["right"] or cut["left"]) and not trim:
        raise ValueError("%s and %s differ in length (field length): %d and %d samples on one time base "
                         "(offset %d ms); --trim cuts both to their common %.1f s"
                         % (_where(left), _where(right), len(left.t_ms), len(right.t_ms), off, n * DT_MS / 1000))
    out = []
    for tr, o in ((left, off), (right, 0)):
        i0 = (t0 + o) // DT_MS
        out.append(tr if i0 == 0 and len(tr.t_ms) == n else
                   Trace(meta=dict(tr.meta, labels=crop_labels(tr.labels, int(tr.t_ms[i0]), int(tr.t_ms[i0]) + n * DT_MS)),
                         t_ms=(np.arange(n) * DT_MS).astype(np.int64),
                         imu=None if tr.imu is None else tr.imu[i0:i0 + n],
                         loads=None if tr.loads is None else tr.loads[i0:i0 + n], path=tr.path))
    return out[0], out[1], cut


def _short(v):
    return "<%d keys>" % len(v) if isinstance(v, dict) else v


def queue_reports(foot, inbox: list, t: int, lat: int, err: int) -> None:
    """Append the struck foot's reports of sample ``t`` to ``inbox`` as (arrival ms, kind, peer ms):
    ``lat`` ms on the link (>= 0), stamped with ``err`` ms of clock error."""
    while True:
        kind = foot.next()
        if not kind:
            return
        inbox.append((t + lat, kind, foot.rep_t + err))


def deliver(fusion, inbox: list, k: int, t: int, lat: int, err: int, bound: int) -> int:
    """Hand ``fusion`` the reports of ``inbox[k:]`` that have arrived by ``t`` (each with the proven
    clock bound ``bound`` ms) and the peer's ``done`` time; return the index of the next report."""
    while k < len(inbox) and inbox[k][0] <= t:
        fusion.peer(inbox[k][1], inbox[k][2], bound)
        k += 1
    if t - lat >= 0:
        fusion.peer_done(t - lat + err)
    return k


def replay_pair(left: Trace, right: Trace, link: tuple = LINK) -> dict:
    """Both cores in this process, as firmware/soleguard_unix/pair_replay.py runs them.

    left, right: equal lengths (check_pair). link: (latency ms >= 0, clock error ms).
    Returns {'right': [Event], 'left': [Event], 'counters': (candidates, confirmed, gestures,
    refused_moving), 'n': samples}."""
    if len(left.t_ms) != len(right.t_ms):
        raise ValueError("pair replay: %s and %s differ in length" % (left.name, right.name))
    lat, err = link
    if lat < 0:
        raise ValueError("pair replay: link latency must be >= 0 ms, got %d" % lat)
    cfg = Config()
    rcore, lcore = make_core(right, cfg), make_core(left, cfg)
    fusion = P.PairFusion(cfg, rcore.tap)
    fusion.set_mode(P.MODE_PAIR)
    rcore.pair = fusion
    foot = P.StruckFoot(cfg)
    lcore.pair = foot
    lcore.lifecycle.sos_muted = True  # the app mutes the left insole's own SOS while the pair is up (edges/pairing.py)
    out = {"right": [], "left": []}
    inbox = []  # (arrival ms, kind, t)
    k = 0
    bound = cfg.PAIR_GOOD_MS
    for t, lrow, rrow in zip(right.t_ms.tolist(), frames(left).tolist(), frames(right).tolist()):
        ev = lcore.events
        if lcore.step(t, lrow):  # the left core first: StruckFoot (its Core.pair) queues this sample's reports
            out["left"].extend(Event(ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]) for i in range(ev.count))
            ev.clear()
        queue_reports(foot, inbox, t, lat, err)
        k = deliver(fusion, inbox, k, t, lat, err, bound)
        ev = rcore.events
        if rcore.step(t, rrow):
            out["right"].extend(Event(ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]) for i in range(ev.count))
            ev.clear()
    out["counters"] = (fusion.candidates, fusion.confirmed, fusion.gestures, fusion.refused_moving)
    out["n"] = len(right.t_ms)
    return out


def protocol_lines_pair(striker: Trace, struck: Trace, link: tuple):
    """The records firmware/soleguard_unix/pair_replay.py reads (a generator of str); equal lengths."""
    if len(striker.t_ms) != len(struck.t_ms):
        raise ValueError("pair replay: %s and %s differ in length" % (striker.name, struck.name))
    for code, tr in (("H", striker), ("L", struck)):
        zones, xs, ys, imu = core_args(tr)
        head = [code, str(int(imu)), str(zones)]
        for x, y in zip(xs, ys):
            head += [str(x), str(y)]
        yield ",".join(head) + "\n"
    yield "K,%d,%d,%d\n" % (link[0], link[1], Config().PAIR_GOOD_MS)
    data = np.hstack([striker.t_ms.reshape(-1, 1), frames(striker).astype(np.int64), frames(struck).astype(np.int64)])
    for row in data.tolist():
        yield "S," + ",".join(map(str, row)) + "\n"


def parse_pair_output(text: str) -> dict:
    """{'events': [(t, type, cause, detail)] of the striking core, 'left_events': those of the struck core,
    'counters': (candidates, confirmed, gestures, refused_moving), 'n'}."""
    out = {"events": [], "left_events": [], "counters": None, "n": None}
    for line in text.splitlines():
        parts = line.split(",")
        if parts[0] == "E":
            out["events"].append(tuple(int(p) for p in parts[1:]))
        elif parts[0] == "EL":
            out["left_events"].append(tuple(int(p) for p in parts[1:]))
        elif parts[0] == "F":
            out["counters"] = tuple(int(p) for p in parts[1:])
        elif parts[0] == "D":
            out["n"] = int(parts[1])
    return out


def replay_pair_micropython(striker: Trace, struck: Trace, link: tuple, heapsize: str = "192K") -> dict:
    """``pair_replay`` under the MicroPython unix port (parse_pair_output's dict). RuntimeError if it fails."""
    proc = run_micropython(["-m", "soleguard_unix.pair_replay"], heapsize, capture_output=True, text=True,
                           input="".join(protocol_lines_pair(striker, struck, link)))
    if proc.returncode != 0:
        raise RuntimeError("micropython pair replay of %s failed: %s" % (striker.name, proc.stderr.strip()[-500:]))
    return parse_pair_output(proc.stdout)


def replay_pair_with(left: Trace, right: Trace, runtime: str = "cpython", link: tuple = LINK) -> dict:
    """replay_pair on 'cpython' or under the MicroPython unix port ('micropython'); the same dict.

    RuntimeError if the unix port fails or stops early."""
    if runtime == "cpython":
        return replay_pair(left, right, link)
    if runtime != "micropython":
        raise ValueError("unknown runtime %r" % runtime)
    res = replay_pair_micropython(right, left, link)
    if res["n"] != len(right.t_ms):
        raise RuntimeError("micropython pair replay of %s stopped after %s of %d samples"
                           % (right.name, res["n"], len(right.t_ms)))
    return {"right": [Event(*e) for e in res["events"]], "left": [Event(*e) for e in res["left_events"]],
            "counters": res["counters"], "n": res["n"]}
