"""The whole chain in a few seconds: recordings -> detectors -> team -> gateway -> console.

1. A real insole recording (Moticon OpenGo: pressure + IMU on both feet) is
   imported into one trace per foot, replayed through the firmware core, and
   its events and state timeline are printed and plotted.
2. When ../shared/datasets is present, a UMAFall fall recording is replayed
   too, so the fall path (pre-alarm) is shown on real data.
3. The same fall, a pre-alarm cancelled by getting up and a silent SOS are
   played by the firmware app on insoles of a simulated team, over simulated
   LoRa to the firmware gateway role and the supervisor console; a scripted
   supervisor acknowledges through the console's Python API, then orders an
   evacuation that every insole confirms, and the all clear
   (soleguard_console.story). ``soleguard gateway --sim --script demo``
   shows the same on the web console, with you as the supervisor.

The Moticon recording comes from ``--recording``, else
../shared/datasets/moticon_insole, else the moticon-opengo 1.0.3 sdist that
tools/setup.sh unpacks into .cache/ (Apache-2.0, tests/testdata/).
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from soleguard.core.config import Config
from soleguard.core.pipeline import STATE_NAMES, STATE_PRE_ALARM

from . import trace as trace_mod
from .importers import module
from .plot import plot_pair, plot_trace
from .replay import replay

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("SOLEGUARD_DATASETS", ROOT.parent / "shared" / "datasets"))
CACHE = ROOT / ".cache"
UMAFALL_DEMO = "UMAFall_Subject_02_Fall_forwardFall_1"


def find_recording() -> Path:
    """A Moticon recording: shared datasets first, then the set-up cache."""
    candidates = sorted((DATASETS / "moticon_insole").glob("*.txt")) if DATASETS.is_dir() else []
    candidates += sorted(CACHE.glob("moticon*/**/testdata/*.txt"))
    if not candidates:
        raise FileNotFoundError(
            "no Moticon recording found in %s or %s: run tools/setup.sh (it fetches the "
            "moticon-opengo sdist) or pass --recording" % (DATASETS / "moticon_insole", CACHE))
    return candidates[0]


def _show(tr, out, echo):
    res = replay(tr, timeline=True)
    n = len(res.states)
    shares = Counter(res.states.tolist())
    states = ", ".join("%s %.0f%%" % (STATE_NAMES[s], 100.0 * c / n) for s, c in sorted(shares.items()))
    echo("%s: %s %s, foot %s, %.1f s, %s" % (tr.name, tr.meta["dataset"], tr.meta["activity"], tr.meta["foot"],
                                             tr.duration_ms / 1000, "IMU+%d zones" % len(tr.zones) if tr.zones else "IMU only"))
    echo("  time in state: " + states + "; tap strikes seen: %d" % len(res.strikes))
    if not res.events:
        echo("  events: none")
    for e in res.events:
        echo("  event %7d ms  %-10s cause=%-9s %s" % (e.t_ms, e.type_name, e.cause_name, e.detail_text))
    if res.states[-1] == STATE_PRE_ALARM:
        echo("  (the recording ends during the %d s pre-alarm; it would escalate to an alarm unless cancelled)"
             % (Config().PRE_ALARM_MS // 1000))
    png = plot_trace(tr, res, out / (tr.name + ".png"))
    echo("  plot: %s" % png)
    return res


def run_demo(recording, outdir, echo=print, team=True):
    """Print the demo's story with ``echo``; traces and plots go to ``outdir``. ``team``: part 3 too."""
    outdir = Path(outdir)
    rec = Path(recording) if recording else find_recording()
    echo("recording: %s" % rec)
    traces = module("moticon").import_file(rec)
    results = []
    for tr in traces:
        trace_mod.write(tr, outdir / (tr.meta["name"] + ".trace.csv"))
        results.append(_show(tr, outdir, echo))
    feet = {tr.meta["foot"]: (tr, res) for tr, res in zip(traces, results)}
    if "left" in feet and "right" in feet:
        pair = [feet["left"], feet["right"]]
        png = plot_pair([p[0] for p in pair], [p[1] for p in pair], outdir / (rec.stem + "_pair.png"))
        echo("both feet on one timeline: %s" % png)
    fall = sorted((DATASETS / "umafall_ankle").glob(UMAFALL_DEMO + "*.csv")) if DATASETS.is_dir() else []
    if not fall:
        echo("")
        echo("(no UMAFall recordings at %s: the fall example is skipped)" % (DATASETS / "umafall_ankle"))
    else:
        echo("")
        echo("a real fall for contrast: %s" % fall[0].name)
        for tr in module("umafall").import_file(fall[0]):
            trace_mod.write(tr, outdir / (tr.meta["name"] + ".trace.csv"))
            _show(tr, outdir, echo)
    echo("")
    echo("traces and plots in %s; score a folder with: soleguard score %s" % (outdir, outdir))
    if team:
        _team_part(echo)


def _team_part(echo):
    import time

    from soleguard_console.story import run_story

    echo("")
    echo("the same events through a simulated team of 5 insoles, LoRa, the gateway and the console "
         "(simulated seconds; the supervisor is scripted):")
    t0 = time.monotonic()
    res = run_story(DATASETS if DATASETS.is_dir() else None, say=lambda m: echo("  " + m))
    done, expected = res["evacuation"]
    echo("  ran in %.1f s: %d alarm cards, %d acknowledgements delivered to insoles, evacuation confirmed by "
         "%d of %d insoles" % (time.monotonic() - t0, sum(1 for e in res["console"] if e["event"] == "alarm"),
                                len(res["acked_on_insole"]), done, expected))
    echo("")
    echo("watch it on the web console, as the supervisor: soleguard gateway --sim --script demo "
         "(then open http://127.0.0.1:8080/)")
