"""The pair app benchmark (soleguard pair-bench's ``app`` figures, soleguard_unix.bench_pair_app on the unix
port): it measures what it says. The right and left insoles stay in pair mode through the timed loop, their
App.on_batch allocates nothing per sample with the pair up (gc.mem_alloc deltas; the link's own hashlib
garbage is counted apart), the link moved frames, and the pair adds a few KB of heap. Figures are printed
by the command, not asserted (no wall-clock assertion)."""
import pytest

from soleguard_sim.bench import pair_app_figures
from soleguard_sim.mpbuild import micropython_path


def test_pair_app_bench_runs_in_pair_mode_allocation_free():
    try:
        micropython_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    f = pair_app_figures(rounds=1)
    assert f["single"]["bytes_per_sample"] == 0 and f["single"]["pair_mode"] == 0
    for side in ("right", "left"):
        r = f[side]
        assert r["pair_mode"] == 1 and r["bytes_per_sample"] == 0, (side, r)
        assert r["link_frames"] > 50, r  # syncs both ways (4 a second each) through the timed 20 s
        assert 1000 < r["pair_heap_bytes"] < 16000, r
