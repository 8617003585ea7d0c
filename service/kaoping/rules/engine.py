"""The only module of the version-2 rule language that imports durable-rules.

A Program compiles FactRules and PeriodRules into two durable-rules rulesets in one
Host: fact rules are joins (fact term joined to its official and village terms by id
reference), `pri` salience and `c.assert_fact` in actions (derive = forward chaining);
period rules are `count`, `$not` (none) and tests on value facts. Everything in this
docstring was checked against durable-rules 2.0.28 (tests/test_rules_engine.py, and
src/rules/*.c read where behaviour surprised us):

* Facts, never events: a posted event is consumed by the first rule that fires on it
  (two rules on one event: one fires), and an official posted as an event joins only
  the first fact. Facts stay until the state is deleted, so one fact fires every rule
  it matches and the official joins every fact, including facts derived later.
* One fresh state (sid) per call, deleted in `finally`: nothing carries from one
  question to the next, so `none` (which fires when its positive term arrives and is
  not undone later) and consumed combinations cannot leak. Each state gets the primer,
  then everything else, then the trigger last: match_fact asserts official, village,
  then the fact (the last term of every fact rule); match_period asserts facts and
  values, then the village, then the official (the first term of every none rule).
* The primer: the C engine leaves a new state's action context uninitialised and frees
  it on delete, which crashes for a state in which no action ever ran. Every state's
  first message is matched by a primer rule, so it has run an action before delete.
* Message identity is a 32-bit hash of the message's "id" only (state.c storeMessage):
  an official, village and fact sharing an id would be "observed" and dropped. The
  engine never sees the caller's ids as "id": each message gets "1", "2", ... (checked
  collision-free up to MAX_MESSAGES in the tests) and the caller's fields are renamed.
* Comparisons across types are garbage ("4" == 4.5 and "abc" >= 5 hold; in a larger
  ruleset "5" == 5.0 and "5" != 5.0 both held). Every field is sent under a typed key (s<i> for str, n<i> for numbers)
  and a test reads the key of its value's type: a field of the other type, or absent,
  fails every test, `ne` included. Ordering tests take numbers only.
* Numbers in exponent form ("1e-05", "1e+16") are refused or misread (error 204), and
  integers without a "." parse as C long long: numbers are written positionally with a
  "." by _num, so this module writes the JSON of every message itself.
* `pri` and `count` are read as unsigned short: -1 becomes 65535. Priorities are shifted
  to start at 0; a span over 65535 or at_least over 65535 is refused.
* Firing order (getNextResultInState): the ready action of the lowest (pri, definition
  index) fires first; within one durable rule the newest frame first. A FactRule is one
  durable rule per kind, so within one FactRule: kinds in its order, then newest fact.
  A count rule fires each time `at_least` frames are waiting: its id is reported once.
* A join reference that follows a `$or` (an "in" test, several kinds) in the same
  `$and` is ignored: the fact joined any official. References come first in a term.
* `set_rulesets` pops "run" from the definition it is given: it gets a deep copy.

Engine limits (src/rules, measured in the tests): refused here, at compile time: more
than MAX_KINDS kinds (a node's 512-slot child table full: the first message spins
forever holding the GIL) and more than MAX_RULES_PER_KIND fact rules on one kind.
Refused by the engine (EngineRefused): one alpha node feeding 256 rules (error 108,
e.g. 256 rules with the same official tests) and 4095 durable rules (one per kind of
each fact rule, one per period rule). Not checkable here, so the caller must bound and
probe them: a message may pass at most ~60 sibling alpha nodes at once (error 303 at
match time, EngineError): e.g. an official passing the first official test of 64 rules
that differ in it, or 64 period rules' tests on one value. A call holds at most
MAX_MESSAGES messages (facts + values + derived facts). Ids are str; values str or float.
"""
from __future__ import annotations

import copy
import itertools
import json
import math
import threading

import durable_rules_engine
from durable import engine as durable

from kaoping.rules.engine_api import (  # noqa: F401  (the API is re-exported from here)
    _OPS, _ORDER, MAX_KINDS, MAX_MESSAGES, MAX_RULES_PER_KIND, EngineError, EngineRefused,
    FactRule, PeriodRule, Test, _is_num, _num, check_rules)

_names = itertools.count(1)


class _QuietHost(durable.Host):
    # No dispatch/timer loops: they never stop (a leak per reload) and would call the
    # C engine from their own threads. Actions run synchronously inside assert_fact.
    def __init__(self, actions: dict):
        self._kp_actions = actions
        super().__init__()

    def _run(self) -> None:
        pass

    def get_action(self, action_name: str):
        return self._kp_actions[action_name]


class Program:
    def __init__(self, fact_rules: list[FactRule], period_rules: list[PeriodRule]):
        self._lock = threading.Lock()
        self._closed = False
        self._keys: dict[str, int] = {}     # field name -> index of its typed keys
        self._sides: dict[str, dict[str, int]] = {"o": {}, "v": {}, "f": {}, "pf": {}, "x": {}}
        self._fact_rules = list(fact_rules)
        self._period_rules = list(period_rules)
        self._fired: list = []
        self._facts: dict[str, dict] = {}
        self._next_id = 0
        self._enc: dict = {}                # value -> its JSON text
        self._sid = itertools.count(1)
        check_rules(self._fact_rules, self._period_rules)
        base = f"kp2_{next(_names)}"
        self._fname, self._pname = base + "_f", base + "_p"
        actions: dict = {}
        fdef, pdef = self._primed(actions), self._primed(actions)
        shift = min([r.priority for r in self._fact_rules + self._period_rules] or [0])
        for i, rule in enumerate(self._fact_rules):
            for j, kind in enumerate(dict.fromkeys(rule.kinds)):
                fdef[f"f{i}_{j}"] = self._fact_rule(i, rule, kind, rule.priority - shift)
            actions[f"f{i}"] = self._fact_action(i, rule)
        for i, rule in enumerate(self._period_rules):
            pdef[f"p{i}"] = self._period_rule(i, rule, rule.priority - shift)
            actions[f"p{i}"] = self._period_action(i)
        self._host = _QuietHost(actions)
        try:  # one at a time: a ruleset made before another failed would be orphaned
            self._host.set_rulesets({self._fname: copy.deepcopy(fdef)})
            self._host.set_rulesets({self._pname: copy.deepcopy(pdef)})
        except Exception as error:
            self._release()
            raise EngineRefused(f"the rules engine refused the rules: {error}",
                                self._culprits(fdef, pdef)) from None
        self._f = self._host.get_ruleset(self._fname)
        self._p = self._host.get_ruleset(self._pname)
        for rs in (self._f, self._p):
            # c.assert_fact(text) inside an action lands here: our JSON, not json.dumps.
            rs.assert_fact = self._raw_assert(rs)
            rs.assert_facts = self._raw_batch(rs)  # one C call per question: see _run

    # ---- compile ------------------------------------------------------------------
    def _primed(self, actions: dict) -> dict:
        actions["primer"] = lambda c: None
        return {"primer": {"all": [{"m": {"t": "primer"}}], "run": "primer"}}

    def _key(self, side: str, field: str, typ: str) -> str:
        index = self._keys.setdefault(field, len(self._keys))
        self._sides[side][field] = index
        return f"{typ}{index}"

    def _test(self, side: str, t: Test) -> dict:
        if t.op not in _OPS:
            raise EngineRefused(f"unknown test op {t.op!r}", [])
        values = tuple(t.value) if t.op == "in" else (t.value,)
        conds = []
        for v in dict.fromkeys(values):  # a duplicate value would match twice
            if _is_num(v) and type(v) is not bool:
                key, lit = self._key(side, t.field, "n"), float(v)
                if not math.isfinite(lit) or "e" in repr(lit):
                    # the definition goes through json.dumps, whose exponent form the
                    # C parser refuses or misreads (messages are written by _num instead)
                    raise EngineRefused(f"number {v!r} in a test: 0 or magnitude in "
                                        f"[1e-4, 1e16) only", [])
            elif isinstance(v, str):
                key, lit = self._key(side, t.field, "s"), v
            else:
                raise EngineRefused(f"test value {v!r} is neither str nor number", [])
            if t.op in ("eq", "in"):
                conds.append({key: lit})
            elif t.op == "ne":
                conds.append({"$neq": {key: lit}})
            elif isinstance(lit, str):
                raise EngineRefused(f"{t.op} compares numbers only, not {v!r}", [])
            else:
                conds.append({_ORDER[t.op]: {key: lit}})
        if not conds:
            return {"t": "never"}  # "in" an empty tuple holds for nothing
        return conds[0] if len(conds) == 1 else {"$or": conds}

    def _term(self, side: str, tag: str, tests, rule_id: str, joins=(), kind=None) -> dict:
        # [tag, kind, joins, tests]: the kind first, so the fact node's children are one
        # node per kind (alpha nodes equal in field, op and value are shared; join nodes
        # never are, and every one of them is pushed on the 64-slot match stack); joins
        # before tests, as a reference after a $or is dropped (see docstring). Tests in
        # one order, equalities first, so rules testing the same things share nodes.
        tests = sorted(tests, key=lambda t: (t.op != "eq", t.field, t.op, repr(t.value)))
        try:
            head = [{"t": tag}] + ([{self._key(side, "kind", "s"): kind}] if kind else [])
            conds = [*head, *joins, *[self._test(side, t) for t in tests]]
        except EngineRefused as refused:
            raise EngineRefused(refused.message, [rule_id]) from None
        return {"$and": conds} if len(conds) > 1 else conds[0]

    def _fact_rule(self, i: int, rule: FactRule, kind: str, pri: int) -> dict:
        # One durable rule per kind (f<i>_<j>, all running action f<i>): kinds as a $or
        # would put the joins behind it, or the unshared join nodes before the kind.
        # The official/village term is present only when the rule tests that side: a
        # village-scope fact has no official to join. A join reference reads
        # {field of this term: {alias of an earlier term: field of that term}}.
        terms, joins = [], []
        for side, alias, field, tests in (("o", "o", "official", rule.official),
                                          ("v", "v", "village", rule.village)):
            if tests:
                terms.append({alias: self._term(side, side, tests, rule.id)})
                joins.append({self._key("f", field, "s"): {alias: self._key(side, "id", "s")}})
        if not isinstance(kind, str):
            raise EngineRefused(f"kind {kind!r} is not a str", [rule.id])
        terms.append({"f": self._term("f", "f", rule.fact, rule.id, joins, kind)})
        return {"all": terms, "pri": pri, "run": f"f{i}"}

    def _period_rule(self, i: int, rule: PeriodRule, pri: int) -> dict:
        # One official and one village per state: no join is needed to pair them.
        terms = []
        if rule.official or rule.form == "none":  # none needs a positive trigger term
            terms.append({"o": self._term("o", "o", rule.official, rule.id)})
        if rule.village:
            terms.append({"v": self._term("v", "v", rule.village, rule.id)})
        out = {"pri": pri}
        if rule.form == "value":
            name = Test("name", "eq", rule.name)
            terms.append({"x": self._term("x", "x", (name, *rule.tests), rule.id)})
        else:
            kinds = self._term("pf", "pf", (Test("kind", "in", tuple(rule.kinds)),), rule.id)
            terms.append({"m$not": kinds} if rule.form == "none" else {"m": kinds})
            if rule.form == "count":
                out["count"] = rule.at_least
        out["all"] = terms
        out["run"] = f"p{i}"
        return out

    def _culprits(self, fdef: dict, pdef: dict) -> list[str]:
        """Which rules the engine refuses, each compiled alone (else: all of them)."""
        bad = []
        for prefix, rules, defs in (("f", self._fact_rules, fdef), ("p", self._period_rules, pdef)):
            for i, rule in enumerate(rules):
                mine = {k: {a: b for a, b in d.items() if a != "run"} for k, d in defs.items()
                        if k == f"{prefix}{i}" or k.startswith(f"{prefix}{i}_")}
                try:
                    handle = durable_rules_engine.create_ruleset(
                        f"kp2_probe_{next(_names)}", json.dumps(mine, ensure_ascii=False))
                    durable_rules_engine.delete_ruleset(handle)
                except Exception:
                    bad.append(rule.id)
        return bad or [r.id for r in self._fact_rules + self._period_rules]

    # ---- run ----------------------------------------------------------------------
    def _raw_assert(self, rs):
        def assert_text(text: str):
            return rs._handle_result(durable_rules_engine.assert_fact(rs._handle, text), text)
        return assert_text

    @staticmethod
    def _raw_batch(rs):
        def assert_texts(text: str):
            # In a batch, code 1/2 means some message matched nothing (or was seen): not
            # an error, and raising here would skip the actions the others queued.
            code, state = durable_rules_engine.assert_facts(rs._handle, text)
            return state if code in (0, 1, 2) else rs._handle_result((code, state), text)
        return assert_texts

    def _fact_action(self, index: int, rule: FactRule):
        def act(c) -> None:
            eid = c._m["f"]["id"]
            self._fired.append((index, eid))
            if rule.derive is None:
                return
            src = self._facts[eid]
            derived = dict(src, kind=rule.derive, derived_from=src["id"],
                           id=f"{src['id']}>{rule.derive}")
            if rule.derive_unit_quantity:
                derived["quantity"] = 1.0
            if any(f["id"] == derived["id"] for f in self._facts.values()):
                return  # two rules derived the same kind from one fact: it exists once
            text = self._message("f", derived, self._sid_now)
            try:
                c.assert_fact(text)  # forward chaining: the engine matches it in turn
            except durable.MessageNotHandledException:
                pass  # no rule on the derived kind: nothing more to fire
        return act

    def _period_action(self, index: int):
        def act(c) -> None:
            self._fired.append((index, None))
        return act

    def _message(self, side: str, obj: dict, sid: str) -> str:
        self._next_id += 1
        if self._next_id > MAX_MESSAGES:
            raise EngineError(f"more than {MAX_MESSAGES} messages in one call")
        eid = str(self._next_id)
        if side == "f":
            self._facts[eid] = obj
        parts = [f'{{"sid":"{sid}","id":"{eid}","t":"{side}"']
        enc = self._enc
        for field, index in self._sides[side].items():
            v = obj.get(field)
            if v is None or type(v) is bool:  # bool: not a field value (and True == 1.0)
                continue
            text = enc.get(v)  # kinds, positions, ids repeat: encode each once
            if text is None:
                if isinstance(v, str):
                    text = json.dumps(v, ensure_ascii=False)
                elif _is_num(v) and math.isfinite(v):
                    text = _num(v)
                else:
                    continue  # neither str nor number: as if absent
                if len(enc) > 50_000:
                    enc.clear()
                enc[v] = text
            parts.append(f',"{"s" if text[0] == chr(34) else "n"}{index}":{text}')
        parts.append("}")
        return "".join(parts)

    def _run(self, rs, messages) -> list:
        """Asserts the messages, in order, into one fresh state, then deletes it;
        returns (rule index, matched fact or None) in firing order."""
        with self._lock:
            if self._closed:
                raise RuntimeError("rule program already closed")
            sid = self._sid_now = str(next(self._sid))
            self._fired, self._facts, self._next_id = [], {}, 0
            try:
                # The primer alone first, so its action has run even if the batch fails
                # (a failed batch runs no action, and deleting the state would crash).
                self._host.assert_fact(rs._name, f'{{"sid":"{sid}","id":"0","t":"primer"}}')
                # Then one batch, in order, the trigger last. Actions run after the whole
                # batch, by the agenda, as they would one by one.
                texts = [self._message(side, obj, sid) for side, obj in messages]
                try:
                    self._host.assert_facts(rs._name, "[" + ",".join(texts) + "]")
                except durable_rules_engine.error as error:
                    raise EngineError(str(error)) from None
                return [(i, self._facts.get(eid)) for i, eid in self._fired]
            finally:
                rs.delete_state(sid)
                self._fired, self._facts = [], {}

    def match_fact(self, official: dict, village: dict, fact: dict) -> list[tuple[str, dict]]:
        fired = self._run(self._f, [("o", official), ("v", village), ("f", fact)])
        return [(self._fact_rules[i].id, f) for i, f in fired]

    def match_period(self, official: dict, village: dict, facts: list[dict],
                     values: list[dict]) -> list[str]:
        messages = [("pf", f) for f in facts] + [("x", v) for v in values]
        fired = self._run(self._p, messages + [("v", village), ("o", official)])
        hit = sorted({i for i, _ in fired}, key=lambda i: (self._period_rules[i].priority, i))
        return [self._period_rules[i].id for i in hit]

    def close(self) -> None:
        """Frees the C engine's rulesets (states are deleted after every call)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._release()

    def _release(self) -> None:
        for rs in getattr(getattr(self, "_host", None), "_ruleset_list", ()):
            durable_rules_engine.delete_ruleset(rs._handle)
