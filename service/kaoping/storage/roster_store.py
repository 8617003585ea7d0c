"""The roster's history by date (table roster_entry, kaoping.domain.roster): read, and
appended to together with the official's row. Entries are only ever inserted."""
from __future__ import annotations

from sqlmodel import select

from kaoping.storage.faults import retry_locked
from kaoping.storage.models import AuditEntry, Official, RosterEntry
from kaoping.storage.store import Store, _busy_cap


def roster_entries(store: Store, official_id: str = "") -> list[RosterEntry]:
    """Every entry (or one official's), by official and in the order they were recorded."""
    with store.session() as s:
        q = select(RosterEntry).order_by(RosterEntry.official_id, RosterEntry.id)
        if official_id:
            q = q.where(RosterEntry.official_id == official_id)
        return list(s.exec(q))


@retry_locked(_busy_cap)
def put_with_entries(store: Store, official: Official, entries: list[RosterEntry],
                     audit: AuditEntry | None = None) -> None:
    """The official's row (his current state), the entries the change adds and its audit
    entry, in one transaction: never a change of the row without its history."""
    with store.session() as s:
        # a fresh object: copies of a loaded row (model_copy) share its ORM state
        s.merge(Official(**official.model_dump()))
        s.flush()   # the row before entries that refer to it (a new official)
        # fresh rows on every attempt: a retry after a lock never reuses ids of a rollback
        for entry in entries:
            s.add(RosterEntry(**entry.model_dump(exclude={"id"})))
        if audit is not None:
            s.add(AuditEntry(**audit.model_dump(exclude={"id"})))
        s.commit()
