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
        mode=MODE_NAMES[core.mode],
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


def summarise(scores: list) -> dict:
    """Aggregate TraceScores into the report dict (see module docstring)."""
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
    return {
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
        },
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
    }
