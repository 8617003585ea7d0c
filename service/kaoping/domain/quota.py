"""The excellent quota (year_end.excellent) and its ties, as pure arithmetic.

At most `limit` officials keep the excellent grade (kaoping.domain.yearend.quota_limit).
Candidates are ordered by score, then by the rule set's declared tie-break
(`year_end.excellent.tie_break`, TIE_BREAKS below, each higher-is-better). Officials
whose score and every declared criterion are equal are equal: when such a group
straddles the cut-off, nobody in it is preferred silently — the group is *tied*, the
places left for it are named, and the tie stays open until the meeting decides
(apply_decision, from YearEndService.ApproveYear's QuotaDecision). While it is open:

- the tied are shown at the next grade down (the grade each of them has for sure), so
  no pay list or reward split counts an excellent grade nobody has decided yet; their
  `tied` flag and quota_note say the grade is pending;
- the year cannot be approved (require_settled).

A group that starts exactly at the cut-off is not tied: there is no place left for it
and all of it gets the next grade down, like everyone below (quota_cut).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Sequence

from kaoping.domain.errors import FailedPrecondition, InvalidArgument, Violation, shorten

if TYPE_CHECKING:   # yearend imports this module; the types only are needed here
    from kaoping.domain.yearend import YearEndLine
    from kaoping.rules.sections import YearEndRules

MAX_MINUTES = 500   # characters of a meeting decision's minutes reference


def _months_excellent(rules: "YearEndRules", line: "YearEndLine") -> Decimal:
    return Decimal(sum(1 for m in line.months if m.grade == rules.top_monthly_grade))


def _lowest_month(rules: "YearEndRules", line: "YearEndLine") -> Decimal:
    return min((m.total for m in line.months), default=Decimal(0))


# criterion -> (value of a line: higher is better, its Chinese name for a person)
TIE_BREAKS: dict[str, tuple[Callable[["YearEndRules", "YearEndLine"], Decimal],
                            Callable[["YearEndRules"], str]]] = {
    # the year-end inspection's score (the `inspection` category)
    "inspection_score": (lambda r, l: l.inspection.score, lambda r: "年终考核得分"),
    # months counted whose monthly grade is the best monthly grade (the first band of
    # the rule set's `grades`, 优秀 in the sample), whatever the year-end grades are
    "months_excellent": (_months_excellent, lambda r: f"{r.top_monthly_grade}月数"),
    # the monthly component of the score: average (or sum) of the months counted
    "monthly_score": (lambda r, l: l.component,
                      lambda r: "月度平均分" if r.monthly == "average" else "月度总分"),
    # the official's worst counted month: the better worst month first
    "lowest_month": (_lowest_month, lambda r: "最低月度得分"),
    # how many months were counted (approved and served)
    "months_counted": (lambda r, l: Decimal(len(l.months)), lambda r: "计入月数"),
}


def describe_tie_break(rules: "YearEndRules") -> str:
    """The declared tie-break in Chinese, e.g. 年终考核得分 → 优秀月数 ("" when none)."""
    return " → ".join(TIE_BREAKS[c][1](rules) for c in rules.tie_break)


@dataclass(frozen=True)
class QuotaDecision:
    """The meeting's decision on an open tie (proto kaoping.v1.QuotaDecision)."""
    granted_official_ids: tuple[str, ...]
    minutes: str


@dataclass
class Quota:
    grade: str | None
    limit: int | None
    candidates: int = 0
    granted: int = 0
    notes: list[str] = field(default_factory=list)
    tie_break: str = ""                                  # describe_tie_break
    tied: list[str] = field(default_factory=list)        # the tied group's official ids
    places_left: int = 0                                 # places the tied compete for
    decision: QuotaDecision | None = None                # the meeting's, once applied

    @property
    def open(self) -> bool:
        """A tie at the cut-off the meeting has not decided yet."""
        return bool(self.tied) and self.decision is None


def _key(rules: "YearEndRules", line: "YearEndLine") -> tuple[Decimal, ...]:
    return (line.score,) + tuple(TIE_BREAKS[c][0](rules, line) for c in rules.tie_break)


def apply_quota(rules: "YearEndRules", lines: list["YearEndLine"], limit: int | None) -> Quota:
    grade = rules.excellent_grade
    quota = Quota(grade, limit if grade else None, tie_break=describe_tie_break(rules))
    if grade is None:
        return quota
    candidates = sorted((l for l in lines if l.grade == grade),
                        key=lambda l: (tuple(-v for v in _key(rules, l)), l.official_id))
    quota.candidates = len(candidates)
    if quota.limit is None or len(candidates) <= quota.limit:
        quota.granted = len(candidates)
        return quota
    first_out = _key(rules, candidates[quota.limit])
    lower = rules.grades[rules.grade_rank(grade) + 1].grade
    above = {l.official_id for l in candidates if _key(rules, l) > first_out}
    equal = [l.official_id for l in candidates if _key(rules, l) == first_out]
    quota.granted = len(above)
    if len(above) < quota.limit:          # the equal group straddles the cut-off
        quota.tied = equal
        quota.places_left = quota.limit - len(above)
    # a score tie across the cut-off that the declared criteria (partly) separated: say
    # so on each one they placed
    same_score = [l for l in candidates if l.score == first_out[0]]
    if rules.tie_break and any(l.official_id in above for l in same_score):
        quota.notes.append(f"得分 {first_out[0]} 并列的 {len(same_score)} 人按"
                           f"{quota.tie_break}排定{grade}名额")
        for l in same_score:
            if l.official_id not in quota.tied:
                l.quota_note = f"并列，按{quota.tie_break}排定"
    for line in candidates:
        if line.official_id in above:
            continue
        line.grade = lower
        if line.official_id in quota.tied:
            line.tied, line.quota_note = True, f"并列待会议决定（{len(quota.tied)} 人争 {quota.places_left} 个名额）"
        else:
            line.quota_cut = True
    if quota.tied:
        criteria = f"及{quota.tie_break}" if quota.tie_break else "（规则集未规定并列规则）"
        quota.notes.append(
            f"{grade}名额并列未决：{len(quota.tied)} 人（{_names(quota.tied)}）得分 {first_out[0]}"
            f"{criteria}相同，争剩余 {quota.places_left} 个名额；须由会议决定（批准年终考核时提交"
            f"会议决定 quota_decision），决定前暂按{lower}计，年终考核不能批准")
    return quota


def _names(ids: list[str], most: int = 20) -> str:
    """The tied for a note: all of them up to `most`, else the first `most` and the count
    (the full list is YearEnd.tied)."""
    return "、".join(ids) if len(ids) <= most else "、".join(ids[:most]) + f" 等 {len(ids)} 人"


def decision_violations(quota: Quota, decision: QuotaDecision) -> list[Violation]:
    """Everything wrong with a meeting's decision for this quota (empty: it can apply)."""
    field_ids, field_minutes = "quota_decision.granted_official_ids", "quota_decision.minutes"
    out: list[Violation] = []
    if not quota.open:
        why = "the meeting already decided the tie" if quota.tied else \
            "nobody is tied at the excellent quota's cut-off"
        return [Violation(field_ids, f"{why}: there is nothing to decide")]
    ids = list(decision.granted_official_ids)
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        out.append(Violation(field_ids, f"named more than once: {shorten(', '.join(dup), 200)}"))
    if len(set(ids)) != quota.places_left:
        out.append(Violation(field_ids, f"must name exactly {quota.places_left} of the "
                                        f"{len(quota.tied)} tied (the places left), got {len(set(ids))}"))
    outsiders = sorted({i for i in ids if i not in quota.tied})
    if outsiders:
        out.append(Violation(field_ids, f"not among the tied ({shorten(', '.join(quota.tied), 200)}): "
                                        f"{shorten(', '.join(outsiders), 200)}"))
    minutes = decision.minutes.strip()
    if not minutes:
        out.append(Violation(field_minutes, "required: the meeting's minutes, e.g. 党委会议纪要〔2027〕3号"))
    elif len(minutes) > MAX_MINUTES:
        out.append(Violation(field_minutes, f"at most {MAX_MINUTES} characters, got {len(minutes)}"))
    return out


def apply_decision(rules: "YearEndRules", lines: Sequence["YearEndLine"], quota: Quota,
                   decision: QuotaDecision) -> list[Violation]:
    """Applies the meeting's decision to lines and quota as evaluate_year left them: the
    granted get the excellent grade, the other tied keep the next grade down (quota_cut),
    each with quota_note 会议决定：<minutes>. Returns the violations and changes nothing
    when there are any."""
    problems = decision_violations(quota, decision)
    if problems:
        return problems
    minutes = decision.minutes.strip()
    granted = set(decision.granted_official_ids)
    for line in lines:
        if line.official_id not in quota.tied:
            continue
        line.tied = False
        if line.official_id in granted:
            line.grade, line.quota_note = quota.grade or line.grade, f"会议决定：{minutes}（授予{quota.grade}）"
        else:
            line.quota_cut, line.quota_note = True, f"会议决定：{minutes}（未获{quota.grade}名额）"
    quota.decision = QuotaDecision(tuple(sorted(granted)), minutes)
    quota.granted += len(granted)
    quota.notes = [n for n in quota.notes if not n.startswith(f"{quota.grade}名额并列未决")]
    quota.notes.append(f"{quota.grade}名额并列由会议决定（{minutes}）：{len(quota.tied)} 名并列者中授予 "
                       f"{'、'.join(sorted(granted))}")
    return []


def refuse_bad_decision(quota: Quota, problems: list[Violation]) -> None:
    """Raises InvalidArgument for decision_violations' problems (nothing when none)."""
    if not problems:
        return
    if not quota.open:
        raise InvalidArgument("there is no open tie at the excellent quota to decide", problems,
                              zh="优秀名额没有待决定的并列：请不要提交会议决定（quota_decision）")
    raise InvalidArgument("the quota decision does not settle the tie at the excellent quota", problems,
                          zh=f"会议决定不符合并列情况：须从 {len(quota.tied)} 名并列者中恰好选出 "
                             f"{quota.places_left} 人，并填写会议纪要（不超过 {MAX_MINUTES} 字）")


def require_settled(quota: Quota) -> None:
    """For ApproveYear: refuses while a tie at the cut-off is open."""
    if quota.open:
        raise FailedPrecondition(
            f"{len(quota.tied)} officials are tied for the last {quota.places_left} {quota.grade} "
            f"place(s); approve with a quota_decision naming who gets them",
            [Violation("quota_decision", f"tied: {shorten(', '.join(quota.tied), 300)}; "
                                         f"places left: {quota.places_left}")],
            zh=f"{quota.grade}名额并列未决：{_names(quota.tied)} 共 {len(quota.tied)} 人争 "
               f"{quota.places_left} 个名额，请在批准时提交会议决定（授予名单和会议纪要）")
