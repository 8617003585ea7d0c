"""Other processes' changes, for the watch hub (kaoping.usecases.watch): running only
while someone on this server watches (the hub starts and stops them).

* PostgreSQL: LISTEN kaoping_changes on a connection of its own. Triggers (migration
  0013) notify inside the inserting transaction, so a notice is delivered exactly when
  the facts commit, by whichever replica: '<village>|<month>' per
  village and month of an INSERT statement on fact, 'activation' for a rule-set
  activation or rollback. Across a reconnect notices may have been missed: the hub is
  told that everything may have changed.
* SQLite (several processes may share one file): a poll of the fact table's highest id
  and the activation table's every POLL_SECONDS; two primary-key lookups.

Registry and roster writes by another process still arrive through ReplicaSync
(kaoping.ops.replica, every --refresh-interval), which reloads the registry and calls
Kaoping.invalidate, which tells the hub.
"""
from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select

from kaoping.storage.models import Activation, FactRow
from kaoping.usecases.watch import EVERYTHING

log = logging.getLogger("kaoping.watch_scores")

POLL_SECONDS = 0.05        # SQLite: well inside the 100 ms a watcher is promised
LISTEN_WAKE_SECONDS = 0.2  # PostgreSQL: how often the listener looks at its stop flag
RECONNECT_SECONDS = 1.0
CHANNEL = "kaoping_changes"


def for_store(hub):
    url = hub.app.store.url
    if url.startswith("postgresql"):
        return PgListener(hub)
    if url.startswith("sqlite"):
        return SqlitePoller(hub)
    return None


class _Thread:
    name = "kaoping-watch-source"

    def __init__(self, hub):
        self.hub = hub
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, name=self.name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("%s stopped", self.name)


class SqlitePoller(_Thread):
    name = "kaoping-watch-sqlite"

    def _marks(self) -> tuple[int, int]:
        with self.hub.app.store.session() as s:
            return (int(s.exec(select(func.max(FactRow.id))).one()[0] or 0),
                    int(s.exec(select(func.max(Activation.id))).one()[0] or 0))

    def _run(self) -> None:
        facts, activation = self._marks()
        while not self._stop.wait(POLL_SECONDS):
            try:
                now_facts, now_activation = self._marks()
                if now_activation != activation:
                    self.hub.app.rulesets.refresh()   # a swap tells the hub (RuleSets.swapped)
                if now_facts != facts:
                    with self.hub.app.store.session() as s:
                        pairs = s.exec(select(FactRow.village_id, FactRow.month).distinct().where(
                            FactRow.id > facts, FactRow.id <= now_facts)).all()
                    self.hub.facts_committed([(v, m) for v, m in pairs])
                facts, activation = now_facts, now_activation
            except Exception as exc:   # a locked or absent file: try again next poll
                log.warning("watch poll failed: %s", exc)


def libpq_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener(_Thread):
    name = "kaoping-watch-listen"

    def _run(self) -> None:
        import psycopg
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(libpq_url(self.hub.app.store.url), autocommit=True,
                                     connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if not first:   # notices sent while we were away are lost
                        log.warning("watch listener reconnected: rescoring every watch")
                        self.hub.app.rulesets.refresh()
                        self.hub.changed(EVERYTHING)
                    first = False
                    while not self._stop.is_set():
                        # each notice at once (the hub coalesces); the timeout only wakes
                        # the loop to look at its stop flag
                        for note in conn.notifies(timeout=LISTEN_WAKE_SECONDS):
                            if note.payload == "activation":
                                self.hub.app.rulesets.refresh()   # a swap tells the hub
                            else:
                                village, _, month = note.payload.rpartition("|")
                                self.hub.facts_committed([(village, month)])
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("watch listener lost its connection (%s); reconnecting", exc)
                first = False
                self._stop.wait(RECONNECT_SECONDS)
