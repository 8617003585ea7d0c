"""The engine probe: compile and exercise an unknown rule-set version in a child
process, under a time bound, before this process ever compiles it.

Why a child process: the C engine holds the GIL while it runs (DESIGN.md §4), so a
version that makes it spin (rules/README.md, "Engine limits") would stop every
thread of the server, signal handlers included; no thread watchdog can interrupt
it. A child that does not answer within `timeout` seconds is killed and the version
is refused, so one bad version never takes the service down.

Why one long-lived child rather than one per probe: starting an interpreter and
importing durable-rules costs about 0.9 s here (rules/README.md), which would make
every validation slow. The child serves probes one at a time over a pipe and is
replaced only when it was killed or died. Results are remembered by content hash
(a version is probed once per process), except timeouts, which may be the machine's
fault rather than the version's.

What is exercised: every (category, kind) of the file at 0, 1, its max_quantity and
every at_least / below of its rules. The engine must answer each without an error and
match exactly the rule whose range holds the quantity, as the file reads; anything
else is a problem. With the validation limits (kaoping.domain.ruleset_limits) this
bounds evaluation too: a fact's post visits one category node, one kind node and at
most MAX_RULES_PER_KIND quantity tests, the shapes the probe has just run.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from decimal import Decimal

from kaoping.rules.model import Problem, RuleSet

log = logging.getLogger("kaoping.probe")

DEFAULT_TIMEOUT = 20.0   # seconds for one compile + probe; --probe-timeout
CACHE_SIZE = 256         # versions whose probe result is remembered
_HEADER = struct.Struct("!I")


# the probe itself (runs in the child) -------------------------------------------
def probe_points(max_quantity: Decimal, rules) -> list[Decimal]:
    points = {Decimal(0), Decimal(1), max_quantity}
    for rule in rules:
        points.update(p for p in (rule.when.at_least, rule.when.below) if p is not None)
    return sorted(points)


def _holds(rule, quantity: Decimal) -> bool:
    return ((rule.when.at_least is None or quantity >= rule.when.at_least) and
            (rule.when.below is None or quantity < rule.when.below))


def _quantity_only(rule) -> bool:
    """A rule whose match the probe can predict from the quantity alone."""
    w = rule.when
    return not (w.levels or w.level_at_least or w.date_from or w.date_before or w.tests
                or w.occurrence_at_least is not None or w.occurrence_below is not None)


def exercise(ruleset: RuleSet) -> list[str]:
    """Compiles the rule set and asks the engine the probe questions; returns what went wrong."""
    from kaoping.rules.compile import compile_ruleset, fact_dict, official_dict, village_dict  # the child's only engine import
    from kaoping.rules.results import ScoredFact
    try:
        compiled = compile_ruleset(ruleset)
    except Exception as exc:  # the C engine refuses the ruleset (an error code)
        return [f"the rules engine cannot compile this rule set: {exc}"]
    problems: list[str] = []
    by_kind: dict[tuple[str, str], list] = {}
    for rule in ruleset.rules.values():
        if rule.subject == "fact":
            for kind in rule.kinds:
                by_kind.setdefault((rule.category, kind), []).append(rule)
    official, village = official_dict(compiled, None), village_dict(compiled, None, {})
    try:
        for cid, category in ruleset.categories.items():
            for kind, spec in category.kinds.items():
                rules = by_kind.get((cid, kind), [])
                level = spec.levels[0] if spec.levels else ""
                for q in probe_points(spec.max_quantity, rules):
                    fact = ScoredFact(1, cid, kind, q, level=level, date="2026-10-01", month="2026-10")
                    try:
                        matched = compiled.program.match_fact(official, village, fact_dict(compiled, fact, 1))
                    except Exception as exc:
                        problems.append(f"the rules engine fails on a {cid}/{kind} fact of quantity {q}: {exc}")
                        break
                    got = [rule_id for rule_id, m in matched if str(m["id"]) == "1"
                           and _quantity_only(ruleset.rules[rule_id])]
                    want = [r.id for r in rules if _quantity_only(r) and _holds(r, q)]
                    if sorted(got) != sorted(want):
                        problems.append(f"the rules engine matched {got or 'nothing'} for a "
                                        f"{cid}/{kind} fact of quantity {q}; the file says "
                                        f"{want or 'nothing'}")
        try:
            compiled.program.match_period(official, village, [], [])
        except Exception as exc:
            problems.append(f"the rules engine fails on an official's period: {exc}")
    finally:
        compiled.close()
    return problems


def _child_main(exercise=exercise) -> int:
    """`python -m kaoping.ops.probe`: answers probes from stdin until it closes."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the reply pipe
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        ruleset = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
        body = json.dumps(exercise(ruleset)).encode("utf-8")
        replies.write(_HEADER.pack(len(body)) + body)
        replies.flush()


# the parent side ------------------------------------------------------------------
class _Timeout(Exception):
    pass


class Prober:
    """Runs `exercise` in one child process with a deadline; thread-safe (probes
    are serialized: they are rare and each one is short)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, cache_size: int = CACHE_SIZE,
                 command: list[str] | None = None):
        self.timeout = timeout
        # the child's command line; tests give one that speaks the same protocol
        self.command = command or [sys.executable, "-m", "kaoping.ops.probe"]
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._child: subprocess.Popen | None = None
        self.probes = 0        # probes actually sent to a child (not answered from the cache)
        self.starts = 0        # children started
        self.killed = 0        # children killed at the deadline

    def check(self, ruleset: RuleSet, filename: str = "") -> list[Problem]:
        """Problems the engine has with this version; [] when it passed the probe."""
        where = filename or "engine"
        with self._lock:
            found = self._cache.get(ruleset.content_hash)
            if found is None:
                found, definitive = self._probe(ruleset)
                if definitive:
                    self._cache[ruleset.content_hash] = found
                    while len(self._cache) > self.cache_size:
                        self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(ruleset.content_hash)
        return [Problem(f"{where} engine probe", message) for message in found]

    def _probe(self, ruleset: RuleSet) -> tuple[tuple[str, ...], bool]:
        self.probes += 1
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            child = self._ensure_child()
            body = pickle.dumps(ruleset)
            child.stdin.write(_HEADER.pack(len(body)) + body)
            child.stdin.flush()
            reply = json.loads(self._read(child, deadline))
        except _Timeout:
            self._kill()
            self.killed += 1
            log.error("engine probe of version %s: no answer in %.0f s; child killed, version "
                      "refused", ruleset.content_hash[:12], self.timeout)
            return (f"the rules engine did not finish compiling and exercising this rule set "
                    f"within {self.timeout:g} s (--probe-timeout); it was stopped and the "
                    f"version refused",), False
        except (OSError, EOFError, ValueError) as exc:  # the child died (a crash in C)
            self._kill()
            log.error("engine probe of version %s: the child died (%s)", ruleset.content_hash[:12], exc)
            return (f"the rules engine crashed compiling or exercising this rule set ({exc})",), True
        log.debug("engine probe of %s: %.3f s", ruleset.content_hash[:12], time.monotonic() - started)
        return tuple(reply), True

    def _ensure_child(self) -> subprocess.Popen:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(self.command,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           env=os.environ.copy())
            self.starts += 1
        return self._child

    @staticmethod
    def _read(child: subprocess.Popen, deadline: float) -> bytes:
        fd = child.stdout.fileno()
        data = b""
        want = _HEADER.size
        header_done = False
        while True:
            while len(data) < want:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    raise _Timeout()
                chunk = os.read(fd, want - len(data))
                if not chunk:
                    raise EOFError("the probe child closed its pipe")
                data += chunk
            if header_done:
                return data
            want, data, header_done = _HEADER.unpack(data)[0], b"", True
            if want == 0:
                return data

    def _kill(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        child.kill()
        child.wait(timeout=30)
        for pipe in (child.stdin, child.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def close(self) -> None:
        with self._lock:
            child, self._child = self._child, None
            if child is None:
                return
            try:
                child.stdin.close()  # the child returns at end of input
                child.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()
                child.wait(timeout=30)
            child.stdout.close()


PROBER = Prober()
atexit.register(PROBER.close)  # e.g. `kaoping rules test`: no child left behind


def configure(timeout: float) -> None:
    """kaoping-server --probe-timeout."""
    if timeout <= 0:
        raise ValueError("--probe-timeout must be above 0 seconds")
    PROBER.timeout = timeout


def check(ruleset: RuleSet, filename: str = "") -> list[Problem]:
    return PROBER.check(ruleset, filename)


if __name__ == "__main__":
    sys.exit(_child_main())
