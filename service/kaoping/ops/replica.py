"""Keeping several replicas on one database in step: version polling.

Each `kaoping-server` process runs one `ReplicaSync` thread. Every `interval` seconds
(default 0.5) it asks the database two cheap questions:

* the id of the newest row in `activation` (one index lookup on the primary key). When
  it changed since the last poll, another process (a replica, `--watch`, an operator's
  script) activated or rolled back a rule set, and `RuleSets.refresh()` compiles and
  swaps to the version the database names; when it names the version already served
  (this replica made the activation itself) nothing is compiled;
* the id of the newest registry write in `audit_log` (`put_township`, `put_village`,
  `put_official`, `put_scorer`; every registry write is audited in its own transaction).
  When it changed, the in-memory registry is re-read and cached month scores are
  dropped, since base pay and membership feed every score.

Everything else a replica keeps in memory is either keyed so that another replica's
writes change the key (month scores are keyed by the month's fact count and highest
fact id) or is documented as short-lived (resolved tokens, CACHE_SECONDS).

Why polling rather than PostgreSQL LISTEN/NOTIFY: see deploy/README.md ("Replica
consistency"). In short: one mechanism for SQLite and PostgreSQL, no dedicated
long-lived connection (works behind PgBouncer in transaction mode), nothing to miss
across a reconnect, and a bound (interval + compile, ~0.5 s) well inside the 2 s goal.

When polls fail `unhealthy_after` times in a row (the database is unreachable), the
replica reports NOT_SERVING for its kaoping services through `on_down`, so that a load
balancer or Kubernetes readiness probe takes it out; `on_up` puts it back.
"""
from __future__ import annotations

import argparse
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func
from sqlmodel import select

from kaoping.storage.models import Activation, AuditEntry

log = logging.getLogger("kaoping.replica")

DEFAULT_INTERVAL = 0.5
REGISTRY_ACTIONS = ("put_township", "put_village", "put_official", "put_scorer", "create_township",
                    "update_township", "import_roster")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh-interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help="poll the database this often for rule-set activations and registry "
                             "changes made by other replicas (default 0.5; 0: no polling, but every "
                             "call that uses the active rule set first asks the database for the "
                             "newest activation, so a version is never served stale)")


@dataclass
class Marks:
    """What the database looked like at the last poll."""
    activation: int
    registry: int


class ReplicaSync:
    def __init__(self, app, interval: float = DEFAULT_INTERVAL, *,
                 on_down: Callable[[], None] | None = None, on_up: Callable[[], None] | None = None,
                 on_refresh: Callable[[str], None] | None = None, unhealthy_after: int = 3):
        self.app = app
        self.interval = interval
        self.on_down = on_down
        self.on_up = on_up
        self.on_refresh = on_refresh  # metrics hook: called with "ruleset" or "registry"
        self.unhealthy_after = unhealthy_after
        self.failures = 0
        self.errors = 0
        self.polls = 0
        self._down = False
        self._marks: Marks | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # the two questions ------------------------------------------------------
    def marks(self) -> Marks:
        with self.app.store.session() as s:
            activation = s.exec(select(func.max(Activation.id))).one()
            registry = s.exec(select(func.max(AuditEntry.id))
                              .where(AuditEntry.action.in_(REGISTRY_ACTIONS))).one()
        return Marks(int(activation or 0), int(registry or 0))

    def changed_townships(self, after: int, upto: int) -> set[str]:
        with self.app.store.session() as s:
            return set(s.exec(select(AuditEntry.township_id).distinct().where(
                AuditEntry.action.in_(REGISTRY_ACTIONS), AuditEntry.id > after, AuditEntry.id <= upto)))

    def poll(self) -> list[str]:
        """One poll; returns what was refreshed ("ruleset", "registry"). Raises on a
        database error (the caller counts failures)."""
        now = self.marks()
        before, self._marks = self._marks, now
        done: list[str] = []
        if before is None:
            # first poll: whatever the process started with is current, but a version
            # activated between bootstrap and here must not be missed
            self.app.rulesets.refresh()
            return done
        if now.activation != before.activation:
            old = {k: r.id for k, r in self.app.rulesets.served_rows().items()}
            try:
                self.app.rulesets.refresh()
            except BaseException:
                self._marks = Marks(before.activation, now.registry)  # try again next poll
                raise
            new = self.app.rulesets.served_rows()
            moved = {k: r for k, r in new.items() if old.get(k) != r.id}
            for township, row in sorted(moved.items()):
                log.info("rule set changed in the database: %s now serves version %d (%s, %s), was %s",
                         township or "the deployment default", row.id, row.label, row.content_hash[:12],
                         old.get(township, "none"))
            if moved:
                done.append("ruleset")
        if now.registry != before.registry:
            self.app.registry.reload()
            # only the townships whose roster changed lose their cached months ("" for a
            # write without one: all of them)
            changed = self.changed_townships(before.registry, now.registry)
            for township in ([None] if "" in changed else sorted(changed)):
                self.app.invalidate(township)
            log.info("registry changed in the database (%s): reloaded",
                     ", ".join(sorted(t or "deployment" for t in changed)))
            done.append("registry")
        for what in done:
            if self.on_refresh:
                self.on_refresh(what)
        return done

    # the thread ---------------------------------------------------------------
    def start(self) -> None:
        if self.interval <= 0:
            # No poller: rule sets follow the activation log on each use instead (one
            # primary-key lookup per call). Registry changes by other replicas are then
            # seen only after a restart (README, replicas).
            self.app.rulesets.check_on_use = True
            return
        if self._thread is not None:
            return
        try:
            self._marks = self.marks()
        except Exception:
            log.exception("replica sync: first poll failed; will retry")
        self._thread = threading.Thread(target=self._run, name="kaoping-replica-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.interval * 4))
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            started = time.monotonic()
            try:
                self.poll()
                self.polls += 1
                self.failures = 0
                if self._down:
                    self._down = False
                    log.warning("database reachable again: serving")
                    if self.on_up:
                        self.on_up()
            except Exception as exc:  # the sync thread must never take the server down
                self.failures += 1
                self.errors += 1
                if self.on_refresh:
                    self.on_refresh("error")
                log.error("replica sync poll failed (%d in a row): %s", self.failures, exc)
                if self.failures >= self.unhealthy_after and not self._down:
                    self._down = True
                    log.error("database unreachable for %d polls: reporting NOT_SERVING", self.failures)
                    if self.on_down:
                        self.on_down()
            slow = time.monotonic() - started
            if slow > max(1.0, self.interval * 2):
                log.warning("replica sync poll took %.2fs", slow)

