"""Replay every trace through the shipped replay path and write its events as JSON lines.

For event-parity checks between two checkouts (e.g. main and a branch):

    (cd /work/main && .venv/bin/python /work/w17/tools/replay_events.py out/a.jsonl /work/w17/out/traces)
    (cd /work/w17  && .venv/bin/python tools/replay_events.py out/b.jsonl out/traces)
    .venv/bin/python tools/replay_events.py --diff out/a.jsonl out/b.jsonl

The checkout whose code runs is the current directory (its ``sim`` and
firmware): the script puts it first on sys.path. One line per trace:
{"trace": relative path, "events": [[t_ms, type, cause, detail], ...]}.
``--diff`` prints every trace whose events differ and exits 1 if any do.
"""
from __future__ import annotations

import json
import os
import sys

import click


@click.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--diff", "diff_with", is_flag=True, help="compare two JSON-lines files OUT and PATHS[0]")
@click.option("--runtime", type=click.Choice(["cpython", "micropython"]), default="cpython")
def main(out, paths, diff_with, runtime):
    if diff_with:
        if len(paths) != 1:
            raise click.UsageError("--diff takes two files")
        sys.exit(_diff(out, paths[0]))
    sys.path.insert(0, os.getcwd())
    from sim.replay import replay_with
    from sim.trace import find, read

    files = find(paths)
    with open(out, "w", encoding="utf-8") as f:
        for p in files:
            res = replay_with(read(p), runtime)
            rel = os.path.relpath(p, paths[0]) if len(paths) == 1 else str(p)
            ev = [[e.t_ms, e.type, e.cause, e.detail] for e in res.events]
            f.write(json.dumps({"trace": rel, "events": ev}) + "\n")
    click.echo("%d traces replayed (%s) -> %s" % (len(files), runtime, out))


def _load(path):
    with open(path, encoding="utf-8") as f:
        return {d["trace"]: d["events"] for d in map(json.loads, f)}


def _diff(a_path, b_path):
    a, b = _load(a_path), _load(b_path)
    bad = 0
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            bad += 1
            click.echo("DIFF %s\n  a: %s\n  b: %s" % (name, a.get(name), b.get(name)))
    n_ev = sum(len(v) for v in a.values())
    click.echo("%d traces compared (%d | %d), %d events in a, %d differ" % (len(set(a) | set(b)), len(a), len(b), n_ev, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    main()
