"""Rule-set versions, which township owns which, and the activation logs (a mixin of
kaoping.storage.store.Store).

Versions are stored once by content. A township lists and activates the versions
linked to it (township_ruleset: uploaded into it, or its county's template). Each
township has its own activation log (activation.township_id); a township without
one serves the deployment default log (township_id "") — the one the server seeds
from its --rules file and every township followed before migration 0009. A county's
template is the newest row of the log "county:<county>".
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kaoping.storage.faults import retry_locked
from kaoping.storage.models import Activation, AuditEntry, RuleSetRow, TownshipRuleSet

# pg_advisory_xact_lock key serializing activations (any constant; "kaop" in ASCII)
ACTIVATION_LOCK = 0x6B616F70
DEFAULT_LOG = ""


def county_log(county: str) -> str:
    """The log key of a county's template."""
    return f"county:{county}"


def _busy_cap(store) -> float:
    return store.busy_timeout


class RuleSetStore:
    @retry_locked(_busy_cap)
    def add_ruleset(self, row: RuleSetRow, audit: Callable[[RuleSetRow], AuditEntry] | None = None,
                    owner: str | None = None) -> RuleSetRow:
        """Stores the version (or finds the one with the same text) and, with `owner`,
        links it to that township (or county:<c>) in the same transaction."""
        with self.session() as s:
            found = s.exec(select(RuleSetRow).where(RuleSetRow.content_hash == row.content_hash)).first()
            if found:
                if owner is not None and self._link(s, owner, found.id, row.uploaded_by):
                    if audit is not None:
                        s.add(audit(found))
                    s.commit()
                return found
            s.add(row)
            try:
                s.flush()
                if owner is not None:
                    self._link(s, owner, row.id, row.uploaded_by)
                if audit is not None:
                    s.add(audit(row))
                s.commit()
            except IntegrityError:
                s.rollback()
                return self.add_ruleset(row, audit, owner)
            return row

    @staticmethod
    def _link(s: Session, owner: str, ruleset_id: int, by: str) -> bool:
        """Adds the link in the session unless it is there; whether it was added."""
        if s.get(TownshipRuleSet, (owner, ruleset_id)) is not None:
            return False
        s.add(TownshipRuleSet(township_id=owner, ruleset_id=ruleset_id, uploaded_by=by))
        return True

    def link_ruleset(self, owner: str, ruleset_id: int, by: str) -> None:
        with self.session() as s:
            if self._link(s, owner, ruleset_id, by):
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()   # linked meanwhile by another replica: the same

    def owns_ruleset(self, owners: list[str], ruleset_id: int) -> bool:
        """Whether any of `owners` (townships, county:<c>, "") has the version: one query."""
        with self.session() as s:
            return s.exec(select(TownshipRuleSet.ruleset_id).where(
                TownshipRuleSet.ruleset_id == ruleset_id,
                TownshipRuleSet.township_id.in_(owners)).limit(1)).first() is not None

    def ruleset(self, ruleset_id: int = 0, content_hash: str = "") -> RuleSetRow | None:
        with self.session() as s:
            if ruleset_id:
                return s.get(RuleSetRow, ruleset_id)
            return s.exec(select(RuleSetRow).where(RuleSetRow.content_hash == content_hash)).first()

    def rulesets(self, owner: str | None = None) -> list[RuleSetRow]:
        """Every version, or those linked to `owner` (a township or county:<c>)."""
        with self.session() as s:
            q = select(RuleSetRow).order_by(RuleSetRow.id)
            if owner is not None:
                q = q.where(RuleSetRow.id.in_(select(TownshipRuleSet.ruleset_id)
                                              .where(TownshipRuleSet.township_id == owner)))
            return list(s.exec(q))

    # activation logs -----------------------------------------------------------
    def activations(self, log: str | None = None) -> list[Activation]:
        """One log's activations, oldest first (every log's with None)."""
        with self.session() as s:
            q = select(Activation).order_by(Activation.id)
            if log is not None:
                q = q.where(Activation.township_id == log)
            return list(s.exec(q))

    def log_of(self, township_id: str) -> str:
        """The log a township serves: its own once it has one, else the default."""
        with self.session() as s:
            own = s.exec(select(Activation.id).where(Activation.township_id == township_id).limit(1)).first()
        return township_id if township_id and own is not None else DEFAULT_LOG

    def latest_activation_id(self) -> int:
        """Id of the newest activation of any log (0 for none): one primary-key lookup,
        cheap enough to ask before serving scores."""
        with self.session() as s:
            return int(s.exec(select(func.max(Activation.id))).one() or 0)

    def latest_activation(self, log: str = DEFAULT_LOG) -> Activation | None:
        with self.session() as s:
            return s.exec(select(Activation).where(Activation.township_id == log)
                          .order_by(Activation.id.desc()).limit(1)).first()

    def latest_activations(self) -> dict[str, Activation]:
        """The newest activation of every log, by log key."""
        with self.session() as s:
            newest = select(func.max(Activation.id)).group_by(Activation.township_id)
            rows = s.exec(select(Activation).where(Activation.id.in_(newest)))
            return {a.township_id: a for a in rows}

    @retry_locked(_busy_cap)
    def append_activation(self, choose: Callable[[list[Activation]], int | None], by: str, action: str,
                          audit: Callable[[int | None, int], AuditEntry] | None = None,
                          log: str = DEFAULT_LOG) -> Activation | None:
        """Appends to `log` the activation `choose(history)` names (None: append
        nothing), in one transaction serialized against every other activation on this
        database, from any process: two concurrent callers are ordered, each sees the
        other's row if it committed first, and ids follow commit order, so the newest
        row is the one that won. `history` is what the log's township served until now
        (its own log, or the default one while it has none). `audit(before, after)`
        builds the audit entry in the same transaction. `choose` may raise to abandon
        the transaction (nothing is written)."""
        with self.session() as s:
            self._serialize_activations(s)
            history = list(s.exec(select(Activation).where(Activation.township_id == log)
                                  .order_by(Activation.id)))
            inherited = None
            if not history and log != DEFAULT_LOG and not log.startswith("county:"):
                history = list(s.exec(select(Activation).where(Activation.township_id == DEFAULT_LOG)
                                      .order_by(Activation.id)))
                if history:   # the township's own log starts from what it served until now
                    inherited = Activation(ruleset_id=history[-1].ruleset_id, activated_by=by,
                                           action="inherit", township_id=log)
            ruleset_id = choose(history)
            if ruleset_id is None:
                s.rollback()
                return None
            if inherited is not None:
                s.add(inherited)
                s.flush()   # its id comes before the new row's
            row = Activation(ruleset_id=ruleset_id, activated_by=by, action=action, township_id=log)
            s.add(row)
            if audit is not None:
                s.add(audit(history[-1].ruleset_id if history else None, ruleset_id))
            s.commit()
            return row

    def add_activation(self, ruleset_id: int, by: str, action: str,
                       audit: AuditEntry | None = None, log: str = DEFAULT_LOG) -> Activation:
        return self.append_activation(lambda _history: ruleset_id, by, action,
                                      None if audit is None else (lambda _before, _after: audit), log)

    def _serialize_activations(self, s: Session) -> None:
        # Taken before anything is read, so the history read next is the latest and no
        # other activation can commit until this transaction ends.
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, now
        elif dialect == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACTIVATION_LOCK})
        else:
            raise NotImplementedError(f"activations are not serialized on {dialect}")
