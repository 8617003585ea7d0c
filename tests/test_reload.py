"""Hot reload at the use-case level: 100 swaps leave nothing behind; --watch."""
import threading
from pathlib import Path

from kaoping.ops.watch import RuleFileWatcher
from tests.support.memory import rss_mb
from tests.support.rules import shipped, stricter


def test_hundred_activations_release_old_engines(app):
    other = app.rulesets.upload(stricter(), "stricter.yaml", "", "test")
    first = app.rulesets.active_row
    for _ in range(5):
        app.rulesets.activate(other.id, "", "t")
        app.rulesets.rollback("t")
    threads, memory = set(threading.enumerate()), rss_mb()
    for i in range(50):
        app.rulesets.activate(other.id, "", "t")
        app.monthly_scores("2026-01")
        app.rulesets.rollback("t")
        app.monthly_scores("2026-01")
    assert app.rulesets.active_row.id == first.id
    # no thread started during the reloads is still alive (threads of earlier tests may end)
    assert set(threading.enumerate()) - threads == set()
    assert rss_mb() - memory < 25, f"RSS grew {rss_mb() - memory:.1f} MB over 100 reloads"
    assert len(app.rulesets._entries) <= 4


def test_many_distinct_versions_keep_only_a_few_engines(app):
    for i in range(12):
        row = app.rulesets.upload(shipped() + f"\n# revision {i}\n", "r.yaml", "", "t")
        app.rulesets.activate(row.id, "", "t")
    assert len(app.rulesets._entries) <= 4 and not app.rulesets._retired


def test_watch_activates_a_good_file_and_ignores_a_bad_one(app, tmp_path, caplog):
    rules = tmp_path / "rules.yaml"
    rules.write_text(shipped(), encoding="utf-8")
    watcher = RuleFileWatcher(rules, app.rulesets)
    assert not watcher.check()                       # unchanged
    rules.write_text(stricter(), encoding="utf-8")
    assert watcher.check()
    assert app.rulesets.active.label == "sample 2026-2 stricter"
    rules.write_text(stricter().replace("form: threshold", "form: magic"), encoding="utf-8")
    assert not watcher.check()
    assert app.rulesets.active.label == "sample 2026-2 stricter"
    assert "unknown pay form" in caplog.text
    rules.unlink()
    assert not watcher.check()                       # a vanished file is logged, not fatal
