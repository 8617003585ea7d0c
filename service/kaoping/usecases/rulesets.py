"""Rule-set versions: stored in the database, compiled on demand, swapped atomically.

The active version is one reference (`self._active`), replaced under a lock only
after the new engine is compiled and its example cases pass, so a request sees the
old set or the new one and never a mix. Compiled engines are reference-counted:
a retired engine is released once the last request using it is done, so reloads do
not grow threads or memory.

The database decides which version is active: the newest row of the activation log.
Activations and rollbacks from every process are appended one at a time
(Store.append_activation), and a process serves a version only by following that log
forward (`refresh`), never by swapping first and recording after. So two activations
racing through two replicas are ordered by the database, each replica ends up serving
the one that committed last, and a restart serves the same. An activation's reply says
`active` only if its version was still the newest when the reply was built.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass

from kaoping.usecases import audit
from kaoping.ops import probe
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable, Violation
from kaoping.rules.cases import CaseOutcome, run_cases
from kaoping.rules.compile import Compiled as CompiledRuleSet, compile_ruleset
from kaoping.rules.model import Problem, RuleSet, RuleSetInvalid, content_hash
from kaoping.rules.parse import parse
from kaoping.storage.models import RuleSetRow
from kaoping.storage.store import Store

KEEP_COMPILED = 4
ROLLBACK_ATTEMPTS = 5  # a rollback whose target moves under it this often gives up (UNAVAILABLE)
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
    """Parses, probes the engine with it in a child process (kaoping.ops.probe), then
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
    compiled = compile_ruleset(ruleset)
    try:
        from kaoping.rules.year_cases import run_year_cases
        cases = run_cases(compiled) + run_year_cases(ruleset)
    except BaseException:
        compiled.close()
        raise
    problems = [Problem(f"{filename}:{case.line} cases ({case.name})", "; ".join(outcome.failures))
                for case, outcome in zip(ruleset.cases + ruleset.year_cases, cases) if not outcome.passed]
    result = Validation(ruleset, problems, cases, ruleset.content_hash)
    if keep_engine and result.valid:
        result.engine = compiled
    else:
        compiled.close()
    return result


def invalid(validation: Validation) -> InvalidArgument:
    return InvalidArgument(f"the rule set has {len(validation.problems)} problem(s)",
                           [Violation(p.location, p.message) for p in validation.problems])


class _Moved(Exception):
    """The activation log changed between choosing a rollback target and locking it."""


def _previous(history: list[int]) -> int | None:
    current = history[-1] if history else None
    return next((rid for rid in reversed(history) if rid != current), None)


def _audit(action: str):
    return lambda before, after: audit.entry(action, f"version {after}", before={"active": before},
                                             after={"active": after})


class RuleSets:
    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._active: _Entry | None = None
        self._retired: list[_Entry] = []
        self._served = 0                 # id of the activation being served
        self._sync = threading.RLock()   # one swap at a time, and only forward in the log
        # Ask the database for the newest activation before each use of the active set,
        # instead of waiting for a poll (kaoping-server --refresh-interval 0).
        self.check_on_use = False
        self._refused_activation = 0   # activation id refresh() found refused (logged once)

    # loading --------------------------------------------------------------
    def bootstrap(self, text: str, filename: str, by: str = "startup") -> RuleSetRow:
        """Serves the database's active version, or seeds it from the given file.

        A stored active version that the engine probe refuses (stored by an older
        release, or written to the database directly) must not keep the server from
        starting: the newest earlier activated version that passes is served instead,
        and that fallback is logged and recorded as an activation (so replicas and
        ListRuleSets agree on what is served). With none left, the given file is."""
        if not self.store.latest_activation_id():
            row = self.upload(text, filename, "", by)
            # two replicas starting on an empty database seed one activation, not two
            self.store.append_activation(lambda history: None if history else row.id, by, "activate",
                                         _audit("activate_ruleset"))
        try:
            self.refresh()
            return self.active_row
        except InvalidArgument as exc:
            refused = exc
        activations = self.store.activations()
        active = activations[-1].ruleset_id
        log.error("THE ACTIVE RULE-SET VERSION %d IS REFUSED and will not be served: %s", active, refused)
        tried = {active}
        for earlier in reversed([a.ruleset_id for a in activations]):
            if earlier in tried:
                continue
            tried.add(earlier)
            row = self.store.ruleset(earlier)
            try:
                self._prepare(row)
            except InvalidArgument as exc:
                log.error("earlier version %d is refused too: %s", earlier, exc)
                continue
            break
        else:
            row = self.upload(text, filename, "", by)
            self._prepare(row)
        refused_why = [v.description for v in refused.violations][:20]
        self.store.append_activation(lambda _history: row.id, by, "fallback", lambda before, after: audit.entry(
            "fallback_ruleset", f"version {after}", before={"active": before},
            after={"active": after, "refused": refused_why}))
        self.refresh()
        log.error("serving rule-set version %d instead of the refused version %d; fix or replace "
                  "it and activate a good version", self.active_row.id, active)
        return self.active_row

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
        self._prepare(row)  # compile and check before the activation is recorded
        self.store.append_activation(lambda _history: row.id, by, "activate", _audit("activate_ruleset"))
        self.refresh()      # serve what the log now says: this version, or one that came after
        return row

    def rollback(self, by: str) -> RuleSetRow:
        for _attempt in range(ROLLBACK_ATTEMPTS):
            target = _previous([a.ruleset_id for a in self.store.activations()])
            if target is None:
                raise FailedPrecondition("there is no earlier version to roll back to")
            row = self.store.ruleset(target)
            self._prepare(row)  # compiled outside the database lock

            def choose(history, target=target):
                if _previous([a.ruleset_id for a in history]) != target:
                    raise _Moved()  # someone activated meanwhile: choose again
                return target
            try:
                self.store.append_activation(choose, by, "rollback", _audit("rollback_ruleset"))
            except _Moved:
                continue
            self.refresh()
            return row
        raise Unavailable("rule-set versions are being changed concurrently; nothing was rolled back",
                          [Violation("id", f"the version to roll back to moved {ROLLBACK_ATTEMPTS} "
                                           "times; retry")])

    def refresh(self) -> None:
        """Serves the database's newest activation if it is newer than the one served.
        Swaps run one at a time and only forward in the log, so a poll, an activation
        and a request racing in one process cannot leave an older version in place.
        A version the probe refuses is logged once and not served: this replica keeps
        its current version rather than fail every poll (and so report NOT_SERVING)."""
        with self._sync:
            latest = self.store.latest_activation()
            if latest is None or latest.id <= self._served or latest.id == self._refused_activation:
                return
            if self._active is None or self._active.row.id != latest.ruleset_id:
                try:
                    self._swap(self.store.ruleset(latest.ruleset_id))
                except InvalidArgument as exc:
                    if self._active is None:
                        raise
                    self._refused_activation = latest.id
                    log.error("version %d, activated in the database, is REFUSED; still serving "
                              "version %d: %s", latest.ruleset_id, self._active.row.id, exc)
                    return
            self._served = latest.id

    def _follow(self) -> None:
        if self.check_on_use and self.store.latest_activation_id() not in (
                self._served, self._refused_activation):
            self.refresh()

    # use ------------------------------------------------------------------
    @property
    def served_activation(self) -> int:
        """Id of the activation whose version this process serves."""
        return self._served

    @property
    def active_row(self) -> RuleSetRow:
        self._follow()
        return self._active.row

    @property
    def active(self) -> RuleSet:
        self._follow()
        return self._active.compiled.ruleset

    @contextlib.contextmanager
    def use(self, content_hash: str | None = None):
        """Yields (compiled engine, version row); the engine stays alive while in use."""
        if content_hash is None:
            self._follow()
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
            entry = _Entry(compile_ruleset(ruleset), row)
            self._entries[content_hash] = entry
            self._trim()
        return entry

    def _prepare(self, row: RuleSetRow) -> _Entry:
        """The version's compiled engine, compiling and checking it (its cases) if needed."""
        with self._lock:
            entry = self._entries.get(row.content_hash)
        if entry is None:
            checked = validate_text(row.text, f"version {row.id}", row.label, keep_engine=True)
            if not checked.valid:
                raise invalid(checked)
            entry = _Entry(checked.engine, row)  # compiled and warmed by its cases
            with self._lock:
                known = self._entries.get(row.content_hash)
                if known is not None:  # another thread compiled it meanwhile
                    entry.compiled.close()
                    return known
                self._entries[row.content_hash] = entry
                self._trim()
        return entry

    def _swap(self, row: RuleSetRow) -> None:
        for _attempt in range(3):
            entry = self._prepare(row)
            with self._lock:
                if entry.retired:  # trimmed (maybe closed) by other versions compiled meanwhile
                    continue
                self._active = entry
                self._trim()
                return
        raise Unavailable("too many rule-set versions are being compiled at once",
                          [Violation("id", "retry the activation")])

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
