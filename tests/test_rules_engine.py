"""kaoping.rules.engine: targeted tests per construct, a differential test against a
pure-Python reference matcher, resource checks, and throughput (printed)."""
from __future__ import annotations

import gc
import random
import resource
import threading
import time

import pytest

from kaoping.rules.engine import (MAX_MESSAGES, EngineError, EngineRefused, FactRule,
                                  PeriodRule, Program, Test)

Test.__test__ = False  # a dataclass of the engine API, not a pytest class

O1 = {"id": "o1", "position": "书记", "a_star": 4.0}
V1 = {"id": "v1", "a_star": 5.0, "rank_income": 2.0}


def fact(id="1", kind="A", quantity=1.0, **more):
    return {"id": id, "official": "o1", "village": "v1", "category": "c", "kind": kind,
            "quantity": quantity, "level": "", "level_rank": 0.0, "n": 1.0, "day": "", **more}


def ids(matches):
    return [(rule_id, f["id"]) for rule_id, f in matches]


@pytest.fixture
def program():
    made = []

    def make(fact_rules=(), period_rules=()):
        made.append(Program(list(fact_rules), list(period_rules)))
        return made[-1]
    yield make
    for p in made:
        p.close()


# ---- (1) one construct at a time -------------------------------------------------

def test_join_on_official_position_and_village_attribute(program):
    p = program([FactRule("r", ("A",), official=(Test("position", "eq", "书记"),),
                          village=(Test("a_star", "gte", 4.0),))])
    assert ids(p.match_fact(O1, V1, fact())) == [("r", "1")]
    assert p.match_fact(dict(O1, position="主任"), V1, fact()) == []
    assert p.match_fact(O1, dict(V1, a_star=3.0), fact()) == []
    assert p.match_fact(O1, {"id": "v1"}, fact()) == []                # attribute missing
    assert p.match_fact(O1, dict(V1, a_star="5"), fact()) == []        # text is not a number
    assert p.match_fact(O1, V1, fact(official="o2")) == []             # another official
    assert p.match_fact(O1, V1, fact(village="v2")) == []              # another village


def test_same_id_for_official_village_and_fact_is_no_collision(program):
    p = program([FactRule("r", ("A",), official=(Test("position", "eq", "书记"),),
                          village=(Test("a_star", "gte", 4.0),))])
    f = fact(id="x", official="x", village="x")
    assert ids(p.match_fact(dict(O1, id="x"), dict(V1, id="x"), f)) == [("r", "x")]


def test_join_holds_with_several_kinds_and_in_tests(program):
    # the engine drops a join reference written after a $or: the adapter writes joins first
    p = program([FactRule("r", ("A", "C"), fact=(Test("quantity", "in", (1.0, 2.0)),),
                          official=(Test("position", "in", ("书记", "主任")),),
                          village=(Test("a_star", "in", (4.0, 5.0)),))])
    assert ids(p.match_fact(O1, V1, fact())) == [("r", "1")]
    assert p.match_fact(O1, V1, fact(official="o2")) == []
    assert p.match_fact(O1, V1, fact(village="v2")) == []


@pytest.mark.parametrize("n, fired", [(1, False), (2, True), (3, True)])
def test_count_at_2_and_3(program, n, fired):
    p = program(period_rules=[PeriodRule("c3", "count", ("A", "B"), at_least=3),
                              PeriodRule("c2", "count", ("A",), at_least=2)])
    facts = [fact(id=str(i), kind="A") for i in range(n)]
    got = p.match_period(O1, V1, facts, [])
    assert ("c2" in got) == fired
    assert ("c3" in got) == (n >= 3)
    got = p.match_period(O1, V1, facts + [fact(id="b", kind="B")], [])
    assert ("c3" in got) == (n >= 2)


def test_none_with_and_without_a_fact(program):
    p = program(period_rules=[PeriodRule("none", "none", ("Z",)),
                              PeriodRule("none_shu", "none", ("Z",),
                                         official=(Test("position", "eq", "书记"),))])
    assert p.match_period(O1, V1, [], []) == ["none", "none_shu"]
    assert p.match_period(O1, V1, [fact(kind="A")], []) == ["none", "none_shu"]
    assert p.match_period(O1, V1, [fact(kind="Z")], []) == []
    assert p.match_period(dict(O1, position="主任"), V1, [], []) == ["none"]
    assert p.match_period(O1, V1, [], []) == ["none", "none_shu"]    # nothing leaked


def test_value_rule(program):
    p = program(period_rules=[PeriodRule("short", "value", name="days",
                                         tests=(Test("value", "lt", 20.0),))])
    assert p.match_period(O1, V1, [], [{"t": "value", "name": "days", "value": 19.0}]) == ["short"]
    assert p.match_period(O1, V1, [], [{"t": "value", "name": "days", "value": 20.0}]) == []
    assert p.match_period(O1, V1, [], [{"t": "value", "name": "other", "value": 1.0}]) == []


def test_priority_order(program):
    p = program([FactRule("late", ("A",), priority=5), FactRule("first", ("A",), priority=-3),
                 FactRule("tie_a", ("A",), priority=0), FactRule("tie_b", ("A",), priority=0)])
    assert [r for r, _ in p.match_fact(O1, V1, fact())] == ["first", "tie_a", "tie_b", "late"]


def test_derive_chain(program):
    p = program([FactRule("a2b", ("A",), derive="B"),
                 FactRule("b2c", ("B",), derive="C", derive_unit_quantity=True),
                 FactRule("onB", ("B",), fact=(Test("quantity", "gte", 3.0),)),
                 FactRule("onC", ("C",), fact=(Test("quantity", "eq", 1.0),))])
    got = p.match_fact(O1, V1, fact(quantity=3.0))
    assert ids(got) == [("a2b", "1"), ("b2c", "1>B"), ("onB", "1>B"), ("onC", "1>B>C")]
    c = got[-1][1]
    assert (c["kind"], c["quantity"], c["derived_from"]) == ("C", 1.0, "1>B")
    assert got[1][1]["quantity"] == 3.0


def test_a_fact_matching_several_rules_returns_all(program):
    p = program([FactRule("x", ("A",)), FactRule("y", ("A", "B")),
                 FactRule("z", ("A",), fact=(Test("quantity", "in", (1.0, 2.0)),)),
                 FactRule("no", ("B",))])
    assert [r for r, _ in p.match_fact(O1, V1, fact())] == ["x", "y", "z"]


def test_refusals():
    with pytest.raises(EngineRefused) as e:
        Program([FactRule("a", ("A",), derive="B"), FactRule("b", ("B",), derive="A")], [])
    assert set(e.value.rule_ids) == {"a", "b"}
    with pytest.raises(EngineRefused) as e:
        Program([FactRule("s", ("A",), fact=(Test("level", "gte", "市级"),))], [])
    assert e.value.rule_ids == ("s",)
    with pytest.raises(EngineRefused):
        Program([FactRule("e", ("A",), fact=(Test("quantity", "lt", 1e-5),))], [])
    with pytest.raises(EngineRefused):
        Program([], [PeriodRule("c", "count", ("A",), at_least=70000)])


def test_numbers_the_c_parser_misreads_are_written_positionally(program):
    p = program([FactRule("small", ("A",), fact=(Test("quantity", "lt", 0.001),)),
                 FactRule("big", ("A",), fact=(Test("quantity", "gt", 1e15),))])
    assert [r for r, _ in p.match_fact(O1, V1, fact(quantity=1e-5))] == ["small"]
    assert [r for r, _ in p.match_fact(O1, V1, fact(quantity=1e20))] == ["big"]
    assert [r for r, _ in p.match_fact(O1, V1, fact(quantity=0.5))] == []


def test_engine_limits_are_refused_or_fail_cleanly():
    with pytest.raises(EngineRefused, match="kinds; at most"):
        Program([FactRule(f"r{i}", (f"k{i}",)) for i in range(401)], [])   # 512 would spin
    with pytest.raises(EngineRefused, match="on kind"):
        Program([FactRule(f"r{i}", ("k",), official=(Test("position", "eq", "书记"),))
                 for i in range(61)], [])
    same = (Test("position", "eq", "书记"),)
    with pytest.raises(EngineRefused):        # one alpha node feeding 256 rules: error 108
        Program([FactRule(f"r{i}", (f"k{i % 30}",), official=same) for i in range(260)], [])
    # an official passing 70 sibling tests overflows the 64-slot match stack (error 303):
    # EngineError, and the program stays usable (its state was deleted without a crash)
    p = Program([FactRule(f"r{i}", (f"k{i % 30}",), official=(Test("n_x", "lte", float(i)),))
                 for i in range(70)], [])
    try:
        for _ in range(3):
            with pytest.raises(EngineError, match="303"):
                p.match_fact(dict(O1, n_x=0.0), V1, fact(kind="k0"))
        assert ids(p.match_fact(dict(O1, n_x=65.0), V1, fact(kind="k0"))) == []
        assert ids(p.match_fact(dict(O1, n_x=60.0), V1, fact(kind="k0"))) == [("r60", "1")]
    finally:
        p.close()


def test_a_fact_nothing_matches_many_times(program):
    # only the primer's action runs in these states: deleting them must not crash
    p = program([FactRule("r", ("A",), official=(Test("position", "eq", "书记"),))],
                [PeriodRule("c", "count", ("A",), at_least=2)])
    for i in range(2000):
        assert p.match_fact(O1, V1, fact(id=str(i), kind="Z")) == []
        assert p.match_period(O1, V1, [fact(kind="Z")], []) == []


# ---- (2) differential: the engine against the obvious semantics ------------------

def _holds(obj, t):
    v = obj.get(t.field)
    for want in (t.value if t.op == "in" else (t.value,)):
        if isinstance(want, str):
            if not isinstance(v, str):
                continue
        elif not isinstance(v, float):
            continue
        if {"eq": v == want, "in": v == want, "ne": v != want, "gte": v >= want,
                "gt": v > want, "lte": v <= want, "lt": v < want}[t.op]:
            return True
    return False


def _side(rule_tests, obj, fact_key, fact_):
    if not rule_tests:
        return True
    return (isinstance(obj.get("id"), str) and fact_.get(fact_key) == obj["id"]
            and all(_holds(obj, t) for t in rule_tests))


def ref_match_fact(rules, official, village, fact_):
    """An agenda: the pending (rule, fact) of lowest (priority, rule order) fires next;
    within one rule by the fact's kind's place in the rule's kinds, then the newest
    fact first; a derive asserts its fact at once."""
    pending, seq, seen, out = [], [0], {fact_["id"]}, []

    def assert_(f):
        seq[0] += 1
        for i, r in enumerate(rules):
            if (f.get("kind") in r.kinds and all(_holds(f, t) for t in r.fact)
                    and _side(r.official, official, "official", f)
                    and _side(r.village, village, "village", f)):
                pending.append((r.priority, i, r.kinds.index(f["kind"]), -seq[0], f))
    assert_(fact_)
    while pending:
        best = min(pending, key=lambda a: a[:4])
        pending.remove(best)
        r, f = rules[best[1]], best[4]
        out.append((r.id, f))
        if r.derive:
            d = dict(f, kind=r.derive, derived_from=f["id"], id=f"{f['id']}>{r.derive}")
            if r.derive_unit_quantity:
                d["quantity"] = 1.0
            if d["id"] not in seen:
                seen.add(d["id"])
                assert_(d)
    return out


def ref_match_period(rules, official, village, facts, values):
    hit = []
    for i, r in enumerate(rules):
        if not (all(_holds(official, t) for t in r.official)
                and all(_holds(village, t) for t in r.village)):
            continue
        n = sum(1 for f in facts if f.get("kind") in r.kinds)
        if ((r.form == "count" and n >= r.at_least) or (r.form == "none" and n == 0)
                or (r.form == "value" and any(v.get("name") == r.name and
                                              all(_holds(v, t) for t in r.tests) for v in values))):
            hit.append((r.priority, i, r.id))
    return [rid for _, _, rid in sorted(hit)]


KINDS = ("A", "B", "C", "D", "E")
POOLS = {  # field -> values seen in inputs (None = missing); tests draw from the same pools
    "position": ["书记", "主任", "委员", None],
    "a_star": [3.0, 4.0, 5.0, "5", None],
    "a_grp": ["甲", "乙", 3.0, None],
    "rank_income": [1.0, 2.0, 3.0, 6.0, None],
    "quantity": [0.0, 1.0, 2.0, 2.5, 3.0, 10.0],
    "level": ["县级", "市级", "省级", ""],
    "level_rank": [1.0, 2.0, 3.0, 4.0],
    "n": [1.0, 2.0, 3.0, 5.0],
    "day": ["", 100.0, 152.0, 200.0, 305.0],
    "value": [0.0, 19.0, 20.0, 20.5, 31.0],
}
SIDES = {"official": ["position", "a_star", "a_grp"], "village": ["a_star", "a_grp", "rank_income"],
         "fact": ["quantity", "level", "level_rank", "n", "day", "a_star"]}


def rand_test(rng, field):
    values = [v for v in POOLS[field] if v is not None]
    nums = [v for v in values if isinstance(v, float)] + [rng.choice([0.5, 2.0, 4.0, 20.0])]
    op = rng.choice(["eq", "ne", "in", "gte", "gt", "lte", "lt"])
    if op in ("gte", "gt", "lte", "lt"):
        return Test(field, op, rng.choice(nums))
    if op == "in":
        return Test(field, op, tuple(rng.sample(values + nums, rng.randint(1, 3))))
    return Test(field, op, rng.choice(values + nums[-1:]))


def rand_obj(rng, fields, **fixed):
    obj = dict(fixed)
    for f in fields:
        v = rng.choice(POOLS[f])
        if v is not None:
            obj[f] = v
    return obj


def rand_program(rng, size=8):
    fact_rules = []
    for i in range(rng.randint(1, size)):
        kinds = tuple(rng.sample(KINDS, rng.randint(1, 2)))
        later = [k for k in KINDS if k > max(kinds)]            # acyclic derivations
        derive = rng.choice(later) if later and rng.random() < 0.35 else None
        fact_rules.append(FactRule(
            f"f{i}", kinds,
            fact=tuple(rand_test(rng, rng.choice(SIDES["fact"])) for _ in range(rng.choice([0, 0, 1, 2]))),
            official=tuple(rand_test(rng, rng.choice(SIDES["official"])) for _ in range(rng.choice([0, 1, 1, 2]))),
            village=tuple(rand_test(rng, rng.choice(SIDES["village"])) for _ in range(rng.choice([0, 0, 1]))),
            priority=rng.choice([-1, 0, 0, 0, 1, 2]), derive=derive,
            derive_unit_quantity=rng.random() < 0.3))
    period_rules = []
    for i in range(rng.randint(1, max(6, size // 2))):
        form = rng.choice(["count", "count", "none", "value"])
        period_rules.append(PeriodRule(
            f"p{i}", form, kinds=tuple(rng.sample(KINDS, rng.randint(1, 2))) if form != "value" else (),
            at_least=rng.randint(1, 4), name=rng.choice(["days", "income"]),
            tests=tuple(rand_test(rng, "value") for _ in range(rng.randint(0, 2))),
            official=tuple(rand_test(rng, rng.choice(SIDES["official"])) for _ in range(rng.choice([0, 0, 1]))),
            village=tuple(rand_test(rng, rng.choice(SIDES["village"])) for _ in range(rng.choice([0, 0, 1]))),
            priority=rng.choice([0, 0, 1, -2])))
    return fact_rules, period_rules


def rand_fact(rng, i):
    return rand_obj(rng, SIDES["fact"], id=str(i), kind=rng.choice(KINDS), category="c",
                    official=rng.choice(["o1", "o1", "o1", "o2"]),
                    village=rng.choice(["v1", "v1", "v1", "v2"]))


@pytest.mark.parametrize("count, size", [(1500, 8), (150, 40)])
def test_differential_against_reference(count, size):
    # small programs for many shapes; larger ones where many rules share alpha nodes
    rng = random.Random(20261202 + size)
    programs = calls = 0
    for _ in range(count):
        fact_rules, period_rules = rand_program(rng, size)
        p = Program(fact_rules, period_rules)
        programs += 1
        try:
            for _ in range(6):
                official = rand_obj(rng, SIDES["official"], id="o1")
                village = rand_obj(rng, SIDES["village"], id="v1")
                f = rand_fact(rng, rng.randint(1, 99))
                want = ref_match_fact(fact_rules, official, village, f)
                assert p.match_fact(official, village, f) == want, (fact_rules, official, village, f)
                # counts at the boundary: 0..5 facts of few kinds
                facts = [rand_fact(rng, i) for i in range(rng.randint(0, 5))]
                values = [{"t": "value", "name": rng.choice(["days", "income"]),
                           "value": rng.choice(POOLS["value"])} for _ in range(rng.randint(0, 2))]
                want = ref_match_period(period_rules, official, village, facts, values)
                got = p.match_period(official, village, facts, values)
                assert got == want, (period_rules, official, village, facts, values)
                calls += 2
        finally:
            p.close()
    print(f"\ndifferential: {programs} programs, {calls} calls, all equal to the reference")


# ---- (3) resources ---------------------------------------------------------------

def fnv1a32(text: str) -> int:
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def test_message_ids_never_collide_in_one_state():
    # the C engine tells messages apart by a 32-bit hash of "id" alone (state.c)
    hashes = {fnv1a32(str(i)) for i in range(MAX_MESSAGES + 1)}
    assert len(hashes) == MAX_MESSAGES + 1


def test_states_are_freed():
    # a ruleset holds at most 1024 states (MAX_STATE_INDEX_LENGTH): 3000 calls prove each
    # call's state is deleted
    p = Program([FactRule("r", ("A",), official=(Test("position", "eq", "书记"),))],
                [PeriodRule("n", "none", ("Z",))])
    try:
        for i in range(3000):
            assert len(p.match_fact(O1, V1, fact(id=str(i)))) == 1
            assert p.match_period(O1, V1, [], []) == ["n"]
    finally:
        p.close()


def _rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def test_200_programs_leak_no_threads_and_bounded_memory():
    rng = random.Random(7)
    specs = [rand_program(rng) for _ in range(200)]

    def cycle():
        for fr, pr in specs:
            p = Program(fr, pr)
            p.match_fact(O1, V1, fact())
            p.match_period(O1, V1, [fact()], [])
            p.close()
        gc.collect()
    # the threads alive before: one of an earlier test's may end meanwhile, which is no
    # leak; a leak is a thread these Programs started that is still alive
    threads = set(threading.enumerate())
    cycle()
    rss = _rss_kb()
    for _ in range(3):
        cycle()
    grew = _rss_kb() - rss
    print(f"\n600 more Programs: RSS grew {grew} kB")
    assert set(threading.enumerate()) - threads == set()
    assert grew < 20_000


def test_threads_share_one_program():
    p = Program([FactRule(f"r{i}", ("A",), fact=(Test("quantity", "gte", float(i)),)) for i in range(5)], [])
    errors, want = [], ids(p.match_fact(O1, V1, fact(quantity=3.0)))

    def work():
        for _ in range(500):
            if ids(p.match_fact(O1, V1, fact(quantity=3.0))) != want:
                errors.append("mismatch")
    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    p.close()
    assert not errors


def test_closed_program_refuses():
    p = Program([FactRule("r", ("A",))], [])
    p.close()
    p.close()
    with pytest.raises(RuntimeError):
        p.match_fact(O1, V1, fact())


# ---- (4) throughput (printed, not asserted) --------------------------------------

def thirty_rules():
    fr = []
    for i in range(24):
        kind = KINDS[i % 5]
        fr.append(FactRule(f"f{i}", (kind,), fact=(Test("quantity", "gte", float(i % 4)),),
                           official=(Test("position", "eq", "书记"),) if i % 2 else (),
                           village=(Test("a_star", "gte", 4.0),) if i % 3 == 0 else (),
                           priority=i % 3, derive="E" if kind == "A" and i < 6 else None))
    pr = [PeriodRule("c1", "count", ("A",), at_least=3), PeriodRule("c2", "count", ("B", "C"), at_least=2),
          PeriodRule("n1", "none", ("D",)), PeriodRule("n2", "none", ("E",), official=(Test("position", "eq", "书记"),)),
          PeriodRule("v1", "value", name="days", tests=(Test("value", "lt", 20.0),)),
          PeriodRule("v2", "value", name="income", tests=(Test("value", "gte", 1000.0),),
                     village=(Test("rank_income", "lte", 3.0),))]
    return fr, pr


def test_throughput():
    fr, pr = thirty_rules()
    p = Program(fr, pr)
    facts = [fact(id=str(i), kind=KINDS[i % 5], quantity=float(i % 5)) for i in range(20)]
    values = [{"t": "value", "name": "days", "value": 18.0}, {"t": "value", "name": "income", "value": 2000.0}]
    def rate(call):  # calls per CPU second, best of 3 half-second rounds (shared machine)
        best = 0.0
        for _ in range(3):
            n, start = 0, time.process_time()
            while time.process_time() - start < 0.5:
                call(n)
                n += 1
            best = max(best, n / (time.process_time() - start))
        return best
    try:
        per_fact = rate(lambda n: p.match_fact(O1, V1, facts[n % 20]))
        per_period = rate(lambda n: p.match_period(O1, V1, facts, values))
    finally:
        p.close()
    start = time.perf_counter()
    for _ in range(20):
        Program(fr, pr).close()
    compile_ms = (time.perf_counter() - start) / 20 * 1000
    print(f"\n30 rules: {per_fact:,.0f} match_fact/s, {per_period:,.0f} match_period/s (CPU) "
          f"(20 facts, 2 values), compile+close {compile_ms:.1f} ms")


# ---- (5) the engine behaviour the adapter's design rests on (raw durable-rules) ---

class _Raw:
    """A bare ruleset, to pin down what durable-rules 2.0.28 does (see engine.py)."""

    def __init__(self, rules: dict):
        from durable import engine as durable
        self.durable, self.hits = durable, []
        hits = self.hits

        class Host(durable.Host):
            def _run(self):
                pass

            def get_action(self, name):
                return lambda c: hits.append(name)
        self.host = Host()
        self.name = f"raw{id(self)}"
        self.host.set_rulesets({self.name: {k: dict(v, run=k) for k, v in rules.items()}})

    def send(self, how, *messages):
        self.hits.clear()
        for m in messages:
            try:
                getattr(self.host, how)(self.name, dict(m))
            except self.durable.MessageNotHandledException:
                pass
        return list(self.hits)

    def close(self):
        import durable_rules_engine
        for rs in self.host._ruleset_list:
            durable_rules_engine.delete_ruleset(rs._handle)


def test_raw_an_event_fires_one_rule_a_fact_every_rule():
    raw = _Raw({"a": {"all": [{"m": {"k": 1}}]}, "b": {"all": [{"m": {"k": 1}}]}})
    try:
        assert raw.send("post", {"sid": "1", "id": "1", "k": 1}) == ["a"]
        assert raw.send("assert_fact", {"sid": "2", "id": "1", "k": 1}) == ["a", "b"]
    finally:
        raw.close()


def test_raw_messages_are_told_apart_by_id_alone():
    raw = _Raw({"a": {"all": [{"m": {"k": 1}}]}, "b": {"all": [{"m": {"k": 2}}]}})
    try:
        raw.host.assert_fact(raw.name, {"sid": "1", "id": "x", "k": 1})
        with pytest.raises(raw.durable.MessageObservedException):   # other content, same id
            raw.host.assert_fact(raw.name, {"sid": "1", "id": "x", "k": 2})
    finally:
        raw.close()


def test_raw_comparisons_across_types_are_garbage():
    raw = _Raw({"eq": {"all": [{"m": {"x": 4.5}}]}})
    try:
        assert raw.send("assert_fact", {"sid": "1", "id": "1", "x": "4"}) == ["eq"]  # "4" == 4.5
    finally:
        raw.close()
    gte = _Raw({"gte": {"all": [{"m": {"$gte": {"x": 5.0}}}]}})
    try:
        assert gte.send("assert_fact", {"sid": "1", "id": "1", "x": "abc"}) == ["gte"]  # "abc" >= 5
    finally:
        gte.close()


def test_raw_a_join_after_a_disjunction_is_dropped():
    o = {"o": {"t": "o"}}
    raw = _Raw({"after": {"all": [o, {"f": {"$and": [{"t": "f"}, {"$or": [{"k": "A"}, {"k": "C"}]},
                                                    {"r": {"o": "x"}}]}}]},
                "before": {"all": [o, {"f": {"$and": [{"t": "f"}, {"r": {"o": "x"}},
                                                     {"$or": [{"k": "A"}, {"k": "C"}]}]}}]}})
    try:
        other = {"sid": "1", "id": "2", "t": "f", "r": "B", "k": "A"}   # r != official's x
        assert raw.send("assert_fact", {"sid": "1", "id": "1", "t": "o", "x": "A"}, other) == ["after"]
    finally:
        raw.close()


def test_raw_pri_is_unsigned():
    raw = _Raw({"minus": {"all": [{"m": {"k": 1}}], "pri": -1}, "zero": {"all": [{"m": {"k": 1}}]},
                "five": {"all": [{"m": {"k": 1}}], "pri": 5}})
    try:
        assert raw.send("assert_fact", {"sid": "1", "id": "1", "k": 1}) == ["zero", "five", "minus"]
    finally:
        raw.close()
