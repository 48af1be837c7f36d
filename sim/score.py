"""Score detection on labelled traces (rules in docs/SCORING.md).

Rules:
  - An *involuntary-alarm start* is a ``pre_alarm`` event (cause fall or
    man_down).
  - A labelled fall (``labels.falls``: start_ms, end_ms, impact_ms) is
    detected when a pre-alarm with cause ``fall`` starts inside
    [start_ms, end_ms]. Latency = that start - impact_ms (impact may be derived,
    e.g. UMAFall's peak |a|; ``impact_derived`` says so).
  - Any involuntary-alarm start outside every fall window is a false alarm.
    False alarms per hour are over the non-fall time: trace time minus the fall
    windows.
  - A labelled SOS gesture (``labels.sos``: strikes_ms) is detected when an
    ``alarm`` with cause ``sos`` starts in [first strike, last strike +
    SOS_GRACE_MS]; any other SOS alarm is a false SOS, per hour over all time
    outside the SOS windows.
  - An *alarm sent* is an ``alarm`` event with cause fall or man_down (what
    reaches the supervisor); it is a *false alarm sent* when the pre-alarm it
    escalated was a false pre-alarm.
  - Real and synthetic traces (meta dataset ``synthetic``) are never summed:
    ``summarise`` refuses a mix, ``report`` scores each apart.
  - Labelled activity segments (``labels.segments`` with ``activity``, e.g.
    HuGaDB's per-row labels) give false pre-alarms per activity: each false
    pre-alarm is charged to the segment it starts in.
  - A labelled man-down window (``labels.man_down``: start_ms, end_ms; the
    wearer still and not upright, synthetic scenarios) is detected when a
    pre-alarm with cause ``man_down`` starts inside it; latency = that start -
    start_ms. Such a pre-alarm is not a false alarm. Traces without the label
    score as before.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from soleguard.core.events import CAUSE_FALL, CAUSE_MAN_DOWN, CAUSE_SOS, EV_ALARM, EV_PRE_ALARM

from soleguard.core.pipeline import MODE_NAMES

from .replay import make_core, replay
from .trace import Trace

SYNTHETIC = "synthetic"
SOS_GRACE_MS = 1500  # voluntary alarm recognised <= 1.5 s after the third strike (DESIGN.md)
MS_PER_HOUR = 3600000.0


@dataclass
class TraceScore:
    name: str
    dataset: str
    activity: str
    kind: str
    duration_ms: int
    nonfall_ms: int
    falls: int = 0
    falls_detected: int = 0
    latencies_ms: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)   # event times (ms)
    sos: int = 0
    sos_detected: int = 0
    sos_latencies_ms: list = field(default_factory=list)
    false_sos: list = field(default_factory=list)
    sos_free_ms: int = 0
    events: list = field(default_factory=list)
    mode: str = ""
    man_down: int = 0
    man_down_detected: int = 0
    man_down_latencies_ms: list = field(default_factory=list)
    subject: str = ""          # dataset:subject, one person (both feet of a wearer share it)
    recording: str = ""        # traces of one recording (the feet of one wearer) share it
    false_alarms_sent: list = field(default_factory=list)   # alarm times (ms) escalating a false pre-alarm
    alarms_sent: int = 0
    segment_ms: dict = field(default_factory=dict)       # segment activity -> ms
    segment_false: dict = field(default_factory=dict)    # segment activity -> false pre-alarms

    @property
    def real(self) -> bool:
        return self.dataset != SYNTHETIC


def score_trace(trace: Trace, events=None) -> TraceScore:
    """Score one trace; replays it on CPython unless ``events`` are given."""
    if events is None:
        events = replay(trace).events
    core = make_core(trace)
    labels = trace.labels
    falls = labels.get("falls", [])
    sos = labels.get("sos", [])
    dur = trace.duration_ms
    fall_ms = sum(max(0, f["end_ms"] - f["start_ms"]) for f in falls)
    sos_windows = [(s["strikes_ms"][0], s["strikes_ms"][-1] + SOS_GRACE_MS) for s in sos]
    sos_ms = sum(b - a for a, b in sos_windows)
    ts = TraceScore(
        name=trace.name, dataset=trace.meta["dataset"], activity=trace.meta["activity"],
        kind=trace.meta["kind"], duration_ms=dur, nonfall_ms=max(0, dur - fall_ms),
        falls=len(falls), sos=len(sos), sos_free_ms=max(0, dur - sos_ms), events=events,
        mode=MODE_NAMES[core.mode], subject=subject_of(trace.meta),
        recording=str(trace.meta.get("recording") or trace.name),
    )
    pre = [e for e in events if e.type == EV_PRE_ALARM]
    for f in falls:
        hits = [e for e in pre if e.cause == CAUSE_FALL and f["start_ms"] <= e.t_ms <= f["end_ms"]]
        if hits:
            ts.falls_detected += 1
            ts.latencies_ms.append(hits[0].t_ms - f["impact_ms"])
    md = labels.get("man_down", [])
    ts.man_down = len(md)
    for w in md:
        hits = [e for e in pre if e.cause == CAUSE_MAN_DOWN and w["start_ms"] <= e.t_ms <= w["end_ms"]]
        if hits:
            ts.man_down_detected += 1
            ts.man_down_latencies_ms.append(hits[0].t_ms - w["start_ms"])
    for e in pre:
        if not any(f["start_ms"] <= e.t_ms <= f["end_ms"] for f in falls) and not (
                e.cause == CAUSE_MAN_DOWN and any(w["start_ms"] <= e.t_ms <= w["end_ms"] for w in md)):
            ts.false_alarms.append(e.t_ms)
    _sent(ts, events)
    _segments(ts, labels.get("segments", []), dur)
    sos_alarms = [e for e in events if e.type == EV_ALARM and e.cause == CAUSE_SOS]
    for (a, b), s in zip(sos_windows, sos):
        hits = [e for e in sos_alarms if a <= e.t_ms <= b]
        if hits:
            ts.sos_detected += 1
            ts.sos_latencies_ms.append(hits[0].t_ms - s["strikes_ms"][-1])
    for e in sos_alarms:
        if not any(a <= e.t_ms <= b for a, b in sos_windows):
            ts.false_sos.append(e.t_ms)
    return ts


def subject_of(meta) -> str:
    """``dataset:subject`` (wearer if given): the unit of held-out evaluation."""
    return "%s:%s" % (meta.get("dataset", "?"), meta.get("wearer") or meta.get("subject") or "?")


def _sent(ts, events):
    """Count alarms sent (cause fall / man_down) and those escalating a false pre-alarm."""
    last_pre = None
    false = set(ts.false_alarms)
    for e in events:
        if e.type == EV_PRE_ALARM:
            last_pre = e.t_ms
        elif e.type == EV_ALARM and e.cause in (CAUSE_FALL, CAUSE_MAN_DOWN):
            ts.alarms_sent += 1
            if last_pre is None or last_pre in false:
                ts.false_alarms_sent.append(e.t_ms)


def _segments(ts, segments, dur):
    """Time and false pre-alarms per labelled segment activity."""
    for seg in segments:
        act = seg.get("activity")
        if not act:
            continue
        a, b = max(0, int(seg["start_ms"])), min(dur, int(seg["end_ms"]))
        ts.segment_ms[act] = ts.segment_ms.get(act, 0) + max(0, b - a)
        n = sum(1 for t in ts.false_alarms if a <= t < b or (b == dur and t == dur))
        if n:
            ts.segment_false[act] = ts.segment_false.get(act, 0) + n


def _pct(values, q):
    return int(np.percentile(values, q, method="nearest")) if values else None


def _latency(values):
    """{"median", "p95", "max"} of latencies in ms (None without any)."""
    return {"median": _pct(values, 50), "p95": _pct(values, 95), "max": max(values) if values else None}


def _row():
    """One by_activity / by_dataset / by_mode row, zeroed."""
    return {"traces": 0, "hours": 0.0, "falls": 0, "detections": 0, "false_alarms": 0, "false_sos": 0}


def _ratio(a, b):
    return round(a / b, 4) if b else None


def report(scores: list) -> dict:
    """{"real": summary or None, "synthetic": summary or None}: the two never mixed."""
    real = [s for s in scores if s.real]
    synth = [s for s in scores if not s.real]
    return {"real": summarise(real) if real else None, "synthetic": summarise(synth) if synth else None}


def summarise(scores: list) -> dict:
    """Aggregate TraceScores of ONE source kind into the report dict (module docstring).

    Raises ValueError for a mix of real and synthetic scores (use ``report``).
    ``source`` says which kind it is. ``wearer_hours`` count each recording
    once (the two feet of one wearer are one person's hours).
    """
    kinds = {s.real for s in scores}
    if len(kinds) > 1:
        raise ValueError("real and synthetic traces are scored apart: use score.report()")
    hours = sum(s.duration_ms for s in scores) / MS_PER_HOUR
    nonfall_h = sum(s.nonfall_ms for s in scores) / MS_PER_HOUR
    sos_free_h = sum(s.sos_free_ms for s in scores) / MS_PER_HOUR
    lat = [x for s in scores for x in s.latencies_ms]
    sos_lat = [x for s in scores for x in s.sos_latencies_ms]
    md_lat = [x for s in scores for x in s.man_down_latencies_ms]
    md_total = sum(s.man_down for s in scores)
    md_det = sum(s.man_down_detected for s in scores)
    falls = sum(s.falls for s in scores)
    det = sum(s.falls_detected for s in scores)
    fa = sum(len(s.false_alarms) for s in scores)
    sos_total = sum(s.sos for s in scores)
    sos_det = sum(s.sos_detected for s in scores)
    sos_false = sum(len(s.false_sos) for s in scores)
    by_act, by_ds, by_mode = defaultdict(_row), defaultdict(_row), defaultdict(_row)
    for s in scores:
        for key, table in ((s.activity, by_act), (s.dataset, by_ds), (s.mode, by_mode)):
            row = table[key]
            row["traces"] += 1
            row["hours"] += s.duration_ms / MS_PER_HOUR
            row["falls"] += s.falls
            row["detections"] += s.falls_detected
            row["false_alarms"] += len(s.false_alarms)
            row["false_sos"] += len(s.false_sos)
    for table in (by_act, by_ds, by_mode):
        for row in table.values():
            row["hours"] = round(row["hours"], 4)
    rec_ms = {}
    for s in scores:
        rec_ms[s.recording] = max(rec_ms.get(s.recording, 0), s.nonfall_ms)
    wearer_h = sum(rec_ms.values()) / MS_PER_HOUR
    seg = defaultdict(lambda: {"hours": 0.0, "false_alarms": 0})
    for s in scores:
        for act, ms in s.segment_ms.items():
            seg[act]["hours"] += ms / MS_PER_HOUR
        for act, n in s.segment_false.items():
            seg[act]["false_alarms"] += n
    for row in seg.values():
        row["per_hour"] = _ratio(row["false_alarms"], row["hours"])
        row["hours"] = round(row["hours"], 4)
    sent = sum(s.alarms_sent for s in scores)
    sent_false = sum(len(s.false_alarms_sent) for s in scores)
    return {
        "source": "synthetic" if scores and not scores[0].real else "real",
        "traces": len(scores),
        "hours": round(hours, 4),
        "falls": {
            "total": falls,
            "detected": det,
            "sensitivity": _ratio(det, falls),
            "latency_ms": _latency(lat),
            "missed": sorted(s.name for s in scores if s.falls_detected < s.falls),
        },
        "man_down": {
            "total": md_total,
            "detected": md_det,
            "recall": _ratio(md_det, md_total),
            "latency_ms": _latency(md_lat),
            "missed": sorted(s.name for s in scores if s.man_down_detected < s.man_down),
        },
        "false_alarms": {
            "count": fa,
            "hours": round(nonfall_h, 4),
            "per_hour": _ratio(fa, nonfall_h),
            "traces": sorted(s.name for s in scores if s.false_alarms),
            "wearer_hours": round(wearer_h, 4),
            "per_wearer_hour": _ratio(fa, wearer_h),
        },
        "alarms_sent": {"count": sent, "false": sent_false,
                        "false_traces": sorted(s.name for s in scores if s.false_alarms_sent)},
        "sos": {
            "total": sos_total,
            "detected": sos_det,
            "recall": _ratio(sos_det, sos_total),
            "latency_ms": _latency(sos_lat),
            "false": sos_false,
            "false_hours": round(sos_free_h, 4),
            "false_per_hour": _ratio(sos_false, sos_free_h),
            "false_traces": sorted(s.name for s in scores if s.false_sos),
        },
        "by_activity": dict(sorted(by_act.items())),
        "by_dataset": dict(sorted(by_ds.items())),
        "by_mode": dict(sorted(by_mode.items())),
        "by_segment_activity": dict(sorted(seg.items())),
    }


def by_subject(scores: list) -> dict:
    """subject -> {falls, detected, sensitivity, latency_ms, false_alarms, hours, per_hour,
    false_alarms_sent, false_sos}; hours are wearer non-fall hours (each recording once)."""
    groups = defaultdict(list)
    for s in scores:
        groups[s.subject].append(s)
    out = {}
    for subj in sorted(groups):
        r = summarise(groups[subj])
        out[subj] = {
            "falls": r["falls"]["total"], "detected": r["falls"]["detected"],
            "sensitivity": r["falls"]["sensitivity"], "latency_ms": r["falls"]["latency_ms"],
            "false_alarms": r["false_alarms"]["count"], "hours": r["false_alarms"]["wearer_hours"],
            "per_hour": r["false_alarms"]["per_wearer_hour"], "false_alarms_sent": r["alarms_sent"]["false"],
            "false_sos": r["sos"]["false"],
        }
    return out


# Leave-one-subject-out: the declared grid of the fall detector's tunable
# values (default first: it wins ties) and the objective that picks one of them
# on the training subjects. The objective is the targets (docs/SCORING.md):
# among the value sets that meet the false-alarm targets on the training
# subjects (0 false alarms sent; at most DAILY_LIFE_MAX_PER_HOUR false
# pre-alarms per wearer hour of continuous daily life), the one detecting the
# most falls; ties to fewer false alarms sent, then fewer false pre-alarms,
# then the earlier set. A set missing the targets ranks below every set that
# meets them. (Until this session: falls detected - 0.5 x false pre-alarms -
# 10 x false alarms sent, under which one fold traded a subject's soft falls
# for lying-down pre-alarms of others.)
LOSO_GRID = (
    ("IMPACT_MG", (1800, 1600, 2200)),
    ("SUPINE_MAX_DEG", (40, 30)),
)
DAILY_LIFE_MAX_PER_HOUR = 0.1   # the daily-life target: one false pre-alarm per 10-hour shift
OBJECTIVE_TEXT = ("meets 0 false alarms sent and <= %g false pre-alarms per daily-life wearer hour, then most falls "
                  "detected, then fewest false alarms sent, then fewest false pre-alarms, then the earlier set"
                  % DAILY_LIFE_MAX_PER_HOUR)


def grid_configs(grid=LOSO_GRID) -> list:
    """Every combination of the grid as a dict name -> value, the defaults first."""
    out = [{}]
    for name, values in grid:
        out = [dict(c, **{name: v}) for c in out for v in values]
    return out


def objective(scores: list) -> tuple:
    """Rank key of one value set on ``scores`` (larger is better; see OBJECTIVE_TEXT).

    (meets the false-alarm targets, falls detected, -false alarms sent,
    -false pre-alarms). Daily life = traces with labelled activity segments
    (HuGaDB); its hours count each recording once (both feet of a wearer).
    """
    det = sum(s.falls_detected for s in scores)
    fa = sum(len(s.false_alarms) for s in scores)
    sent = sum(len(s.false_alarms_sent) for s in scores)
    daily = [s for s in scores if s.segment_ms]
    rec_ms = {}
    for s in daily:
        rec_ms[s.recording] = max(rec_ms.get(s.recording, 0), s.nonfall_ms)
    hours = sum(rec_ms.values()) / MS_PER_HOUR
    daily_fa = sum(len(s.false_alarms) for s in daily)
    meets = sent == 0 and daily_fa <= DAILY_LIFE_MAX_PER_HOUR * hours
    return (meets, det, -sent, -fa)


def loso(traces: list, grid=LOSO_GRID, progress=None) -> dict:
    """Leave-one-subject-out over real ``traces`` (ValueError for synthetic ones).

    Every trace is replayed once per grid value set (CPython); for each
    subject the set with the best ``objective`` on all OTHER subjects is
    chosen and that subject is scored with it. Returns {"grid", "configs",
    "folds": [{subject, chosen}], "held_out": summary, "held_out_by_subject",
    "in_sample": summary with the set chosen on all subjects, "in_sample_config",
    "in_sample_by_subject", "spread": name -> {value: folds choosing it}}.
    """
    from soleguard.core.config import Config

    from .replay import replay

    if any(tr.meta.get("dataset") == SYNTHETIC for tr in traces):
        raise ValueError("leave-one-subject-out is over real recordings only")
    configs = grid_configs(grid)
    per = []
    for c in (progress(configs) if progress else configs):
        cfg = Config.from_dict(c)
        per.append([score_trace(tr, replay(tr, cfg).events) for tr in traces])
    subjects = sorted({s.subject for s in per[0]})

    def pick(keep):
        vals = [objective([s for s in scores if keep(s)]) for scores in per]
        return max(range(len(configs)), key=lambda k: vals[k] + (-k,))

    folds, held = [], []
    for subj in subjects:
        k = pick(lambda s: s.subject != subj)
        folds.append({"subject": subj, "chosen": configs[k]})
        held.extend(s for s in per[k] if s.subject == subj)
    k_all = pick(lambda s: True)
    spread = {name: {str(v): sum(1 for f in folds if f["chosen"][name] == v) for v in values}
              for name, values in grid}
    return {
        "grid": {name: list(values) for name, values in grid},
        "objective": OBJECTIVE_TEXT,
        "folds": folds,
        "spread": spread,
        "held_out": summarise(held),
        "held_out_by_subject": by_subject(held),
        "in_sample_config": configs[k_all],
        "in_sample": summarise(per[k_all]),
        "in_sample_by_subject": by_subject(per[k_all]),
    }
