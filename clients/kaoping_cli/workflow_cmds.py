"""`kaoping month ...`, `kaoping appeal ...`, `kaoping yearend`, `kaoping paylist`:
the monthly workflow (scoring → aggregated → approved → published → paid), appeals,
rankings, the year-end evaluation and pay lists."""
from __future__ import annotations

import grpc
import typer
from rich.console import Console
from rich.table import Table

from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import OUTPUT_OPTION, Output, amount_text, emit_json
from kaoping_cli.names import option as named
from kaoping_cli.rpc import all_pages, channel, describe_error, server_address

try:  # the click Typer runs on: recent Typer vendors its own copy
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover
    from click import get_current_context

_CONSOLE = Console()

month_app = typer.Typer(help="The monthly workflow: state, aggregate, approve, confirm, publish, pay.\n\n"
                             "Example: kaoping month state --month 2026-10", no_args_is_help=True)
appeal_app = typer.Typer(help="Appeals (申诉) against deductions: submit, resolve, list.\n\n"
                              "Example: kaoping appeal list --month 2026-10", no_args_is_help=True)

MONTH = typer.Option(..., "--month", help="YYYY-MM")
TOWNSHIP = named("township", "", "默认：你的乡镇，或唯一的乡镇")


def _channel() -> grpc.Channel:
    """From the root command's options (--server, --token, TLS), read through the click
    context so that this works as the `kaoping` script and as `python -m kaoping_cli.main`."""
    ctx = get_current_context(silent=True)
    p = ctx.find_root().params if ctx is not None else {}
    return channel(server_address(p.get("server")), p.get("token") or "", p.get("tls_ca") or "",
                   p.get("tls_cert") or "", p.get("tls_key") or "")


def _rpc(name: str, request):
    try:
        return getattr(wf_grpc.WorkflowServiceStub(_channel()), name)(request, timeout=120)
    except grpc.RpcError as error:
        for line in describe_error(error):
            _CONSOLE.print(line, style="red", markup=False, highlight=False)
        raise typer.Exit(3 if error.code() == grpc.StatusCode.UNAVAILABLE else 1)


def _console() -> Console:
    return _CONSOLE


def _print_state(s: wf.MonthState) -> None:
    console = _console()
    version = f"rule set v{s.ruleset.id} {s.ruleset.content_hash[:12]}" if s.ruleset.id else "no version bound"
    console.print(f"[bold]{s.township_id} {s.month}: {s.state}[/bold] · {version} · revision {s.revision}",
                  highlight=False)
    dates = [(label, value) for label, value in (
        ("approved", s.approved_on), ("appeals until", s.appeal_deadline), ("published", s.published_on),
        ("notice until", s.notice_ends), ("paid", s.paid_on)) if value]
    if dates:
        console.print(" · ".join(f"{label} {value}" for label, value in dates), highlight=False)
    if s.state == "approved":
        confirmed = sum(1 for v in s.villages if v.state != "unconfirmed")
        console.print(f"villages confirmed {confirmed}/{len(s.villages)}; appeals pending "
                      f"{s.pending_appeals}", highlight=False)
    console.print(f"next: {', '.join(s.next_actions) or '—'}", highlight=False)
    for line in s.drift:
        console.print(f"drift: {line}", style="yellow", markup=False, highlight=False)
    if s.history:
        table = Table("at", "action", "state", "by", "note", title="trail")
        for e in s.history:
            table.add_row(e.at[:19], e.action, f"{e.from_state} → {e.to_state}", f"{e.actor} ({e.role})",
                          e.note)
        console.print(table)


@month_app.command("state")
def month_state(month: str = MONTH, township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """Where the month is in the workflow, and its trail.
    Example: kaoping month state --month 2026-10"""
    state = _rpc("GetMonthState", wf.MonthRequest(month=month, township_id=township))
    if not emit_json(output, state):
        _print_state(state)


@month_app.command("aggregate")
def month_aggregate(month: str = MONTH, township: str = TOWNSHIP, note: str = typer.Option("")):
    """Freeze the month's totals for the meeting (统一汇总); facts are closed from now on.
    Example: kaoping month aggregate --month 2026-10"""
    _print_state(_rpc("Aggregate", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("reopen")
def month_reopen(month: str = MONTH, note: str = typer.Option(..., help="why"), township: str = TOWNSHIP):
    """Back to scoring before approval (the meeting found an error).
    Example: kaoping month reopen --month 2026-10 --note 'v03 facts missing'"""
    _print_state(_rpc("Reopen", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("approve")
def month_approve(month: str = MONTH, township: str = TOWNSHIP,
                  version_hash: str = typer.Option("", help="the rule-set hash the meeting approved"),
                  note: str = typer.Option("")):
    """Record the meeting's approval (会议审定); binds the rule-set version.
    Example: kaoping month approve --month 2026-10 --note '11月3日党委会审定'"""
    _print_state(_rpc("Approve", wf.ApproveRequest(month=month, township_id=township,
                                                   content_hash=version_hash, note=note)))


@month_app.command("publish")
def month_publish(month: str = MONTH, township: str = TOWNSHIP, note: str = typer.Option("")):
    """Start the public notice (公示).
    Example: kaoping month publish --month 2026-10"""
    _print_state(_rpc("Publish", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("pay")
def month_pay(month: str = MONTH, township: str = TOWNSHIP,
              reference: str = typer.Option("", help="e.g. the bank batch number"),
              note: str = typer.Option("")):
    """Record the month's amounts as paid (兑现), after the notice period.
    Example: kaoping month pay --month 2026-10 --reference BANK-2026-11-15"""
    _print_state(_rpc("MarkPaid", wf.MarkPaidRequest(month=month, township_id=township,
                                                     reference=reference, note=note)))


def _print_feedback(f: wf.VillageFeedback) -> None:
    console = _console()
    console.print(f"[bold]{f.title}[/bold]", highlight=False)
    status = f"month {f.month_state}" + (" (provisional: still scoring)" if f.provisional else "")
    console.print(f"{status} · rule set v{f.ruleset.id} · confirmation: {f.confirmation.state}"
                  + (f" by {f.confirmation.confirmed_by}" if f.confirmation.confirmed_by else "")
                  + (f" · appeals until {f.appeal_deadline}" if f.appeal_deadline else "")
                  + f" · total deducted {f.total_deducted}", highlight=False)
    table = Table("official", "total", "grade", "points", "fact", "scorer role", "appeal")
    table.add_column("reason", overflow="fold")
    for o in f.officials:
        if not o.deductions:
            table.add_row(o.official_name, o.total, o.grade, "", "", "", "", "无扣分")
        for i, d in enumerate(o.deductions):
            first = i == 0
            appeal = f"#{d.appeal_id} {d.appeal_state}" if d.appeal_id else ""
            table.add_row(o.official_name if first else "", o.total if first else "",
                          o.grade if first else "", amount_text(d.item), f"#{d.item.fact_id}",
                          d.item.scorer_role, appeal, d.item.reason)
    console.print(table)
    if f.appeals:
        _print_appeals(list(f.appeals))


@month_app.command("feedback")
def month_feedback(village: str = named("village", ...), month: str = MONTH, output: Output = OUTPUT_OPTION):
    """The village's 《反馈通知单》 with every deduction, its appeal and the confirmation.
    Example: kaoping month feedback --village v01 --month 2026-10"""
    feedback = _rpc("GetVillageFeedback", wf.VillageFeedbackRequest(village_id=village, month=month))
    if not emit_json(output, feedback):
        _print_feedback(feedback)


SIGNED_BY = typer.Option("", "--signed-by", help="代为登记：在纸质件上签字的人（镇管理员为村登记时必填）")
ON_BEHALF_REASON = typer.Option("", "--on-behalf-reason", help="代为登记的原因（与 --signed-by 一起填）")


def _on_behalf(signed_by: str, reason: str) -> wf.OnBehalf | None:
    """Either option asks for an entry on the village's behalf; the server refuses a missing part."""
    return wf.OnBehalf(signed_by=signed_by, reason=reason) if signed_by or reason else None


@month_app.command("confirm")
def month_confirm(month: str = MONTH, village: str = named("village", "", "默认：你的村"),
                  note: str = typer.Option(""), township: str = TOWNSHIP,
                  signed_by: str = SIGNED_BY, on_behalf_reason: str = ON_BEHALF_REASON):
    """Confirm your village's feedback notice (反馈确认); the township office records a
    paper-signed confirmation with --village, --signed-by and --on-behalf-reason.
    Example: kaoping month confirm --month 2026-10 --note '两委会议讨论无异议'"""
    _print_feedback(_rpc("Confirm", wf.ConfirmRequest(month=month, village_id=village, note=note,
                                                      township_id=township,
                                                      on_behalf=_on_behalf(signed_by, on_behalf_reason))))


@month_app.command("public")
def month_public(month: str = MONTH, township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """The public notice (公示): name, village, score, grade and pay tier.
    Example: kaoping month public --month 2026-10"""
    n = _rpc("GetPublicNotice", wf.MonthRequest(month=month, township_id=township))
    if emit_json(output, n):
        return
    table = Table("rank", "name", "village", "total", "grade", "pay tier",
                  title=f"{n.title} ({n.published_on} – {n.notice_ends})")
    for line in n.lines:
        table.add_row(str(line.rank), line.official_name, line.village_name, line.total, line.grade,
                      line.pay_tier)
    _console().print(table)


def _change(value: int) -> str:
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "—"


@month_app.command("ranking")
def month_ranking(month: str = MONTH, township: str = TOWNSHIP, top: int = typer.Option(0, help="0: all"),
                  output: Output = OUTPUT_OPTION):
    """晒成绩、比作为: the month's ranks, change from last month, and the year to date.
    Example: kaoping month ranking --month 2026-10 --top 20"""
    r = _rpc("GetYearToDateRanking", wf.MonthRequest(month=month, township_id=township))
    if emit_json(output, r):
        return
    provisional = [m.month for m in r.months if m.provisional]
    console = _console()
    if provisional:
        console.print(f"provisional (still scoring): {', '.join(provisional)}", style="yellow",
                      highlight=False)
    villages = Table("rank", "change", "village", "average", "YTD average", "YTD rank",
                     title=f"{r.month} 村排名")
    for v in r.villages:
        villages.add_row(str(v.rank), _change(v.rank_change) if v.previous_rank else "new",
                         v.village_name, v.average, v.ytd_average, str(v.ytd_rank))
    officials = Table("rank", "change", "official", "village", "total", "Δ total", "grade",
                      "YTD average", "YTD rank", title=f"{r.month} 村干部排名")
    for o in (r.officials[:top] if top else r.officials):
        officials.add_row(str(o.rank), _change(o.rank_change) if o.previous_rank else "new",
                          o.official_name, o.village_name, o.total, o.total_change or "",
                          o.grade + (" (一票否决)" if o.vetoed else ""), o.ytd_average, str(o.ytd_rank))
    console.print(villages)
    console.print(officials)


# appeals -------------------------------------------------------------------------
def _print_appeals(appeals: list) -> None:
    table = Table("#", "month", "official", "fact", "points", "state", "by", "before → after")
    table.add_column("reason / decision", overflow="fold")
    for a in appeals:
        change = (f"{a.before.total} {a.before.grade} {a.before.pay} → {a.after.total} "
                  f"{a.after.grade} {a.after.pay}") if a.before.grade else ""
        text = a.reason + (f" / {a.decision_reason} ({a.resolved_by})" if a.decision_reason else "")
        table.add_row(str(a.id), a.month, a.official_name or a.official_id, f"#{a.fact_id}", a.points,
                      a.state, a.submitted_by, change, text)
    _console().print(table)


@appeal_app.command("submit")
def appeal_submit(fact_id: int, reason: str = typer.Option(...),
                  appellant: str = typer.Option("village", help="village, or official (through the village)"),
                  signed_by: str = SIGNED_BY, on_behalf_reason: str = ON_BEHALF_REASON):
    """Dispute one deduction of your village (by the fact behind it); the township office
    files a paper appeal with --signed-by and --on-behalf-reason.
    Example: kaoping appeal submit 123 --reason '当天请假已批准'"""
    a = _rpc("Appeal", wf.AppealRequest(fact_id=fact_id, reason=reason, appellant=appellant,
                                        on_behalf=_on_behalf(signed_by, on_behalf_reason)))
    _console().print(f"appeal #{a.id} against fact #{a.fact_id} ({a.points} {a.rule_id}) is {a.state}",
                     highlight=False)


@appeal_app.command("resolve")
def appeal_resolve(appeal_id: int, decision: str = typer.Option(..., help="upheld or overturned"),
                   reason: str = typer.Option(...)):
    """Decide an appeal; an overturn voids the fact and recomputes the month.
    Example: kaoping appeal resolve 4 --decision overturned --reason '假条属实'"""
    a = _rpc("ResolveAppeal", wf.ResolveAppealRequest(appeal_id=appeal_id, decision=decision, reason=reason))
    _print_appeals([a])


@appeal_app.command("list")
def appeal_list(month: str = typer.Option(""), year: int = typer.Option(0), village: str = named("village"),
                state: str = typer.Option("", help="pending, upheld or overturned"),
                township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """Appeals with their trail (who, when, why, before and after).
    Example: kaoping appeal list --year 2026 --state pending"""
    r = all_pages(lambda req: _rpc("ListAppeals", req), wf.ListAppealsRequest(
        month=month, year=year, village_id=village, state=state, township_id=township), "appeals")
    if not emit_json(output, r):
        _print_appeals(list(r.appeals))


# year-end and pay -------------------------------------------------------------------
def yearend(year: int = typer.Option(...), township: str = TOWNSHIP,
            pool: str = typer.Option("", help="yuan to split instead of the rule set's pool"),
            output: Output = OUTPUT_OPTION):
    """The year-end evaluation: scores, grades (veto list, excellent quota) and rewards.
    Example: kaoping yearend --year 2026"""
    y = _rpc("GetYearEnd", wf.GetYearEndRequest(year=year, township_id=township, pool=pool))
    if emit_json(output, y):
        return
    console = _console()
    console.print(f"[bold]{y.township_id} {y.year} 年终考核[/bold] · rule set v{y.ruleset.id} · {y.formula}",
                  highlight=False)
    if not y.complete:
        console.print("INCOMPLETE: " + "; ".join(
            ([f"not approved {', '.join(y.missing_months)}"] if y.missing_months else []) +
            ([f"not paid {', '.join(y.unpaid_months)}"] if y.unpaid_months else [])),
            style="yellow", highlight=False)
    if y.excellent_grade:
        limit = "no limit" if y.excellent_limit < 0 else str(y.excellent_limit)
        console.print(f"{y.excellent_grade}: {y.excellent_granted} of {y.excellent_candidates} "
                      f"candidates (quota {limit}); reward pool {y.pool}, paid out {y.paid_out}",
                      highlight=False)
    for note in y.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    table = Table("rank", "official", "village", "months", "monthly", "inspection", "score", "grade",
                  "reward (元)")
    for o in y.officials:
        grade = o.grade + (" (quota)" if o.quota_cut else "") + (" (否决)" if o.vetoed else "")
        table.add_row(str(o.rank), o.official_name, o.village_name, str(o.months_counted),
                      o.monthly_component, o.inspection_score, o.score, grade, o.reward)
    console.print(table)


def paylist(month: str = typer.Option("", help="YYYY-MM"), year: int = typer.Option(0),
            village: str = named("village"), township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """Pay list for a month or a year: score, grade, amount; totals per village and township.
    Example: kaoping paylist --month 2026-10 (or --year 2026)"""
    p = _rpc("GetPayList", wf.GetPayListRequest(month=month, year=year, village_id=village,
                                                township_id=township))
    if emit_json(output, p):
        return
    console = _console()
    for note in p.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    table = Table("village", "official", "score", "grade", "monthly (元)", "reward (元)", "amount (元)",
                  "paid (元)", title=f"{p.township_id} {p.period} 绩效报酬 · {p.state}")
    for line in p.lines:
        table.add_row(line.village_name, line.official_name, line.score, line.grade, line.monthly_pay,
                      line.reward, line.amount, line.paid)
    console.print(table)
    totals = Table("village", "officials", "amount (元)", title="totals")
    for v in p.villages:
        totals.add_row(v.village_name, str(v.officials), v.amount)
    totals.add_row("[bold]township[/bold]", str(len(p.lines)), f"[bold]{p.township_total}[/bold]")
    console.print(totals)


def register(app: typer.Typer) -> None:
    app.add_typer(month_app, name="month")
    app.add_typer(appeal_app, name="appeal")
    app.command("yearend")(yearend)
    app.command("paylist")(paylist)
