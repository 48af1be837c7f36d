"""pytest fixtures shared by the CPython test corpus.

The public recordings live in ../shared/datasets (never copied here). In CI
(env CI set) a missing folder is a failure; elsewhere the tests that need it
skip with a message saying where it was looked for.
"""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("SOLEGUARD_DATASETS", ROOT.parent / "shared" / "datasets")).resolve()


def _need_datasets():
    if not DATASETS.is_dir():
        msg = "shared datasets not found at %s (set SOLEGUARD_DATASETS)" % DATASETS
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return DATASETS


@pytest.fixture(scope="session")
def datasets():
    """Path of ../shared/datasets; fails in CI, skips elsewhere, when missing."""
    return _need_datasets()

# tests/models holds the chip/port models and their own suites; they patch process-wide
# state (time, micropython, asyncio shims), so tests/test_models.py runs them in child processes.
collect_ignore = ["models"]
