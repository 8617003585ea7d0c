"""Example cases a rule file carries: facts in, expected results out. Version 1 has one
official; version 2 may give villages, officials, earlier months' results and facts for
several of them, and expect per official (kaoping.rules.cases runs them)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaoping.rules.model import Case
from kaoping.rules.parse_base import Collector, decimal, keys, line_of, plain, text, unknown

RESULT_KEYS = {"total", "grade", "pay", "vetoed", "categories"}
FACT_KEYS = {"category", "kind", "quantity", "official", "village", "date", "level", "month"}
OFFICIAL_KEYS = {"village", "position", "base_pay", "attributes"}
YEAR_OFFICIAL_KEYS = {"village", "position", "months", "total", "inspection"}
YEAR_MONTH_KEYS = {"month", "total", "grade", "vetoed", "pay", "year_veto", "year_grade_at_most",
                   "year_deduct_yuan"}


def _check_members(members: Any, allowed: set[str], where: str, line, out: Collector) -> None:
    """A typo in a case's official ("posiiton") must not silently mean a default."""
    if not isinstance(members, dict):
        return
    for mid, spec in members.items():
        if spec is None:
            continue
        if not isinstance(spec, dict):
            out.add(f"{where}.{mid}", line, "must be a mapping")
            continue
        for key in sorted(set(spec) - allowed):
            out.add(f"{where}.{mid}", line, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        months = spec.get("months")
        if allowed is YEAR_OFFICIAL_KEYS and isinstance(months, list):
            for i, m in enumerate(months):
                for key in sorted(set(m) - YEAR_MONTH_KEYS) if isinstance(m, dict) else ["?"]:
                    out.add(f"{where}.{mid}.months[{i}]", line,
                            f"unknown key {key!r} (allowed: {', '.join(sorted(YEAR_MONTH_KEYS))})")
RESULT_KEYS_V2 = RESULT_KEYS | {"lines", "lines_count", "year", "components", "forfeited", "subitems"}
MAX_CASE_FACTS = 500
MAX_CASE_OFFICIALS = 50


def parse_cases(node: Any, out: Collector, v2: bool) -> list[Case]:
    cases: list[Case] = []
    if node is None:
        return cases
    if not isinstance(node, list):
        out.add("cases", None, "must be a list of example cases")
        return cases
    for index, spec in enumerate(node):
        where = f"cases[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {name, base_pay, facts, expect}")
            continue
        line = line_of(spec)
        allowed = {"name", "base_pay", "facts", "expect"}
        if v2:
            allowed |= {"period", "villages", "officials", "history"}
        unknown(spec, allowed, where, out)
        base_pay = decimal(spec.get("base_pay", 1000), f"{where}.base_pay", line, out, minimum=Decimal(0))
        facts = spec.get("facts") or []
        if not isinstance(facts, list) or not all(isinstance(f, dict) for f in facts):
            out.add(f"{where}.facts", line, "must be a list of {category, kind, quantity}")
            facts = []
        if len(facts) > MAX_CASE_FACTS:
            out.add(f"{where}.facts", line, f"at most {MAX_CASE_FACTS} facts in a case")
            facts = []
        expect = spec.get("expect")
        if not isinstance(expect, dict) or not keys(expect):
            out.add(f"{where}.expect", line, "must give at least one of total, grade, pay, "
                                             "vetoed, categories")
            expect = {}
        else:
            unknown(expect, (RESULT_KEYS_V2 | {"officials", "ranks"}) if v2 else RESULT_KEYS,
                    f"{where}.expect", out)
        for i, f in enumerate(facts):
            bad = sorted(set(plain(f)) - FACT_KEYS)
            if bad:
                out.add(f"{where}.facts[{i}]", line_of(f) or line, f"unknown key {bad[0]!r} "
                                                                   f"(allowed: {', '.join(sorted(FACT_KEYS))})")
        officials = plain(spec.get("officials") or {})
        villages = plain(spec.get("villages") or {})
        history = plain(spec.get("history") or {})
        _check_members(officials, OFFICIAL_KEYS, f"{where}.officials", line, out)
        for key, value in (("officials", officials), ("villages", villages), ("history", history)):
            if not isinstance(value, dict):
                out.add(f"{where}.{key}", line, "must be a mapping by id")
        if isinstance(officials, dict) and len(officials) > MAX_CASE_OFFICIALS:
            out.add(f"{where}.officials", line, f"at most {MAX_CASE_OFFICIALS} officials in a case")
        period = spec.get("period", "")
        cases.append(Case(text(spec.get("name"), f"{where}.name", line, out), base_pay or Decimal(0),
                          tuple(plain(f) for f in facts), plain(expect), line or 0, str(period or ""),
                          villages if isinstance(villages, dict) else {},
                          officials if isinstance(officials, dict) else {},
                          history if isinstance(history, dict) else {}))
    return cases


YEAR_RESULT_KEYS = {"score", "grade", "vetoed", "reward", "award", "per_month", "pool_share",
                    "deducted", "payout", "commendations", "rank", "tied", "quota_note"}
# the excellent quota's tie, at the top of a year case's `expect` (so not official ids)
YEAR_QUOTA_KEYS = {"tied", "places_left"}


def _year_decision(node: Any, where: str, line, out: Collector) -> dict:
    """A year case's `decision: {granted: [ids], minutes: text}` (the meeting's, on a tie)."""
    if node is None:
        return {}
    if not isinstance(node, dict):
        out.add(where, line, "must be a mapping {granted: [official ids], minutes}")
        return {}
    unknown(node, {"granted", "minutes"}, where, out)
    granted = node.get("granted")
    if not isinstance(granted, list) or not all(isinstance(g, (str, int)) for g in granted):
        out.add(f"{where}.granted", line, "must list the official ids the meeting gives the places")
        granted = []
    return {"granted": [str(g) for g in granted], "minutes": str(node.get("minutes") or "")}


def parse_year_cases(node: Any, out: Collector) -> list[Case]:
    """Year-end cases: each official's months (a count and one total, or a list of month
    results with their year effects), inspection score and position; earlier years'
    grades for commendations; expected year-end results per official."""
    cases: list[Case] = []
    if node is None:
        return cases
    if not isinstance(node, list):
        out.add("year_cases", None, "must be a list of year-end cases")
        return cases
    for index, spec in enumerate(node):
        where = f"year_cases[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {name, year, villages, officials, expect}")
            continue
        line = line_of(spec)
        unknown(spec, {"name", "year", "villages", "officials", "earlier_years", "expect", "decision"},
                where, out)
        officials = plain(spec.get("officials") or {})
        expect = plain(spec.get("expect") or {})
        if not isinstance(officials, dict) or not officials:
            out.add(f"{where}.officials", line, "must map official ids to {position, village, months, total, inspection}")
            officials = {}
        _check_members(officials, YEAR_OFFICIAL_KEYS, f"{where}.officials", line, out)
        if not isinstance(expect, dict) or not expect:
            out.add(f"{where}.expect", line, "must map official ids to expected year-end results")
            expect = {}
        for key in sorted(YEAR_QUOTA_KEYS & set(officials)):
            out.add(f"{where}.officials.{key}", line, f"{key!r} is an expect key (the quota's tie), "
                                                      f"not an official id")
        if "tied" in expect and not isinstance(expect["tied"], list):
            out.add(f"{where}.expect.tied", line, "must list the official ids tied at the cut-off ([]: none)")
        if "places_left" in expect and (isinstance(expect["places_left"], bool)
                                        or not isinstance(expect["places_left"], int)):
            out.add(f"{where}.expect.places_left", line, "must be a whole number")
        for oid, want in expect.items():
            if oid in YEAR_QUOTA_KEYS:
                continue
            if isinstance(want, dict):
                for key in sorted(set(want) - YEAR_RESULT_KEYS):
                    out.add(f"{where}.expect.{oid}", line, f"unknown key {key!r} (allowed: {', '.join(sorted(YEAR_RESULT_KEYS))})")
        cases.append(Case(text(spec.get("name"), f"{where}.name", line, out), Decimal(0), (),
                          expect, line or 0, str(spec.get("year", 2026)),
                          plain(spec.get("villages") or {}), officials,
                          plain(spec.get("earlier_years") or {}),
                          _year_decision(plain(spec.get("decision")), f"{where}.decision", line, out)))
    return cases
