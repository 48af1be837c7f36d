"""The ``soleguard`` command: import, replay, score, plot, bench, demo, ...

Errors in input files are reported as one clear line naming the file, line
and field; a batch goes on past a bad file and reports it at the end. Exit
status (``EXIT_CODES``, also in ``soleguard --help``): 0 ok, 1 some inputs
failed (or a check failed), 2 usage error, 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import trace as trace_mod


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = """\b
Exit status:
  0    ok
  1    some inputs failed (each reported on an 'error:' line), or a check failed
  2    usage error (unknown option, bad value), or an order refused
  130  interrupted (Ctrl-C)"""


class Failure(click.ClickException):
    """A command that cannot go on (an unreadable input, a file it cannot write): one ``error:`` line on
    stderr, as every other failure of these commands prints it, and exit 1."""

    def show(self, file=None):
        click.echo("error: %s" % self.format_message(), err=True)


def _progress(enabled, unit="file", desc=None):
    """None, or a wrapper of an iterable in a tqdm bar on stderr (kept off stdout, so --json stays clean)."""
    if not enabled:
        return None
    from tqdm import tqdm

    return lambda it: tqdm(it, unit=unit, desc=desc, file=sys.stderr, leave=False)


def _version():
    from importlib.metadata import PackageNotFoundError, version

    from soleguard.core.protocol import VERSION

    try:
        v = version("soleguard")
    except PackageNotFoundError:  # run from a checkout without installing
        v = "unknown"
    return "soleguard %s (frame protocol version %d)" % (v, VERSION)


def _show_version(ctx, param, value):
    if value and not ctx.resilient_parsing:
        click.echo(_version())
        ctx.exit()


class _Group(click.Group):
    """Ctrl-C anywhere: one line on stderr and exit status 130 (not click's 1, which means 'an input failed')."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED)


JSON_HELP = "print one JSON object (machine-readable) instead of the text report"


def _status(as_json, text):
    """A line on stderr saying what a long command is doing; none with --json (a clean stream for scripts)."""
    if not as_json:
        click.echo(text, err=True)


def _read_all(paths, progress=True):
    """Read traces under ``paths``; returns (traces, failures)."""
    files = trace_mod.find(paths)
    if not files:
        raise click.UsageError("no *.trace.csv files under %s" % ", ".join(map(str, paths)))
    traces, failed = [], []
    wrap = _progress(progress and len(files) > 20)
    for f in wrap(files) if wrap else files:
        try:
            traces.append(trace_mod.read(f))
        except trace_mod.TraceError as e:
            failed.append(str(e))
    return traces, failed


def _echo_report(report, as_json, width):
    """A flat report dict as indented JSON, or as aligned ``key value`` lines."""
    if as_json:
        click.echo(json.dumps(report, indent=1))
    else:
        for k, v in report.items():
            click.echo("%-*s %s" % (width, k, v))


def _finish(failed):
    """After a report: each unreadable input on stderr (file, row, field); exit 1 if there was any."""
    for msg in failed:
        click.echo("error: " + msg, err=True)
    if failed:
        sys.exit(1)


def _emit(report, failed, as_json, printer):
    """Print ``report`` (JSON or ``printer``'s text) with its unreadable inputs, then ``_finish``."""
    report["unreadable"] = failed
    if as_json:
        click.echo(json.dumps(report, indent=1))
    else:
        printer(report)
    _finish(failed)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="print the version and exit")
def main():
    """soleguard: the insole firmware's detectors on real and synthetic recordings, the team
    simulation and the supervisor console.

    \b
    Start with:   soleguard demo            (the whole chain in a few seconds)
    A recording:  soleguard import umafall ../shared/datasets/umafall_ankle -o out/traces/umafall
                  soleguard replay out/traces/umafall/<name>.trace.csv
    Each command: soleguard COMMAND --help  (with an example)
    """


IMPORT_KINDS = ("umafall", "moticon", "gaitpdb", "ipol", "gaitmap", "sisfall", "hugadb", "recording")


@main.command("import", short_help="Convert raw recordings (public sets, our *.sgr) into traces.")
@click.argument("kind", metavar="KIND", type=click.Choice(IMPORT_KINDS))
@click.argument("src", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False, path_type=Path), help="folder for the traces")
@click.option("--quiet", is_flag=True, help="no progress bar")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="recording only: labels JSON (default <file>.labels.json beside it)")
def import_cmd(kind, src, outdir, quiet, labels):
    """Import recordings of KIND from SRC files or folders into OUTDIR, one trace per foot.

    \b
    KIND is one of:
      umafall    UMAFall ankle IMU (falls and daily activities)
      moticon    Moticon OpenGo insoles (pressure + IMU, both feet)
      gaitpdb    PhysioNet gait in Parkinson's (vertical ground reaction forces)
      ipol       IPOL foot IMU walks
      gaitmap    gaitmap foot IMU walks
      sisfall    SisFall waist IMU (falls and daily activities)
      hugadb     HuGaDB foot IMUs, both feet (walking, running, stairs, sitting, cycling)
      recording  our own *.sgr recordings (edges/recorder.py), with labels JSON

    A bad file is reported on an 'error:' line (file, line, field) and the
    import goes on; the exit status is then 1. Formats: docs/importers/.

    \b
    Example:
      soleguard import umafall ../shared/datasets/umafall_ankle -o out/traces/umafall
    """
    from .importers import import_batch

    if labels and kind != "recording":
        raise click.UsageError("--labels is for 'recording' imports")
    try:
        res = import_batch(kind, src, outdir, progress=_progress(not quiet),
                           options={"labels": labels} if labels else None)
    except ValueError as e:
        raise Failure(str(e))
    click.echo("%s: %d traces written to %s, %d source files failed" % (kind, len(res.written), outdir, len(res.failed)))
    for path, msg in res.failed:
        click.echo("error: " + msg, err=True)
    if res.failed:
        sys.exit(1)


def _event_rows(events):
    return [e.as_dict() for e in events]


@main.command(short_help="Run traces through the firmware core; print the events.")
@click.argument("traces", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--runtime", type=click.Choice(["cpython", "micropython"]), default="cpython", show_default=True,
              help="where the unchanged firmware core runs: this Python, or the MicroPython unix port "
                   "(.mpy from a device-like tree); both give the same events")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per trace, one per line")
@click.option("--pair", is_flag=True, help="TRACES are LEFT RIGHT, both feet of one recording: both insoles' cores "
              "together over a modelled link (the pair SOS; docs/PAIR.md)")
@click.option("--trim", is_flag=True, help="with --pair: cut both feet to their common span when lengths differ")
@click.option("--link-ms", type=click.IntRange(0, 2000), default=None,
              help="with --pair: each left report reaches the right insole this long after its sample "
                   "[default: 150, sim/pairreplay.py LINK]")
@click.option("--clock-error-ms", type=click.IntRange(-100, 100), default=None,
              help="with --pair: error of the link's clock alignment; the fusion is told the proven bound "
                   "PAIR_GOOD_MS [default: 0]")
def replay(traces, runtime, as_json, pair, trim, link_ms, clock_error_ms):
    """Replay TRACES (*.trace.csv files or folders) through the firmware core and print the events.

    A raw dataset file is converted first with `soleguard import`. With --pair, TRACES are the
    LEFT and the RIGHT trace of one recording (IPOL, Moticon, gaitmap, HuGaDB, or
    `soleguard scenario --foot both`): the right insole runs the pair SOS fusion, the left one
    reports to it and, as in the app while paired, raises no SOS of its own; the events of each
    insole are printed.

    \b
    Example:
      soleguard replay out/traces/umafall/UMAFall_Subject_02_Fall_forwardFall_1*.trace.csv
      soleguard replay --runtime micropython --json out/demo/
      soleguard replay --pair out/traces/gaitmap/imu_sample_left.trace.csv out/traces/gaitmap/imu_sample_right.trace.csv
      soleguard replay --pair --trim out/traces/ipol/1-1_lf.trace.csv out/traces/ipol/1-1_rf.trace.csv
    """
    from .replay import replay_with

    if pair:
        _replay_pair(traces, runtime, as_json, trim, (link_ms, clock_error_ms))
        return
    if trim or link_ms is not None or clock_error_ms is not None:
        raise click.UsageError("--trim, --link-ms and --clock-error-ms need --pair")
    loaded, failed = _read_all(traces, progress=False)
    for tr in loaded:
        try:
            res = replay_with(tr, runtime)
        except RuntimeError as e:
            failed.append(str(e))
            continue
        if as_json:
            click.echo(json.dumps({"trace": tr.name, "runtime": runtime, "mode": res.mode, "mode_reason": res.mode_reason,
                                   "events": _event_rows(res.events)}))
            continue
        mode = res.mode + (" (%s)" % res.mode_reason if res.mode_reason else "")
        click.echo("%s (%s, %s, %.1f s, %s, %s): %s"
                   % (tr.name, tr.meta["dataset"], tr.meta["activity"], tr.duration_ms / 1000, mode, runtime,
                      _n_events(len(res.events))))
        for e in res.events:
            click.echo("  %8d ms  %-10s %-9s %s" % (e.t_ms, e.type_name, e.cause_name, e.detail_text))
    _finish(failed)


def _n_events(n):
    return "1 event" if n == 1 else "%d events" % n


def _replay_pair(paths, runtime, as_json, trim, link):
    """replay --pair: LEFT RIGHT through both cores (sim/pairreplay.py). link: (ms or None, ms or None)."""
    from .pairreplay import LINK, check_pair, replay_pair_with

    link = tuple(LINK[i] if v is None else v for i, v in enumerate(link))
    if len(paths) != 2:
        raise click.UsageError("--pair takes two trace files, LEFT RIGHT (got %d paths)" % len(paths))
    for p in paths:
        if p.is_dir():
            raise click.UsageError("--pair takes two trace files, LEFT RIGHT: %s is a folder" % p)
    read, bad = [], []
    for p in paths:  # both files are read, so both are named when both are bad
        try:
            read.append(trace_mod.read(p))
        except trace_mod.TraceError as e:
            bad.append(str(e))
    _finish(bad)
    try:
        left, right, cut = check_pair(read[0], read[1], trim)
        res = replay_pair_with(left, right, runtime, link)
    except (trace_mod.TraceError, ValueError, RuntimeError) as e:
        click.echo("error: %s" % e, err=True)
        sys.exit(1)
    c = res["counters"]
    counters = {"candidates": c[0], "confirmed": c[1], "gestures": c[2], "refused_moving": c[3]}
    if as_json:
        click.echo(json.dumps({"left": left.name, "right": right.name, "runtime": runtime, "sos_mode": "pair",
                               "samples": res["n"], "cut": cut, "link": {"latency_ms": link[0], "clock_error_ms": link[1]},
                               "fusion": counters, "events": {"left": _event_rows(res["left"]),
                                                              "right": _event_rows(res["right"])}}))
        return
    click.echo("%s + %s (%s, %s, %.1f s, %s; link %d ms, clock error %d ms%s)"
               % (left.name, right.name, right.meta["dataset"], right.meta["activity"], res["n"] * 10 / 1000, runtime,
                  link[0], link[1], ", cut %d left / %d right samples" % (cut["left"], cut["right"])
                  if cut["left"] or cut["right"] else ""))
    for side, role in (("left", "struck: StruckFoot reports"), ("right", "striking: PairFusion")):
        click.echo("  %s insole (%s), SOS mode pair: %s" % (side, role, _n_events(len(res[side]))))
        for e in res[side]:
            click.echo("    %8d ms  %-10s %-9s %s" % (e.t_ms, e.type_name, e.cause_name, e.detail_text))
    click.echo("  fusion: %s" % ", ".join("%s %d" % kv for kv in counters.items()))


@main.command(short_help="Score detection on labelled traces: falls, false alarms/h.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="write a plot of every missed fall, false alarm and false SOS into this folder")
@click.option("--by-subject", is_flag=True, help="also per subject (dataset:subject), default thresholds")
@click.option("--loso", is_flag=True, help="leave-one-subject-out over the real traces: thresholds chosen on all "
              "other subjects from the declared grid (docs/SCORING.md); held-out beside in-sample")
def score(paths, as_json, plots, by_subject, loso):
    """Score detection over labelled traces in PATHS (files or folders): falls detected and their
    latency, false alarms per hour, man-down, SOS. Rules: docs/SCORING.md. Real and synthetic
    traces are always scored apart (sections "real" and "synthetic").

    \b
    Example:
      soleguard score out/traces --plots out/errors
      soleguard score out/traces --by-subject --loso --json
    """
    from . import score as sc

    loaded, failed = _read_all(paths)
    wrap = _progress(len(loaded) > 20, "trace", "scoring")
    scores = [sc.score_trace(tr) for tr in (wrap(loaded) if wrap else loaded)]
    rep = sc.report(scores)
    if by_subject:
        for part in ("real", "synthetic"):
            if rep[part]:
                rep[part]["by_subject"] = sc.by_subject([s for s in scores if (s.real == (part == "real"))])
    if loso:
        real = [tr for tr in loaded if tr.meta.get("dataset") != sc.SYNTHETIC]
        if real:
            rep["loso"] = sc.loso(real, progress=_progress(not as_json, "config", "leave-one-subject-out"))
    rep["unreadable"] = failed
    if plots:
        rep["plots"] = _plot_errors(loaded, scores, plots)
    if as_json:
        click.echo(json.dumps(rep, indent=1))
    else:
        for part in ("real", "synthetic"):
            if rep[part]:
                click.echo("== %s recordings ==" % part)
                _print_table(rep[part])
                if by_subject:
                    _print_subjects(rep[part]["by_subject"], None)
                click.echo("")
        if rep.get("loso"):
            _print_loso(rep["loso"])
    _finish(failed)


def _print_subjects(held, in_sample):
    """Per-subject rows; with ``in_sample`` the in-sample figures beside the held-out ones."""
    head = "%-16s %5s %9s %7s %8s %6s %5s" % ("subject", "falls", "det", "sens", "pre-al", "/h", "FSOS")
    click.echo(head + ("   | in-sample: det  sens  pre-al" if in_sample else ""))
    for subj, r in held.items():
        line = "%-16s %5d %9d %7s %8d %6s %5d" % (subj[:16], r["falls"], r["detected"], r["sensitivity"],
                                                  r["false_alarms"], r["per_hour"], r["false_sos"])
        if in_sample:
            i = in_sample[subj]
            line += "   |          %4d %5s %7d" % (i["detected"], i["sensitivity"], i["false_alarms"])
        click.echo(line)


def _print_loso(lo):
    click.echo("== leave-one-subject-out (real recordings) ==")
    click.echo("grid: %s; objective: %s" % (lo["grid"], lo["objective"]))
    click.echo("chosen across folds: %s; on all subjects (in-sample): %s" % (lo["spread"], lo["in_sample_config"]))
    for label, r in (("held-out", lo["held_out"]), ("in-sample", lo["in_sample"])):
        f, fa = r["falls"], r["false_alarms"]
        click.echo("%-9s falls %d/%d (%s), latency median %s max %s ms, false pre-alarms %d (%s per wearer h), "
                   "false alarms sent %d, false SOS %d" % (label, f["detected"], f["total"], f["sensitivity"],
                                                          f["latency_ms"]["median"], f["latency_ms"]["max"], fa["count"],
                                                          fa["per_wearer_hour"], r["alarms_sent"]["false"], r["sos"]["false"]))
    _print_subjects(lo["held_out_by_subject"], lo["in_sample_by_subject"])


def _plot_errors(traces, scores, outdir):
    """Plot every trace with a missed fall, a false alarm or a false SOS; return the PNG paths."""
    from .plot import error_title, plot_trace
    from .replay import replay

    out = []
    bad = [(tr, s) for tr, s in zip(traces, scores) if s.falls_detected < s.falls or s.false_alarms or s.false_sos]
    wrap = _progress(len(bad) > 3, "plot", "plots")
    for tr, s in wrap(bad) if wrap else bad:
        out.append(str(plot_trace(tr, replay(tr, timeline=True), Path(outdir) / (tr.name + ".png"),
                                  why=error_title(tr, s))))
    return out


def _print_table(r):
    f, fa, s = r["falls"], r["false_alarms"], r["sos"]
    click.echo("traces %d, %.2f h" % (r["traces"], r["hours"]))
    click.echo("falls: %d/%d detected (sensitivity %s), latency median %s ms, p95 %s ms"
               % (f["detected"], f["total"], f["sensitivity"], f["latency_ms"]["median"], f["latency_ms"]["p95"]))
    click.echo("false alarms: %d over %.2f non-fall h (%s per hour)" % (fa["count"], fa["hours"], fa["per_hour"]))
    md = r.get("man_down")
    if md and md["total"]:
        click.echo("man-down: %d/%d detected, latency from going still median %s ms, max %s ms"
                   % (md["detected"], md["total"], md["latency_ms"]["median"], md["latency_ms"]["max"]))
    click.echo("SOS: %d/%d detected, %d false (%s per hour)" % (s["detected"], s["total"], s["false"], s["false_per_hour"]))
    click.echo("")
    click.echo("%-28s %6s %8s %6s %6s %6s %6s" % ("activity", "traces", "hours", "falls", "det", "FA", "FSOS"))
    for name, row in r["by_activity"].items():
        click.echo("%-28s %6d %8.3f %6d %6d %6d %6d" % (name[:28], row["traces"], row["hours"], row["falls"],
                                                       row["detections"], row["false_alarms"], row["false_sos"]))
    if f["missed"]:
        click.echo("\nmissed falls: " + ", ".join(f["missed"]))
    if fa["traces"]:
        click.echo("false alarms in: " + ", ".join(fa["traces"]))
    if s["false_traces"]:
        click.echo("false SOS in: " + ", ".join(s["false_traces"]))
    if r.get("plots"):
        click.echo("plots of each: %d PNG files in %s" % (len(r["plots"]), Path(r["plots"][0]).parent))


@main.command(short_help="Score the silent-SOS (triple tap) detector.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--seed", default=4, show_default=True, help="random seed of the tap model")
@click.option("--n", "n", default=400, show_default=True, help="synthetic gestures in the parameter space")
@click.option("--n-neg", default=40, show_default=True, help="look-alikes per adversarial kind")
@click.option("--model", type=click.Choice(["own", "blind"]), default="own", show_default=True,
              help="strike model: the project's own (sim/tapmodel.py) or the blind one (sim/blindstrike.py)")
@click.option("--pair", is_flag=True, help="the pair SOS fusion beside single-insole mode, on both models (both-feet folders; docs/PAIR.md)")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def taps(paths, seed, n, n_neg, model, pair, as_json):
    """Score the silent-SOS detector: synthetic strikes in real recordings, look-alikes, every real recording.

    PATHS: trace files/folders, or raw folders of ../shared/datasets (imported
    in memory). Model and rules: docs/TAPS.md. Takes about 15 s on
    ../shared/datasets; the stages are shown on stderr.
    --model blind: the independent model of docs/BLIND_STRIKES.md instead (single-insole
    recall, latency after the third strike, false SOS per look-alike kind; a few minutes).

    \b
    Example:
      soleguard taps ../shared/datasets
      soleguard taps --model blind --n 200 --n-neg 20 ../shared/datasets
    """
    if pair:
        return _taps_pair(paths, seed, n, n_neg, as_json)
    from .taps import evaluate, evaluate_blind, load

    _status(as_json, "taps: reading %s" % ", ".join(map(str, paths)))
    traces, failed = load(paths)
    run = evaluate_blind if model == "blind" else evaluate
    try:
        report = run(traces, seed=seed, n=n, n_neg=n_neg, log=lambda m: _status(as_json, m))
    except ValueError as e:
        raise Failure(str(e))
    _emit(report, failed, as_json, _print_blind if model == "blind" else _print_taps)


def _print_taps(r):
    p, o, a, real = r["positives"], r["outside_space"], r["adversarial"], r["real"]

    def lat(x):
        m = x["latency_ms"]
        return "latency after the 3rd strike median %s ms, p95 %s, max %s" % (m["median"], m["p95"], m["max"])

    click.echo("positives (seed %d, %d hosts): %d/%d detected, recall %s; %s"
               % (r["seed"], r["hosts"]["traces"], p["detected"], p["n"], p["recall"], lat(p)))
    for name, bands in p["per_band"].items():
        click.echo("  %-10s " % name + ", ".join("%s: %s (%d)" % (k, v["recall"], v["n"]) for k, v in bands.items()))
    click.echo("  context    " + ", ".join("%s: %s (%d)" % (k, v["recall"], v["n"]) for k, v in p["per_context"].items()))
    click.echo("  more than one alarm: %d; struck (left) foot alone detected: %d"
               % (p["more_than_one_alarm"], p["left_foot_alone_detected"]))
    click.echo("outside the space (one at a time): " + ", ".join(
        "%s %s: %s (%d)" % (k, v["band"], v["recall"], v["n"]) for k, v in o.items()))
    click.echo("adversarial look-alikes: %d false SOS in %d (%s)" % (
        a["false_sos"], a["n"], ", ".join("%s %d/%d" % (k, v["false_sos"], v["n"]) for k, v in a["by_kind"].items())))
    click.echo("real recordings: %d false SOS in %d traces, %.2f h; %d strikes in %d traces; "
               "%d traces with two valid strikes in a row"
               % (real["false_sos"], real["traces"], real["hours"], real["strikes"], real["traces_with_strikes"],
                  real["traces_with_two_valid_strikes"]))
    for c in real["closest"]:
        click.echo("  closest: %s (%s): %d strikes, run of %d at %d ms" % (
            c["trace"], c["activity"], c["strikes"], c["longest_run"], c["run_t_ms"]))
    click.echo("lifted-foot rule: %d strikes, %d traces with two valid strikes in a row"
               % (real["lift_strikes"], real["lift_traces_with_two_valid_strikes"]))
    for c in real["lift_closest"]:
        click.echo("  closest: %s (%s): %d strikes, run of %d at %d ms" % (
            c["trace"], c["activity"], c["lift_strikes"], c["lift_longest_run"], c["lift_run_t_ms"]))


def _print_blind(r):
    p, la = r["positives"], r["look_alikes"]
    m = p["latency_ms"]
    click.echo("blind model v%d (seed %d, %d hosts, %d with the left foot; %s): single insole %d/%d detected, "
               "recall %s; latency after the 3rd strike median %s ms, p95 %s, max %s"
               % (r["model_version"], r["seed"], r["hosts"]["traces"], r["hosts"]["with_left"],
                  ", ".join(r["hosts"]["datasets"]), p["detected"], p["n"], p["recall"], m["median"], m["p95"], m["max"]))
    for key in ("context", "dataset", "odr_hz", "left_loaded", "n_strikes"):
        click.echo("  %-11s " % key + ", ".join("%s: %s (%d)" % (k, v["recall"], v["n"])
                                               for k, v in p["per_" + key].items()))
    click.echo("  more than one alarm: %d; SOS outside the gesture: %d; left insole alone detected: %d/%d"
               % (p["more_than_one_alarm"], p["false_outside_window"], p["left_insole"]["detected"],
                  p["left_insole"]["n"]))
    click.echo("look-alikes: %d false SOS in %d" % (la["false_sos"], la["n"]))
    for k, v in la["by_kind"].items():
        click.echo("  %-10s false SOS %d/%d right insole, %d/%d left insole"
                   % (k, v["false_sos"], v["n"], v["false_sos_left"], v["n_left"]))


def _taps_pair(paths, seed, n, n_neg, as_json):
    """``taps --pair``: sim/pairsos.py over the both-feet folders among PATHS (~20 min with HuGaDB)."""
    from .pairsos import evaluate

    try:
        r = evaluate(paths, seed=seed, n=n, n_neg=n_neg, n_blind=max(2, n // 3),
                     log=lambda m: _status(as_json, m))
    except ValueError as e:
        raise Failure(str(e))
    if as_json:
        click.echo(json.dumps(r, indent=1, default=int))
        return
    for name, key in (("strike-geometry grid (tap model)", "grid"), ("blind model (measured only)", "blind")):
        g = r[key]
        for mode in ("single", "pair"):
            m = g[mode]
            click.echo("%s, %s: %d/%d detected, recall %s; latency after the 3rd strike median %s ms, p95 %s, max %s; "
                       "more than one SOS %d" % (name, mode, m["detected"], m["n"], m["recall"], m["latency_ms"]["median"],
                                                 m["latency_ms"]["p95"], m["latency_ms"]["max"], m["more_than_one"]))
            d = m["latency_detect_ms"]
            click.echo("  after the strike that completed the run: median %s ms, p95 %s, max %s; completed by strike "
                       "3/4/5: %s; over 1.5 s after the 3rd strike: %d" % (
                           d["median"], d["p95"], d["max"], "/".join(str(v) for v in m["completed_by"].values()),
                           m["over_1500_ms"]))
            for band, v in m["by"].items():
                click.echo("  %-11s %s" % (band, ", ".join("%s %s" % kv for kv in v.items())))
    la = r["look_alikes"]
    click.echo("look-alikes: single %d false SOS, pair %d, in %d (%s)" % (
        sum(v["single"] for v in la.values()), sum(v["pair"] for v in la.values()), sum(v["n"] for v in la.values()),
        ", ".join("%s %d/%d" % (k, v["pair"], v["n"]) for k, v in la.items())))
    re_ = r.get("real")
    if re_:
        click.echo("real both-feet pairs (each foot striking): %.2f striker-hours, false SOS single %d, pair %d" % (
            re_["striker_hours"], re_["false_sos_single"], re_["false_sos_pair"]))
        for ds, d in re_["by_dataset"].items():
            click.echo("  %-8s %3d views %6.2f h: single %d, pair %d (candidates %d, confirmed %d)" % (
                ds, d["views"], d["hours"], d["single"], d["pair"], d["candidates"], d["confirmed"]))


@main.command(short_help="False SOS on physics-built look-alikes of the SOS gesture.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--n-each", default=32, show_default=True, type=click.IntRange(1), help="instances per kind")
@click.option("--seed", default=2026, show_default=True, help="random seed (same seed, same report)")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def lookalikes(paths, n_each, seed, as_json):
    """Score the silent SOS on look-alike motions built from physics (hops, runs, kicks, ladder
    rungs, boot knocking, ...) added to real both-feet recordings: false SOS per kind on the right
    insole, the left (mirrored motion) and the pair; the real gesture's recall as a control.

    PATHS: trace files/folders, or raw folders of ../shared/datasets (imported in memory).
    Kinds, physics and sources: docs/LOOKALIKES.md. Same seed, same report; about 2-3 minutes
    at the default on out/traces.

    \b
    Example:
      soleguard lookalikes out/traces
      soleguard lookalikes --n-each 5 --seed 1 --json out/traces
    """
    from . import lookalikes as la
    from .taps import load

    _status(as_json, "lookalikes: reading %s" % ", ".join(map(str, paths)))
    traces, failed = load(paths)
    try:
        r = la.evaluate(traces, n_each=n_each, seed=seed, log=lambda m: _status(as_json, m))
    except ValueError as e:
        raise Failure(str(e))
    _emit(r, failed, as_json, _print_lookalikes)


def _print_lookalikes(r):
    cols = ("right", "left", "pair", "pair_mirrored")

    def row(label, n, same, counts):
        click.echo("%-12s %4d %5s  %-9s %-9s %-9s %-9s" % ((label, n, same) + tuple("%d/%d" % (counts[k], n) for k in cols)))

    click.echo("look-alikes (seed %d, %d per kind, %d both-feet hosts: %s; %.0f s)"
               % (r["seed"], r["n_each"], r["hosts"], ", ".join(r["host_datasets"]), r["seconds"]))
    click.echo("%-12s %4s %5s  %-9s %-9s %-9s %-9s" % ("kind", "n", "same", "right", "left", "pair", "pair-mirr"))
    for name, v in r["by_kind"].items():
        if not v["control"]:
            row(name, v["n"] - v["gesture_itself"], v["gesture_itself"], v["false_sos"])
    t = r["total"]
    row("total", t["n"], t["gesture_itself"], t["false_sos"])
    row("with zones", t["with_zones"]["n"], "", t["with_zones"])
    click.echo("same: instances that physically are the gesture (3 medial strikes right on left), not counted")
    click.echo("with zones: on hosts with pressure zones (the insole's full mode); the others are IMU-only hosts")
    for name, v in r["by_kind"].items():
        if v["control"]:
            click.echo("control %s: recall single %.3f, pair %.3f (n %d); strikes below 0.6 m/s: %.3f / %.3f (n %d)"
                       % (name, v["recall"]["right"], v["recall"]["pair"], v["n"], v["recall_speed_below_0.6"]["right"],
                          v["recall_speed_below_0.6"]["pair"], v["recall_speed_below_0.6"]["n"]))


@main.command(short_help="Plot a trace's signals, thresholds, states and events.")
@click.argument("trace", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="image file (.png, .svg, .pdf ...)")
def plot(trace, output):
    """Plot a TRACE's signals with the detector's thresholds, its state timeline and events into an image.

    \b
    Example:
      soleguard plot out/traces/umafall/UMAFall_Subject_02_Fall_forwardFall_1*.trace.csv -o out/fall.png
    """
    from .plot import FORMATS, plot_trace
    from .replay import replay

    if output.suffix.lower().lstrip(".") not in FORMATS:
        raise click.BadParameter("%s: image type %r unknown (one of %s)"
                                 % (output, output.suffix, ", ".join(sorted(FORMATS))), param_hint="'-o'")
    try:
        tr = trace_mod.read(trace)
    except trace_mod.TraceError as e:
        raise Failure(str(e))
    res = replay(tr, timeline=True)
    try:
        plot_trace(tr, res, output)
    except OSError as e:
        blocker = next((q for q in output.parents if q.exists() and not q.is_dir()), None)
        why = "%s is a file, not a folder" % blocker if blocker else (e.strerror or e)
        raise Failure("%s: cannot write: %s" % (output, why))
    click.echo("wrote %s (%s)" % (output, _n_events(len(res.events))))


@main.command(short_help="Benchmark: core µs/sample on both runtimes, bytes/sample.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--trace", "trace_path", type=click.Path(exists=True, path_type=Path), help="trace to time (default: a synthetic walk)")
@click.option("--import-memory", "import_src", nargs=2, type=(click.Choice(["hugadb", "sisfall", "umafall", "gaitmap", "gaitpdb", "moticon", "ipol"]), click.Path(exists=True, dir_okay=False, path_type=Path)),
              default=None, help="KIND FILE: peak import memory for FILE's rows repeated 1x, 4x, 16x (temp copies) instead")
def bench(as_json, trace_path, import_src):
    """Core µs/sample on CPython and MicroPython, bytes allocated per sample, replay speed, heap headroom.

    \b
    Example:
      soleguard bench --json
      soleguard bench --import-memory hugadb ../shared/datasets/hugadb_feet/HuGaDB_v1_various_01_00.txt
    """
    from .bench import import_memory, run_bench

    if import_src:
        _status(as_json, "bench: importing 1x, 4x and 16x copies of %s (temp folder)" % import_src[1])
        try:
            rows = import_memory(import_src[0], import_src[1])
        except ValueError as e:
            raise Failure(str(e))
        if as_json:
            click.echo(json.dumps({"import_memory": rows}, indent=1))
        else:
            for r in rows:
                click.echo("%2dx  source %9d B  peak %9d B  (%.2f x source)" % (
                    r["factor"], r["source_bytes"], r["peak_bytes"], r["peak_per_source_byte"]))
        return

    try:
        tr = trace_mod.read(trace_path) if trace_path else None
    except trace_mod.TraceError as e:
        raise Failure(str(e))
    _status(as_json, "bench: timing the core on CPython, then on the MicroPython unix port (about 10 s)")
    _echo_report(run_bench(tr), as_json, 40)


@main.command("pair-bench", short_help="Benchmark: the pair link's µs and bytes per message (unix port).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def pair_bench(as_json):
    """The left-right pair link core on the MicroPython unix port (192K heap, gc off while timing): µs and bytes per
    SYNC and impulse message (both ends), per app call, and the heap of one link; and the app with the pair up
    (``app``: App.on_batch single / right / left insole, µs and bytes per sample, the link's frames per sample,
    the heap the pair adds; docs/PAIR.md).

    \b
    Example:
      soleguard pair-bench --json
    """
    from .bench import pair_app_figures, pair_link_figures

    try:
        _echo_report(dict(pair_link_figures(), app=pair_app_figures()), as_json, 40)
    except RuntimeError as e:
        raise Failure(str(e))


@main.command(short_help="The whole chain: recordings -> detectors -> team -> console.")
@click.option("--recording", type=click.Path(exists=True, path_type=Path), default=None,
              help="a Moticon OpenGo .txt recording (default: found in ../shared/datasets or the set-up cache)")
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/demo"), show_default=True)
def demo(recording, outdir):
    """The whole chain in a few seconds: real recordings through the detectors, then the same
    alarms through the simulated team and gateway to the console.

    \b
    Example:
      soleguard demo                 # prints the story, writes traces and plots to out/demo/
    """
    from .demo import run_demo

    try:
        run_demo(recording, outdir, click.echo)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        raise Failure(str(e))


@main.command(short_help="Radio frames: fields, bytes, LoRa time on air.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def frames(as_json):
    """Frame types: fields, bytes, LoRa time on air at SF7/SF9/SF12 (docs/PROTOCOL.md).

    \b
    Example:
      soleguard frames
    """
    from .frames import frames_report

    r = frames_report()
    if as_json:
        click.echo(json.dumps(r, indent=1))
        return
    click.echo("version %d, header %d bytes, MAC %d bytes; %s" % (r["version"], r["header_bytes"], r["mac_bytes"], r["radio"]))
    click.echo("%-17s %-8s %5s %8s %8s %9s  %s" % ("type", "dir", "bytes", "SF7 ms", "SF9 ms", "SF12 ms", "fields"))
    for f in r["frames"]:
        t = f["time_on_air_ms"]
        click.echo("%-17s %-8s %5d %8.1f %8.1f %9.1f  %s" % (f["type"], f["direction"], f["bytes"], t["SF7"], t["SF9"], t["SF12"],
                                                          ", ".join("%s:%d" % (x["name"], x["bytes"]) for x in f["fields"])))


@main.command(short_help="Fuzz the frame decoder; exit 1 if anything invalid is accepted.")
@click.option("--seed", default=1, show_default=True, type=int, help="random seed (a run is reproducible)")
@click.option("--cases", default=100_000, show_default=True, type=click.IntRange(0), help="random inputs (plus structured ones)")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def fuzz(seed, cases, as_json):
    """Fuzz the frame decoder: random, truncated, bit-flipped, replayed, wrong-team/version frames.

    \b
    Example:
      soleguard fuzz --cases 10000 --json
    """
    from .frames import fuzz as run_fuzz

    _status(as_json, "fuzz: %d random cases plus structured ones ..." % cases)
    r = run_fuzz(seed, cases)
    if as_json:
        click.echo(json.dumps(r, indent=1))
    else:
        for name, c in r["categories"].items():
            reasons = ", ".join("%s %d" % kv for kv in sorted(c["reasons"].items()))
            click.echo("%-16s %7d cases, %d accepted, %d exceptions: %s" % (name, c["cases"], c["accepted"], c["exceptions"], reasons))
        t = r["total"]
        click.echo("total %d cases, %d invalid accepted, %d valid rejected, %d exceptions"
                   % (t["cases"], r["invalid_accepted"], r["valid_rejected"], t["exceptions"]))
    if not r["ok"]:
        sys.exit(1)


@main.command(short_help="Generate synthetic labelled traces from scenario scripts.")
@click.argument("scripts", nargs=-1, required=True)
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False, path_type=Path), help="folder for the traces")
@click.option("--seed", type=int, default=0, show_default=True, help="wearer, timing and noise draw")
@click.option("--foot", type=click.Choice(["right", "left", "both"]), default="right", show_default=True)
@click.option("--mass", "mass_kg", type=float, default=75.0, show_default=True, help="body mass, kg")
def scenario(scripts, outdir, seed, foot, mass_kg):
    """Generate synthetic traces from scenario SCRIPTS (library names or files; 'all' = the library).

    Script format and model: docs/SCENARIOS.md. Synthetic traces are scored
    separately from real recordings.

    \b
    Example:
      soleguard scenario all -o out/synth --seed 1 --foot both
    """
    from .scenario import ScenarioError, generate, library, load_script

    names = [n for s in scripts for n in (library() if s == "all" else [s])]
    feet = ["left", "right"] if foot == "both" else [foot]
    failed = []
    for name in names:
        try:
            script = load_script(name)
            for f in feet:
                tr = generate(script, seed=seed, foot=f, mass_kg=mass_kg)
                path = trace_mod.write(tr, outdir / (tr.name + ".trace.csv"))
                click.echo("%s: %.1f s, %s, %d falls, %d man-down windows" % (
                    path, tr.duration_ms / 1000, tr.meta["kind"], len(tr.labels["falls"]), len(tr.labels["man_down"])))
        except (ScenarioError, trace_mod.TraceError) as e:
            failed.append(str(e))
    _finish(failed)


@main.command(short_help="The app on the MicroPython unix port for a simulated shift.")
@click.option("--hours", type=click.FloatRange(0.01, 24), default=8.0, show_default=True,
              help="simulated shift length")
@click.option("--recording", type=click.Path(exists=True, path_type=Path), default=None,
              help="a Moticon OpenGo .txt recording to loop (default: one from ../shared/datasets, else a synthetic walk)")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--quiet", is_flag=True, help="no progress bar")
def soak(hours, recording, as_json, quiet):
    """The app on the unix port (sim board, its test heap) for a simulated shift: heap, bytes/sample, events.

    An 8-hour shift takes about 1.5 minutes; a progress bar counts simulated time.

    \b
    Example:
      soleguard soak --hours 8
    """
    import os
    import time

    from .app import HEAP, load_board, run_app
    from .bench import synthetic_walk
    from .importers import module

    if recording is None:
        root = Path(os.environ.get("SOLEGUARD_DATASETS", Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"))
        cand = root / "moticon_insole" / "230927_102137.txt"
        recording = cand if cand.exists() else None
    tr = module("moticon").import_file(recording)[0] if recording else synthetic_walk()
    t0 = time.time()
    seconds = int(hours * 3600)
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=seconds // 60, unit="sim min", desc="soak", file=sys.stderr, leave=False)
    try:
        samples_per_min = 60 * load_board("sim")["imu"]["odr_hz"]
        res = run_app(tr, seconds=seconds, timeout=3600,
                      progress=(lambda n: bar.update(n // samples_per_min - bar.n)) if bar else None)
    except RuntimeError as e:
        raise Failure(str(e))
    finally:
        if bar:
            bar.close()
    f = res.figures
    report = {"recording": tr.name, "simulated_hours": hours, "samples": res.samples, "heapsize": HEAP,
              "memory_error": False, "wall_s": round(time.time() - t0, 1),
              "app.us_per_sample": f["app_ns_per_sample"] / 1000,
              "app.bytes_per_sample": f["bytes_per_sample_x1000"] / 1000,
              "peak_live_heap_bytes": f["peak_live_heap"], "heap_free_end": f["heap_free"],
              "events": f["events"], "outbox_pending_end": f["pending"], "outbox_dropped": f["dropped"],
              "watchdog_feeds": f["wdt"]}
    _echo_report(report, as_json, 28)


@main.command(short_help="Battery budget per board from the measured awake time.")
@click.option("--board", type=click.Choice(["xiao_s3", "t3s3"]), default="xiao_s3", show_default=True,
              help="board file in boards/")
@click.option("--profile", type=click.Choice(["shift"]), default="shift", show_default=True,
              help="worn-shift profile: walking/standing/sitting, 1 alarm and 1 evacuation a day, heartbeats")
@click.option("--us-per-sample", type=float, default=None,
              help="the app's unix-port cost per sample; given, light sleep is projected from it instead of measured "
                   "(default: both measured now with the sim-board harnesses, ~40 s)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def power(board, profile, us_per_sample, as_json):
    """Battery budget of a board: average current per consumer and hours on its cell (docs/FIRMWARE.md).

    Example: soleguard power --board xiao_s3 --profile shift
    The MCU's awake time comes from the app's work measured on the unix port (run on an idle host:
    other load inflates it) scaled to the board's MCU; the other currents from datasheets (sources printed).
    """
    import json

    from .app import load_board
    from .power import budget, low_battery_hours, measure_app_us_per_sample, measure_sleep

    _status(as_json, "power: measuring the app on the unix port with and without light sleep (~1 min) ...")
    us = us_per_sample if us_per_sample is not None else measure_app_us_per_sample()
    run = None if us_per_sample is not None else measure_sleep(watermark=load_board(board)["imu"]["watermark"])
    budgets = [budget(board, "as_built", us), budget(board, "batch_sleep", us, run)]
    rows = [dict(b.as_dict(), battery_low_alarm_hours_left=round(low_battery_hours(b), 1)) for b in budgets]
    if as_json:
        click.echo(json.dumps({"board": board, "profile": profile, "app_us_per_sample_unix": round(us, 2),
                               "sleep_run": None if run is None else {
                                   "samples": run.samples, "wakes": run.wakes, "work_us": run.work_us,
                                   "awake_ms": run.awake_ms, "work_us_per_wake": round(run.work_us / max(1, run.wakes), 1)},
                               "modes": rows}, indent=1))
        return
    click.echo("%s, %s profile; app measured at %.1f us/sample on the unix port" % (board, profile, us))
    if run is not None:
        click.echo("light sleep measured: %d wakes in %.0f simulated s, %.0f us of host work per wake"
                   % (run.wakes, run.samples / 100, run.work_us / max(1, run.wakes)))
    for r in rows:
        click.echo("\n%s: %.2f mA average -> %.1f h on %d mAh (MCU awake %.1f %%); battery alarm %.1f h before empty"
                   % (r["mode"], r["average_ma"], r["hours"], r["battery_mah"], r["mcu_awake_pct"],
                      r["battery_low_alarm_hours_left"]))
        for line in r["lines"]:
            click.echo("  %-20s %8.3f mA  %s" % (line["consumer"], line["ma"], line["source"]))
    if run is None:
        click.echo("\nbatch_sleep projected from --us-per-sample (not measured in simulated time).")


@main.command(short_help="Simulate a team of insoles and the gateway over lossy LoRa.")
@click.option("--insoles", "-n", default=10, show_default=True, type=click.IntRange(1, 500),
              help="insoles in the team (workers with --pairs)")
@click.option("--loss", default=0.0, show_default=True, type=click.FloatRange(0, 0.95), help="per-frame loss probability")
@click.option("--seed", default=1, show_default=True, type=int, help="random seed (a run is reproducible)")
@click.option("--scenario", default="all", show_default=True,
              type=click.Choice(["all", "fall-during-evacuation", "reset-mid-alarm", "gateway-outage", "lost-acks",
                                 "order-id-wrap", "second-console", "console-restart", "journal-wipe",
                                 "roll-call-flood"]),
              help="all: every scenario item in one hour; the fault scenarios inject one fault each "
                   "(docs/PROTOCOL.md section 9)")
@click.option("--duration", "duration_s", default=3600, show_default=True, type=click.IntRange(600, 86400),
              help="simulated seconds")
@click.option("--pairs", is_flag=True,
              help="two insoles (left, right) per worker: --insoles counts workers, the air carries twice the "
                   "radios; SOS from the right insole only, falls / man-down from both; adds per-worker figures "
                   "(persons.*) and duty_cycle.* (docs/PAIR.md)")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def team(insoles, loss, seed, scenario, duration_s, pairs, as_json):
    """Simulate a team: N insoles (firmware delivery, outbox, haptics; the alarm-raising ones also the app and
    detection core over generated traces) and the gateway role over a lossy LoRa medium (docs/PROTOCOL.md).
    With --pairs each of the N workers wears two insoles (2N radios).

    \b
    Example:
      soleguard team --insoles 50 --loss 0.3 --seed 1 --json
      soleguard team --insoles 50 --loss 0.3 --seed 1 --pairs --json
    """
    from .team import TeamConfig, run

    _status(as_json, "team: %d %s, %d simulated s (scenario %s) ..."
            % (insoles, "workers (two insoles each)" if pairs else "insoles", duration_s, scenario))
    sim = run(TeamConfig(insoles=insoles, loss=loss, seed=seed, scenario=scenario, duration_s=duration_s,
                         pairs=pairs))
    workers = insoles
    insoles = len(sim.insoles)
    if as_json:
        click.echo(json.dumps(sim.report(), indent=1))
        return
    rep = sim.figures()
    a, e = rep["alarms"], rep["evacuation"]
    click.echo("team of %d insoles, loss %.0f %%, scenario %s, seed %d, %d s simulated"
               % (insoles, 100 * loss, scenario, seed, duration_s))
    click.echo("alarms: %d sent (%d detected by the core), %d delivered, %d acknowledged; latency median %s ms, "
               "p95 %s ms from the first frame, median %s ms, p95 %s ms from detection"
               % (a["sent"], a["detected_by_core"], a["delivered"], a["acknowledged"], a["latency_ms"]["median"],
                  a["latency_ms"]["p95"], a["latency_from_detection_ms"]["median"],
                  a["latency_from_detection_ms"]["p95"]))
    click.echo("evacuation: %d/%d insoles vibrated, %d confirmed; time to vibrate median %s ms, p95 %s ms; "
               "all confirmed after %s ms" % (e["insoles_vibrated"], insoles, e["acks"], e["time_to_vibrate_ms"]["median"],
                                             e["time_to_vibrate_ms"]["p95"], e["all_acked_after_ms"]))
    c, pr = rep["all_clear"], rep["protection"]
    click.echo("all clear: %s, %d/%d insoles confirmed they stopped (all after %s ms); at the end %d insoles still "
               "evacuating; of the %d insoles running the detection core (those that raise this run's alarms) %d "
               "without protection" % ("sent" if c["sent"] else "not sent", c["confirmed"], insoles,
                                      c["confirmed_after_ms"], pr["still_evacuating_at_end"],
                                      pr["core_insoles_at_end"], pr["unprotected_at_end"]))
    if pairs:
        pa, pe = rep["persons"]["alarms"], rep["persons"]["evacuation"]
        click.echo("per worker (%d workers, two insoles each): %d person alarms, %d delivered (%d duplicate alarms "
                   "from the other foot), latency from detection median %s ms, p95 %s ms; evacuation vibrated on "
                   "both feet for %d, confirmed by both for %d, later foot p95 %s ms to vibrate, %s ms to confirm"
                   % (workers, pa["raised"], pa["delivered"], pa["duplicate_alarms"],
                      pa["latency_from_detection_ms"]["median"], pa["latency_from_detection_ms"]["p95"],
                      pe["vibrated_both"], pe["acked_both"], pe["time_to_vibrate_ms"]["p95"], pe["ack_ms"]["p95"]))
    click.echo("forged/replayed orders: %d insoles vibrated" % rep["forged"]["insoles_vibrated"])
    click.echo("airtime: %.0f ms per insole-hour (uplink, %.2f %% of the hour; limit 1 %%); gateway %.0f ms per hour "
               "(%.2f %%; limit 10 %%)" % (rep["airtime_ms_per_insole_hour"], rep["airtime_ms_per_insole_hour"] / 36000,
                                          rep["gateway"]["airtime_ms_per_hour"],
                                          rep["gateway"]["airtime_ms_per_hour"] / 36000))
    if scenario == "all":
        click.echo("(scenario all includes every fault item of docs/PROTOCOL.md section 9, a gateway outage with "
                   "alarms raised during it among them: they make the alarm latency's tail)")


from soleguard_console.cli import gateway as _gateway  # noqa: E402 (the supervisor console, docs/CONSOLE.md)

main.add_command(_gateway)

if __name__ == "__main__":
    main()
