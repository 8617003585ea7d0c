"""Checking one submitted fact against the registry, the active rule set and the
calendar. Every problem is collected; the most basic kind of problem decides the
error class (a malformed field before an unknown id before a wrong scorer)."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from types import SimpleNamespace
import functools
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from kaoping.domain.rectification import OVERDUE_KIND
from kaoping.domain.errors import DomainError, InvalidArgument, NotFound, PermissionDenied, Violation
from kaoping.domain.fact_subject import level_problems, subject_problems, village_in_scope
from kaoping.domain.principal import INTERNAL, SCORER_ROLES, Principal
from kaoping.rules.model import RuleSet

EARLIEST_MONTH = "2000-01"
MAX_KEY = 200
MAX_NOTE = 2000
MAX_SOURCE = 64
MAX_ID = 64
MAX_LEVEL = 32
# ASCII digits only and matched whole (fullmatch): \d would take "２０２６" and $ a trailing newline.
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class FactInput:
    official_id: str
    month: str
    date: str
    category: str
    kind: str
    quantity: str
    note: str
    scorer_id: str
    source: str
    idempotency_key: str
    # A level or severity (镇级/市级), "" for none; a village-level fact gives village_id
    # instead of official_id. Both last and optional so older callers build it unchanged.
    level: str = ""
    village_id: str = ""


# Hashed only when not empty, so that the payload hash of every fact from before they
# existed stays byte for byte what it was (a resend of an old fact stays a duplicate).
_OPTIONAL = ("level", "village_id")
_HASHED = [f.name for f in fields(FactInput) if f.name not in ("idempotency_key", *_OPTIONAL)]


@dataclass(frozen=True)
class CheckedFact:
    input: FactInput
    month: str
    quantity: Decimal
    village_id: str
    scorer_role: str

    def payload_hash(self) -> str:
        return self._digest

    @functools.cached_property
    def _digest(self) -> str:
        # Once per fact (the key check and the row both need it), without asdict's deep
        # copy: this is on the ingest hot path (docs/benchmarks.md, P1).
        f = self.input
        data = {name: getattr(f, name) for name in _HASHED}
        data.update((name, getattr(f, name)) for name in _OPTIONAL if getattr(f, name))
        data["month"], data["quantity"] = self.month, str(self.quantity.normalize())
        blob = _HASH_JSON(data).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


# What json.dumps(data, sort_keys=True, ensure_ascii=False) writes, byte for byte (the
# payload hashes of stored facts depend on it), without building an encoder per fact.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def shown(value: str, limit: int = 40) -> str:
    """A value quoted in an error message, cut short: errors must stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…'"


def text_problems(fields: dict[str, str], limits: dict[str, int]) -> list[Violation]:
    """NUL characters (PostgreSQL cannot store them) and lengths beyond the columns."""
    found = []
    for name, value in fields.items():
        if "\x00" in value:
            found.append(Violation(name, "contains a NUL character"))
        elif name in limits and len(value) > limits[name]:
            found.append(Violation(name, f"longer than {limits[name]} characters"))
    return found


def parse_month(value: str, field: str, today: date) -> tuple[str | None, list[Violation]]:
    match = _MONTH.fullmatch(value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None, [Violation(field, f"{shown(value)} is not a month in the form YYYY-MM")]
    return _check_range(value, field, today)


def _check_range(month: str, field: str, today: date) -> tuple[str | None, list[Violation]]:
    if month > today.strftime("%Y-%m"):
        return None, [Violation(field, f"{month} is in the future")]
    if month < EARLIEST_MONTH:
        return None, [Violation(field, f"{month} is before {EARLIEST_MONTH}")]
    return month, []


def fact_month(fact: FactInput, today: date) -> tuple[str | None, list[Violation]]:
    if not fact.month and not fact.date:
        return None, [Violation("month", "give a month (YYYY-MM) or a date (YYYY-MM-DD)")]
    month = None
    if fact.date:
        m = _DATE.fullmatch(fact.date)
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            day = None
        if day is None:
            return None, [Violation("date", f"{shown(fact.date)} is not a date in the form YYYY-MM-DD")]
        if day > today:
            return None, [Violation("date", f"{fact.date} is in the future")]
        month = fact.date[:7]
    if fact.month:
        given, problems = parse_month(fact.month, "month", today)
        if problems:
            return None, problems
        if month and given != month:
            return None, [Violation("month", f"month {given} disagrees with date {fact.date}")]
        month = given
    return _check_range(month, "date", today)


_CACHED_TEXT = 24     # characters: longer months, dates and quantities are not cached


@functools.lru_cache(maxsize=1024)
def _quantity(text: str) -> tuple[Decimal | None, str]:
    """parse_quantity of a text: a stream repeats a few quantities thousands of times
    (Decimal is immutable, so sharing one result is exact)."""
    return parse_quantity(text)


@functools.lru_cache(maxsize=4096)
def _month_of(month: str, day: str, today: date) -> tuple[str | None, tuple[Violation, ...]]:
    """fact_month by its inputs, for check_fact: a stream's facts share a few dates."""
    value, problems = fact_month(SimpleNamespace(month=month, date=day), today)
    return value, tuple(problems)


def parse_quantity(text: str) -> tuple[Decimal | None, str]:
    if text in ("", None):
        return Decimal(1), ""
    if not isinstance(text, str) or not _NUMBER.fullmatch(text.strip()):
        return None, f"{shown(text)} is not a number like 1 or 2.5"
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None, f"{shown(text)} is not a number"
    if not value.is_finite():
        return None, "must be a finite number"
    if value <= 0:
        return None, f"must be above zero, got {value}"
    # Counted on the text, not the Decimal: "1.0000" equals 1 and is fine, while a
    # context-rounded comparison would take 1.0000000000000000000000000001 for 1.
    whole, _, fraction = text.strip().partition(".")
    if len(fraction.rstrip("0")) > 3:
        return None, "at most 3 decimal places"
    return value, ""


def key_problem(key: str, limit: int = MAX_KEY) -> str:
    """Why an idempotency key is unusable, or "". A key is compared byte for byte, so
    one that looks empty or differs from another only by outer whitespace (" k" and
    "k") is refused rather than silently stripped, which would merge two callers' keys."""
    if not key:
        return "required: a caller-chosen key unique per fact"
    if len(key) > limit:
        return f"longer than {limit} characters"
    if key.isascii() and key.isprintable() and key[0] != " " and key[-1] != " ":
        # the usual key, without a Unicode lookup per character: printable ASCII has no
        # control characters, its only whitespace is the space, and its first
        # character (not a space) is visible
        return ""
    if key != key.strip():
        return "must not start or end with whitespace"
    if any(unicodedata.category(c) == "Cc" for c in key):
        return "contains a control character"
    if all(unicodedata.category(c)[0] in "CZ" for c in key):
        return "needs at least one visible character"
    return ""


def check_fact(fact: FactInput, ruleset: RuleSet, registry, today: date,
               prefix: str = "fact", caller: Principal = INTERNAL,
               max_note: int = MAX_NOTE) -> CheckedFact:
    """Raises a DomainError with every violation, or returns the checked fact.

    `registry` answers official(id), village(id) and scorer(id) (objects or None),
    village_of(official id, month) and off_roster(official id, month) (why he did not
    serve that month, or "": kaoping.domain.roster). A fact is about one official, or, in a category
    whose scope is "village" (kaoping.domain.fact_subject), one village. A scorer's
    token names its scorer, so its facts are recorded under that scorer; a system's
    token lists its categories; an admin enters facts on behalf of a named scorer.
    """
    if caller.role in SCORER_ROLES:
        if fact.scorer_id and fact.scorer_id != caller.scorer_id:
            raise PermissionDenied("a scorer submits facts only as itself", [Violation(
                f"{prefix}.scorer_id", f"your token is scorer {caller.scorer_id!r}")],
                                   zh=f"评分人只能以自己的身份录入（你的令牌是评分人 {caller.scorer_id}）：请把评分人改成你自己")
        fact = replace(fact, scorer_id=caller.scorer_id)
    elif caller.role == "system":
        fact = replace(fact, scorer_id=f"system:{caller.name}")
    bad: list[Violation] = []
    missing: list[Violation] = []

    def f(name: str) -> str:
        return f"{prefix}.{name}"

    why_key = key_problem(fact.idempotency_key)
    if why_key:
        bad.append(Violation(f("idempotency_key"), why_key))
    # the caches keep short texts only: a 15 MB "quantity" is parsed, never kept
    month, problems = (_month_of(fact.month, fact.date, today)
                       if len(fact.month) <= _CACHED_TEXT and len(fact.date) <= _CACHED_TEXT
                       else fact_month(fact, today))
    bad += [Violation(f(v.field), v.description) for v in problems]
    category = ruleset.categories.get(fact.category)
    if category is None:
        bad.append(Violation(f("category"), f"unknown category {shown(fact.category)}; the active rule "
                                            f"set has {', '.join(ruleset.categories)}"))
    elif fact.kind not in category.kinds:
        bad.append(Violation(f("kind"), f"unknown kind {shown(fact.kind)} for {fact.category}; known: "
                                        f"{', '.join(category.kinds)}"))
    elif fact.kind == OVERDUE_KIND:    # kaoping.domain.rectification: derived, never submitted
        bad.append(Violation(f("kind"), f"{OVERDUE_KIND} is derived from overdue rectifications "
                                        f"(kaoping rectification); it cannot be submitted"))
    quantity, why = (_quantity(fact.quantity) if len(fact.quantity) <= _CACHED_TEXT
                     else parse_quantity(fact.quantity))
    if why:
        bad.append(Violation(f("quantity"), why))
    elif category is not None and fact.kind in category.kinds:
        limit = category.kinds[fact.kind].max_quantity
        if quantity > limit:
            bad.append(Violation(f("quantity"), f"{quantity} is more than the most plausible "
                                                f"{limit} for {fact.kind}"))
    texts = {"official_id": fact.official_id, "village_id": fact.village_id, "month": fact.month,
             "date": fact.date, "category": fact.category, "kind": fact.kind, "note": fact.note,
             "scorer_id": fact.scorer_id, "source": fact.source, "idempotency_key": fact.idempotency_key,
             "level": fact.level}
    known = {v.field for v in bad}
    bad += [Violation(f(v.field), v.description) for v in text_problems(
        texts, {"official_id": MAX_ID, "village_id": MAX_ID, "scorer_id": MAX_ID, "note": max_note,
                "source": MAX_SOURCE, "level": MAX_LEVEL})
        if f(v.field) not in known]
    known = {v.field for v in bad}
    bad += [v for v in subject_problems(fact, category, f) + level_problems(fact, category, f)
            if v.field not in known]
    if not fact.scorer_id:
        bad.append(Violation(f("scorer_id"), "required"))
    if bad:
        raise InvalidArgument("the fact is not valid", bad,
                              zh="事实内容不合格：请按错误详情修改后重新提交")

    official = registry.official(fact.official_id) if fact.official_id else None
    village = registry.village(fact.village_id) if fact.village_id else None
    scorer = (SimpleNamespace(id=fact.scorer_id, role="system") if caller.role == "system"
              else registry.scorer(fact.scorer_id))
    if fact.official_id and official is None:
        missing.append(Violation(f("official_id"), f"no official {shown(fact.official_id)}"))
    if fact.village_id and village is None:
        missing.append(Violation(f("village_id"), f"no village {shown(fact.village_id)}"))
    if scorer is None:
        missing.append(Violation(f("scorer_id"), f"no scorer {shown(fact.scorer_id)}"))
    if missing:
        raise NotFound("the fact names something that does not exist", missing,
                       zh="事实中的干部、村、评分人、类别或事项不存在：请用 kaoping officials、kaoping villages 核对名称或编号")
    if caller.role == "system":
        if fact.category not in caller.categories:
            raise PermissionDenied(f"system {caller.name} does not submit {fact.category}", [Violation(
                f("category"), f"this token may submit {', '.join(caller.categories)}")],
                                   zh=f"此系统令牌不能录入类别 {fact.category}：它只能录入 {'、'.join(caller.categories)}")
    elif scorer.role not in category.scored_by:
        raise PermissionDenied(
            f"scorer {scorer.id} ({scorer.role}) does not score {fact.category}",
            [Violation(f("scorer_id"), f"{fact.category} is scored by "
                                       f"{', '.join(category.scored_by)}")],
            zh=(f"评分人 {scorer.id} 不负责类别 {fact.category}："
                f"该类别由 {'、'.join(category.scored_by)} 评分，请换相应的评分人录入"))
    if village is not None:
        village_in_scope(village.id, caller, f("village_id"))
        return CheckedFact(fact, month, quantity, village.id, scorer.role)
    # the village he belonged to in the fact's month (kaoping.domain.roster)
    home = registry.village_of(official.id, month)
    village_in_scope(home, caller, f("official_id"))
    # a month he did not serve (not yet joined, already left) has no score to change
    off = registry.off_roster(official.id, month)
    if off:
        raise InvalidArgument("the official was not on the roster that month",
                              [Violation(f("official_id"), off)],
                              zh="该干部当月不在花名册上：请核对月份，或用 kaoping officials 查看当月在册的干部")
    return CheckedFact(fact, month, quantity, home, scorer.role)


__all__ = ["FactInput", "CheckedFact", "check_fact", "parse_month", "DomainError"]
