"""Import a folder with this checkout into OUT (traces + _failed.json), to compare two versions with diff -r.

Usage: .venv/bin/python tools/import_snapshot.py KIND SRC OUT
An importer change that must not change output: run it before and after the
change into two folders and ``diff -r`` them (nothing may differ).
"""
import json
import sys
from pathlib import Path

from soleguard_sim.importers import import_batch


def main(argv):
    kind, src, out = argv
    res = import_batch(kind, [src], out)
    Path(out, "_failed.json").write_text(json.dumps(sorted(res.failed), indent=1) + "\n")
    print("%d written, %d failed -> %s" % (len(res.written), len(res.failed), out))


if __name__ == "__main__":
    main(sys.argv[1:])
