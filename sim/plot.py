"""Plot one trace: signals, the detector's thresholds, state timeline and events, readable at a glance.

Rows (shared time axis, seconds):
  0. events: one horizontal label per core event (type, cause, time) in
     lanes that never overlap, and, for each labelled fall, the latency from
     the impact to the first fall pre-alarm as an arrow with its value
  1. acceleration x/y/z and |a| (g), the impact thresholds named with their
     values (core/config.py: IMPACT_MG, SUPINE_IMPACT_MG)
  2. angular rate x/y/z (dps)
  3. load: total and per zone (N), the loaded threshold (LOAD_ON_N), when the
     trace has zones
  4. tilt (deg) with the not-upright / upright-again thresholds
     (TILT_NOT_UPRIGHT_DEG, TILT_UPRIGHT_DEG) and the core state as a
     coloured band
Events are vertical lines on every row; labelled fall windows are shaded and
the impact marked (dotted when derived). Every legend sits right of its row,
off the data. ``why`` (error plots of ``soleguard score --plots``) is a second
title line saying why the plot exists.
"""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from soleguard.core.config import Config  # noqa: E402
from soleguard.core.events import CAUSE_FALL, EV_PRE_ALARM  # noqa: E402
from soleguard.core.pipeline import STATE_NAMES  # noqa: E402

from .trace import temp_file  # noqa: E402

FORMATS = frozenset(FigureCanvasAgg.get_supported_filetypes())  # file name suffixes plot_trace can write
STATE_COLOURS = ("#d9f0d3", "#fee08b", "#fdae61", "#f46d43", "#a50026", "#74add1")
EVENT_COLOURS = {"pre_alarm": "#d9480f", "alarm": "#a50026", "cancelled": "#1a9850",
                 "recovered": "#4575b4", "cleared": "#313695"}
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.005, 1.0), "borderaxespad": 0.0, "fontsize": 8,
          "frameon": False}
EVENT_FONT = 9
WIDTH_IN = 15.0


def _g(mg):
    return "%.1f g" % (mg / 1000.0)


def event_label(e) -> str:
    """'pre-alarm (fall) 3.74 s': what the events row shows for one core event."""
    return "%s (%s) %.2f s" % (e.type_name.replace("_", "-"), e.cause_name.replace("_", "-"), e.t_ms / 1000.0)


def fall_latencies(trace, events) -> list:
    """[(impact_ms, pre-alarm ms)] for each labelled fall with a fall pre-alarm in its window (docs/SCORING.md)."""
    out = []
    for f in trace.labels.get("falls", []):
        hits = [e.t_ms for e in events if e.type == EV_PRE_ALARM and e.cause == CAUSE_FALL
                and f["start_ms"] <= e.t_ms <= f["end_ms"]]
        if hits:
            out.append((f["impact_ms"], hits[0]))
    return out


def error_title(trace, score) -> str:
    """Why ``soleguard score --plots`` drew this trace: each missed fall with its label window, each false
    pre-alarm and false SOS with its time (``score``: a score.TraceScore of ``trace``)."""
    why = []
    for f in trace.labels.get("falls", []):
        if not any(e.type == EV_PRE_ALARM and e.cause == CAUSE_FALL and f["start_ms"] <= e.t_ms <= f["end_ms"]
                   for e in score.events):
            why.append("MISSED FALL: no fall pre-alarm in the label window %.1f-%.1f s (impact %.1f s)"
                       % (f["start_ms"] / 1000.0, f["end_ms"] / 1000.0, f["impact_ms"] / 1000.0))
    for t_ms in score.false_alarms:
        cause = next((e.cause_name for e in score.events if e.type == EV_PRE_ALARM and e.t_ms == t_ms), "?")
        why.append("FALSE PRE-ALARM (%s) at %.1f s: outside every labelled fall window" % (cause, t_ms / 1000.0))
    for t_ms in score.false_sos:
        why.append("FALSE SOS at %.1f s: no tap gesture labelled there" % (t_ms / 1000.0))
    return "; ".join(why)


def plot_trace(trace, result, output, cfg: Config | None = None, why: str | None = None) -> Path:
    """Write an image of ``trace`` with ``result`` (a ReplayResult with timeline) to ``output``.

    ``output``'s suffix picks the format (one of FORMATS); the write is atomic.
    ``why``: None, or a line shown in red under the title. Returns ``output``.
    """
    cfg = cfg or Config()
    t = trace.t_ms / 1000.0
    panels = ["imu", "gyro"] if trace.imu is not None else []
    if trace.zones:
        panels.append("load")
    panels.append("state")
    heights = [0.9] + [2.3] * len(panels)
    fig, axes = plt.subplots(len(heights), 1, sharex=True, figsize=(WIDTH_IN, sum(heights) + 1.0), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    axes = axes[:, 0]
    span = (float(t[0]), float(t[-1]) if len(t) > 1 else float(t[0]) + 1.0)
    for ax, kind in zip(axes[1:], panels):
        if kind == "imu":
            acc = trace.imu[:, :3] / 1000.0
            for i, name in enumerate("xyz"):
                ax.plot(t, acc[:, i], lw=0.7, label="a" + name)
            ax.plot(t, np.sqrt((acc ** 2).sum(axis=1)), color="k", lw=0.9, label="|a|")
            ax.axhline(cfg.IMPACT_MG / 1000.0, color="r", ls="--", lw=0.9,
                       label="impact threshold %s\n(opens a fall check;\nsteps cross it too)" % _g(cfg.IMPACT_MG))
            ax.axhline(cfg.SUPINE_IMPACT_MG / 1000.0, color="r", ls=":", lw=0.9,
                       label="impact threshold %s\nfor ending on the back" % _g(cfg.SUPINE_IMPACT_MG))
            ax.set_ylabel("acceleration (g)")
        elif kind == "gyro":
            for i, name in enumerate("xyz"):
                ax.plot(t, trace.imu[:, 3 + i] / 10.0, lw=0.7, label="g" + name)
            ax.set_ylabel("angular rate (dps)")
        elif kind == "load":
            for i, z in enumerate(trace.zones):
                ax.plot(t, trace.loads[:, i], lw=0.5, alpha=0.7, label=z["name"])
            ax.plot(t, trace.loads.sum(axis=1), color="k", lw=1.0, label="total")
            ax.axhline(cfg.LOAD_ON_N, color="g", ls="--", lw=0.9, label="loaded above %d N" % cfg.LOAD_ON_N)
            ax.set_ylabel("load (N)")
        else:
            _labels(ax, trace, shade=False)  # shading would darken the state colours
            _state_panel(ax, t, result, cfg, trace.imu is not None)
        if kind != "state":
            _labels(ax, trace)
            ax.legend(**LEGEND)
        ax.grid(alpha=0.3)
    for ax in axes[1:]:
        for e in result.events:
            ax.axvline(e.t_ms / 1000.0, color=EVENT_COLOURS.get(e.type_name, "k"), lw=1.6)
    _events_row(axes[0], fig, trace, result.events, span)
    axes[0].set_xlim(span[0] - 0.01 * (span[1] - span[0]), span[1] + 0.01 * (span[1] - span[0]))
    axes[-1].set_xlabel("time (s)")
    m = trace.meta
    n = len(result.events)
    title = "%s  |  %s %s, %s, foot %s  |  %d event%s" % (
        trace.name, m["dataset"], m["activity"], m["placement"], m["foot"], n, "" if n == 1 else "s")
    if why:
        fig.suptitle(title + "\n" + why, fontsize=11, color="#a50026", fontweight="bold")
    else:
        fig.suptitle(title, fontsize=11)
    return _save(fig, output)


def _events_row(ax, fig, trace, events, span, prefix=None):
    """Event labels in lanes (greedy: a label goes to the lowest lane where it does not overlap), the
    impact -> pre-alarm latency arrows in the lane below them. ``prefix(e)``: text before a label."""
    ax.set_yticks([])
    ax.set_ylabel("events", rotation=0, ha="right", va="center")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    lat = fall_latencies(trace, events) if trace is not None else []
    width_s = span[1] - span[0] or 1.0
    chars_across = 0.80 * WIDTH_IN * 72 / (0.6 * EVENT_FONT)  # axes width in characters of EVENT_FONT
    s_per_char = width_s / chars_across
    lanes_end = []
    placed = []
    for e in sorted(events, key=lambda e: e.t_ms):
        x = e.t_ms / 1000.0
        text = (prefix(e) if prefix else "") + event_label(e)
        w = (len(text) + 2) * s_per_char
        x0 = x if x + w <= span[1] else x - w  # labels near the end run leftwards
        lane = next((k for k, end in enumerate(lanes_end) if end < x0), len(lanes_end))
        if lane == len(lanes_end):
            lanes_end.append(0.0)
        lanes_end[lane] = x0 + w
        placed.append((x, x0, lane, text, EVENT_COLOURS.get(e.type_name, "k")))
    base = 1 if lat else 0
    top = base + max(1, len(lanes_end))
    ax.set_ylim(0, top)
    for x, x0, lane, text, colour in placed:
        y = base + lane + 0.5
        ax.plot([x, x], [0, top], color=colour, lw=1.6)
        ax.text(x0 + (0 if x0 == x else 0) + 0.3 * s_per_char, y, text, color=colour, fontsize=EVENT_FONT,
                va="center", ha="left", fontweight="bold",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 0.6})
    for impact_ms, pre_ms in lat:
        a, b = impact_ms / 1000.0, pre_ms / 1000.0
        ax.annotate("", xy=(b, 0.5), xytext=(a, 0.5), arrowprops={"arrowstyle": "->", "color": "k", "lw": 1.2})
        txt = "impact -> pre-alarm %.2f s" % ((pre_ms - impact_ms) / 1000.0)
        right = b + len(txt) * s_per_char < span[1]
        ax.text(b + 0.5 * s_per_char if right else a - 0.5 * s_per_char, 0.5, txt, fontsize=EVENT_FONT,
                va="center", ha="left" if right else "right")
    if not events:
        ax.text(0.5, 0.5, "no events", transform=ax.transAxes, ha="center", va="center", fontsize=EVENT_FONT,
                color="#555555")


def plot_pair(traces, results, output, cfg: Config | None = None) -> Path:
    """One timeline for a pair of insoles (the two feet of one recording, same clock): the events of
    both (labelled L/R), then per foot tilt and core state, then the load of both feet.

    ``traces``/``results``: (left, right) traces and their ReplayResults with timeline. Returns ``output``.
    """
    cfg = cfg or Config()
    feet = [tr.meta["foot"][:1].upper() for tr in traces]
    zones = all(tr.zones for tr in traces)
    heights = [0.9, 2.0, 2.0] + ([1.8] if zones else [])
    fig, axes = plt.subplots(len(heights), 1, sharex=True, figsize=(WIDTH_IN, sum(heights) + 1.0), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    axes = axes[:, 0]
    t0 = [tr.t_ms / 1000.0 for tr in traces]
    span = (min(float(t[0]) for t in t0), max(float(t[-1]) for t in t0))
    tagged = []
    for foot, res in zip(feet, results):
        tagged += [(foot, e) for e in res.events]
    for k, (tr, res, t) in enumerate(zip(traces, results, t0)):
        ax = axes[1 + k]
        _state_panel(ax, t, res, cfg, tr.imu is not None)
        ax.set_ylabel("%s foot\ntilt (deg) / state" % tr.meta["foot"])
        ax.grid(alpha=0.3)
    if zones:
        ax = axes[-1]
        for foot, tr, t in zip(feet, traces, t0):
            ax.plot(t, tr.loads.sum(axis=1), lw=1.0, label="%s foot total load" % tr.meta["foot"])
        ax.axhline(cfg.LOAD_ON_N, color="g", ls="--", lw=0.9, label="loaded above %d N" % cfg.LOAD_ON_N)
        ax.set_ylabel("load (N)")
        ax.legend(**LEGEND)
        ax.grid(alpha=0.3)
    for foot, e in tagged:
        for k, f in enumerate(feet):
            if f == foot:
                axes[1 + k].axvline(e.t_ms / 1000.0, color=EVENT_COLOURS.get(e.type_name, "k"), lw=1.6)
    foot_of = {id(e): foot for foot, e in tagged}
    _events_row(axes[0], fig, None, [e for _, e in tagged], span, prefix=lambda e: foot_of[id(e)] + ": ")
    axes[0].set_xlim(span[0] - 0.01 * (span[1] - span[0]), span[1] + 0.01 * (span[1] - span[0]))
    axes[-1].set_xlabel("time (s)")
    m = traces[0].meta
    fig.suptitle("%s  |  %s %s, both feet  |  %d events" % (
        " + ".join(tr.name for tr in traces), m["dataset"], m["activity"], len(tagged)), fontsize=11)
    return _save(fig, output)


def _save(fig, output):
    output = Path(output)
    try:  # atomic: a failed write leaves no file, or the previous one, at ``output``
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(output.parent, output.suffix)
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=100, format=output.suffix.lstrip(".").lower() or "png")
            os.replace(tmp, output)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    finally:
        plt.close(fig)
    return output


def _state_panel(ax, t, result, cfg, has_imu):
    states = result.states
    edges = np.flatnonzero(np.diff(states)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(states)]))
    dt = t[1] - t[0] if len(t) > 1 else 0.01
    for a, b in zip(starts, ends):
        ax.axvspan(t[a], t[b - 1] + dt, color=STATE_COLOURS[states[a]], alpha=0.8, lw=0)
    if has_imu:
        ax.plot(t, np.where(result.tilt < 0, np.nan, result.tilt), color="k", lw=0.9, label="tilt")
        ax.axhline(cfg.TILT_NOT_UPRIGHT_DEG, color="k", ls="--", lw=0.9,
                   label="not upright above %d°" % cfg.TILT_NOT_UPRIGHT_DEG)
        ax.axhline(cfg.TILT_UPRIGHT_DEG, color="k", ls=":", lw=0.9,
                   label="upright again below %d°" % cfg.TILT_UPRIGHT_DEG)
        ax.set_ylim(0, 180)
        ax.set_ylabel("tilt (deg) / state")
        if len(result.strikes):
            for s in result.strikes:
                ax.axvline(s / 1000.0, color="purple", lw=0.5, alpha=0.6)
            ax.plot([], [], color="purple", lw=0.5, label="tap strike seen")
    else:
        ax.set_yticks([])
        ax.set_ylabel("state")
    handles = [Patch(color=c, label="state: " + n.replace("pre_", "pre-").replace("_", " "))
               for c, n in zip(STATE_COLOURS, STATE_NAMES)]
    handles += ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, **LEGEND)


def _labels(ax, trace, shade=True):
    for f in trace.labels.get("falls", []):
        if shade:
            ax.axvspan(f["start_ms"] / 1000.0, f["end_ms"] / 1000.0, color="grey", alpha=0.12, lw=0,
                       label="fall window (label)")
        ax.axvline(f["impact_ms"] / 1000.0, color="grey", ls=":" if f.get("impact_derived") else "-", lw=1.2,
                   label="impact (label, derived)" if f.get("impact_derived") else "impact (label)")
    for s in trace.labels.get("sos", []):
        for st in s["strikes_ms"]:
            ax.axvline(st / 1000.0, color="purple", ls=":", lw=1.0)
