"""The silent SOS with both insoles: what a pair fusion rule can use, measured.

Data step for the pair SOS fusion (issue 16). For real recordings of both feet
together (HuGaDB, IPOL, Moticon, gaitmap; each foot in turn the striking one,
mirrored so that it plays the right foot) and for gestures injected with the
project's tap model (``sim/tapmodel.py``, the struck foot's response included),
it extracts around every *permissive* strike candidate of the striking foot:

* the candidate: a local peak of the striking insole's -dyn_y (the right foot's
  medial motion stopped) of at least ``CAND_MG`` whose direction is within
  45 deg of the lateral axis at the peak sample;
* the struck (left) foot's coincident impulse within +-``LAG_SAMPLES``: the
  largest +dyn_y (pushed the opposite way: toward the wearer's left) and the
  largest -dyn_y (a common-mode jolt), their lag;
* the struck foot's stillness around it: over the window [t - 1 s, t + 0.3 s]
  the longest time it was continuously still, still meaning
  |gx|+|gy|+|gz| < ``STILL_GYRO_DDPS`` and ||a| - 1 g| < ``STILL_ACC_MG``,
  samples within an impulse's ringing window exempt
  (``StruckFoot`` in firmware/soleguard/core/pair.py computes the same thing).

``soleguard``-free entry: ``python -m soleguard_sim.pairtaps DATASETS [--json]``.
Features are computed by the firmware's own ``Features`` (integer, as on the
insole).
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from . import tapmodel as tm
from .replay import frames, make_core
from .trace import Trace

DT_MS = 10
CAND_MG = 1000  # permissive candidate: -dyn_y peak (mg)
LAG_SAMPLES = 4  # coincidence search +-40 ms (link clock bound 10 ms + sampling + pulse width)

_PAIR_RE = re.compile(r"^(.*)(_right|_left|_rf|_lf)$")
_OTHER = {"_right": "_left", "_rf": "_lf"}


def _offset(right: Trace, left: Trace) -> int:
    """left time = right time + offset (Moticon insoles start apart: source_t0_ms)."""
    return int(right.meta.get("source_t0_ms", 0) or 0) - int(left.meta.get("source_t0_ms", 0) or 0)


def _align(right: Trace, left: Trace) -> tuple:
    """(right, left) cut to their common span on one time base (right's), 10 ms grid."""
    off = _offset(right, left)
    t0 = max(int(right.t_ms[0]), int(left.t_ms[0]) - off)
    t1 = min(int(right.t_ms[-1]), int(left.t_ms[-1]) - off)
    out = []
    for tr, o in ((right, 0), (left, off)):
        i0 = int((t0 + o - tr.t_ms[0]) // DT_MS)
        i1 = i0 + (t1 - t0) // DT_MS + 1
        out.append(Trace(meta=dict(tr.meta), t_ms=(np.arange(i1 - i0) * DT_MS).astype(np.int64),
                         imu=tr.imu[i0:i1], loads=None if tr.loads is None else tr.loads[i0:i1]))
    return out[0], out[1]


def real_pairs(traces: list) -> list:
    """[(right, left)] of real recordings of both feet together, aligned (same name but the side)."""
    by_name = {t.name: t for t in traces if t.imu is not None}
    out = []
    for name, tr in sorted(by_name.items()):
        m = _PAIR_RE.match(name)
        if not m or m.group(2) not in _OTHER:
            continue
        other = by_name.get(m.group(1) + _OTHER[m.group(2)])
        if other is not None:
            out.append(_align(tr, other))
    return out


def striking_views(right: Trace, left: Trace) -> list:
    """[(striker, struck, which)]: the right foot striking, and the left foot striking (both mirrored)."""
    mr = Trace(meta=dict(right.meta, foot="left"), t_ms=right.t_ms, imu=right.imu, loads=right.loads)
    return [(right, left, "right"), (tm.as_right_foot(left), tm.as_right_foot(mr), "left")]


def feature_arrays(tr: Trace) -> dict:
    """Per-sample arrays from the firmware Features: dyn (n,3) mg, gyro L1 (n,) 0.1 dps, |a| (n,) mg, load (n,)."""
    core = make_core(tr)
    feat = core.features
    rows = frames(tr).tolist()
    n = len(rows)
    dyn = np.zeros((n, 3), np.int32)
    load = np.zeros(n, np.int32)
    for i, row in enumerate(rows):
        feat.update(row)
        dyn[i] = (feat.dyn_x, feat.dyn_y, feat.dyn_z)
        load[i] = feat.load
    imu = tr.imu.astype(np.int64)
    gyro = np.abs(imu[:, 3:]).sum(axis=1)
    amag = np.sqrt((imu[:, :3] ** 2).sum(axis=1))
    return {"dyn": dyn, "gyro": gyro, "amag": amag, "load": load}


def candidates(f: dict, cand_mg: int = CAND_MG) -> np.ndarray:
    """Sample indices of permissive strike candidates (-dyn_y local peaks within 45 deg of lateral)."""
    ny = -f["dyn"][:, 1].astype(np.int64)
    x, z = f["dyn"][:, 0].astype(np.int64), f["dyn"][:, 2].astype(np.int64)
    ok = (ny >= cand_mg) & (ny * ny >= x * x + z * z)
    out = []
    last = -1000
    for i in np.flatnonzero(ok):
        lo, hi = max(0, i - 3), min(len(ny), i + 4)
        if ny[i] < ny[lo:hi].max() or i - last < 10:  # local peak; 100 ms refractory
            continue
        out.append(i)
        last = i
    return np.array(out, dtype=np.int64)


def still_mask(f: dict, gyro_ddps: int, acc_mg: int, exempt_mg: int, exempt: tuple = (2, 12)) -> np.ndarray:
    """Per-sample stillness of the struck foot; samples near an |dyn| >= exempt_mg impulse count as still."""
    still = (f["gyro"] < gyro_ddps) & (np.abs(f["amag"] - 1000.0) < acc_mg)
    big = np.flatnonzero(np.abs(f["dyn"]).max(axis=1) >= exempt_mg)
    ex = np.zeros(len(still), bool)
    for i in big:
        ex[max(0, i - exempt[0]): i + exempt[1]] = True
    return still | ex


def still_run_ms(still: np.ndarray, i: int) -> int:
    """How long (ms) the foot has been continuously still up to sample i (inclusive)."""
    j = i
    while j >= 0 and still[j]:
        j -= 1
    return (i - j) * DT_MS


def describe_pair(striker: Trace, struck: Trace, params: dict) -> list:
    """One row per striker candidate: candidate size, struck-foot impulse (+y, -y, lag), struck stillness."""
    fs, fl = feature_arrays(striker), feature_arrays(struck)
    still = still_mask(fl, **params)
    rows = []
    ly = fl["dyn"][:, 1]
    for i in candidates(fs):
        lo, hi = max(0, i - LAG_SAMPLES), min(len(ly), i + LAG_SAMPLES + 1)
        w = ly[lo:hi]
        kp, kn = int(np.argmax(w)), int(np.argmin(w))
        rows.append({"i": int(i), "t_ms": int(i * DT_MS), "peak_mg": int(-fs["dyn"][i, 1]),
                     "left_pos_mg": int(w[kp]), "left_pos_lag": (lo + kp - i) * DT_MS,
                     "left_neg_mg": int(-w[kn]), "left_still_ms": still_run_ms(still, min(len(still) - 1, i + 3)),
                     "striker_load": int(fs["load"][i])})
    return rows


def sequences(rows: list, gap=(150, 800), span=2500, need=3) -> list:
    """Runs of ``need`` candidates with gaps in ``gap`` (ms) within ``span``; each a list of rows."""
    out = []
    for k in range(len(rows)):
        run = [rows[k]]
        for r in rows[k + 1:]:
            g = r["t_ms"] - run[-1]["t_ms"]
            if g < gap[0]:
                continue
            if g > gap[1] or r["t_ms"] - run[0]["t_ms"] > span:
                break
            run.append(r)
            if len(run) == need:
                out.append(run)
                break
    return out


def gesture_stats(run: list) -> dict:
    """The weakest link of a 3-candidate run: min left +y, max left -y, struck stillness at the third."""
    return {"t_ms": run[0]["t_ms"], "min_left_pos": min(r["left_pos_mg"] for r in run),
            "max_left_neg": max(r["left_neg_mg"] for r in run),
            "min_peak": min(r["peak_mg"] for r in run),
            "still_at_third_ms": run[-1]["left_still_ms"],
            "span_ms": run[-1]["t_ms"] - run[0]["t_ms"]}


PAIR_FOLDERS = {"hugadb_feet": "hugadb", "ipol_foot": "ipol", "moticon_insole": "moticon", "gaitmap_foot": "gaitmap"}


def load(paths) -> tuple:
    """Traces of the both-feet folders among ``paths`` (a datasets root or the folders); (traces, errors)."""
    from pathlib import Path

    from .importers import check_text, module, sources

    traces, errors = [], []
    for p in map(Path, paths):
        kinds = [(p, PAIR_FOLDERS[p.name])] if p.name in PAIR_FOLDERS else \
            [(p / f, k) for f, k in PAIR_FOLDERS.items() if (p / f).is_dir()]
        for folder, kind in kinds:
            mod = module(kind)
            for src in sources(kind, [folder]):
                try:
                    check_text(src, kind)
                    traces.extend(mod.import_file(src))
                except (ValueError, OSError) as e:
                    errors.append(str(e))
    return traces, errors


STILL_PARAMS = {"gyro_ddps": 600, "acc_mg": 150, "exempt_mg": 300}


def real_report(traces: list, params=None) -> dict:
    """Candidate/gesture statistics over every real pair; per dataset and subject."""
    params = params or STILL_PARAMS
    by = defaultdict(lambda: {"pairs": 0, "hours": 0.0, "candidates": 0, "runs": []})
    for right, left in real_pairs(traces):
        for striker, struck, which in striking_views(right, left):
            rows = describe_pair(striker, struck, params)
            ds = right.meta["dataset"]
            d = by[ds]
            d["pairs"] += 1
            d["hours"] += len(right.t_ms) * DT_MS / 3.6e6
            d["candidates"] += len(rows)
            for run in sequences(rows):
                g = gesture_stats(run)
                g.update(trace=striker.name, subject=right.meta.get("subject"), striking=which)
                d["runs"].append(g)
    return dict(by)


def main(argv=None):
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    traces, errors = load(a.paths)
    for e in errors:
        print("skipped:", e)
    rep = real_report(traces)
    if a.json:
        print(json.dumps(rep, indent=1))
        return
    for ds, d in rep.items():
        print("%s: %d striker views, %.2f h, %d candidates, %d 3-candidate runs"
              % (ds, d["pairs"], d["hours"], d["candidates"], len(d["runs"])))


if __name__ == "__main__":
    main()
