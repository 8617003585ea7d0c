"""Rule-set versions: stored in the database, compiled on demand, swapped atomically.

The active version is one reference (`self._active`), replaced under a lock only
after the new engine is compiled and its example cases pass, so a request sees the
old set or the new one and never a mix. Compiled engines are reference-counted:
a retired engine is released once the last request using it is done, so reloads do
not grow threads or memory.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass

from kaoping import audit, probe
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, NotFound, Violation
from kaoping.domain.ruleset import Problem, RuleSet, RuleSetInvalid, content_hash, parse
from kaoping.engine import CompiledRuleSet
from kaoping.evaluator import CaseOutcome, run_cases
from kaoping.storage.models import RuleSetRow
from kaoping.storage.store import Store

KEEP_COMPILED = 4
log = logging.getLogger("kaoping.rulesets")


@dataclass
class Validation:
    ruleset: RuleSet | None
    problems: list[Problem]
    cases: list[CaseOutcome]
    content_hash: str
    engine: CompiledRuleSet | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and all(c.passed for c in self.cases)


class _Entry:
    def __init__(self, compiled: CompiledRuleSet, row: RuleSetRow):
        self.compiled = compiled
        self.row = row
        self.users = 0
        self.retired = False


def validate_text(text: str, filename: str = "<upload>", label: str = "",
                  keep_engine: bool = False) -> Validation:
    """Parses, probes the engine with it in a child process (kaoping.probe), then
    compiles it here and runs the file's cases. Every path that serves a version
    (upload, activate, rollback, refresh, bootstrap, dry-run, --watch) comes here, so
    nothing is compiled in this process before it passed the probe. With keep_engine
    the compiled (and so warmed) engine of a valid file is returned for the caller."""
    try:
        ruleset = parse(text, filename, label)
    except RuleSetInvalid as exc:
        return Validation(None, exc.problems, [], content_hash(text))
    refused = probe.check(ruleset, filename)
    if refused:
        return Validation(ruleset, refused, [], ruleset.content_hash)
    compiled = CompiledRuleSet(ruleset)
    try:
        cases = run_cases(compiled)
    except BaseException:
        compiled.close()
        raise
    problems = [Problem(f"{filename}:{case.line} cases ({case.name})", "; ".join(outcome.failures))
                for case, outcome in zip(ruleset.cases, cases) if not outcome.passed]
    result = Validation(ruleset, problems, cases, ruleset.content_hash)
    if keep_engine and result.valid:
        result.engine = compiled
    else:
        compiled.close()
    return result


def invalid(validation: Validation) -> InvalidArgument:
    return InvalidArgument(f"the rule set has {len(validation.problems)} problem(s)",
                           [Violation(p.location, p.message) for p in validation.problems])


class RuleSets:
    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._active: _Entry | None = None
        self._retired: list[_Entry] = []
        self._refused_activation = 0   # activation id refresh() found refused (logged once)

    # loading --------------------------------------------------------------
    def bootstrap(self, text: str, filename: str, by: str = "startup") -> RuleSetRow:
        """Serves the database's active version, or seeds it from the given file.

        A stored active version that the engine probe refuses (stored by an older
        release, or written to the database directly) must not keep the server from
        starting: the newest earlier activated version that passes is served instead,
        and that fallback is logged and recorded as an activation (so replicas and
        ListRuleSets agree on what is served). With none left, the given file is."""
        activations = self.store.activations()
        if not activations:
            row = self.upload(text, filename, "", by)
            self.store.add_activation(row.id, by, "activate", audit.entry(
                "activate_ruleset", f"version {row.id}", before={"active": None}, after={"active": row.id}))
            self._swap(row)
            return row
        active = activations[-1].ruleset_id
        try:
            row = self.store.ruleset(active)
            self._swap(row)
            return row
        except InvalidArgument as exc:
            refused = exc
        log.error("THE ACTIVE RULE-SET VERSION %d IS REFUSED and will not be served: %s", active, refused)
        tried = {active}
        for earlier in reversed([a.ruleset_id for a in activations]):
            if earlier in tried:
                continue
            tried.add(earlier)
            row = self.store.ruleset(earlier)
            try:
                self._swap(row)
            except InvalidArgument as exc:
                log.error("earlier version %d is refused too: %s", earlier, exc)
                continue
            break
        else:
            row = self.upload(text, filename, "", by)
            self._swap(row)
        self.store.add_activation(row.id, by, "fallback", audit.entry(
            "fallback_ruleset", f"version {row.id}", before={"active": active},
            after={"active": row.id, "refused": [v.description for v in refused.violations][:20]}))
        log.error("serving rule-set version %d instead of the refused version %d; fix or replace "
                  "it and activate a good version", row.id, active)
        return row

    def upload(self, text: str, filename: str, label: str, by: str) -> RuleSetRow:
        if len(label) > 200:
            raise InvalidArgument("label too long", [Violation("label", "at most 200 characters")])
        checked = validate_text(text, filename, label)
        if not checked.valid:
            raise invalid(checked)
        return self.store.add_ruleset(
            RuleSetRow(content_hash=checked.content_hash, label=checked.ruleset.label, text=text,
                       uploaded_by=by),
            audit=lambda row: audit.entry("upload_ruleset", f"version {row.id}",
                                          after={"id": row.id, "hash": row.content_hash, "label": row.label}))

    def activate(self, ruleset_id: int, content_hash: str, by: str) -> RuleSetRow:
        row = self.store.ruleset(ruleset_id, content_hash)
        if row is None:
            raise NotFound("no such rule-set version",
                           [Violation("id" if ruleset_id else "content_hash", "not uploaded")])
        before = self._active.row.id if self._active else None
        self._swap(row)  # compile and check before the activation is recorded
        self.store.add_activation(row.id, by, "activate", audit.entry(
            "activate_ruleset", f"version {row.id}", before={"active": before}, after={"active": row.id}))
        return row

    def rollback(self, by: str) -> RuleSetRow:
        history = [a.ruleset_id for a in self.store.activations()]
        current = history[-1] if history else None
        previous = next((rid for rid in reversed(history) if rid != current), None)
        if previous is None:
            raise FailedPrecondition("there is no earlier version to roll back to")
        row = self.store.ruleset(previous)
        self._swap(row)
        self.store.add_activation(row.id, by, "rollback", audit.entry(
            "rollback_ruleset", f"version {row.id}", before={"active": current}, after={"active": row.id}))
        return row

    def refresh(self) -> None:
        """Serves whatever the database says is active (another replica may have changed it).
        A version the probe refuses is logged once and not served: this replica keeps
        its current version rather than fail every poll (and so report NOT_SERVING)."""
        activations = self.store.activations()
        if not activations or (self._active is not None and
                               self._active.row.id == activations[-1].ruleset_id):
            return
        newest = activations[-1]
        if newest.id == self._refused_activation:
            return
        try:
            self._swap(self.store.ruleset(newest.ruleset_id))
        except InvalidArgument as exc:
            if self._active is None:
                raise
            self._refused_activation = newest.id
            log.error("version %d, activated in the database, is REFUSED; still serving version "
                      "%d: %s", newest.ruleset_id, self._active.row.id, exc)

    # use ------------------------------------------------------------------
    @property
    def active_row(self) -> RuleSetRow:
        return self._active.row

    @property
    def active(self) -> RuleSet:
        return self._active.compiled.ruleset

    @contextlib.contextmanager
    def use(self, content_hash: str | None = None):
        """Yields (compiled engine, version row); the engine stays alive while in use."""
        with self._lock:
            entry = self._active if content_hash is None else self._entry(content_hash)
            entry.users += 1
        try:
            yield entry.compiled, entry.row
        finally:
            with self._lock:
                entry.users -= 1
                self._release_retired()

    def _entry(self, content_hash: str) -> _Entry:
        entry = self._entries.get(content_hash)
        if entry is None:
            row = self.store.ruleset(content_hash=content_hash)
            if row is None:
                raise NotFound("unknown rule-set version", [Violation("content_hash", content_hash)])
            try:
                ruleset = parse(row.text, f"version {row.id}", row.label)
                refused = probe.check(ruleset, f"version {row.id}")
            except RuleSetInvalid as exc:  # stored before today's limits, or by hand
                refused = exc.problems
            if refused:  # months bound to it cannot be scored here; the rest goes on
                raise FailedPrecondition(f"rule-set version {row.id} is refused by the engine probe",
                                         [Violation(p.location, p.message) for p in refused])
            entry = _Entry(CompiledRuleSet(ruleset), row)
            self._entries[content_hash] = entry
            self._trim()
        return entry

    def _swap(self, row: RuleSetRow) -> None:
        entry = self._entries.get(row.content_hash)
        if entry is None:
            checked = validate_text(row.text, f"version {row.id}", row.label, keep_engine=True)
            if not checked.valid:
                raise invalid(checked)
            entry = _Entry(checked.engine, row)  # compiled and warmed by its cases
        with self._lock:
            self._entries[row.content_hash] = entry
            entry.retired = False
            self._active = entry
            self._trim()

    def _trim(self) -> None:
        # Keep the active engine and a few recent ones (months bound to old versions).
        spare = [h for h, e in self._entries.items() if e is not self._active]
        for content_hash in spare[:max(0, len(spare) - (KEEP_COMPILED - 1))]:
            entry = self._entries.pop(content_hash)
            entry.retired = True
            self._retired.append(entry)
        self._release_retired()

    def _release_retired(self) -> None:
        busy = []
        for entry in self._retired:
            if entry.users:
                busy.append(entry)
            else:
                entry.compiled.close()
        self._retired = busy

    def close(self) -> None:
        with self._lock:
            for entry in [*self._entries.values(), *self._retired]:
                entry.compiled.close()
            self._entries.clear()
            self._retired.clear()
