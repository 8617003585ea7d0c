"""The only module that imports durable-rules.

A RuleSet compiles to one durable-rules ruleset: each rule becomes a JSON rule whose
condition tests category, kind and the quantity range, and whose action is named by
the rule id. The action does nothing but record (fact id, rule id); turning matches
into points is pure Python in kaoping.domain.scoring, so the engine decides *which*
rule applies and the scoring code decides *how much*.

Why the Host subclass: durable's Host starts two self-re-arming timer threads that
never stop, which would leak threads on every hot reload, and they would call into
the C engine concurrently with request threads. kaoping uses no engine timers and
runs actions synchronously inside `post`, so the loops are not started at all.
The C engine is not thread-safe: every call goes through one lock per compiled set.

Why `match` needs no timeout of its own: nothing is compiled here that has not passed
the validation limits (kaoping.domain.ruleset_limits) and the engine probe in a
child process (kaoping.ops.probe), which posted every (category, kind) at every band
boundary. A fact's post then visits one category node, one kind node and at most
MAX_RULES_PER_KIND quantity tests, the same shapes the probe ran to completion.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Iterable

import durable_rules_engine
from durable import engine as durable

from kaoping.rules.model import RuleSet

_names = itertools.count(1)
_PRIMER = "__kaoping_primer__"


@dataclass(frozen=True)
class EngineFact:
    fact_id: int
    category: str
    kind: str
    quantity: float


class _QuietHost(durable.Host):
    def __init__(self, actions: dict):
        self._kp_actions = actions
        super().__init__()

    def _run(self) -> None:  # no dispatch/timer loops: see module docstring
        pass

    def get_action(self, action_name: str):
        return self._kp_actions[action_name]


def _condition(rule) -> dict:
    terms: list[dict] = [{"category": rule.category}, {"kind": rule.kind}]
    if rule.at_least is not None:
        terms.append({"$gte": {"quantity": float(rule.at_least)}})
    if rule.below is not None:
        terms.append({"$lt": {"quantity": float(rule.below)}})
    return {"m": {"$and": terms}}


class CompiledRuleSet:
    """A rule set compiled into its own durable-rules host."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._lock = threading.Lock()
        self._matches: list[tuple[int, str]] = []
        self._name = f"kaoping_{ruleset.content_hash[:12]}_{next(_names)}"
        actions = {rule_id: self._recorder(rule_id) for rule_id in ruleset.rules}
        definition = {rule_id: {"all": [_condition(rule)], "run": rule_id}
                      for rule_id, rule in ruleset.rules.items()}
        actions[_PRIMER] = lambda c: None
        definition[_PRIMER] = {"all": [{"m": {"kind": _PRIMER}}], "run": _PRIMER}
        self._host = _QuietHost(actions)
        self._host.set_rulesets({self._name: definition})
        self._closed = False
        # Warm the engine and open the one state (sid "0") with an event a rule handles:
        # the C engine frees a state on delete only if it ever handled an event, and
        # crashes deleting one that saw nothing but unmatched events.
        self._host.post(self._name, {"sid": "0", "id": 0, "kind": _PRIMER})

    def _recorder(self, rule_id: str):
        def record(c) -> None:
            self._matches.append((int(c.m["id"]), rule_id))
        return record

    def match(self, facts: Iterable[EngineFact]) -> list[tuple[int, str]]:
        """Returns (fact id, rule id) for every fact some rule matched."""
        with self._lock:
            if self._closed:
                raise RuntimeError("rule set engine already released")
            self._matches = []
            try:
                for fact in facts:
                    # One sid for every call: each event is consumed by its action
                    # inside post(), so nothing carries over between calls.
                    event = {"sid": "0", "id": fact.fact_id, "category": fact.category,
                             "kind": fact.kind, "quantity": fact.quantity}
                    try:
                        self._host.post(self._name, event)
                    except durable.MessageNotHandledException:
                        pass  # no rule for this fact under this rule set: it scores nothing
                return self._matches
            finally:
                self._matches = []

    def close(self) -> None:
        """Frees the C engine's ruleset; called when a reload retires this version."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._host.delete_state(self._name, "0")  # else its memory outlives the ruleset
            for ruleset in self._host._ruleset_list:
                durable_rules_engine.delete_ruleset(ruleset._handle)
