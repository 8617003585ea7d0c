"""`kaoping`: a thin client for township staff over the kaoping.v1 RPCs.

The server address comes from --server or the KAOPING_SERVER environment variable
(default 127.0.0.1:50051); the bearer token from --token or KAOPING_TOKEN. Exit codes: 0 done, 1 the server refused (the reason is
printed), 2 bad command-line usage, 3 the server could not be reached.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Optional

import grpc
import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import audit_pb2_grpc as au_grpc
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping_cli import tokens as token_cmds
from kaoping_cli import workflow_cmds
from kaoping_cli.common import ENV_LANG, OUTPUT_OPTION, Output, amount_text, emit_json
from kaoping_cli.names import option as named
from kaoping_cli.rpc import (ENV_CA, ENV_SERVER, ENV_TOKEN, all_pages, channel, describe_error,
                             server_address)

app = typer.Typer(help=__doc__, no_args_is_help=True)
fact_app = typer.Typer(help="Enter, correct and list facts.", no_args_is_help=True)
rules_app = typer.Typer(help="Validate, upload, activate and roll back rule sets.", no_args_is_help=True)
app.add_typer(fact_app, name="fact")
app.add_typer(rules_app, name="rules")
workflow_cmds.register(app)  # month ..., appeal ..., yearend, paylist
token_cmds.register(app)     # token issue|revoke|list
console = Console()
state: dict = {}


@app.callback()
def main(server: Optional[str] = typer.Option(None, "--server", envvar=ENV_SERVER,
                                              help="host:port of kaoping-server"),
         token: str = typer.Option("", "--token", envvar=ENV_TOKEN, show_default=False,
                                   help="bearer token (from `kaoping token issue` or `kaoping-server tokens create`)"),
         tls_ca: str = typer.Option("", "--tls-ca", envvar=ENV_CA,
                                    help="CA certificate: connect with TLS"),
         tls_cert: str = typer.Option("", "--tls-cert", help="client certificate (mutual TLS)"),
         tls_key: str = typer.Option("", "--tls-key", help="client key (mutual TLS)"),
         lang: str = typer.Option("", "--lang", envvar=ENV_LANG, show_default=False,
                                  help="zh-Hans (简体, the default) or zh-Hant (繁体) for what kaoping "
                                       "prints; documents otherwise follow the township's setting")):
    state.update(server=server_address(server), token=token, ca=tls_ca, cert=tls_cert, key=tls_key)


def _stub(kind):
    return kind(channel(state.get("server") or server_address(None), state.get("token", ""),
                        state.get("ca", ""), state.get("cert", ""), state.get("key", "")))


def _call(method, request):
    try:
        return method(request, timeout=60)
    except grpc.RpcError as error:
        for line in describe_error(error):
            console.print(line, style="red", markup=False, highlight=False)
        raise typer.Exit(3 if error.code() == grpc.StatusCode.UNAVAILABLE else 1)


def _pages(method, request, field: str, max_items: int = 0):
    """A List* RPC with every page followed (kaoping_cli.rpc.all_pages)."""
    return all_pages(lambda r: _call(method, r), request, field, max_items)


# facts ---------------------------------------------------------------------
@fact_app.command("add")
def fact_add(official: Optional[str] = named("official", None, "必填*"),
             category: Optional[str] = named("category", None, "必填*"),
             kind: Optional[str] = named("kind", None, "必填*"),
             scorer: Optional[str] = named("scorer", None, "你自己，必填*"),
             month: str = typer.Option("", help="YYYY-MM"), date: str = typer.Option("", help="YYYY-MM-DD"),
             quantity: Optional[str] = typer.Option(None, help="default 1"),
             note: Optional[str] = typer.Option(None),
             key: str = typer.Option("", help="idempotency key; one is made up if omitted"),
             village: Optional[str] = named("village", None, "代替 --official：村级事实"),
             level: str = typer.Option("", help="the fact's level, when its kind has levels"),
             interactive: bool = typer.Option(False, "--interactive", "-i", help=(
                 "ask step by step, offering only valid choices (also what happens when a "
                 "*required option is missing and stdin is a terminal)"))):
    """Record one fact. Example: kaoping fact add --official v01-1 --month 2026-10
    --category attendance --kind meeting_absent --scorer main-01 --note "10月8日例会".
    Step by step: kaoping fact add (or kaoping fact add -i --scorer main-01)."""
    if interactive or None in (official or village, category, kind, scorer):
        from kaoping_cli.entry import guided_add
        return guided_add(official=official, category=category, kind=kind, scorer=scorer, month=month,
                          date_=date, quantity=quantity, note=note, key=key, interactive=interactive)
    quantity = "1" if quantity is None else quantity
    note = "" if note is None else note
    key = key or f"cli-{uuid.uuid4()}"
    receipt = _call(_stub(fx_grpc.FactServiceStub).SubmitFact, fx.SubmitFactRequest(fact=fx.Fact(
        official_id=official or "", village_id=village or "", level=level, month=month, date=date,
        category=category, kind=kind, quantity=quantity, note=note, scorer_id=scorer, source="cli",
        idempotency_key=key)))
    word = "already recorded as" if receipt.duplicate else "recorded as"
    console.print(f"fact {word} #{receipt.fact_id} (key {receipt.idempotency_key})")


@fact_app.command("correct")
def fact_correct(fact_id: int, reason: str = typer.Option(...), scorer: str = named("scorer", ...),
                 key: str = typer.Option("")):
    """Void a fact with a reason (the fact is kept; a correction fact is added)."""
    response = _call(_stub(fx_grpc.FactServiceStub).CorrectFact, fx.CorrectFactRequest(
        fact_id=fact_id, reason=reason, scorer_id=scorer, idempotency_key=key or f"cli-{uuid.uuid4()}"))
    console.print(f"fact #{fact_id} voided by correction #{response.correction.fact_id}")


@fact_app.command("list")
def fact_list(month: str = typer.Option(...), official: str = named("official"),
              village: str = named("village"), output: Output = OUTPUT_OPTION):
    """List a month's facts, corrections included."""
    response = _pages(_stub(fx_grpc.FactServiceStub).ListFacts,
                      fx.ListFactsRequest(month=month, official_id=official, village_id=village), "facts")
    if emit_json(output, response):
        return
    table = Table("#", "official", "category", "kind", "qty", "scorer", "note", "status")
    for f in response.facts:
        status = (f"voids #{f.voids_fact_id}" if f.voids_fact_id else
                  f"voided by #{f.voided_by_fact_id}" if f.voided_by_fact_id else "")
        table.add_row(str(f.id), f.fact.official_id or f"村 {f.fact.village_id}", f.fact.category,
                      f.fact.kind + (f" ({f.fact.level})" if f.fact.level else ""), f.fact.quantity,
                      f.fact.scorer_id, f.fact.note, status)
    console.print(table)


# evaluation ----------------------------------------------------------------
@app.command()
def scores(month: str = typer.Option(...), village: str = named("village"),
           official: str = named("official"), output: Output = OUTPUT_OPTION,
           township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """Monthly scores: category scores, total, grade and pay per official."""
    request = ev.GetMonthlyScoresRequest(month=month)
    if township and not (official or village):
        request.township_id = township
    if official:
        request.official_id = official
    elif village:
        request.village_id = village
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetMonthlyScores, request)
    if emit_json(output, response):
        return
    columns = [c.category for c in response.scores[0].categories] if response.scores else []
    table = Table("village", "official", *columns, "total", "grade", "pay (元)",
                  title=f"{response.township_id} {response.month} 绩效月考评 · rule set "
                        f"{response.ruleset.label} v{response.ruleset.id}")
    for s in response.scores:
        grade = s.grade + (" (一票否决)" if s.vetoed else "")
        table.add_row(s.village_name, s.official_name, *[c.score for c in s.categories], s.total,
                      grade, s.pay)
    console.print(table)


@app.command()
def ranking(month: str = typer.Option(...), township: str = named("township"), output: Output = OUTPUT_OPTION):
    """Officials and villages ranked for a month."""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetRanking,
                     ev.GetRankingRequest(month=month, township_id=township))
    if emit_json(output, response):
        return
    villages = Table("rank", "village", "average", "officials", title=f"{month} 村排名")
    for v in response.villages:
        villages.add_row(str(v.rank), v.village_name, v.average, str(v.officials))
    officials = Table("rank", "official", "village", "total", "grade", title=f"{month} 村干部排名")
    for o in response.officials:
        officials.add_row(str(o.rank), o.official_name, o.village_name, o.total, o.grade)
    console.print(villages)
    console.print(officials)


@app.command()
def notice(village: str = named("village", ...), month: str = typer.Option(...), output: Output = OUTPUT_OPTION):
    """Print the 《反馈通知单》 (feedback notice) for one village and month."""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetFeedbackNotice,
                     ev.GetFeedbackNoticeRequest(village_id=village, month=month))
    if emit_json(output, response):
        return
    console.print(f"[bold]{response.title}[/bold]", highlight=False)
    console.print(f"rule set {response.ruleset.label} v{response.ruleset.id}; "
                  f"total deducted {response.total_deducted}", highlight=False)
    table = Table("official", "total", "grade", "points", "fact", "scorer role")
    table.add_column("reason", overflow="fold")
    for o in response.officials:
        if not o.deductions:
            table.add_row(o.official_name, o.total, o.grade, "", "", "", "无扣分")
        for i, d in enumerate(o.deductions):
            first = i == 0
            table.add_row(o.official_name if first else "", o.total if first else "",
                          o.grade if first else "", amount_text(d), " ".join(f"#{i}" for i in d.fact_ids) or f"#{d.fact_id}",
                          d.scorer_role, d.reason + ("（村级）" if d.village_level else ""))
    console.print(table)


@app.command()
def explain(official: str = named("official", ...), month: str = typer.Option(...), output: Output = OUTPUT_OPTION):
    """Trace every point of one official's month to its fact and rule."""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).ExplainScore,
                     ev.ExplainScoreRequest(official_id=official, month=month))
    if emit_json(output, response):
        return
    s = response.score
    tree = Tree(f"{s.official_name} ({s.village_name}) {s.month}: total {s.total}, grade {s.grade}, "
                f"pay {s.pay} · rule set v{s.ruleset.id} {s.ruleset.content_hash[:12]}")
    for c in response.categories:
        branch = tree.add(f"{c.score.name} ({c.score.category}): {c.score.score} / {c.score.max}")
        for item in c.items:
            branch.add(f"{amount_text(item.item)} · {item.fact_summary} · rule {item.item.rule_id}: "
                       f"{item.rule_text}")
        if c.note:
            branch.add(c.note)
    tree.add(f"grades: {response.grade_rule}")
    tree.add(f"pay: {response.pay_rule}")
    console.print(tree, highlight=False)


# registry ------------------------------------------------------------------
@app.command()
def villages(output: Output = OUTPUT_OPTION, township: str = named("township", "", "默认：你可查阅的全部乡镇")):
    """List villages."""
    response = _pages(_stub(rg_grpc.RegistryServiceStub).ListVillages,
                      rg.ListVillagesRequest(township_id=township), "villages")
    if emit_json(output, response):
        return
    table = Table("id", "name", "township")
    for v in response.villages:
        table.add_row(v.id, v.name, v.township_id)
    console.print(table)


@app.command()
def officials(village: str = named("village"), output: Output = OUTPUT_OPTION):
    """List officials with their base performance pay."""
    response = _pages(_stub(rg_grpc.RegistryServiceStub).ListOfficials,
                      rg.ListOfficialsRequest(village_id=village), "officials")
    if emit_json(output, response):
        return
    table = Table("id", "name", "position", "village", "base pay (元)")
    for o in response.officials:
        table.add_row(o.id, o.name, o.position, o.village_id, o.base_pay)
    console.print(table)


# audit ---------------------------------------------------------------------
@app.command()
def audit(actor: str = named("actor"), action: str = typer.Option("", help="e.g. submit_facts"),
          target: str = typer.Option(""), since: str = typer.Option("", help="YYYY-MM-DD or RFC 3339"),
          until: str = typer.Option(""), limit: int = typer.Option(1000),
          csv_file: Optional[Path] = typer.Option(None, "--csv", help="write the entries to this CSV file"),
          output: Output = OUTPUT_OPTION):
    """Read the audit log (administrators). Example: kaoping audit --action activate_ruleset --csv audit.csv"""
    # --limit caps the entries shown; the server pages them (at most 10000 a page).
    response = _pages(_stub(au_grpc.AuditServiceStub).ListAuditEntries, au.ListAuditEntriesRequest(
        actor=actor, action=action, target=target, since=since, until=until,
        limit=max(0, min(limit, 10_000))), "entries", max_items=max(limit, 0))
    fields = ["id", "at", "actor", "role", "request_id", "action", "target", "before", "after"]
    if csv_file:
        import csv
        with open(csv_file, "w", newline="", encoding="utf-8-sig") as out:  # BOM: Excel reads UTF-8
            writer = csv.writer(out)
            writer.writerow(fields)
            for e in response.entries:
                writer.writerow([getattr(e, f) for f in fields])
        console.print(f"{len(response.entries)} entries written to {csv_file}")
        return
    if emit_json(output, response):
        return
    table = Table("id", "at", "actor", "action", "target")
    table.add_column("after", overflow="fold")
    for e in response.entries:
        table.add_row(str(e.id), e.at[:19], e.actor, e.action, e.target, e.after)
    console.print(table)


# rule sets -----------------------------------------------------------------
def _source(path: Path, label: str = "") -> rs.RuleSetSource:
    return rs.RuleSetSource(text=path.read_text(encoding="utf-8"), filename=path.name, label=label)


@rules_app.command("validate")
def rules_validate(file: Path, server: bool = typer.Option(
        False, "--server", help="ask the server (its probe and limits) instead of checking here")):
    """Check a rule file completely and run its example cases; offline unless --server.
    Example: kaoping rules validate rules/township-sample.yaml"""
    if server:
        report = _call(_stub(rs_grpc.RuleSetServiceStub).ValidateRuleSet, _source(file))
        problems = [(p.location, p.message) for p in report.problems]
        cases = [(c.name, c.passed) for c in report.cases]
        valid = report.valid
    else:
        from kaoping.usecases.rulesets import validate_text
        checked = validate_text(file.read_text(encoding="utf-8"), file.name)
        problems = [(p.location, p.message) for p in checked.problems]
        cases = [(c.name, c.passed) for c in checked.cases]
        valid = checked.valid
    for location, message in problems:
        console.print(f"{location}: {message}", style="red", markup=False, highlight=False)
    for name, passed in cases:
        console.print(("PASS " if passed else "FAIL ") + name, markup=False, highlight=False)
    console.print("valid" if valid else f"invalid: {len(problems)} problem(s)")
    raise typer.Exit(0 if valid else 1)


@rules_app.command("upload")
def rules_upload(file: Path, label: str = typer.Option(""), township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """Store a new version into the township (validated first); not active until activated."""
    source = _source(file, label)
    source.township_id = township
    v = _call(_stub(rs_grpc.RuleSetServiceStub).UploadRuleSet, source)
    console.print(f"version {v.ref.id} {v.ref.label} {v.ref.content_hash[:12]}")


@rules_app.command("activate")
def rules_activate(version: int, township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """Make a stored version the township's active one (other townships are untouched)."""
    v = _call(_stub(rs_grpc.RuleSetServiceStub).ActivateRuleSet,
              rs.ActivateRuleSetRequest(id=version, township_id=township))
    console.print(f"active in {v.township_id}: version {v.ref.id} {v.ref.label}")


@rules_app.command("rollback")
def rules_rollback(township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """Go back to the version the township had active before the current one."""
    v = _call(_stub(rs_grpc.RuleSetServiceStub).RollbackRuleSet, rs.RollbackRuleSetRequest(township_id=township))
    console.print(f"active in {v.township_id}: version {v.ref.id} {v.ref.label}")


@rules_app.command("test")
def rules_test(files: list[Path]):
    """Run rule files' example cases locally, like `opa test` (no server, no token):
    cases passed and failed, and the rules no case exercises.
    Example: kaoping rules test rules/township-sample.yaml rules/examples/*.yaml"""
    from kaoping.rules.cases import unexercised
    from kaoping.usecases.rulesets import validate_text
    failed_files = passed = failed = 0
    for file in files:
        checked = validate_text(file.read_text(encoding="utf-8"), str(file))
        for c in checked.cases:
            passed, failed = passed + c.passed, failed + (not c.passed)
            console.print(("PASS " if c.passed else "FAIL ") + f"{file.name}: {c.name}",
                          markup=False, highlight=False)
            for f in c.failures:
                console.print(f"     {f}", style="red", markup=False, highlight=False)
        case_names = {c.name for c in checked.cases if not c.passed}
        for p in checked.problems:
            if not any(name in p.location for name in case_names):
                console.print(f"{p.location}: {p.message}", style="red", markup=False, highlight=False)
        if checked.ruleset is not None and checked.cases:
            missing = unexercised(checked.ruleset, checked.cases)
            if missing:
                console.print(f"     {file.name}: no case exercises {', '.join(missing)}",
                              style="yellow", markup=False, highlight=False)
        failed_files += 0 if checked.valid else 1
    console.print(f"{passed} cases passed, {failed} failed; "
                  f"{len(files) - failed_files} of {len(files)} files valid")
    raise typer.Exit(1 if failed_files else 0)


@rules_app.command("migrate")
def rules_migrate(file: Path, output: Path = typer.Option(None, "--output", "-o",
                                                          help="write here instead of stdout"),
                  in_place: bool = typer.Option(False, "--in-place", help="rewrite FILE")):
    """Convert a version-1 rule file to the version-2 language (offline). The result
    scores every month exactly as the original; comments stay.
    Example: kaoping rules migrate rules/township-sample.yaml -o township-v2.yaml"""
    from kaoping.rules.migrate import AlreadyCurrent, migrate
    from kaoping.rules.model import RuleSetInvalid
    try:
        text = migrate(file.read_text(encoding="utf-8"), file.name)
    except AlreadyCurrent as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(0)
    except RuleSetInvalid as exc:
        for p in exc.problems:
            console.print(f"{p.location}: {p.message}", style="red", markup=False, highlight=False)
        raise typer.Exit(1)
    target = file if in_place else output
    if target is None:
        typer.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8")
        console.print(f"wrote {target} (language 2)", markup=False, highlight=False)


@rules_app.command("dry-run")
def rules_dry_run(file: Path, month: str = typer.Option(...), township: str = named("township"),
                  output: Output = OUTPUT_OPTION):
    """Score a past month under a candidate file without storing anything, and show who
    gains and who loses against the active rule set."""
    report = _call(_stub(rs_grpc.RuleSetServiceStub).DryRunRuleSet, rs.DryRunRequest(
        candidate=_source(file), month=month, township_id=township))
    if emit_json(output, report):
        return
    table = Table("official", "village", "total", "grade", "pay (元)", title=(
        f"{month}: v{report.current.id} {report.current.label} → candidate {report.candidate_hash[:12]}"))
    table.add_column("changed items", overflow="fold")
    for d in report.changed:
        items = [f"- {amount_text(i)} {i.rule_id} #{i.fact_id}" for i in d.removed_items] + \
                [f"+ {amount_text(i)} {i.rule_id} #{i.fact_id}" for i in d.added_items]
        table.add_row(d.official_name, d.village_name, f"{d.old_total} → {d.new_total}",
                      f"{d.old_grade} → {d.new_grade}", f"{d.old_pay} → {d.new_pay}", "\n".join(items))
    console.print(table)
    console.print(f"{len(report.changed)} officials change, {report.unchanged} unchanged")


@rules_app.command("list")
def rules_list(output: Output = OUTPUT_OPTION, township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """List the versions the township may activate."""
    response = _pages(_stub(rs_grpc.RuleSetServiceStub).ListRuleSets,
                      rs.ListRuleSetsRequest(township_id=township), "versions")
    if emit_json(output, response):
        return
    table = Table("id", "label", "hash", "uploaded", "active")
    for v in response.versions:
        table.add_row(str(v.ref.id), v.ref.label, v.ref.content_hash[:12], v.uploaded_at,
                      "yes" if v.active else "")
    console.print(table)


# staff commands: import, export, print (docs/staff-guide.md), and an example in every --help
from kaoping_cli import documents, exports, helptext, importer, roster, townships  # noqa: E402

app.command("import")(importer.import_command)
app.add_typer(townships.app, name="township")
rules_app.add_typer(townships.template_app, name="template")
roster.register(app)  # roster import|export|template, village|official|scorer put
app.add_typer(exports.app, name="export")
app.add_typer(documents.app, name="print")
helptext.attach(app)

if __name__ == "__main__":
    app()
