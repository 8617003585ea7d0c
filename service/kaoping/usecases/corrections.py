"""Correcting a fact (the CorrectFact use case), apart from kaoping.usecases.facts for size.

A correction is a fact of kind `correction` that voids one earlier fact, stored with
its replacement (if any) in one transaction. Who may correct what (README, Security):
the scorer who recorded the fact, the same system identity (within its categories,
for the voided fact and the replacement alike), or an admin. Exactly one correction
of a fact wins, also under concurrent calls on several replicas: the database's
unique FactRow.void_claim decides, and the others get FAILED_PRECONDITION naming it.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING

from kaoping.usecases import audit
from kaoping.domain.errors import (FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
                                   Violation)
from kaoping.domain.facts import FactInput, check_fact, key_problem, text_problems
from kaoping.domain.principal import Principal
from kaoping.usecases.fact_rows import fact_row
from kaoping.rules.model import SCORER_ROLES
from kaoping.storage.models import FactRow
from kaoping.storage.store import AlreadyVoided, KeyConflict

if TYPE_CHECKING:
    from kaoping.usecases.app import Kaoping
    from kaoping.usecases.facts import Receipt

CORRECTION_KIND = "correction"


def already_voided(fact_id: int, by: FactRow) -> FailedPrecondition:
    return FailedPrecondition("the fact is already voided", [Violation(
        "fact_id", f"fact {fact_id} is voided by correction {by.id} (key {by.idempotency_key!r})")],
                              zh=f"事实 {fact_id} 已被更正记录 {by.id} 作废：无需再次更正")


def _not_owner(original: FactRow, caller: Principal) -> PermissionDenied | None:
    """A correction is made by who recorded the fact, or by an admin: a scorer sharing
    the category must not void a colleague's or a system's fact. A system corrects
    only within its token's categories, so that a second token under the same name
    (kaoping.usecases.tokens refuses new ones, older databases may have them) cannot void what
    lies outside its own categories."""
    if caller.role in SCORER_ROLES and original.scorer_id != caller.scorer_id:
        return PermissionDenied("a scorer corrects only the facts it recorded", [Violation(
            "fact_id", f"recorded by {original.scorer_id}; that scorer or an admin may correct it")],
                                zh=f"评分人只能更正自己录入的事实（该事实由 {original.scorer_id} 录入）：请由录入人或管理员更正")
    if caller.role == "system" and original.category not in caller.categories:
        return PermissionDenied(f"system {caller.name} does not submit {original.category}", [Violation(
            "fact_id", f"the fact is {original.category}; this token may correct "
                       f"{', '.join(caller.categories)}")],
                                zh=f"此系统令牌不能更正类别 {original.category} 的事实：它只能更正 {'、'.join(caller.categories)}")
    return None


def correct_fact(app: "Kaoping", fact_id: int, reason: str, scorer_id: str, key: str,
                 replacement: FactInput | None,
                 caller: Principal) -> "tuple[Receipt, Receipt | None]":
    from kaoping.usecases.facts import Receipt, _key_conflict
    if caller.role in SCORER_ROLES:
        scorer_id = caller.scorer_id
    bad = text_problems({"reason": reason, "idempotency_key": key, "scorer_id": scorer_id},
                        {"reason": app.limits.max_note, "idempotency_key": 200, "scorer_id": 64})
    if not reason.strip():
        bad.append(Violation("reason", "required: why the fact is wrong"))
    why_key = key_problem(key)
    if why_key and "idempotency_key" not in {v.field for v in bad}:
        bad.append(Violation("idempotency_key", why_key))
    if bad:
        raise InvalidArgument("the correction is not valid", bad,
                              zh="更正内容不合格：请按错误详情修改后重试")
    original = app.store.fact(fact_id) if fact_id > 0 else None
    if original is None:
        raise NotFound("no such fact", [Violation("fact_id", f"no fact {fact_id}")],
                       zh=f"事实 {fact_id} 不存在：请用 kaoping fact list 查看已录入的事实")
    if original.voids_fact_id is not None:
        raise InvalidArgument("a correction cannot itself be corrected",
                              [Violation("fact_id", "names a correction; submit a new fact")],
                              zh="更正记录本身不能再更正：请直接录入一条新的事实")
    village = app.registry.village_of(original.official_id, original.month) or original.village_id
    township = app.village_township(caller, village, "fact_id")
    resend = bool(app.store.facts_by_keys([key]))
    if not resend:  # a resend still gets its first receipt
        app.months.check_open(village, original.month, original.category, "fact_id")
    if caller.role == "system":
        if original.scorer_id != f"system:{caller.name}":
            raise PermissionDenied("a system corrects only the facts it sent",
                                   [Violation("fact_id", f"sent by {original.scorer_id}")],
                                   zh="系统令牌只能更正它自己发送的事实：请由管理员更正")
        scorer = SimpleNamespace(id=original.scorer_id, role="system")
    else:
        scorer = app.registry.scorer(scorer_id)
    if scorer is None:
        raise NotFound("no such scorer", [Violation("scorer_id", f"no scorer {scorer_id!r}")],
                       zh=f"评分人 {scorer_id} 不存在：请用 kaoping roster 导出花名册核对评分人")
    if township is not None:
        app.scorer_in(scorer, township)
    ruleset = app.rulesets.active_for(township.id if township else "")
    category = ruleset.categories.get(original.category)
    if caller.role != "system" and (category is None or scorer.role not in category.scored_by):
        raise PermissionDenied(f"scorer {scorer_id} ({scorer.role}) does not score "
                               f"{original.category}", [Violation("scorer_id", "wrong role")],
                               zh=f"评分人 {scorer_id} 不负责类别 {original.category}：请换相应的评分人")
    owner_problem = _not_owner(original, caller)
    if owner_problem:
        raise owner_problem
    if not resend:
        voider = app.store.voiding_fact(fact_id)
        if voider is not None:
            raise already_voided(fact_id, voider)
    checked_replacement = None
    if replacement is not None:
        moved_to = app.fact_township(replacement, caller, "replacement")   # "" unknown: check_fact says
        if moved_to and moved_to != (township.id if township else ""):
            raise InvalidArgument("a replacement stays in the fact's township", [Violation(
                "replacement.official_id", "names an official or village of another township")],
                                  zh="替换的事实必须仍在原事实所在的乡镇：请选择本镇的干部或村")
        checked_replacement = check_fact(replacement, ruleset, app.registry,
                                         app.today(), prefix="replacement", caller=caller,
                                         max_note=app.limits.max_note)
        closed = app._closed_error(checked_replacement, "replacement.month")
        if closed:
            raise closed
    digest = hashlib.sha256(f"void:{fact_id}:{reason}".encode("utf-8")).hexdigest()
    row = FactRow(idempotency_key=key, payload_hash=digest,
                  official_id=original.official_id, village_id=village,
                  month=original.month, category=original.category, kind=CORRECTION_KIND,
                  quantity=Decimal(0), note=reason, scorer_id=scorer.id,
                  scorer_role=scorer.role, source="correction", voids_fact_id=fact_id,
                  void_reason=reason, void_claim=fact_id)
    rows = [row] + ([fact_row(checked_replacement)] if checked_replacement else [])
    try:
        inserted = app.store.insert_facts(rows, audit=lambda fresh: audit.entry(
            "correct_fact", f"fact {fact_id}",
            before={"fact_id": fact_id, "official_id": original.official_id, "kind": original.kind,
                    "quantity": original.quantity, "voided": False},
            after={"voided_by": fresh[0].id, "reason": reason,
                   "replacement": fresh[1].id if len(fresh) > 1 else None}))
    except KeyConflict as exc:
        raise _key_conflict("idempotency_key", exc.key)
    except AlreadyVoided as exc:   # a concurrent correction committed first
        raise already_voided(fact_id, exc.by)
    app.watch.facts_committed((r.village_id, r.month) for r in rows)   # live scores
    receipts = [Receipt(i.row.id, i.duplicate, i.row.idempotency_key) for i in inserted]
    return receipts[0], (receipts[1] if len(receipts) > 1 else None)
