#!/usr/bin/env python3
"""Pull a recording off a board with mpremote and import it as a labelled trace.

    tools/pull_recording.py rec.sgr --labels rec.labels.json -o out/recordings [--device /dev/ttyACM0] [--dry-run]

Runs ``mpremote [connect DEVICE] cp :REMOTE LOCAL`` (the file written by
firmware/soleguard/edges/recorder.py on the board's flash), then
``soleguard import recording LOCAL --labels LABELS -o OUTDIR``. --dry-run
prints the two commands and runs nothing. Exit status: that of the first
command that fails.
"""
import argparse
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(remote, local, outdir, labels=None, device=None, mpremote="mpremote", soleguard=None):
    """The two argument lists: pull, then import."""
    pull = [mpremote] + (["connect", device] if device else []) + ["cp", ":" + remote, str(local)]
    sg = soleguard or str(Path(sys.executable).parent / "soleguard")
    imp = [sg, "import", "recording", str(local), "-o", str(outdir)] + (["--labels", str(labels)] if labels else [])
    return [pull, imp]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("remote", help="file on the board (path in its filesystem)")
    ap.add_argument("--labels", help="labels JSON (strike times etc., see sim/importers/recording.py)")
    ap.add_argument("-o", "--outdir", default="out/recordings")
    ap.add_argument("--local", help="where to keep the raw file (default OUTDIR/raw/<name>)")
    ap.add_argument("--device", help="serial port for mpremote connect (default: auto)")
    ap.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    a = ap.parse_args(argv)
    local = Path(a.local) if a.local else Path(a.outdir) / "raw" / Path(a.remote).name
    cmds = commands(a.remote, local, a.outdir, a.labels, a.device)
    for c in cmds:
        print(" ".join(shlex.quote(x) for x in c))
        if a.dry_run:
            continue
        local.parent.mkdir(parents=True, exist_ok=True)
        rc = subprocess.call(c)
        if rc:
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
