"""The documents agree with each other and speak to a reader: one statement of the alarm
lifecycle, shared word for word; no issue-tracker numbers in README.md or docs/."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- alarm lifecycle:"
SHARED_BY = ("DETECTION.md", "FIRMWARE.md", "CONSOLE.md", "HOW_IT_WORKS.md")


def _lifecycle(name):
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert text.count(MARK) == 1, "%s: the lifecycle statement must appear exactly once" % name
    para = text[text.index(MARK):].split("\n\n", 1)[0]
    return " ".join(para.split())


def test_one_lifecycle_statement_shared_word_for_word():
    texts = {name: _lifecycle(name) for name in SHARED_BY}
    first = texts[SHARED_BY[0]]
    assert "all clear** ends an evacuation, never a person's" in first
    for name, t in texts.items():
        assert t == first, "docs/%s: the lifecycle statement differs from docs/%s's" % (name, SHARED_BY[0])


def test_lifecycle_statement_names_the_configured_times():
    from soleguard.core.config import Config

    cfg = Config()
    t = _lifecycle("HOW_IT_WORKS.md")
    assert "`PRE_ALARM_MS` (%d s)" % (cfg.PRE_ALARM_MS // 1000) in t
    assert "`RECOVERY_MS` (%d s)" % (cfg.RECOVERY_MS // 1000) in t
    assert "`MOTION_CANCEL_MS` (%d s)" % (cfg.MOTION_CANCEL_MS // 1000) in t


def test_no_issue_numbers_in_readme_or_docs():
    bad = re.compile(r"\bissues?\s*#?\d+|\(#\d+\)|\bissue's\b|#\d+\b(?![0-9a-f])", re.I)
    found = []
    for path in [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md")):
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if bad.search(line):
                found.append("%s:%d: %s" % (path.relative_to(ROOT), k, line.strip()[:100]))
    assert not found, "\n".join(found)
