"""The silent SOS with both insoles: what a pair fusion rule can use, measured.

Data step for the pair SOS fusion. For real recordings of both feet
together (HuGaDB, IPOL, Moticon, gaitmap; each foot in turn the striking one,
mirrored so that it plays the right foot) and for gestures injected with the
project's tap model (``sim/tapmodel.py``, the struck foot's response included),
it measures what a fusion rule can use and sweeps the rule over it:

* a *permissive* strike candidate of the striking foot: a local peak of its
  -dyn_y (the right foot's medial motion stopped) of at least ``cand_mg``,
  within 45 deg (``cone3`` 1) or 60 deg (3) of the lateral axis at that sample;
* confirmed by the struck (left) foot's coincident impulse: +dyn_y (pushed the
  other way, toward the wearer's left) >= ``left_mg`` within +-40 ms;
* three confirmed candidates with the tap.py timing rule (gaps 150-800 ms,
  within 2.5 s);
* the struck foot planted: its |gx|+|gy|+|gz| below ``gyro_ddps`` on every
  sample from ``still_before_ms`` before the first strike to the third.

False gestures are counted on every real pair (each foot in turn striking),
per subject; recall on ``n`` gestures of the strike-geometry grid injected into real
pairs (IPOL, Moticon, gaitmap walking recordings; the struck foot planted:
``tapmodel.left_gesture`` with ``left_sway``). The blind model
(sim/blindstrike.py) is never used here: it is only measured (sim/pairsos.py).

Run: ``python -m soleguard_sim.pairtaps ../shared/datasets [--n 300] [--seed 11] [--json]``
(~3 min). Features come from the firmware's own ``Features`` (integer, as on the
insole). Findings: docs/PAIR.md ("SOS fusion").
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from soleguard.core.config import (PAIR_CONE_TAN2, PAIR_IMPULSE_MG, PAIR_STILL_BEFORE_MS, PAIR_STILL_DDPS,
                                   PAIR_STRIKE_MG)

from . import tapmodel as tm
from .pairreplay import check_pair
from .replay import frames, make_core
from .trace import Trace

DT_MS = 10
LAG_SAMPLES = 4  # coincidence search +-40 ms (link clock bound 10 ms + sampling + pulse width)

_PAIR_RE = re.compile(r"^(.*)(_right|_left|_rf|_lf)$")
_OTHER = {"_right": "_left", "_rf": "_lf"}


def real_pairs(traces: list) -> list:
    """[(right, left)] of real recordings of both feet together (same name but the side), on one time
    base and cut to their common span (pairreplay.check_pair, as ``replay --pair --trim``)."""
    by_name = {t.name: t for t in traces if t.imu is not None}
    out = []
    for name, tr in sorted(by_name.items()):
        m = _PAIR_RE.match(name)
        if not m or m.group(2) not in _OTHER:
            continue
        other = by_name.get(m.group(1) + _OTHER[m.group(2)])
        if other is not None:
            left, right, _ = check_pair(other, tr, trim=True)
            out.append((right, left))
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


def candidates(f: dict, cand_mg: int = PAIR_STRIKE_MG, cone3: int = PAIR_CONE_TAN2) -> np.ndarray:
    """Sample indices of permissive strike candidates: -dyn_y local peaks >= cand_mg with
    cone3 * dyn_y^2 >= dyn_x^2 + dyn_z^2 (cone3 = 1: within 45 deg of lateral, 3: within 60 deg);
    100 ms refractory."""
    ny = -f["dyn"][:, 1].astype(np.int64)
    x, z = f["dyn"][:, 0].astype(np.int64), f["dyn"][:, 2].astype(np.int64)
    ok = (ny >= cand_mg) & (cone3 * ny * ny >= x * x + z * z)
    out = []
    last = -1000
    for i in np.flatnonzero(ok):
        if ny[i] < ny[max(0, i - 3):i + 4].max() or i - last < 10:
            continue
        out.append(i)
        last = i
    return np.array(out, dtype=np.int64)


def still_mask(f: dict, gyro_ddps: int) -> np.ndarray:
    """Per-sample stillness of the struck foot: |gx|+|gy|+|gz| below ``gyro_ddps``.

    Acceleration is not used: a push on a planted foot moves the gravity estimate for
    hundreds of ms (dyn), and gait, running and cycling all rotate the foot (measured:
    an |a| or |dyn| condition, with the impulses exempt, cost recall and removed no
    false run that the rate condition left)."""
    return f["gyro"] < gyro_ddps


def still_run_ms(still: np.ndarray, i: int) -> int:
    """How long (ms) the foot has been continuously still up to sample i (inclusive)."""
    i = min(i, len(still) - 1)
    j = i
    while j >= 0 and still[j]:
        j -= 1
    return int(i - j) * DT_MS


def confirmed(fs: dict, fl: dict, rule: dict) -> np.ndarray:
    """Striker candidates with a coincident struck-foot +y impulse >= rule['left_mg'] within +-LAG_SAMPLES."""
    c = candidates(fs, rule["cand_mg"], rule["cone3"])
    ly = fl["dyn"][:, 1]
    keep = [i for i in c if ly[max(0, i - LAG_SAMPLES): i + LAG_SAMPLES + 1].max() >= rule["left_mg"]]
    return np.array(keep, dtype=np.int64)


def sequences(ts, gap=(15, 80), span=250, need=3) -> list:
    """Runs of ``need`` sample indices with gaps in ``gap`` (samples) within ``span``: the tap.py timing rule."""
    ts = list(ts)
    out = []
    for k in range(len(ts)):
        run = [ts[k]]
        for t in ts[k + 1:]:
            g = t - run[-1]
            if g < gap[0]:
                continue
            if g > gap[1] or t - run[0] > span:
                break
            run.append(t)
            if len(run) == need:
                out.append(run)
                break
    return out


def gestures(fs: dict, fl: dict, rule: dict) -> list:
    """Start samples of the pair gestures the rule finds: 3 confirmed candidates in sequence with the
    struck foot still from ``still_before_ms`` before the first to the third."""
    still = still_mask(fl, rule["gyro_ddps"])
    out = []
    for r in sequences(confirmed(fs, fl, rule)):
        if still_run_ms(still, r[2] + 3) >= (r[2] - r[0]) * DT_MS + rule["still_before_ms"]:
            out.append(int(r[0]))
    return out


# the firmware's rule (core/config.py PAIR_*), which the sweep varies
RULE = {"cand_mg": PAIR_STRIKE_MG, "cone3": PAIR_CONE_TAN2, "left_mg": PAIR_IMPULSE_MG, "gyro_ddps": PAIR_STILL_DDPS,
        "still_before_ms": PAIR_STILL_BEFORE_MS}


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


def views(pairs: list) -> list:
    """[(dataset, subject, name, which, striker features, struck features)] over real pairs."""
    out = []
    for right, left in pairs:
        fr, fl = feature_arrays(right), feature_arrays(left)
        mir = {k: v for k, v in fl.items()}
        mir["dyn"] = fl["dyn"] * np.array([1, -1, 1], np.int32)
        mr = dict(fr, dyn=fr["dyn"] * np.array([1, -1, 1], np.int32))
        base = (right.meta["dataset"], right.meta.get("subject"), right.name)
        out.append(base + ("right", fr, fl))
        out.append(base + ("left", mir, mr))  # the left foot striking: both mirrored (dyn_y negated)
    return out


# --- injected gestures: the strike-geometry grid with the struck foot's response ---------------------------

CONE_DEG = 45.0
MAX_VERTICAL = 0.5
ODRS = (52, 104, 208)
GRID = {"speed_ms": (0.3, 1.2), "stop_mm": (3.0, 8.0)}  # gaps, roll, yaw ... as tapmodel.SPACE (150-800 ms)
LEFT_SWAY = (0.0, 0.15)  # planted struck foot: share of its host's motion kept (assumption: balance sway)
GRID_BANDS = {
    "speed_ms": [("0.3-0.5 m/s", 0.3, 0.5), ("0.5-0.7 m/s", 0.5, 0.7), ("0.7-0.9 m/s", 0.7, 0.9),
                 ("0.9-1.2 m/s", 0.9, 1.2)],
    "cone_deg": [("0-15 deg", 0, 15), ("15-30 deg", 15, 30), ("30-45 deg", 30, 45)],
    "vertical": [("0-25 %", 0, 0.25), ("25-50 %", 0.25, 0.5)],
    "stop_mm": [("3-5 mm", 3.0, 5.0), ("5-8 mm", 5.0, 8.0)],
    "odr_hz": [("52 Hz", 52, 52), ("104 Hz", 104, 104), ("208 Hz", 208, 208)],
    "left_loaded": [("loaded", 1, 1), ("lifted", 0, 0)],
    "gap_ms": [("150-300 ms", 150, 300), ("300-500 ms", 300, 500), ("500-800 ms", 500, 800)],
}


def draw_direction(rng) -> tuple:
    """(roll_deg, yaw_deg) of an impact axis within CONE_DEG of lateral with a vertical share <= MAX_VERTICAL."""
    import math

    while True:
        roll = float(rng.uniform(-30.0, 30.0))
        yaw = float(rng.uniform(-CONE_DEG, CONE_DEG))
        ax = tm.impact_axis(roll, yaw)
        if abs(ax[1]) >= math.cos(math.radians(CONE_DEG)) and abs(ax[2]) <= MAX_VERTICAL:
            return roll, yaw


def grid_params(rng) -> tm.TapParams:
    """One gesture of the strike-geometry grid (the other parameters from tapmodel.SPACE)."""
    p = tm.sample_params(rng, GRID)
    roll, yaw = draw_direction(rng)
    return tm.with_params(p, roll_deg=roll, yaw_deg=yaw, odr_hz=int(rng.choice(ODRS)),
                          left_loaded=bool(rng.random() < 0.5), left_sway=float(rng.uniform(*LEFT_SWAY)))


def bands(p: tm.TapParams) -> dict:
    import math

    ax = tm.impact_axis(p.roll_deg, p.yaw_deg)
    vals = {"speed_ms": p.speed_ms, "stop_mm": p.stop_mm, "odr_hz": p.odr_hz, "left_loaded": int(p.left_loaded),
            "gap_ms": float(np.median(p.gaps_ms)),
            "cone_deg": math.degrees(math.acos(min(1.0, abs(ax[1])))), "vertical": abs(ax[2])}
    out = {}
    for name, bs in GRID_BANDS.items():
        for label, lo, hi in bs:
            if lo <= vals[name] <= hi:
                out[name] = label
                break
    return out


def host_pairs(pairs: list) -> list:
    """The pairs that can host a gesture: walking/standing recordings with foot IMUs, no 2 g rail."""
    return [(r, l) for r, l in pairs if r.meta["dataset"] in ("IPOL", "Moticon", "gaitmap")
            and r.meta.get("activity") in ("walking", "walking_slow", "walking_normal", "walking_fast")]


def inject_grid(pair: tuple, p: tm.TapParams, rng, name: str):
    """(right', left', context) with gesture ``p`` in a random position of the pair; (None, None, None) if it does not fit."""

    right, left = pair
    g = tm.strike_gesture(p)
    at, ctx = tm.positions(right, g.duration_ms, rng)
    if at is None:
        return None, None, None
    rt = tm.inject(right, g, at, name, positive=True)
    lt = tm.inject(left, tm.left_gesture(p), at, name + "_left", positive=True)
    return rt, lt, ctx


def grid_features(pairs: list, seed: int = 11, n: int = 300) -> list:
    """``n`` grid gestures injected into real pairs: dicts with bands, context, strike samples and features."""
    hosts = host_pairs(pairs)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        p = grid_params(rng)
        pair = hosts[int(rng.integers(len(hosts)))]
        rt, lt, ctx = inject_grid(pair, p, rng, "%s_grid%d" % (pair[0].name, len(out)))
        if rt is None:
            continue
        out.append({"bands": bands(p), "context": ctx, "strikes": [s // DT_MS for s in rt.labels["sos"][0]["strikes_ms"]],
                    "right": feature_arrays(rt), "left": feature_arrays(lt)})
    return out


def grid_hit(g: dict, rule: dict) -> bool:
    """The rule finds the injected gesture: a found start at or after the first strike, at most the 3rd."""
    st = g["strikes"]
    return any(st[0] - 1 <= i <= st[-3] + 6 for i in gestures(g["right"], g["left"], rule)) if len(st) >= 3 else False


SWEEP = {"cand_mg": (700, 1000), "cone3": (1, 3), "left_mg": (150, 200, 300), "gyro_ddps": (3000, 4000, 5000, 6000, 8000)}


def sweep(real_views: list, grid: list, base=None) -> list:
    """False pair gestures on the real views (per subject) and grid recall for each rule variant of SWEEP."""
    import itertools

    base = dict(base or RULE)
    out = []
    names = list(SWEEP)
    for vals in itertools.product(*(SWEEP[k] for k in names)):
        rule = dict(base, **dict(zip(names, vals)))
        false = defaultdict(int)
        for ds, subj, name, which, fs, fl in real_views:
            k = len(gestures(fs, fl, rule))
            if k:
                false["%s %s" % (ds, subj)] += k
        hit = sum(grid_hit(g, rule) for g in grid)
        out.append({"rule": rule, "false": sum(false.values()), "false_by_subject": dict(false),
                    "recall": round(hit / max(1, len(grid)), 3)})
    return out


def main(argv=None):
    """``python -m soleguard_sim.pairtaps DATASETS [--n 300] [--seed 11] [--json]``: the rule sweep."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    traces, errors = load(a.paths)
    for e in errors:
        print("skipped:", e)
    pairs = real_pairs(traces)
    rv = views(pairs)
    hours = sum(len(fs["gyro"]) for _, _, _, _, fs, _ in rv) * DT_MS / 3.6e6
    grid = grid_features(pairs, a.seed, a.n)
    rows = sweep(rv, grid)
    if a.json:
        print(json.dumps({"striker_hours": round(hours, 3), "views": len(rv), "grid_n": len(grid), "sweep": rows}, indent=1))
        return
    print("%d striker views (each foot striking), %.2f striker-hours; %d grid gestures (seed %d)"
          % (len(rv), hours, len(grid), a.seed))
    for r in rows:
        ru = r["rule"]
        print("cand %5d mg cone3 %d left %4d mg gyro<%5d ddps: false %4d  recall %.3f  %s"
              % (ru["cand_mg"], ru["cone3"], ru["left_mg"], ru["gyro_ddps"], r["false"], r["recall"],
                 " ".join(sorted(r["false_by_subject"]))[:80]))


if __name__ == "__main__":
    main()
