"""Plot one trace: signals, state timeline and events, readable at a glance.

Panels (shared time axis, seconds):
  1. acceleration x/y/z and |a| (g), impact threshold dashed
  2. angular rate x/y/z (dps)
  3. load: total and per zone (N), when the trace has zones
  4. tilt (deg) with the upright/not-upright thresholds, and the core state
     as a coloured band; events as labelled vertical lines on every panel;
     labelled fall windows shaded, impact time marked (dotted when derived).
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
from soleguard.core.pipeline import STATE_NAMES  # noqa: E402

from .trace import temp_file  # noqa: E402

FORMATS = frozenset(FigureCanvasAgg.get_supported_filetypes())  # file name suffixes plot_trace can write
STATE_COLOURS = ("#d9f0d3", "#fee08b", "#fdae61", "#f46d43", "#a50026", "#74add1")
EVENT_COLOURS = {"pre_alarm": "#f46d43", "alarm": "#a50026", "cancelled": "#1a9850",
                 "recovered": "#4575b4", "cleared": "#313695"}


def plot_trace(trace, result, output, cfg: Config | None = None) -> Path:
    """Write a PNG of ``trace`` with ``result`` (a ReplayResult with timeline) to ``output``."""
    cfg = cfg or Config()
    t = trace.t_ms / 1000.0
    panels = ["imu", "gyro"] if trace.imu is not None else []
    if trace.zones:
        panels.append("load")
    panels.append("state")
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(13, 2.4 * len(panels) + 0.6), squeeze=False)
    axes = axes[:, 0]
    for ax, kind in zip(axes, panels):
        if kind == "imu":
            acc = trace.imu[:, :3] / 1000.0
            for i, name in enumerate("xyz"):
                ax.plot(t, acc[:, i], lw=0.7, label="a" + name)
            ax.plot(t, np.sqrt((acc ** 2).sum(axis=1)), color="k", lw=0.9, label="|a|")
            ax.axhline(cfg.IMPACT_MG / 1000.0, color="r", ls="--", lw=0.7, label="impact")
            ax.set_ylabel("acc (g)")
        elif kind == "gyro":
            for i, name in enumerate("xyz"):
                ax.plot(t, trace.imu[:, 3 + i] / 10.0, lw=0.7, label="g" + name)
            ax.set_ylabel("rate (dps)")
        elif kind == "load":
            for i, z in enumerate(trace.zones):
                ax.plot(t, trace.loads[:, i], lw=0.5, alpha=0.7, label=z["name"])
            ax.plot(t, trace.loads.sum(axis=1), color="k", lw=1.0, label="total")
            ax.axhline(cfg.LOAD_ON_N, color="g", ls="--", lw=0.7, label="loaded")
            ax.set_ylabel("load (N)")
        else:
            _labels(ax, trace, shade=False)  # shading would darken the state colours
            _state_panel(ax, t, result, cfg, trace.imu is not None)
        if kind != "state":
            _labels(ax, trace)
            ax.legend(loc="upper right", fontsize=7, ncol=6)
        ax.grid(alpha=0.3)
    for ax in axes:
        _events(ax, result.events, top=ax is axes[0])
    axes[-1].set_xlabel("time (s)")
    m = trace.meta
    n = len(result.events)
    fig.suptitle("%s  |  %s %s, %s, foot %s  |  %d event%s"
                 % (trace.name, m["dataset"], m["activity"], m["placement"], m["foot"], n, "" if n == 1 else "s"),
                 fontsize=10)
    fig.tight_layout()
    output = Path(output)
    try:  # atomic: a failed write leaves no file, or the previous one, at ``output``
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(output.parent, output.suffix)
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=110, format=output.suffix.lstrip(".").lower() or "png")
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
        ax.axhline(cfg.TILT_NOT_UPRIGHT_DEG, color="k", ls="--", lw=0.6)
        ax.axhline(cfg.TILT_UPRIGHT_DEG, color="k", ls=":", lw=0.6)
        ax.set_ylim(0, 180)
        ax.set_ylabel("tilt (deg) / state")
        for s in result.strikes:
            ax.axvline(s / 1000.0, color="purple", lw=0.5, alpha=0.6)
    else:
        ax.set_yticks([])
        ax.set_ylabel("state")
    handles = [Patch(color=c, label=n) for c, n in zip(STATE_COLOURS, STATE_NAMES)]
    handles += ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=7, ncol=7, framealpha=0.9)


def _labels(ax, trace, shade=True):
    for f in trace.labels.get("falls", []):
        if shade:
            ax.axvspan(f["start_ms"] / 1000.0, f["end_ms"] / 1000.0, color="grey", alpha=0.12, lw=0,
                       label="fall window (label)")
        ax.axvline(f["impact_ms"] / 1000.0, color="grey", ls=":" if f.get("impact_derived") else "-", lw=1.2,
                   label="impact (derived)" if f.get("impact_derived") else "impact")
    for s in trace.labels.get("sos", []):
        for st in s["strikes_ms"]:
            ax.axvline(st / 1000.0, color="purple", ls=":", lw=1.0)


def _events(ax, events, top):
    for e in events:
        c = EVENT_COLOURS.get(e.type_name, "k")
        ax.axvline(e.t_ms / 1000.0, color=c, lw=1.6)
        if top:
            ax.annotate("%s %s" % (e.type_name, e.cause_name), (e.t_ms / 1000.0, 0.97), xycoords=("data", "axes fraction"),
                        xytext=(3, 0), textcoords="offset points", rotation=90, va="top", ha="left", fontsize=7,
                        color=c, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
