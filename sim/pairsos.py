"""The pair SOS fusion (firmware/soleguard/core/pair.py) replayed on pairs of traces, single vs pair.

``replay_pair(striker, struck, rng, pair=True)`` runs the striking insole's
whole firmware core with ``pair.PairFusion`` as ``Core.pair`` and the struck
insole's features with ``pair.StruckFoot``; the struck insole's reports reach
the striking one over a modelled link: each report and each ``done`` time
arrives ``latency`` ms after its sample (drawn per replay in LINK_MS: a BLE
connection interval, the peer's FIFO batch, its TX poll) with a clock error
drawn within the proven bound PAIR_GOOD_MS (clocksync, docs/PAIR.md), which is
the error ``PairFusion.peer`` is told. ``pair=False``: the same core without a
peer (single-insole mode, what ships today).

``evaluate(traces, ...)`` (``soleguard taps --pair``):
  1. every real both-feet pair (HuGaDB, IPOL, Moticon, gaitmap), each foot in
     turn striking (mirrored): every SOS is false;
  2. the strike-geometry grid of the project's tap model injected into real pairs
     (sim/pairtaps.py: the struck foot planted), recall single vs pair per band,
     latency after the third strike;
  3. the tap model's look-alikes on the striking foot, the struck foot's real
     recording as it is; the blind model's look-alikes (``blindstrike.look_alike``,
     both feet through ``inject_pair``);
  4. the blind strike model (sim/blindstrike.py, measured only, never tuned on):
     recall single vs pair, standing and walking placements.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from soleguard.core import pair as P
from soleguard.core.config import Config
from soleguard.core.events import CAUSE_SOS, EV_ALARM

from . import pairtaps as pt
from . import tapmodel as tm
from .pairreplay import deliver, queue_reports
from .replay import frames, make_core
from .score import MS_PER_HOUR, SOS_GRACE_MS
from .taps import _pct
from .trace import Trace

LINK_MS = (40, 250)  # report sample -> at the striking insole, uniform per replay (docs/PAIR.md)


def replay_pair(striker: Trace, struck: Trace | None, rng, pair: bool = True, link=None) -> dict:
    """SOS alarm times (ms) of ``striker`` and the fusion's counters; ``pair`` False or no ``struck``: single.

    ``sos``: the alarm times; ``completed_ms``: for each, the time of the strike that completed the
    detector's three-strike run (tap.py's or the fusion's; the fusion locks the tap detector at it).

    ``link``: (latency ms, clock error ms), else drawn from ``rng`` (LINK_MS, +-PAIR_GOOD_MS). The same
    model as firmware/soleguard_unix/pair_replay.py (``pairreplay.replay_pair_micropython``)."""
    cfg = Config()
    core = make_core(striker, cfg)
    fusion = None
    if pair and struck is not None:
        fusion = P.PairFusion(cfg, core.tap)
        fusion.set_mode(P.MODE_PAIR)
        core.pair = fusion
        left = make_core(struck, cfg)
        lfeat = left.features
        foot = P.StruckFoot(cfg)
        lrows = frames(struck).tolist()
        if link is None:
            link = (int(rng.integers(LINK_MS[0], LINK_MS[1] + 1)),
                    int(rng.integers(-cfg.PAIR_GOOD_MS, cfg.PAIR_GOOD_MS + 1)))
        lat, err = link
        inbox = []  # (arrival ms, kind, t)
        k = 0
    ev = core.events
    out = []
    done_by = []  # per SOS: the detector's third strike (ms), the strike that completed its run
    rows = frames(striker).tolist()
    times = striker.t_ms.tolist()
    n_left = len(lrows) if fusion else 0
    for i, (t, row) in enumerate(zip(times, rows)):
        if fusion is not None:
            if i < n_left:
                lfeat.update(lrows[i])
                foot.update(t, lfeat, lrows[i])
                queue_reports(foot, inbox, t, lat, err)
            k = deliver(fusion, inbox, k, t, lat, err, cfg.PAIR_GOOD_MS)
        if core.step(t, row):
            for j in range(ev.count):
                if ev.type[j] == EV_ALARM and ev.cause[j] == CAUSE_SOS:
                    out.append(ev.t[j])
                    done_by.append(core.tap.gesture_ms())
            ev.clear()
    res = {"sos": out, "completed_ms": done_by}
    if fusion is not None:
        res.update(candidates=fusion.candidates, confirmed=fusion.confirmed, gestures=fusion.gestures,
                   refused_moving=fusion.refused_moving)
    return res


def _views(right: Trace, left: Trace) -> list:
    return pt.striking_views(right, left)


def real(pairs: list, rng, log=None) -> dict:
    """False SOS over every real pair, each foot in turn striking, single and pair; per dataset and subject."""
    by = defaultdict(lambda: {"views": 0, "hours": 0.0, "single": 0, "pair": 0, "candidates": 0, "confirmed": 0})
    false = []
    for n, (right, left) in enumerate(pairs):
        for striker, struck, which in _views(right, left):
            s = replay_pair(striker, None, rng, pair=False)
            p = replay_pair(striker, struck, rng)
            d = by[right.meta["dataset"]]
            d["views"] += 1
            d["hours"] = round(d["hours"] + len(striker.t_ms) * 10 / MS_PER_HOUR, 4)
            d["single"] += len(s["sos"])
            d["pair"] += len(p["sos"])
            d["candidates"] += p["candidates"]
            d["confirmed"] += p["confirmed"]
            if s["sos"] or p["sos"]:
                false.append({"trace": striker.name, "striking": which, "subject": right.meta.get("subject"),
                              "single": s["sos"], "pair": p["sos"]})
        if log and n % 50 == 0:
            log("real pairs: %d/%d" % (n, len(pairs)))
    return {"by_dataset": dict(by), "false": false,
            "false_sos_single": sum(d["single"] for d in by.values()),
            "false_sos_pair": sum(d["pair"] for d in by.values()),
            "striker_hours": round(sum(d["hours"] for d in by.values()), 3)}


def _score(tr: Trace, res: dict) -> dict:
    """One gesture's outcome from replay_pair's ``res``. Two latencies of the first SOS inside the gesture:
    ``latency_ms`` after the gesture's third strike as the wearer made it (the target's clock), and
    ``latency_detect_ms`` after the labelled strike that completed the detector's run (the nearest to
    ``completed_ms``), which is the ``completed_by``-th strike (3 when no strike of the first three was
    missed; 4 or 5 when a later strike completed the run)."""
    strikes = tr.labels["sos"][0]["strikes_ms"]
    a, b = strikes[0], strikes[-1] + SOS_GRACE_MS
    times = res["sos"]
    inside = [k for k, t in enumerate(times) if a <= t <= b]
    out = {"detected": bool(inside), "alarms": len(inside), "false": len(times) - len(inside),
           "latency_ms": None, "latency_detect_ms": None, "completed_by": None}
    if inside:
        t, c = times[inside[0]], res["completed_ms"][inside[0]]
        k = min(range(len(strikes)), key=lambda i: abs(strikes[i] - c))
        out.update(latency_ms=t - strikes[2], latency_detect_ms=t - strikes[k], completed_by=k + 1)
    return out


def _lat(flat: list, key: str) -> dict:
    lat = sorted(r[key] for r in flat if r[key] is not None)
    return {"median": _pct(lat, 50), "p95": _pct(lat, 95), "max": lat[-1] if lat else None}


def _summary(rows: list, mode: str, band_names) -> dict:
    flat = [dict(r, **r[mode]) for r in rows]
    n = len(flat)
    det = sum(r["detected"] for r in flat)
    by = {}
    for name in band_names:
        groups = defaultdict(list)
        for r in flat:
            groups[r["bands"].get(name, "outside")].append(r["detected"])
        by[name] = {k: "%d/%d" % (sum(v), len(v)) for k, v in sorted(groups.items())}
    return {"detected": det, "n": n, "recall": round(det / max(1, n), 3),
            "latency_ms": _lat(flat, "latency_ms"), "latency_detect_ms": _lat(flat, "latency_detect_ms"),
            "completed_by": {str(k): sum(1 for r in flat if r["completed_by"] == k) for k in (3, 4, 5)},
            "over_1500_ms": sum(1 for r in flat if r["latency_ms"] is not None and r["latency_ms"] > 1500),
            "more_than_one": sum(1 for r in flat if r["alarms"] > 1), "false_sos": sum(r["false"] for r in flat),
            "by": by}


def grid(pairs: list, rng, n: int) -> dict:
    """``n`` grid gestures (pairtaps.grid_params) in real pairs, single and pair."""
    hosts = pt.host_pairs(pairs)
    rows = []
    while len(rows) < n:
        p = pt.grid_params(rng)
        pair = hosts[int(rng.integers(len(hosts)))]
        rt, lt, ctx = pt.inject_grid(pair, p, rng, "%s_grid%d" % (pair[0].name, len(rows)))
        if rt is None:
            continue
        b = pt.bands(p)
        b["context"] = ctx
        rows.append({"bands": b, "single": _score(rt, replay_pair(rt, None, rng, False)),
                     "pair": _score(rt, replay_pair(rt, lt, rng))})
    names = list(pt.GRID_BANDS) + ["context"]
    return {"n": len(rows), "single": _summary(rows, "single", names), "pair": _summary(rows, "pair", names)}


def look_alikes(pairs: list, rng, n_each: int) -> dict:
    """Tap-model look-alikes on the striking foot (struck foot's real recording as it is) and the blind
    model's look-alikes on both feet; SOS counts single and pair."""
    from . import blindstrike as bs

    hosts = pt.host_pairs(pairs)
    out = {}
    for kind in tm.NEGATIVES:
        row = {"n": 0, "single": 0, "pair": 0}
        while row["n"] < n_each:
            g = tm.negative_gesture(kind, rng)
            right, left = hosts[int(rng.integers(len(hosts)))]
            at, _ = tm.positions(right, g.duration_ms, rng)
            if at is None:
                continue
            rt = tm.inject(right, g, at, "%s_%s%d" % (right.name, kind, row["n"]), positive=False)
            lt = tm.inject(left, tm.Gesture(duration_ms=g.duration_ms), at, rt.name + "_left", positive=False)
            row["single"] += len(replay_pair(rt, None, rng, False)["sos"])
            row["pair"] += len(replay_pair(rt, lt, rng)["sos"])
            row["n"] += 1
        out["tapmodel " + kind] = row
    for kind in bs.LOOK_ALIKES:
        row = {"n": 0, "single": 0, "pair": 0}
        tries = 0
        while row["n"] < n_each and tries < 20 * n_each:
            tries += 1
            p = bs.look_alike(kind, rng)
            right, left = hosts[int(rng.integers(len(hosts)))]
            pos = bs.standing_positions(right, p.duration_ms()) or bs.walking_positions(right, p.duration_ms())
            if not pos:
                continue
            try:
                rt, lt = bs.inject_pair(right, left, float(pos[int(rng.integers(len(pos)))]), p,
                                        "%s_%s%d" % (right.name, kind, row["n"]))
            except ValueError:
                continue
            row["single"] += len(replay_pair(rt, None, rng, False)["sos"])
            row["pair"] += len(replay_pair(rt, lt, rng)["sos"])
            row["n"] += 1
        out["blind " + kind] = row
    return out


def blind(pairs: list, rng, n: int) -> dict:
    """The blind model's gestures (blindstrike.sample_params) in real pairs, half standing, half walking."""
    from . import blindstrike as bs

    hosts = pt.host_pairs(pairs)
    rows = []
    tries = 0
    while len(rows) < n and tries < 50 * n:
        tries += 1
        p = bs.sample_params(rng)
        right, left = hosts[int(rng.integers(len(hosts)))]
        ctx = "standing" if len(rows) % 2 == 0 else "walking"
        pos = bs.standing_positions(right, p.duration_ms()) if ctx == "standing" else \
            bs.walking_positions(right, p.duration_ms())
        if not pos:
            continue
        try:
            rt, lt = bs.inject_pair(right, left, float(pos[int(rng.integers(len(pos)))]), p,
                                    "%s_blind%d" % (right.name, len(rows)))
        except ValueError:
            continue
        b = {"context": ctx, "left_loaded": "loaded" if p.left_loaded else "lifted", "odr_hz": "%d Hz" % p.odr_hz}
        rows.append({"bands": b, "single": _score(rt, replay_pair(rt, None, rng, False)),
                     "pair": _score(rt, replay_pair(rt, lt, rng))})
    names = ["context", "left_loaded", "odr_hz"]
    return {"n": len(rows), "single": _summary(rows, "single", names), "pair": _summary(rows, "pair", names)}


def evaluate(paths, seed: int = 4, n: int = 300, n_neg: int = 30, n_blind: int = 100, real_too: bool = True,
             log=None) -> dict:
    """The pair report (module docstring) from dataset folders ``paths``. ValueError without host pairs."""
    say = log or (lambda text: None)
    traces, errors = pt.load(paths)
    pairs = pt.real_pairs(traces)
    if not pt.host_pairs(pairs):
        raise ValueError("no both-feet walking recordings (IPOL, Moticon, gaitmap) among %s" % (list(paths),))
    rng = np.random.default_rng(seed)
    out = {"seed": seed, "errors": errors}
    say("taps --pair: %d grid gestures, single and pair" % n)
    out["grid"] = grid(pairs, rng, n)
    say("taps --pair: %d look-alikes of each kind" % n_neg)
    out["look_alikes"] = look_alikes(pairs, rng, n_neg)
    say("taps --pair: %d blind-model gestures (measured only)" % n_blind)
    out["blind"] = blind(pairs, rng, n_blind)
    if real_too:
        say("taps --pair: every real both-feet pair (%d)" % len(pairs))
        out["real"] = real(pairs, rng, say)
    return out


def main(argv=None):
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--n-neg", type=int, default=30)
    ap.add_argument("--n-blind", type=int, default=100)
    ap.add_argument("--no-real", action="store_true")
    a = ap.parse_args(argv)
    import sys

    rep = evaluate(a.paths, a.seed, a.n, a.n_neg, a.n_blind, not a.no_real,
                   log=lambda s: print(s, file=sys.stderr, flush=True))
    print(json.dumps(rep, indent=1, default=int))


if __name__ == "__main__":
    main()
