"""The peer: GoRules zen-engine scoring the same month under the same rule set, translated
to its decision model by bench/zen_translate.py (docs/benchmarks.md, "A peer").

For each comparison (the township month; the province month under each recompute rule
set) both sides get the same prepared kaoping.rules.results.PeriodInput per township,
built in memory from bench.data's facts (corrections applied as bench.load stores them),
no database on either side:

  kaoping   kaoping.rules.evaluate.evaluate(compiled, period) per township, line items off
            (as kaoping.usecases.recompute runs it), one process, one core;
  zen       ZenDecision.evaluate(context) per official, one process, one thread; the
            contexts (the official's facts in date order, the village's facts, base pay)
            built beforehand and not timed; as a second figure, the same with building
            the contexts timed.

Rule set parsing, compiling and translating are outside both timed regions; both sides
are warmed with one untimed pass. Before any timing counts, every official's total,
grade, veto and pay must be identical on both sides; a mismatch stops that comparison
and is reported with the first differing officials.
"""
from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from kaoping.rules.compile import compile_ruleset
from kaoping.rules.evaluate import evaluate
from kaoping.rules.parse import parse
from kaoping.rules.period_values import fact_order
from kaoping.rules.results import OfficialIn, PeriodInput, ScoredFact, VillageIn

from bench import data, load
from bench.zen_translate import translate

SHOWN_MISMATCHES = 5


def periods(reg: data.Registry, facts, corrections: bool) -> Iterator[PeriodInput]:
    """One PeriodInput per township of `reg`, from `facts` (SynthFacts in id order, the
    n-th with id n + 1). With `corrections`, every CORRECTION_EVERY-th slot voids the
    fact before it, as bench.load bulk-loads a month (the fact and the slot are gone)."""
    by_township: dict[str, list[ScoredFact]] = {t[0]: [] for t in reg.townships}
    previous = None
    for n, f in enumerate(facts):
        if corrections and n % data.CORRECTION_EVERY == data.CORRECTION_EVERY - 1 \
                and previous is not None:
            by_township[previous.village_id[:5]].pop()
            previous = None
            continue
        by_township[f.village_id[:5]].append(ScoredFact(
            n + 1, f.category, f.kind, Decimal(f.quantity), f.scorer_id, f.scorer_role,
            f.official_id, f.village_id, f.date, f.level, data.MONTH))
        previous = f
    villages: dict[str, list[str]] = {}
    for vid, tid, _name in reg.villages:
        villages.setdefault(tid, []).append(vid)
    officials: dict[str, list[OfficialIn]] = {}
    for oid, vid, _name, position, pay in reg.officials:
        officials.setdefault(vid[:5], []).append(OfficialIn(oid, vid, position, Decimal(pay)))
    for tid, _name in reg.townships:
        yield PeriodInput(data.MONTH, officials.get(tid, []),
                          [VillageIn(v) for v in villages.get(tid, [])], by_township.pop(tid))


def _fact(f: ScoredFact) -> dict:
    return {"k": f.kind, "q": float(f.quantity), "l": f.level, "d": f.date}


def contexts(period: PeriodInput) -> list[dict]:
    """zen's input per official of the period, in the period's order: the official's
    facts in kaoping's fact order (date, then id), the village's facts, the base pay."""
    own: dict[str, list[ScoredFact]] = {o.id: [] for o in period.officials}
    village: dict[str, list[dict]] = {}
    for f in sorted(period.facts, key=fact_order):
        if f.official_id:
            if f.official_id in own:
                own[f.official_id].append(f)
        else:
            village.setdefault(f.village_id, []).append(_fact(f))
    return [{"facts": [_fact(f) for f in own[o.id]], "vfacts": village.get(o.village_id, []),
             "base": float(o.base_pay)} for o in period.officials]


def _same(mine, theirs: dict) -> bool:
    return (Decimal(str(theirs["total"])) == mine.total and theirs["grade"] == mine.grade
            and bool(theirs["vetoed"]) == mine.vetoed and Decimal(str(theirs["pay"])) == mine.pay)


def compare(name: str, rules: Path, township_periods, repeats: int = 1,
            translator=translate) -> dict:
    """Checks then times kaoping and zen on the townships' periods (`translator` is
    the rule model -> JDM translation: a test gives a deliberately wrong one)."""
    import zen
    ruleset = parse(rules.read_text(encoding="utf-8"), rules.name)
    graph = translator(ruleset)
    decision = zen.ZenEngine().create_decision(json.dumps(graph, ensure_ascii=False))
    compiled = compile_ruleset(ruleset)
    compiled.line_items = False
    out: dict = {"name": name, "rules": str(rules.relative_to(load.ROOT)),
                 "graph_nodes": len(graph["nodes"]),
                 "table_rows": sum(len(n["content"].get("rules", [])) for n in graph["nodes"]
                                   if n["type"] == "decisionTableNode")}
    try:
        loaded = list(township_periods)
        officials = sum(len(p.officials) for p in loaded)
        out.update(townships=len(loaded), officials=officials,
                   facts=sum(len(p.facts) for p in loaded))
        # check (and warm both): every official identical before anything is timed
        built = [contexts(p) for p in loaded]
        mismatches = []
        for period, ctxs in zip(loaded, built):
            for mine, ctx in zip(evaluate(compiled, period), ctxs):
                theirs = decision.evaluate(ctx)["result"]
                if not _same(mine, theirs):
                    mismatches.append({"official": mine.official_id,
                                       "kaoping": [str(mine.total), mine.grade, mine.vetoed, str(mine.pay)],
                                       "zen": [str(theirs["total"]), theirs["grade"], theirs["vetoed"],
                                               str(theirs["pay"])]})
        if mismatches:
            out["mismatches"] = len(mismatches)
            out["first_mismatches"] = mismatches[:SHOWN_MISMATCHES]
            return out
        out["checked_officials"] = officials
        k_runs, z_runs, zb_runs = [], [], []
        for _ in range(repeats):
            began = time.perf_counter()
            for period in loaded:
                evaluate(compiled, period)
            k_runs.append(time.perf_counter() - began)
            began = time.perf_counter()
            for ctxs in built:
                for ctx in ctxs:
                    decision.evaluate(ctx)
            z_runs.append(time.perf_counter() - began)
            began = time.perf_counter()
            for period in loaded:
                for ctx in contexts(period):
                    decision.evaluate(ctx)
            zb_runs.append(time.perf_counter() - began)
        out.update(kaoping_s=min(k_runs), zen_s=min(z_runs), zen_with_contexts_s=min(zb_runs),
                   runs=repeats, kaoping_over_zen=min(k_runs) / min(z_runs))
        return out
    finally:
        compiled.close()


def run(seed: int, province: data.Scale, rulesets, township_repeats: int = 5) -> dict:
    """The township month (the month part's rule set and facts) and the province month at
    `province` under each (key, name, mix, rule file) of `rulesets` (bench.cli.RULESETS)."""
    from importlib.metadata import version
    out: dict = {"zen_engine": version("zen-engine"), "comparisons": []}
    reg = data.registry(data.TOWNSHIP)
    facts = data.facts(reg, data.TOWNSHIP.facts, seed, tag="t")      # bench.cli.month's facts
    out["comparisons"].append(dict(compare("township month", load.RULES,
                                           periods(reg, facts, corrections=False),
                                           township_repeats), scale="township"))
    reg = data.registry(province)
    for key, name, mix, rules in rulesets:
        facts = data.month_facts(mix, reg, province.facts, seed)       # bench.load's month
        entry = compare(f"province month, {name}", rules, periods(reg, facts, corrections=True))
        out["comparisons"].append(dict(entry, scale=province.name, key=key))
    bad = [c["name"] for c in out["comparisons"] if c.get("mismatches")]
    if bad:
        out["failed"] = f"kaoping and zen-engine disagree: {', '.join(bad)}"
    return out


def rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    """The report's rows (bench.report): one per comparison, kaoping ÷ zen-engine time."""
    out: list[tuple[str, str, str, str, str]] = []
    for c in result.get("comparisons", []):
        head = (f"Peer: kaoping ÷ zen-engine {result.get('zen_engine', '')} time, {c['name']} "
                f"({c.get('officials', 0):,} officials, {c.get('facts', 0):,} facts, {c['scale']})")
        if c.get("mismatches"):
            first = ", ".join(m["official"] for m in c["first_mismatches"])
            out.append((head, f"MISMATCH: {c['mismatches']} officials differ (first: {first})",
                        "", "identical results", "MISSED"))
            continue
        ratio = c["kaoping_over_zen"]
        out.append((head, f"{ratio:.2f} ({c['kaoping_s']:.3f} s / {c['zen_s']:.3f} s)", "",
                    "< 1 (kaoping ahead)", "met" if ratio < 1 else "MISSED"))
        out.append(("  zen-engine with building its contexts timed (s)",
                    f"{c['zen_with_contexts_s']:.3f}", "", "", ""))
    return out
