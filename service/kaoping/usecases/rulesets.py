"""Rule-set versions: stored in the database, compiled on demand, swapped atomically,
one active version per township.

Each township follows its own activation log (kaoping.storage.ruleset_store); a
township without one serves the deployment default log, which the server seeds from
its --rules file. The active version of a log is one reference, replaced under a lock
only after the new engine is compiled and its example cases pass, so a request sees
the old set or the new one and never a mix. Compiled engines are shared by content
and reference-counted: a retired engine is released once the last request using it
is done, so reloads do not grow threads or memory, and twenty townships on the same
text compile it once.

The database decides which version is active: the newest row of the township's log.
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

from kaoping.usecases import audit
from kaoping.ops import probe
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable, Violation
from kaoping.rules.compile import Compiled as CompiledRuleSet, compile_ruleset
from kaoping.rules.model import RuleSet, RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.storage.models import RuleSetRow
from kaoping.storage.ruleset_store import DEFAULT_LOG
from kaoping.storage.store import Store
from kaoping.usecases.ruleset_validation import Validation, invalid, validate_text  # noqa: F401 - re-exported

KEEP_COMPILED = 4
ROLLBACK_ATTEMPTS = 5  # a rollback whose target moves under it this often gives up (UNAVAILABLE)
log = logging.getLogger("kaoping.rulesets")


class _Entry:
    def __init__(self, compiled: CompiledRuleSet, row: RuleSetRow):
        self.compiled = compiled
        self.row = row
        self.users = 0
        self.retired = False


class _Moved(Exception):
    """The activation log changed between choosing a rollback target and locking it."""


def _previous(history: list[int]) -> int | None:
    current = history[-1] if history else None
    return next((rid for rid in reversed(history) if rid != current), None)


def _audit(action: str, log_key: str = DEFAULT_LOG):
    township = "" if log_key.startswith("county:") else log_key
    return lambda before, after: audit.entry(action, f"version {after}", before={"active": before},
                                             after={"active": after, "log": log_key},
                                             township_id=township)




class RuleSets:
    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}      # compiled engines, by content hash
        self._active: dict[str, _Entry] = {}       # the version each log serves
        self._retired: list[_Entry] = []
        self._served: dict[str, int] = {}          # id of the activation served, per log
        self.swapped = None                        # called with the log key after a swap
        self._own_logs: frozenset[str] = frozenset()   # townships with a log of their own
        self._sync = threading.RLock()   # one swap at a time, and only forward in each log
        # Ask the database for the newest activations before each use of an active set,
        # instead of waiting for a poll (kaoping-server --refresh-interval 0).
        self.check_on_use = False
        self._refused: dict[str, int] = {}   # per log, the activation refresh() found refused
        # content hashes of versions being activated or swapped in: not spare engines to
        # trim (twenty townships activating at once would otherwise compile twice)
        self._pinned: dict[str, int] = {}
        self._seen = 0                       # the newest activation id refresh() read

    def log_for(self, township_id: str) -> str:
        """The activation log a township serves: its own once it has one, else the default."""
        return township_id if township_id in self._own_logs else DEFAULT_LOG

    # loading --------------------------------------------------------------
    def bootstrap(self, text: str, filename: str, by: str = "startup") -> RuleSetRow:
        """Serves the database's active versions, or seeds the default log from the file.

        A stored active default version that the engine probe refuses (stored by an
        older release, or written to the database directly) must not keep the server
        from starting: the newest earlier activated version that passes is served
        instead, and that fallback is logged and recorded as an activation (so replicas
        and ListRuleSets agree on what is served). With none left, the given file is.
        A township's own refused version is logged and the township keeps none served
        until an administrator activates a good one (its scores answer FAILED_PRECONDITION)."""
        if self.store.latest_activation(DEFAULT_LOG) is None:
            row = self.upload(text, filename, "", by)
            # two replicas starting on an empty database seed one activation, not two
            self.store.append_activation(lambda history: None if history else row.id, by, "activate",
                                         _audit("activate_ruleset"))
        try:
            self.refresh()
            return self.active_row
        except InvalidArgument as exc:
            refused = exc
        activations = self.store.activations(DEFAULT_LOG)
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
            after={"active": after, "refused": refused_why}, township_id=""))
        self.refresh()
        log.error("serving rule-set version %d instead of the refused version %d; fix or replace "
                  "it and activate a good version", self.active_row.id, active)
        return self.active_row

    def upload(self, text: str, filename: str, label: str, by: str, township_id: str = "") -> RuleSetRow:
        """Stores a validated version and links it to the township ("" the default log)."""
        if len(label) > 200:
            raise InvalidArgument("label too long", [Violation("label", "at most 200 characters")],
                                  zh="版本说明过长：最多 200 个字符")
        checked = validate_text(text, filename, label)
        if not checked.valid:
            raise invalid(checked)
        return self.store.add_ruleset(
            RuleSetRow(content_hash=checked.content_hash, label=checked.ruleset.label, text=text,
                       uploaded_by=by),
            audit=lambda row: audit.entry("upload_ruleset", f"version {row.id}", after={
                "id": row.id, "hash": row.content_hash, "label": row.label, "township": township_id},
                township_id=township_id),
            owner=township_id)

    def activate(self, ruleset_id: int, content_hash: str, by: str, township_id: str = "") -> RuleSetRow:
        """Activates a stored version in the township's log ("" the default log). Whether
        the township may use that version is the caller's check (kaoping.usecases.townships)."""
        row = self.store.ruleset(ruleset_id, content_hash)
        if row is None:
            raise NotFound("no such rule-set version",
                           [Violation("id" if ruleset_id else "content_hash", "not uploaded")],
                           zh="找不到该规则集版本（尚未上传）：请用 kaoping rules list 查看")
        with self._pin(row.content_hash):
            self._prepare(row)  # compile and check before the activation is recorded
            self.store.append_activation(lambda _history: row.id, by, "activate",
                                         _audit("activate_ruleset", township_id), township_id)
            self.refresh()      # serve what the log now says: this version, or one that came after
        return row

    def rollback(self, by: str, township_id: str = "") -> RuleSetRow:
        for _attempt in range(ROLLBACK_ATTEMPTS):
            own = self.store.activations(township_id)
            history = own or self.store.activations(DEFAULT_LOG)
            target = _previous([a.ruleset_id for a in history])
            if target is None:
                raise FailedPrecondition("there is no earlier version to roll back to",
                                         [Violation("township_id", township_id or "the default")],
                                         zh="没有更早的版本可以回滚：请直接激活需要的版本")
            row = self.store.ruleset(target)

            def choose(history, target=target):
                if _previous([a.ruleset_id for a in history]) != target:
                    raise _Moved()  # someone activated meanwhile: choose again
                return target
            with self._pin(row.content_hash):
                self._prepare(row)  # compiled outside the database lock
                try:
                    self.store.append_activation(choose, by, "rollback",
                                                 _audit("rollback_ruleset", township_id), township_id)
                except _Moved:
                    continue
                self.refresh()
            return row
        raise Unavailable("rule-set versions are being changed concurrently; nothing was rolled back",
                          [Violation("id", f"the version to roll back to moved {ROLLBACK_ATTEMPTS} "
                                           "times; retry")],
                          zh="规则集版本正被他人同时修改，未回滚：请稍后重试")

    def refresh(self) -> None:
        """Serves each log's newest activation if it is newer than the one served.
        Swaps run one at a time and only forward in each log, so a poll, an activation
        and a request racing in one process cannot leave an older version in place.
        A version the probe refuses is logged once and not served: the log keeps its
        current version rather than fail every poll (and so report NOT_SERVING)."""
        with self._sync:
            every = self.store.latest_activations()
            latest = {k: a for k, a in every.items() if not k.startswith("county:")}
            for key in sorted(latest, key=lambda k: k != DEFAULT_LOG):   # the default first
                self._refresh_log(key, latest[key])
            # a township whose own version is refused serves nothing (FAILED_PRECONDITION),
            # never the default's: that would score it by another township's ruler
            self._own_logs = frozenset(k for k in latest if k != DEFAULT_LOG)
            self._seen = max((a.id for a in every.values()), default=0)

    def _refresh_log(self, key: str, latest) -> None:
        if latest.id <= self._served.get(key, 0) or latest.id == self._refused.get(key):
            return
        current = self._active.get(key)
        if current is None or current.row.id != latest.ruleset_id:
            try:
                self._swap(key, self.store.ruleset(latest.ruleset_id))
                if self.swapped is not None:   # live scores (kaoping.usecases.watch)
                    self.swapped(key)
            except InvalidArgument as exc:
                if key == DEFAULT_LOG and current is None:
                    raise
                self._refused[key] = latest.id
                log.error("version %d, activated in the database for %s, is REFUSED; %s: %s",
                          latest.ruleset_id, key or "the default log",
                          f"still serving version {current.row.id}" if current else "nothing served", exc)
                return
        self._served[key] = latest.id

    def _follow(self) -> None:
        if not self.check_on_use:
            return
        if self.store.latest_activation_id() != self._seen:
            self.refresh()

    # use ------------------------------------------------------------------
    @property
    def served_activation(self) -> int:
        """Id of the activation whose version this process serves in the default log."""
        return self._served.get(DEFAULT_LOG, 0)

    def served_rows(self) -> dict[str, RuleSetRow]:
        """The version each log serves (log key "" is the default)."""
        return {key: entry.row for key, entry in list(self._active.items())}

    def active_row_for(self, township_id: str = "") -> RuleSetRow:
        return self._served_entry(township_id).row

    def active_for(self, township_id: str = "") -> RuleSet:
        return self._served_entry(township_id).compiled.ruleset

    @property
    def active_row(self) -> RuleSetRow:
        """The default log's version (townships without their own log serve it)."""
        return self.active_row_for(DEFAULT_LOG)

    @property
    def active(self) -> RuleSet:
        return self.active_for(DEFAULT_LOG)

    def _served_entry(self, township_id: str) -> _Entry:
        self._follow()
        return self._log_entry(township_id)

    def _log_entry(self, township_id: str) -> _Entry:
        """The entry the township's log serves; none when its version was refused."""
        entry = self._active.get(self.log_for(township_id))
        if entry is None:
            raise FailedPrecondition("the township's active rule-set version is refused by the engine "
                                     "probe; activate a good version", [Violation("township_id", township_id)],
                                     zh="本乡镇当前启用的规则集版本未通过引擎检查：请激活一个可用的版本（kaoping rules activate）")
        return entry

    @contextlib.contextmanager
    def use(self, content_hash: str | None = None, township_id: str = ""):
        """Yields (compiled engine, version row): the version with that hash, or the
        township's active one; the engine stays alive while in use."""
        if content_hash is None:
            self._follow()
        with self._lock:
            entry = self._log_entry(township_id) if content_hash is None else self._entry(content_hash)
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
                raise NotFound("unknown rule-set version", [Violation("content_hash", content_hash)],
                               zh="找不到该规则集版本：请用 kaoping rules list 查看")
            try:
                ruleset = parse(row.text, f"version {row.id}", row.label)
                refused = probe.check(ruleset, f"version {row.id}")
            except RuleSetInvalid as exc:  # stored before today's limits, or by hand
                refused = exc.problems
            if refused:  # months bound to it cannot be scored here; the rest goes on
                raise FailedPrecondition(f"rule-set version {row.id} is refused by the engine probe",
                                         [Violation(p.location, p.message) for p in refused],
                                         zh=f"规则集版本 {row.id} 未通过引擎检查：请修正后重新上传，或激活其他版本")
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

    @contextlib.contextmanager
    def _pin(self, content_hash: str):
        with self._lock:
            self._pinned[content_hash] = self._pinned.get(content_hash, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._pinned[content_hash] -= 1
                if not self._pinned[content_hash]:
                    del self._pinned[content_hash]

    def _swap(self, key: str, row: RuleSetRow) -> None:
        for _attempt in range(3):
            with self._pin(row.content_hash):
                entry = self._prepare(row)
                with self._lock:
                    if entry.retired:  # trimmed (maybe closed) by other versions compiled meanwhile
                        continue
                    self._active[key] = entry
                    self._trim()
                    return
        raise Unavailable("too many rule-set versions are being compiled at once",
                          [Violation("id", "retry the activation")],
                          zh="同时编译的规则集版本过多：请稍后重新激活")

    def _trim(self) -> None:
        # Keep every log's active engine, those being activated, and a few recent others
        # (months bound to old versions).
        serving = {id(e) for e in self._active.values()}
        spare = [h for h, e in self._entries.items() if id(e) not in serving and h not in self._pinned]
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
