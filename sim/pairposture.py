"""Fall and man-down with both feet: how often each foot alone vs both feet meet the conditions, measured.

Data step for a fused posture rule of the pair: every real recording of both feet
together among the imported traces (HuGaDB, IPOL, Moticon, gaitmap) and the
scenario generator's scripts with ``--foot both`` are replayed through each
foot's unchanged core (single-insole mode, what ships), and per sample it records
for each foot

* ``nu``: not upright (posture.not_upright: tilt above TILT_NOT_UPRIGHT_DEG, or
  pressure only an unloaded foot);
* ``md``: the man-down condition running (not upright, still, and with zones
  bearing less than a lying foot can: PostureDetector's stillness timer);
* ``loaded``: features.loaded (with zones);

and each foot's pre-alarms (cause fall or man-down). From these it counts the
time each foot alone and both feet meet ``nu`` and ``md``, each foot's pre-alarms
and whether the other foot met the condition then, and what two fused rules
would have raised, evaluated on the recorded flags:

* ``both_md``: man-down when both feet meet ``md`` together for MAN_DOWN_STILL_MS
  (one foot loaded or upright = kneeling / half kneeling / sitting, not lying);
* ``fall_other_nu``: a fall pre-alarm kept only if the other foot was not upright
  at some sample within FALL_CONFIRM_MS before to FALL_CONFIRM_MS after it.

Run: ``python -m soleguard_sim.pairposture out/traces [--seeds 8] [--json]``
(both-feet folders under the given trace folders; the scenario library is
generated in memory). Findings: docs/PAIR.md ("Fall and man-down with both feet").
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from soleguard.core.config import Config
from soleguard.core.events import CAUSE_FALL, CAUSE_MAN_DOWN, EV_PRE_ALARM

from . import trace as trace_mod
from .pairreplay import check_pair, recording_of
from .replay import frames, make_core

PAIR_DATASETS = ("HuGaDB", "IPOL", "Moticon", "gaitmap")
SCRIPTS = ("kneel_work_10min", "lie_under_vehicle_working", "lying_still_5min", "slow_collapse", "sit_break",
           "squat_work", "shift_mix_30min", "fall_forward", "fall_backward", "fall_sideways", "fall_from_height",
           "walk_then_fall_then_get_up", "stairs", "ladder_climb", "stamp_mud", "jump_down_step")


def foot_flags(tr: trace_mod.Trace) -> dict:
    """Per-sample flags of one foot's core (single mode) and its pre-alarms [(t, cause)]."""
    core = make_core(tr, Config())
    post, feat, ev = core.posture, core.features, core.events
    n = len(tr.t_ms)
    nu = np.zeros(n, bool)
    md = np.zeros(n, bool)
    loaded = np.zeros(n, bool)
    pre = []
    for i, (t, row) in enumerate(zip(tr.t_ms.tolist(), frames(tr).tolist())):
        if core.step(t, row):
            pre.extend((ev.t[k], ev.cause[k]) for k in range(ev.count) if ev.type[k] == EV_PRE_ALARM)
            ev.clear()
        nu[i] = post.not_upright
        md[i] = post._t_still != -1  # the man-down stillness timer is running (posture._update_man_down)
        loaded[i] = feat.loaded
    return {"nu": nu, "md": md, "loaded": loaded, "pre": pre, "zones": bool(tr.zones)}


def runs(mask: np.ndarray) -> list:
    """[(start, end)) index runs where ``mask`` holds."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def fused(left: dict, right: dict, cfg=None) -> dict:
    """What the fused rules give on one pair's flags (module docstring); times in ms (10 ms samples)."""
    cfg = cfg or Config()
    need = cfg.MAN_DOWN_STILL_MS // 10
    both = left["md"] & right["md"]
    md = [(a + need) * 10 for a, b in runs(both) if b - a > need]
    win = cfg.FALL_CONFIRM_MS // 10
    kept, dropped = [], []
    for mine, other in ((left, right), (right, left)):
        for t, c in mine["pre"]:
            if c != CAUSE_FALL:
                continue
            i = t // 10
            (kept if other["nu"][max(0, i - win):i + win + 1].any() else dropped).append(t)
    return {"both_md": md, "fall_kept": kept, "fall_dropped": dropped}


def measure(left: dict, right: dict) -> dict:
    """Counts for one pair: samples per condition (left only / right only / both), pre-alarms per foot."""
    out = {"samples": int(len(left["nu"]))}
    for key in ("nu", "md"):
        a, b = left[key], right[key]
        out[key] = {"left_only": int((a & ~b).sum()), "right_only": int((b & ~a).sum()), "both": int((a & b).sum())}
        out[key + "_longest"] = {k: int(max([b_ - a_ for a_, b_ in runs(m)] or [0]))
                                 for k, m in (("left", a), ("right", b), ("both", a & b))}
    for side, me, other in (("left", left, right), ("right", right, left)):
        for cause, name in ((CAUSE_FALL, "fall"), (CAUSE_MAN_DOWN, "man_down")):
            ts = [t for t, c in me["pre"] if c == cause]
            out["%s_%s" % (side, name)] = ts
            out["%s_%s_other_nu" % (side, name)] = [t for t in ts if other["nu"][min(len(other["nu"]) - 1, t // 10)]]
            out["%s_%s_other_md" % (side, name)] = [t for t in ts if other["md"][min(len(other["md"]) - 1, t // 10)]]
    # a loaded foot while the other meets md: kneeling on one knee / half kneel
    out["md_other_loaded"] = int(((left["md"] & right["loaded"]) | (right["md"] & left["loaded"])).sum())
    out.update(fused(left, right))
    return out


def real_pairs(folders) -> list:
    """[(left, right)] of both-feet recordings among the traces under ``folders`` (check_pair, trimmed)."""
    by = defaultdict(dict)
    for path in trace_mod.find(folders):
        tr = trace_mod.read(path)
        if tr.meta["dataset"] in PAIR_DATASETS and tr.meta.get("foot") in ("left", "right") and tr.imu is not None:
            by[(tr.meta["dataset"], recording_of(tr))][tr.meta["foot"]] = tr
    out = []
    for key, feet in sorted(by.items()):
        if len(feet) == 2:
            left, right, _ = check_pair(feet["left"], feet["right"], trim=True)
            out.append((left, right))
    return out


def _sum(rows: list) -> dict:
    tot = {"pairs": len(rows), "hours": round(sum(r["samples"] for r in rows) / 360000, 3)}
    for key in ("nu", "md"):
        tot[key + "_s"] = {k: round(sum(r[key][k] for r in rows) / 100, 1) for k in ("left_only", "right_only", "both")}
    for k in rows[0]:
        if isinstance(rows[0][k], list):
            tot[k] = sum(len(r[k]) for r in rows)
    for key in ("nu", "md"):
        tot[key + "_longest_s"] = {k: max(r[key + "_longest"][k] for r in rows) / 100 for k in ("left", "right", "both")}
    tot["md_other_loaded_s"] = round(sum(r["md_other_loaded"] for r in rows) / 100, 1)
    return tot


def evaluate(folders, seeds: int = 8, log=None) -> dict:
    """The report: per real dataset and per scenario script (seeds 0..seeds-1, both feet)."""
    from .scenario import generate, load_script

    say = log or (lambda s: None)
    out = {"real": {}, "synthetic": {}}
    by = defaultdict(list)
    pairs = real_pairs(folders)
    for n, (left, right) in enumerate(pairs):
        r = measure(foot_flags(left), foot_flags(right))
        r["name"] = recording_of(right)
        r["activity"] = right.meta["activity"]
        by[right.meta["dataset"]].append(r)
        if n % 50 == 0:
            say("real pairs %d/%d" % (n, len(pairs)))
    for ds, rows in sorted(by.items()):
        out["real"][ds] = _sum(rows)
        acts = defaultdict(lambda: defaultdict(float))  # the recording's activity: seconds per condition
        for r in rows:
            d = acts[r["activity"]]
            for key in ("nu", "md"):
                d[key + "_one_foot_s"] += (r[key]["left_only"] + r[key]["right_only"]) / 100
                d[key + "_both_s"] += r[key]["both"] / 100
                one = max(r[key + "_longest"]["left"], r[key + "_longest"]["right"]) / 100
                d[key + "_longest_one_foot_s"] = max(d[key + "_longest_one_foot_s"], one)
        out["real"][ds]["by_activity"] = {a: {k: round(v, 1) for k, v in d.items()}
                                          for a, d in sorted(acts.items()) if any(d.values())}
        out["real"][ds]["with_alarms"] = [{k: v for k, v in r.items() if isinstance(v, list) and v or k == "name"}
                                          for r in rows if any(isinstance(v, list) and v for v in r.values())]
    for name in SCRIPTS:
        script = load_script(name)
        rows = []
        for seed in range(seeds):
            left = generate(script, seed=seed, foot="left")
            right = generate(script, seed=seed, foot="right")
            r = measure(foot_flags(left), foot_flags(right))
            r["seed"] = seed
            r["man_down_labels"] = [(w["start_ms"], w["end_ms"]) for w in right.labels["man_down"]]
            r["fall_labels"] = [f["impact_ms"] for f in right.labels["falls"]]
            rows.append(r)
        s = _sum(rows)
        s["first_md_ms"] = {side: [r["%s_man_down" % side][0] if r["%s_man_down" % side] else None for r in rows]
                            for side in ("left", "right")}
        s["first_both_md_ms"] = [r["both_md"][0] if r["both_md"] else None for r in rows]
        s["man_down_labels"] = [r["man_down_labels"] for r in rows]
        out["synthetic"][name] = s
        say("scenario %s done" % name)
    return out


def main(argv=None):
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--seeds", type=int, default=8)
    a = ap.parse_args(argv)
    rep = evaluate(a.folders, a.seeds, log=lambda s: print(s, file=sys.stderr, flush=True))
    print(json.dumps(rep, indent=1, default=int))


if __name__ == "__main__":
    main()
