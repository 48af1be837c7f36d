"""Score the silent-SOS detector: synthetic strikes and look-alikes in real recordings.

``evaluate(traces, seed, n)`` (the ``soleguard taps`` command):
  1. positives: ``n`` gestures drawn from ``tapmodel.SPACE`` (plus ``n // 8``
     per ``tapmodel.OUTSIDE`` band, one dimension outside at a time, reported
     apart)
     injected at random positions of real standing/walking recordings
     (Moticon insoles, IPOL and gaitmap foot IMUs, UMAFall ankle walking;
     left feet mirrored into right feet), scored with sim/score.py: detected
     when an SOS alarm starts in [first strike, last strike + 1.5 s], and
     exactly one alarm for 3-5 strikes. The struck (left) foot's response is
     replayed too, alone: informational (the detector must not need it).
  2. adversarial negatives: ``n_neg`` of each ``tapmodel.NEGATIVES`` kind
     injected the same way: every SOS there is a false SOS.
  3. every real recording as it is (all sources, all activities): every SOS
     is a false SOS; hours checked; the closest cases (the longest run of
     valid strikes seen in a trace, and its time).
Everything is seeded: the same traces, seed and n give the same report.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from soleguard.core.events import CAUSE_SOS, EV_ALARM

from . import tapmodel as tm
from .replay import frames, make_core, replay
from .score import MS_PER_HOUR, SOS_GRACE_MS, score_trace
from .trace import DT_MS, Trace

# Recordings that can host a gesture: an IMU on the foot (or ankle) while
# standing or walking. gaitpdb is pressure-only (no IMU: the tap detector
# never runs there); SisFall is a waist sensor.
HOST_DATASETS = ("Moticon", "IPOL", "gaitmap", "UMAFall")
HOST_ACTIVITIES = ("walking", "walking_slow", "walking_normal", "walking_fast", "Walking")

# folder under ../shared/datasets -> importer kind (as tools/import_all.sh)
FOLDERS = {"umafall_ankle": "umafall", "moticon_insole": "moticon", "gaitpdb_vgrf": "gaitpdb",
           "ipol_foot": "ipol", "gaitmap_foot": "gaitmap", "sisfall_waist": "sisfall"}


def load(paths) -> tuple:
    """Traces from trace files/folders and/or raw dataset folders; returns (traces, errors).

    A folder named like a shared-datasets folder (``umafall_ankle`` ...) is
    imported in memory; a folder holding those folders imports each; any
    other folder or file is read as ``*.trace.csv``.
    """
    from . import trace as trace_mod
    from .importers import import_batch  # noqa: F401  (kinds registry)
    from .importers import check_text, module, sources

    traces, errors = [], []
    for p in map(Path, paths):
        kinds = [(p, FOLDERS[p.name])] if p.is_dir() and p.name in FOLDERS else \
            [(p / f, k) for f, k in FOLDERS.items() if p.is_dir() and (p / f).is_dir()]
        if not kinds:
            for f in trace_mod.find([p]):
                try:
                    traces.append(trace_mod.read(f))
                except trace_mod.TraceError as e:
                    errors.append(str(e))
            continue
        for folder, kind in kinds:
            mod = module(kind)
            for src in sources(kind, [folder]):
                try:
                    check_text(src, kind)
                    traces.extend(mod.import_file(src))
                except (ValueError, OSError) as e:  # ImportProblem/TraceError are ValueErrors
                    errors.append(str(e))
    return traces, errors


def is_host(tr: Trace) -> bool:
    return (tr.imu is not None and tr.meta["kind"] == "adl" and tr.meta["dataset"] in HOST_DATASETS
            and tr.meta["activity"] in HOST_ACTIVITIES)


def _sos_events(events):
    return [e for e in events if e.type == EV_ALARM and e.cause == CAUSE_SOS]


def _band(params: tm.TapParams) -> dict:
    """Band label per BANDS name for one gesture (gap: the median interval)."""
    vals = {"speed_ms": params.speed_ms, "stop_mm": params.stop_mm, "gap_ms": float(np.median(params.gaps_ms)),
            "roll_deg": abs(params.roll_deg), "n_strikes": params.n_strikes}
    out = {}
    for name, bands in tm.BANDS.items():
        for label, lo, hi in bands:
            if lo <= vals[name] <= hi:
                out[name] = label
                break
        else:
            out[name] = "outside"
    return out


def positives(hosts: list, rng, n: int, space=None, tag="space") -> list:
    """Inject ``n`` gestures; return one result dict per gesture."""
    out = []
    while len(out) < n:
        p = tm.sample_params(rng, space)
        host = hosts[int(rng.integers(len(hosts)))]
        right = tm.as_right_foot(host)
        g = tm.strike_gesture(p)
        at, ctx = tm.positions(right, g.duration_ms, rng)
        if at is None:
            continue
        tr = tm.inject(right, g, at, "%s_tap%d" % (right.name, len(out)), positive=True)
        ev = replay(tr).events
        ts = score_trace(tr, ev)
        strikes = tr.labels["sos"][0]["strikes_ms"]
        a, b = strikes[0], strikes[-1] + SOS_GRACE_MS
        inside = [e for e in _sos_events(ev) if a <= e.t_ms <= b]
        third = strikes[2]  # latency counts from the third strike
        # the struck foot alone (informational): left gesture on the host as a left foot
        left = tm.inject(host if host.meta.get("foot") == "left" else right, tm.left_gesture(p), at,
                         tr.name + "_left", positive=True)
        left_hit = bool(score_trace(left).sos_detected)
        out.append({
            "trace": tr.name, "dataset": host.meta["dataset"], "context": ctx, "set": tag,
            "zones": bool(host.zones), "params": p.as_dict(), "bands": _band(p),
            "detected": bool(ts.sos_detected), "alarms": len(inside), "false": len(ts.false_sos),
            "latency_ms": inside[0].t_ms - third if inside else None, "left_alone": left_hit,
        })
    return out


def negatives(hosts: list, rng, n_each: int) -> list:
    """Inject ``n_each`` look-alikes of every kind; return one result dict each."""
    out = []
    for kind in tm.NEGATIVES:
        k = 0
        while k < n_each:
            g = tm.negative_gesture(kind, rng)
            host = tm.as_right_foot(hosts[int(rng.integers(len(hosts)))])
            at, ctx = tm.positions(host, g.duration_ms, rng)
            if at is None:
                continue
            tr = tm.inject(host, g, at, "%s_%s%d" % (host.name, kind, k), positive=False)
            ev = replay(tr).events
            out.append({"trace": tr.name, "kind": kind, "context": ctx, "false_sos": len(_sos_events(ev)),
                        "hours": tr.duration_ms / MS_PER_HOUR})
            k += 1
    return out


def real(traces: list) -> dict:
    """False SOS on every recording as it is, hours, and the closest cases."""
    rows = []
    for tr in traces:
        core = make_core(tr)
        tap = core.tap
        lift = core.lift
        ev = core.events
        sos = 0
        best = (0, 0)  # (longest valid run, -t) so the first is kept
        best_lift = (0, 0)
        for t, row in zip(tr.t_ms.tolist(), frames(tr).tolist()):
            if core.step(t, row):
                for k in range(ev.count):
                    if ev.type[k] == EV_ALARM and ev.cause[k] == CAUSE_SOS:
                        sos += 1
                ev.clear()
            if tap.run > best[0]:
                best = (tap.run, -t)
            if lift.run > best_lift[0]:
                best_lift = (lift.run, -t)
        rows.append({"trace": tr.name, "dataset": tr.meta["dataset"], "activity": tr.meta["activity"],
                     "hours": tr.duration_ms / MS_PER_HOUR, "false_sos": sos, "strikes": tap.strikes,
                     "longest_run": best[0], "run_t_ms": -best[1], "lift_strikes": lift.strikes,
                     "lift_longest_run": best_lift[0], "lift_run_t_ms": -best_lift[1]})
    by_ds = defaultdict(lambda: {"traces": 0, "hours": 0.0, "false_sos": 0, "strikes": 0})
    for r in rows:
        d = by_ds[r["dataset"]]
        d["traces"] += 1
        d["hours"] += r["hours"]
        d["false_sos"] += r["false_sos"]
        d["strikes"] += r["strikes"]
    for d in by_ds.values():
        d["hours"] = round(d["hours"], 4)
    close = sorted((r for r in rows if r["longest_run"] >= 2 or r["false_sos"]),
                   key=lambda r: (-r["false_sos"], -r["longest_run"], -r["strikes"], r["trace"]))
    close_lift = sorted((r for r in rows if r["lift_longest_run"] >= 2 or r["false_sos"]),
                        key=lambda r: (-r["false_sos"], -r["lift_longest_run"], -r["lift_strikes"], r["trace"]))
    return {
        "traces": len(rows), "hours": round(sum(r["hours"] for r in rows), 4),
        "false_sos": sum(r["false_sos"] for r in rows),
        "false_traces": sorted(r["trace"] for r in rows if r["false_sos"]),
        "strikes": sum(r["strikes"] for r in rows),
        "traces_with_strikes": sum(1 for r in rows if r["strikes"]),
        "traces_with_two_valid_strikes": sum(1 for r in rows if r["longest_run"] >= 2),
        "closest": [{k: r[k] for k in ("trace", "activity", "strikes", "longest_run", "run_t_ms", "false_sos")}
                    for r in close[:10]],
        "lift_strikes": sum(r["lift_strikes"] for r in rows),
        "lift_traces_with_two_valid_strikes": sum(1 for r in rows if r["lift_longest_run"] >= 2),
        "lift_closest": [{k: r[k] for k in ("trace", "activity", "lift_strikes", "lift_longest_run", "lift_run_t_ms",
                                            "false_sos")} for r in close_lift[:10]],
        "by_dataset": dict(sorted(by_ds.items())),
    }


def _pct(v, q):
    return int(np.percentile(v, q, method="nearest")) if v else None


def _recall(rows) -> dict:
    det = sum(r["detected"] for r in rows)
    lat = [r["latency_ms"] for r in rows if r["latency_ms"] is not None]
    return {"n": len(rows), "detected": det, "recall": round(det / len(rows), 4) if rows else None,
            "latency_ms": {"median": _pct(lat, 50), "p95": _pct(lat, 95), "max": max(lat) if lat else None}}


def summarise_positives(rows: list) -> dict:
    """Recall overall, per band, per context and host dataset; latency; alarm counts."""
    out = _recall(rows)
    out["per_band"] = {name: {label: _recall([r for r in rows if r["bands"][name] == label])
                              for label in sorted({r["bands"][name] for r in rows})}
                       for name in tm.BANDS}
    for key in ("context", "dataset"):
        out["per_" + key] = {v: _recall([r for r in rows if r[key] == v]) for v in sorted({r[key] for r in rows})}
    out["more_than_one_alarm"] = sum(1 for r in rows if r["alarms"] > 1)
    out["false_outside_window"] = sum(r["false"] for r in rows)
    out["left_foot_alone_detected"] = sum(r["left_alone"] for r in rows)
    out["missed"] = [{"trace": r["trace"], "context": r["context"], **{k: r["params"][k] for k in
                     ("n_strikes", "speed_ms", "stop_mm", "peak_mg", "pulse_ms", "roll_deg", "yaw_deg", "gaps_ms")}}
                     for r in rows if not r["detected"]][:20]
    return out


def evaluate(traces: list, seed: int = 4, n: int = 400, n_neg: int = 40, real_too: bool = True,
             log=None) -> dict:
    """The whole report (see module docstring). Raises ValueError without host recordings.

    ``log``: None or ``fn(text)``, told each stage as it starts (progress for the CLI).
    """
    say = log or (lambda text: None)
    hosts = [t for t in traces if is_host(t)]
    if not hosts:
        raise ValueError("no standing/walking foot recordings with an IMU among the traces (hosts: %s)"
                         % ", ".join(HOST_DATASETS))
    rng = np.random.default_rng(seed)
    say("taps: %d synthetic strike gestures in %d host recordings" % (n, len(hosts)))
    pos = positives(hosts, rng, n)
    say("taps: %d gestures outside the space, one dimension at a time" % (len(tm.OUTSIDE) * max(1, n // 8)))
    outside = {name: _recall(positives(hosts, rng, max(1, n // 8), {name: band}, tag="outside"))
               for name, band in sorted(tm.OUTSIDE.items())}  # one dimension outside at a time
    say("taps: %d look-alikes of each of %d kinds" % (n_neg, len(tm.NEGATIVES)))
    neg = negatives(hosts, rng, n_neg)
    by_kind = {k: {"n": sum(1 for r in neg if r["kind"] == k),
                   "false_sos": sum(r["false_sos"] for r in neg if r["kind"] == k)} for k in tm.NEGATIVES}
    report = {
        "seed": seed,
        "hosts": {"traces": len(hosts), "datasets": sorted({h.meta["dataset"] for h in hosts})},
        "space": {k: list(v) for k, v in tm.SPACE.items()},
        "positives": summarise_positives(pos),
        "outside_space": {name: dict(band=list(tm.OUTSIDE[name]), **rec) for name, rec in outside.items()},
        "adversarial": {"n": len(neg), "false_sos": sum(r["false_sos"] for r in neg),
                        "hours": round(sum(r["hours"] for r in neg), 4), "by_kind": by_kind,
                        "false_traces": [r["trace"] for r in neg if r["false_sos"]][:20]},
    }
    if real_too:
        say("taps: every real recording as it is (%d traces)" % len(traces))
        report["real"] = real(traces)
    return report


# ---------------------------------------------------------------- the blind model (sim/blindstrike.py)

BLIND_FLOOR_CONTEXT = ("hop_one", "hop_both", "jump_down", "run", "stamp")  # done from standing only
_FOOT_TOKEN = re.compile(r"(_?(rf|lf|right|left))$")


def blind_hosts(traces: list) -> list:
    """(right, left or None) host pairs for the blind model: each right-foot (or unknown-foot)
    standing/walking IMU recording of HOST_DATASETS, with the same recording's left trace
    (same dataset, subject and name but for the foot token) when there is one."""
    lefts = {}
    for t in traces:
        if is_host(t) and t.meta["foot"] == "left":
            lefts[(t.meta["dataset"], t.meta["subject"], _FOOT_TOKEN.sub("", t.name))] = t
    out = []
    for t in traces:
        if is_host(t) and t.meta["foot"] in ("right", "unknown"):
            out.append((t, lefts.get((t.meta["dataset"], t.meta["subject"], _FOOT_TOKEN.sub("", t.name)))))
    return out


def _blind_place(hosts: list, p, rng, contexts=("standing", "walking")):
    """(right, left, at_ms, context) for gesture ``p``: the context drawn from ``contexts``,
    then a host having such a window (the other context if none has), then a window."""
    from . import blindstrike as bs

    dur = p.duration_ms()
    want = contexts[int(rng.integers(len(contexts)))]
    for ctx in (want,) + tuple(c for c in contexts if c != want):
        order = rng.permutation(len(hosts))
        for i in order:
            right, left = hosts[int(i)]
            pos = bs.standing_positions(right, dur, walking=ctx == "walking", step_ms=100)
            if left is not None:  # the left trace must cover the same host time
                off = bs._offset(right, left)
                pos = [a for a in pos if a + off >= left.t_ms[0] and a + off + dur <= left.t_ms[-1]]
            if pos:
                return right, left, float(pos[int(rng.integers(len(pos)))]), ctx
    return None, None, None, None


def _replay_sos(tr):
    return _sos_events(replay(tr).events) if tr is not None else []


def blind_positives(hosts: list, rng, n: int, log=None) -> list:
    """``n`` blind SOS gestures (blindstrike.sample_params) injected into standing and walking
    host windows (50/50 where both exist); one result dict per gesture, the right insole replayed
    alone through the shipped core (single-insole recall), the left one too when recorded."""
    from . import blindstrike as bs

    out = []
    while len(out) < n:
        p = bs.sample_params(rng)
        right, left, at, ctx = _blind_place(hosts, p, rng)
        if right is None:
            raise ValueError("no host window long enough for a %d ms gesture" % p.duration_ms())
        r2, l2 = bs.inject_pair(right, left, at, p, "%s_blind%d" % (right.name, len(out)))
        strikes = r2.labels["sos"][0]["strikes_ms"]
        lo, hi = strikes[0], strikes[-1] + SOS_GRACE_MS
        sos = _replay_sos(r2)
        inside = [e for e in sos if lo <= e.t_ms <= hi]
        left_sos = _replay_sos(l2)
        out.append({"trace": r2.name, "dataset": right.meta["dataset"], "context": ctx,
                    "pair": l2 is not None, "odr_hz": p.odr_hz, "left_loaded": p.left_loaded,
                    "n_strikes": p.n_strikes, "v_impact_m_s": round(float(np.median(p.v_impact_m_s)), 2),
                    "detected": bool(inside), "alarms": len(inside), "false": len(sos) - len(inside),
                    "latency_ms": inside[0].t_ms - strikes[2] if inside else None,
                    "left_detected": (bool([e for e in left_sos if lo <= e.t_ms <= hi]) if l2 is not None else None)})
        if log and len(out) % 50 == 0:
            log("taps: %d/%d blind gestures" % (len(out), n))
    return out


def blind_look_alikes(hosts: list, rng, n_each: int) -> list:
    """``n_each`` of every blindstrike.LOOK_ALIKES kind injected the same way (floor kinds from
    standing only); every SOS alarm on either insole is a false SOS."""
    from . import blindstrike as bs

    out = []
    for kind in bs.LOOK_ALIKES:
        ctxs = ("standing",) if kind in BLIND_FLOOR_CONTEXT else ("standing", "walking")
        for k in range(n_each):
            p = bs.look_alike(kind, rng)
            right, left, at, ctx = _blind_place(hosts, p, rng, ctxs)
            if right is None:
                raise ValueError("no host window long enough for a %d ms %s" % (p.duration_ms(), kind))
            r2, l2 = bs.inject_pair(right, left, at, p, "%s_%s%d" % (right.name, kind, k))
            out.append({"trace": r2.name, "kind": kind, "context": ctx, "n_impacts": p.n_strikes,
                        "false_sos": len(_replay_sos(r2)),
                        "false_sos_left": len(_replay_sos(l2)) if l2 is not None else None})
    return out


def evaluate_blind(traces: list, seed: int = 4, n: int = 400, n_neg: int = 40, log=None) -> dict:
    """The shipped detector (one insole, replayed as a black box) on the blind strike model:
    recall and latency after the third strike on ``n`` gestures, false SOS on ``n_neg`` look-alikes
    of each kind. Seeded: the same traces, seed, n and n_neg give the same report.
    Raises ValueError without host recordings."""
    from . import blindstrike as bs

    say = log or (lambda text: None)
    hosts = blind_hosts(traces)
    if not hosts:
        raise ValueError("no standing/walking foot recordings with an IMU among the traces (hosts: %s)"
                         % ", ".join(HOST_DATASETS))
    rng = np.random.default_rng(seed)
    say("taps: %d blind gestures in %d host recordings (%d with the left foot)"
        % (n, len(hosts), sum(1 for _, l in hosts if l is not None)))
    pos = blind_positives(hosts, rng, n, say)
    say("taps: %d blind look-alikes of each of %d kinds" % (n_neg, len(bs.LOOK_ALIKES)))
    neg = blind_look_alikes(hosts, rng, n_neg)
    rec = _recall(pos)
    for key in ("context", "dataset", "odr_hz", "left_loaded", "n_strikes"):
        rec["per_" + key] = {str(v): _recall([r for r in pos if r[key] == v]) for v in sorted({r[key] for r in pos})}
    paired = [r for r in pos if r["pair"]]
    rec["more_than_one_alarm"] = sum(1 for r in pos if r["alarms"] > 1)
    rec["false_outside_window"] = sum(r["false"] for r in pos)
    rec["left_insole"] = {"n": len(paired), "detected": sum(1 for r in paired if r["left_detected"])}
    rec["missed"] = [{k: r[k] for k in ("trace", "context", "odr_hz", "left_loaded", "n_strikes", "v_impact_m_s")}
                     for r in pos if not r["detected"]][:20]
    by_kind = {}
    for kind in bs.LOOK_ALIKES:
        rows = [r for r in neg if r["kind"] == kind]
        lrows = [r for r in rows if r["false_sos_left"] is not None]
        by_kind[kind] = {"n": len(rows), "false_sos": sum(r["false_sos"] for r in rows),
                         "n_left": len(lrows), "false_sos_left": sum(r["false_sos_left"] for r in lrows)}
    return {
        "model": "blind", "model_version": bs.VERSION, "seed": seed,
        "hosts": {"traces": len(hosts), "with_left": sum(1 for _, l in hosts if l is not None),
                  "datasets": sorted({h.meta["dataset"] for h, _ in hosts})},
        "positives": rec,
        "look_alikes": {"n": len(neg), "false_sos": sum(r["false_sos"] for r in neg), "by_kind": by_kind,
                        "false_traces": [r["trace"] for r in neg if r["false_sos"]][:20]},
    }


# ---------------------------------------------------------------- data step of the lifted-foot rule (tap.LiftedTaps)
#
# ``python -m soleguard_sim.taps DATASETS [--n 400] [--seed 11]``: the rule of tap.LiftedTaps as numpy over the
# firmware's own features (pairtaps.feature_arrays), swept over its constants: false gestures on every real
# recording (all folders, HuGaDB included) per subject, on the tap model's look-alikes, and recall on the
# strike-geometry grid (pairtaps.grid_params, striking foot alone). The blind model is never used here.
# Slightly looser than the firmware (every timing-valid triple counts, not only tap.py's sequence), so it
# over-counts false gestures rather than under-counting them. Findings: docs/TAPS.md ("Lifted-foot rule").

def _firmware_lift_rule() -> dict:
    from soleguard.core import config as c

    return {"mg": c.LIFT_STRIKE_MG, "cone": c.LIFT_CONE_TAN2, "tenths": c.LIFT_LATERAL_TENTHS,
            "gyro": c.LIFT_STILL_DDPS, "ring": c.LIFT_RING_MS, "flight": c.LIFT_FLIGHT_MG, "before": c.LIFT_BEFORE_MS,
            "gest_load": c.LIFT_LOAD_N, "peak_load": c.Config().STRIKE_MAX_LOAD_N}


LIFT_RULE = _firmware_lift_rule()  # the shipped constants; the sweep varies them
LIFT_SWEEP = {"flight": (0, 300), "gyro": (2500, 3000, 4000, 5000, 6000), "ring": (0, 10, 20, 30, 50, 70, 150)}
# (the strike constants mg 1200/1500, cone 1/3 and dominance tenths 10/15 were swept with neither ring nor
# flight first: docs/TAPS.md; the sweep keeps the shipped ones and varies the gesture's three lifted-foot
# constants)
_LB, _LA, _REFR = 6, 3, 10  # STRIKE_LOOKBACK, STRIKE_LOOKAHEAD, STRIKE_REFRACTORY_MS in samples at 100 Hz


def lift_candidates(f: dict, rule: dict) -> list:
    """[(sample, sign)] of the lifted-foot strikes in feature arrays ``f`` (pairtaps.feature_arrays)."""
    dyn = f["dyn"].astype(np.int64)
    x, y, z = np.abs(dyn[:, 0]), dyn[:, 1], np.abs(dyn[:, 2])
    ay = np.abs(y)
    side = np.maximum(x, z)
    n = len(ay)
    last = {1: -1000, -1: -1000}
    out = []
    for i in np.flatnonzero(ay >= rule["mg"]):
        if rule["cone"] * ay[i] * ay[i] < x[i] * x[i] + z[i] * z[i]:
            continue
        if 10 * ay[i] < rule["tenths"] * side[max(0, i - _LB):min(n, i + _LA + 1)].max():
            continue
        if f["load"][min(n - 1, i + _LA)] > rule["peak_load"]:
            continue
        s = 1 if y[i] > 0 else -1
        if i - last[s] < _REFR:
            continue
        last[s] = i
        out.append((int(i), s))
    return out


def moved(gyro: np.ndarray, limit: int, ring_ms: int) -> np.ndarray:
    """Per sample (100 Hz): the foot counts as moving, as the core marks it (pipeline.py, LIFT_RING_MS): its
    rates ``gyro`` (0.1 dps) at or above ``limit`` on a run of samples that has lasted ``ring_ms`` by then."""
    m = gyro >= limit
    ring = ring_ms // DT_MS
    if ring <= 0:
        return m
    start = np.maximum.accumulate(np.where(m & ~np.concatenate(([False], m[:-1])), np.arange(len(m)), 0))
    return m & (np.arange(len(m)) - start >= ring)


def lift_gestures(f: dict, rule: dict) -> list:
    """Runs [i1, i2, i3] (samples) the rule accepts: three strikes of one sign, gaps 150-800 ms within 2.5 s,
    the foot not moving (``moved``: rates at or above rule['gyro'] for rule['ring'] ms) from rule['before'] ms
    before i1, and never in flight (|a| below rule['flight'] mg) nor loaded above rule['gest_load'] from i1,
    to i3 + STRIKE_LOOKAHEAD."""
    cs = lift_candidates(f, rule)
    mv = moved(f["gyro"], rule["gyro"], rule["ring"])
    before = rule["before"] // DT_MS
    out = []
    n = len(f["load"])
    for s in (1, -1):
        ts = [i for i, sg in cs if sg == s]
        for k in range(len(ts)):
            run = [ts[k]]
            for t in ts[k + 1:]:
                g = t - run[-1]
                if g < 15:
                    continue
                if g > 80 or t - run[0] > 250:
                    break
                run.append(t)
                if len(run) == 3:
                    break
            if len(run) == 3:
                a, b = run[0], min(n, run[2] + _LA + 1)
                if not mv[max(0, a - before):b].any() and f["load"][a:b].max() <= rule["gest_load"] \
                        and f["amag"][a:b].min() >= rule["flight"]:
                    out.append(run)
    return out


def lift_sweep(real_feats: list, grid: list, negs: list, sweep=None) -> list:
    """One row per rule of ``sweep`` (LIFT_SWEEP): false gestures per subject on ``real_feats``
    [(subject, f)], on look-alikes ``negs`` [(kind, f)], and recall on ``grid`` (pairtaps.grid_features)."""
    import itertools

    sweep = sweep or LIFT_SWEEP
    names = list(sweep)
    rows = []
    for vals in itertools.product(*(sweep[k] for k in names)):
        rule = dict(LIFT_RULE, **dict(zip(names, vals)))
        false = defaultdict(int)
        for subject, f in real_feats:
            k = len(lift_gestures(f, rule))
            if k:
                false[subject] += k
        neg = defaultdict(int)
        for kind, f in negs:
            k = len(lift_gestures(f, rule))
            if k:
                neg[kind] += k
        hit = 0
        for g in grid:
            st = g["strikes"]
            hit += any(st[0] - 1 <= r[0] and r[2] <= st[-1] + 6 for r in lift_gestures(g["right"], rule))
        rows.append({"rule": rule, "false": sum(false.values()), "false_by_subject": dict(false),
                     "look_alikes": sum(neg.values()), "look_alikes_by_kind": dict(neg),
                     "recall": round(hit / max(1, len(grid)), 3)})
    return rows


def held_out_onsets(rows: list, key: str = "gyro") -> dict:
    """Per subject held out: the lowest ``key`` at which the other subjects give a false gesture, among rows
    equal but for ``key`` (grouped by the other constants)."""
    groups = defaultdict(list)
    for r in rows:
        groups[tuple(sorted((k, v) for k, v in r["rule"].items() if k != key))].append(r)
    out = {}
    for g, rs in groups.items():
        rs = sorted(rs, key=lambda r: r["rule"][key])
        subjects = sorted({s for r in rs for s in r["false_by_subject"]})
        on = {}
        for s in subjects + ["(none held out)"]:
            on[s] = next((r["rule"][key] for r in rs if sum(v for k, v in r["false_by_subject"].items() if k != s)),
                         None)
        out[g] = on
    return out


def main(argv=None):
    """The lifted-foot rule's data step (section comment above)."""
    import argparse
    import json

    from . import pairtaps as pt

    ap = argparse.ArgumentParser(description="data step of the lifted-foot strike rule (tap.LiftedTaps)")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--n-neg", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args(argv)
    traces, errors = load(a.paths)
    both, errors2 = pt.load(a.paths)
    hug = [t for t in both if t.meta["dataset"] == "HuGaDB"]
    real_feats = [("%s %s" % (t.meta["dataset"], t.meta.get("subject")), pt.feature_arrays(t))
                  for t in traces + hug if t.imu is not None]
    grid = pt.grid_features(pt.real_pairs(both), a.seed, a.n)
    rng = np.random.default_rng(a.seed + 1)
    hosts = [t for t in traces if is_host(t)]
    negs = []
    for kind in tm.NEGATIVES:
        while sum(1 for k, _ in negs if k == kind) < a.n_neg:
            g = tm.negative_gesture(kind, rng)
            host = tm.as_right_foot(hosts[int(rng.integers(len(hosts)))])
            at, _ = tm.positions(host, g.duration_ms, rng)
            if at is not None:
                negs.append((kind, pt.feature_arrays(tm.inject(host, g, at, "neg", positive=False))))
    hours = sum(len(f["load"]) for _, f in real_feats) / 360000
    rows = lift_sweep(real_feats, grid, negs)
    print(json.dumps({"real_traces": len(real_feats), "real_hours": round(hours, 2), "grid_n": len(grid),
                      "look_alikes": len(negs), "errors": errors + errors2, "sweep": rows,
                      "held_out_gyro_onsets": {json.dumps(dict(k)): v for k, v in held_out_onsets(rows).items()},
                      "held_out_ring_onsets": {json.dumps(dict(k)): v
                                               for k, v in held_out_onsets(rows, "ring").items()}},
                     indent=1))


if __name__ == "__main__":
    main()
