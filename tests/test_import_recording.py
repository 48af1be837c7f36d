"""A recording written by recorder.py under MicroPython decodes into a labelled trace that raises the SOS."""
import json

import pytest
from click.testing import CliRunner

from soleguard_sim.cli import main
from soleguard_sim.importers.recording import decode, import_file
from soleguard_sim.mpbuild import ROOT, run_micropython
from soleguard_sim.replay import replay
from soleguard.core.events import CAUSE_SOS, EV_ALARM

# On the unix port: 1 s standing, then the synth STRIKES pattern (three lateral
# strikes 300 ms apart on a lifted foot, at 1000, 1300, 1600 ms), then 2 s standing.
SCRIPT = """
import sys
from soleguard.core.frame import new_frame
from soleguard.edges.recorder import Recorder
from synth import STAND, STRIKES, ZONE_X, ZONE_Y, fill_pattern
out = open(sys.argv[1], "wb")
rec = Recorder(out, b"unix", 100, zones=8, zone_x=ZONE_X, zone_y=ZONE_Y)
f = new_frame()
t = 0
rec.start()
for kind, n in ((STAND, 100), (STRIKES, 150), (STAND, 200)):
    for i in range(n):
        fill_pattern(f, kind, i, 8)
        rec.add(t, f)
        t += 10
rec.stop()
out.close()
"""


@pytest.fixture(scope="module")
def sgr(tmp_path_factory):
    d = tmp_path_factory.mktemp("rec")
    script = d / "make.py"
    script.write_text(SCRIPT)
    path = d / "taps.sgr"
    proc = run_micropython(["make.py", "taps.sgr"], "96K", extras=((ROOT / "tests" / "synth.py", "synth.py", True),),
                           workdir=d, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (d / "labels.json").write_text(json.dumps({"subject": "w01", "activity": "sos_taps", "foot": "right",
                                               "sos": [{"strikes_ms": [1000, 1300, 1600]}]}))
    return path


def test_decode_micropython_recording(sgr):
    rec = decode(sgr.read_bytes())
    assert rec["board"] == "unix" and rec["rate_hz"] == 100 and rec["imu"] and len(rec["zones"]) == 8
    assert len(rec["t_ms"]) == 450 and rec["bad_blocks"] == 0
    assert rec["frames"][100, 1] == 4000  # the first strike, lateral 4 g


def test_labelled_recording_raises_sos(sgr):
    tr = import_file(sgr, labels=sgr.parent / "labels.json")[0]
    assert tr.labels["sos"][0]["strikes_ms"] == [1000, 1300, 1600] and tr.meta["foot"] == "right"
    sos = [e for e in replay(tr).events if e.type == EV_ALARM and e.cause == CAUSE_SOS]
    assert len(sos) == 1 and 1600 <= sos[0].t_ms <= 3100


def test_corrupted_block_dropped_others_kept(sgr, tmp_path):
    raw = bytearray(sgr.read_bytes())
    raw[200] ^= 0xFF  # inside the first block
    bad = tmp_path / "bad.sgr"
    bad.write_bytes(bytes(raw))
    rec = decode(bytes(raw))
    assert rec["bad_blocks"] >= 1 and len(rec["t_ms"]) == 450 - 32
    tr = import_file(bad)[0]  # the missing 320 ms at the start are before the first kept frame
    assert tr.meta["repairs"][0]["rule"] == "corrupted_block_dropped"


def test_cli_import_recording_with_labels(sgr, tmp_path):
    res = CliRunner().invoke(main, ["import", "recording", str(sgr), "--labels", str(sgr.parent / "labels.json"),
                                    "-o", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "taps.trace.csv").exists()


def test_pull_recording_dry_run(capsys):
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import pull_recording

    assert pull_recording.main(["rec.sgr", "--labels", "l.json", "-o", "out/x", "--device", "/dev/ttyACM0",
                                "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "mpremote connect /dev/ttyACM0 cp :rec.sgr out/x/raw/rec.sgr"
    assert lines[1].endswith("import recording out/x/raw/rec.sgr -o out/x --labels l.json")
