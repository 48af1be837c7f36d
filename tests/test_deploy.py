"""tools/deploy.py --dry-run prints every step and runs nothing."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dry(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "deploy.py"), *args, "--dry-run"],
                          capture_output=True, text=True, cwd=str(ROOT))


def test_dry_run_lists_every_step_for_each_board():
    for board, arch in (("t3s3", "xtensawin"), ("xiao_s3", "xtensawin")):
        p = _dry(board, "--port", "/dev/ttyACM0", "--test")
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert all(line.startswith("$ ") for line in lines)
        n_src = len(list((ROOT / "firmware" / "soleguard").rglob("*.py")))
        assert sum("-march=" + arch in line for line in lines) == n_src
        for pkg in ("lsm6dsox@1.0.1", "lora-sx126x@0.1.6", "aioble@0.1.0"):
            assert any("mip install " + pkg in line for line in lines), pkg
        assert any(":board.py" in line and board + ".py" in line for line in lines)
        assert any("connect /dev/ttyACM0" in line for line in lines)
        assert any(" run " in line and "test_fw_outbox.py" in line for line in lines)
        assert lines[-1].endswith("reset")


def test_unknown_board_and_sim_are_refused():
    p = _dry("nope")
    assert p.returncode != 0 and "known:" in (p.stderr + p.stdout)
    assert _dry("sim").returncode == 2


def test_bad_config_is_refused_before_any_step(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"LORA_SF": 13}')
    p = _dry("t3s3", "--config", str(cfg))
    assert p.returncode == 2 and "LORA_SF" in p.stderr and "$ " not in p.stdout


def test_missing_config_file_is_a_clear_error(tmp_path):
    p = _dry("t3s3", "--config", str(tmp_path / "nope.json"))
    assert p.returncode == 2 and "nope.json" in p.stderr and "Traceback" not in p.stderr
    assert "$ " not in p.stdout


def test_lib_folder_is_made_only_if_missing():
    lines = _dry("t3s3").stdout.splitlines()
    assert not any(line.endswith("mkdir :/lib") for line in lines)  # would fail on a re-deploy
    assert any('os.mkdir("/lib")' in line for line in lines)
