"""`kaoping-server --watch`: reload the rule file when it changes on disk.

Polling (once a second) rather than inotify: it works the same on every filesystem,
including network and container mounts, and a rule file is tiny. A changed file is
validated, uploaded and activated; a bad one is logged with every problem and the
active version keeps serving.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from kaoping.domain.errors import DomainError
from kaoping.rules.model import content_hash
from kaoping.usecases.rulesets import RuleSets

log = logging.getLogger("kaoping.watch")


class RuleFileWatcher:
    def __init__(self, path: Path, rulesets: RuleSets, interval: float = 1.0):
        self.path = path
        self.rulesets = rulesets
        self.interval = interval
        self._seen = self._hash()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kaoping-watch", daemon=True)

    def _hash(self) -> str | None:
        try:
            return content_hash(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def check(self) -> bool:
        """One poll; True when a new version was activated."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            log.error("cannot read %s: %s; the active rule set keeps serving", self.path, exc)
            return False
        digest = content_hash(text)
        if digest == self._seen:
            return False
        self._seen = digest
        try:
            row = self.rulesets.upload(text, self.path.name, "", f"watch:{self.path.name}")
            self.rulesets.activate(row.id, "", f"watch:{self.path.name}")
        except DomainError as exc:
            log.error("rejected %s; the active rule set keeps serving. Problems:", self.path)
            for v in exc.violations:
                log.error("  %s: %s", v.field, v.description)
            return False
        log.info("activated %s as version %d (%s)", self.path, row.id, row.content_hash[:12])
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watcher must never take the server down
                log.exception("rule file watch failed")
