"""`kaoping`：乡镇工作人员使用的村干部绩效考评命令行工具（kaoping.v1 接口的客户端）。

服务器地址取自 --server 或环境变量 KAOPING_SERVER（默认 127.0.0.1:50051），令牌取自
--token 或 KAOPING_TOKEN；--lang zh-Hant 以繁体显示。退出码：0 完成；1 服务器拒绝（原因
打印在标准错误）；2 命令用法错误（如 --month 不是月份）；3 无法连接服务器。
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Optional

import typer
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
from kaoping_cli import rectification_cmds
from kaoping_cli import rules_cmds
from kaoping_cli import tokens as token_cmds
from kaoping_cli import workflow_cmds, year_cmds
from kaoping_cli.common import (ENV_LANG, OUTPUT_OPTION, ROLE_NAMES, Output, amount_text, call, call_pages, console,
                                emit_json, stub)
from kaoping_cli.names import option as named
from kaoping_cli.rpc import ENV_CA, ENV_SERVER, ENV_TOKEN, server_address

app = typer.Typer(help=__doc__, no_args_is_help=True)
fact_app = typer.Typer(help="录入、更正和查看事实（扣分、加分的依据）。", no_args_is_help=True)
app.add_typer(fact_app, name="fact")
app.add_typer(rules_cmds.app, name="rules")
workflow_cmds.register(app)  # month ..., appeal ..., yearend, paylist
year_cmds.register(app)      # year state|aggregate|reopen|approve|publish|pay|close
token_cmds.register(app)     # token issue|revoke|list
rectification_cmds.register(app)   # rectification record|progress|close|list|show
state: dict = {}


@app.callback()
def main(server: Optional[str] = typer.Option(None, "--server", envvar=ENV_SERVER,
                                              help="kaoping 服务器的 host:port"),
         token: str = typer.Option("", "--token", envvar=ENV_TOKEN, show_default=False,
                                   help="令牌（由管理员用 `kaoping token issue` 或 `kaoping-server tokens create` 发放）"),
         tls_ca: str = typer.Option("", "--tls-ca", envvar=ENV_CA,
                                    help="CA 证书：用 TLS 连接"),
         tls_cert: str = typer.Option("", "--tls-cert", help="客户端证书（双向 TLS）"),
         tls_key: str = typer.Option("", "--tls-key", help="客户端私钥（双向 TLS）"),
         lang: str = typer.Option("", "--lang", envvar=ENV_LANG, show_default=False,
                                  help="显示用字：zh-Hans（简体，默认）或 zh-Hant（繁体）；"
                                       "不指定时文件按乡镇设置")):
    from kaoping_cli.common import chosen_script
    chosen_script()   # a --lang naming neither script is a usage error before anything runs
    state.update(server=server_address(server), token=token, ca=tls_ca, cert=tls_cert, key=tls_key)


# One connection, error rendering and exit codes for every command (kaoping_cli.common).
_stub, _call, _pages = stub, call, call_pages


# facts ---------------------------------------------------------------------
@fact_app.command("add")
def fact_add(official: Optional[str] = named("official", None, "必填*"),
             category: Optional[str] = named("category", None, "必填*"),
             kind: Optional[str] = named("kind", None, "必填*"),
             scorer: Optional[str] = named("scorer", None, "你自己，必填*"),
             month: str = typer.Option("", help="月份 YYYY-MM（也可写 2026年10月）"),
             date: str = typer.Option("", help="日期 YYYY-MM-DD（也可写 2026年10月8日）"),
             quantity: Optional[str] = typer.Option(None, help="数量，默认 1"),
             note: Optional[str] = typer.Option(None),
             key: str = typer.Option("", help="幂等键：同一键重发只记一次；不给则自动生成"),
             village: Optional[str] = named("village", None, "代替 --official：村级事实"),
             level: str = typer.Option("", help="等级（事项分等级时必填，如 县级、市级）"),
             interactive: bool = typer.Option(False, "--interactive", "-i", help=(
                 "逐步询问，只列出可选项（缺少 * 必填项且标准输入是终端时也会这样）")),
             yes: bool = typer.Option(False, "--yes", "-y", help=(
                 "本月已有完全相同的事实时不再询问，照样记录（供脚本使用）"))):
    """记录一条事实。示例（Example）：kaoping fact add --official v01-1 --month 2026-10
    --category attendance --kind meeting_absent --scorer main-01 --note "10月8日例会"。
    逐步录入：kaoping fact add（或 kaoping fact add -i --scorer main-01），先检查月份是否仍在考评中。
    本月已录入完全相同的事实时先询问是否再记一次；非交互时须加 --yes，否则不记录（退出码 1）。"""
    if interactive or None in (official or village, category, kind, scorer):
        from kaoping_cli.entry import guided_add
        return guided_add(official=official, category=category, kind=kind, scorer=scorer, month=month,
                          date_=date, quantity=quantity, note=note, key=key, interactive=interactive)
    from kaoping_cli.fact_checks import confirm_not_duplicate
    quantity = "1" if quantity is None else quantity
    note = "" if note is None else note
    key = key or f"cli-{uuid.uuid4()}"
    fact = fx.Fact(official_id=official or "", village_id=village or "", level=level, month=month, date=date,
                   category=category, kind=kind, quantity=quantity, note=note, scorer_id=scorer, source="cli",
                   idempotency_key=key)
    if not confirm_not_duplicate(fact, yes):
        return
    receipt = _call(_stub(fx_grpc.FactServiceStub).SubmitFact, fx.SubmitFactRequest(fact=fact))
    console.print(recorded_text(receipt), highlight=False)


def recorded_text(receipt: fx.FactReceipt) -> str:
    word = "此前已记录为事实" if receipt.duplicate else "已记录事实"
    return f"{word} #{receipt.fact_id}（幂等键 {receipt.idempotency_key}）"


@fact_app.command("correct")
def fact_correct(fact_id: int, reason: str = typer.Option(...), scorer: str = named("scorer", ...),
                 key: str = typer.Option("")):
    """更正：注明原因作废一条事实（原事实保留，另记一条更正事实）。"""
    response = _call(_stub(fx_grpc.FactServiceStub).CorrectFact, fx.CorrectFactRequest(
        fact_id=fact_id, reason=reason, scorer_id=scorer, idempotency_key=key or f"cli-{uuid.uuid4()}"))
    console.print(f"事实 #{fact_id} 已由更正 #{response.correction.fact_id} 作废", highlight=False)


@fact_app.command("list")
def fact_list(month: str = typer.Option(...), official: str = named("official"),
              village: str = named("village"), output: Output = OUTPUT_OPTION):
    """列出某月的事实（含更正）。"""
    response = _pages(_stub(fx_grpc.FactServiceStub).ListFacts,
                      fx.ListFactsRequest(month=month, official_id=official, village_id=village), "facts")
    if emit_json(output, response):
        return
    table = Table("#", "村干部", "类别", "事项", "数量", "考评人", "备注", "状态", title=f"{month} 事实")
    for f in response.facts:
        status = (f"更正 #{f.voids_fact_id}" if f.voids_fact_id else
                  f"已由 #{f.voided_by_fact_id} 作废" if f.voided_by_fact_id else "")
        table.add_row(str(f.id), f.fact.official_id or f"村 {f.fact.village_id}", f.fact.category,
                      f.fact.kind + (f" ({f.fact.level})" if f.fact.level else ""), f.fact.quantity,
                      f.fact.scorer_id, f.fact.note, status)
    console.print(table)


# evaluation ----------------------------------------------------------------
@app.command()
def scores(action: Optional[str] = typer.Argument(None, metavar="[watch]", show_default=False,
                                                  help="watch：先显示得分表，再实时显示每次得分变化"),
           month: str = typer.Option(...), village: str = named("village"),
           official: str = named("official"), output: Output = OUTPUT_OPTION,
           township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇"),
           wide: bool = typer.Option(False, "--wide", help="每个类别一列的完整表（终端够宽时自动显示）"),
           updates: int = typer.Option(0, "--updates", min=0, help="watch：收到这么多次更新后结束（0：直到 Ctrl-C）")):
    """月度考评得分：每位村干部的总分、等次和绩效报酬；终端较窄时各类别只列失分，--wide 列出全部类别。
    kaoping scores watch --month 2026-10 [--village v01|--official v01-1]：实时显示得分变化。"""
    if action not in (None, "watch"):
        from kaoping_cli.common import usage_error
        raise usage_error(f"不认识 {action!r}：只能是 watch（kaoping scores watch --month 2026-10）")
    request = (ev.WatchScoresRequest if action else ev.GetMonthlyScoresRequest)(month=month)
    if township and not (official or village):
        request.township_id = township
    if official:
        request.official_id = official
    elif village:
        request.village_id = village
    if action == "watch":
        from kaoping_cli.score_watch import watch
        return watch(request, output == Output.json, updates, wide)
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetMonthlyScores, request)
    if emit_json(output, response):
        return
    from kaoping_cli.score_tables import print_scores
    print_scores(response, console, wide)


@app.command()
def ranking(month: str = typer.Option(...), township: str = named("township"), output: Output = OUTPUT_OPTION):
    """某月的村排名和村干部排名。"""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetRanking,
                     ev.GetRankingRequest(month=month, township_id=township))
    if emit_json(output, response):
        return
    villages = Table("名次", "村", "平均分", "人数", title=f"{month} 村排名")
    for v in response.villages:
        villages.add_row(str(v.rank), v.village_name, v.average, str(v.officials))
    officials = Table("名次", "村干部", "村", "总分", "等次", title=f"{month} 村干部排名")
    for o in response.officials:
        officials.add_row(str(o.rank), o.official_name, o.village_name, o.total, o.grade)
    console.print(villages)
    console.print(officials)


@app.command()
def notice(village: str = named("village", ...), month: str = typer.Option(...), output: Output = OUTPUT_OPTION):
    """在终端显示某村某月的《反馈通知单》（可打印的 PDF 见 kaoping print notice）。"""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).GetFeedbackNotice,
                     ev.GetFeedbackNoticeRequest(village_id=village, month=month))
    if emit_json(output, response):
        return
    console.print(f"[bold]{response.title}[/bold]", highlight=False)
    console.print(f"规则集 {response.ruleset.label} v{response.ruleset.id}；"
                  f"共扣 {response.total_deducted} 分", highlight=False)
    table = Table("村干部", "总分", "等次", "分值", "事实", "考评人")
    table.add_column("原因", overflow="fold")
    for o in response.officials:
        if not o.deductions:
            table.add_row(o.official_name, o.total, o.grade, "", "", "", "无扣分")
        for i, d in enumerate(o.deductions):
            first = i == 0
            table.add_row(o.official_name if first else "", o.total if first else "",
                          o.grade if first else "", amount_text(d), " ".join(f"#{i}" for i in d.fact_ids) or f"#{d.fact_id}",
                          ROLE_NAMES.get(d.scorer_role, d.scorer_role),
                          d.reason + ("（村级）" if d.village_level else ""))
    console.print(table)


@app.command()
def explain(official: str = named("official", ...), month: str = typer.Option(...), output: Output = OUTPUT_OPTION):
    """逐分说明：某村干部某月每一分来自哪条事实、哪条规则。"""
    response = _call(_stub(ev_grpc.EvaluationServiceStub).ExplainScore,
                     ev.ExplainScoreRequest(official_id=official, month=month))
    if emit_json(output, response):
        return
    s = response.score
    tree = Tree(f"{s.official_name}（{s.village_name}）{s.month}：总分 {s.total}，等次 {s.grade}，"
                f"报酬 {s.pay} 元 · 规则集 v{s.ruleset.id} {s.ruleset.content_hash[:12]}")
    for c in response.categories:
        branch = tree.add(f"{c.score.name} ({c.score.category}): {c.score.score} / {c.score.max}")
        for item in c.items:
            branch.add(f"{amount_text(item.item)} · {item.fact_summary} · 规则 {item.item.rule_id}："
                       f"{item.rule_text}")
        if c.note:
            branch.add(c.note)
    tree.add(f"等次：{response.grade_rule}")
    tree.add(f"报酬：{response.pay_rule}")
    console.print(tree, highlight=False)


# registry ------------------------------------------------------------------
@app.command()
def villages(output: Output = OUTPUT_OPTION, township: str = named("township", "", "默认：你可查阅的全部乡镇")):
    """列出村。"""
    response = _pages(_stub(rg_grpc.RegistryServiceStub).ListVillages,
                      rg.ListVillagesRequest(township_id=township), "villages")
    if emit_json(output, response):
        return
    table = Table("编号", "村名", "乡镇", title="村")
    for v in response.villages:
        table.add_row(v.id, v.name, v.township_id)
    console.print(table)


@app.command()
def officials(village: str = named("village"), output: Output = OUTPUT_OPTION):
    """列出村干部及其基本绩效报酬。"""
    response = _pages(_stub(rg_grpc.RegistryServiceStub).ListOfficials,
                      rg.ListOfficialsRequest(village_id=village), "officials")
    if emit_json(output, response):
        return
    table = Table("编号", "姓名", "职务", "村", "基本报酬(元)", title="村干部")
    for o in response.officials:
        table.add_row(o.id, o.name, o.position, o.village_id, o.base_pay)
    console.print(table)


# audit ---------------------------------------------------------------------
@app.command()
def audit(actor: str = named("actor"), action: str = typer.Option("", help="操作，如 submit_facts"),
          target: str = typer.Option(""), since: str = typer.Option("", help="起始：YYYY-MM-DD 或 RFC 3339"),
          until: str = typer.Option("", help="截止：YYYY-MM-DD 或 RFC 3339"),
          limit: int = typer.Option(1000, help="最多显示几条"),
          csv_file: Optional[Path] = typer.Option(None, "--csv", help="写入这个 CSV 文件"),
          output: Output = OUTPUT_OPTION):
    """查阅审计日志（管理员）。示例（Example）：kaoping audit --action activate_ruleset --csv audit.csv"""
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
        console.print(f"已将 {len(response.entries)} 条记录写入 {csv_file}", highlight=False)
        return
    if emit_json(output, response):
        return
    table = Table("#", "时间", "操作人", "操作", "对象", title="审计日志")
    table.add_column("之后", overflow="fold")
    for e in response.entries:
        table.add_row(str(e.id), e.at[:19], e.actor, e.action, e.target, e.after)
    console.print(table)


# staff commands: import, export, print (docs/staff-guide.md), and an example in every --help
from kaoping_cli import documents, exports, helptext, importer, inputs, roster, townships, usage_zh  # noqa: E402

app.command("import")(importer.import_command)
app.add_typer(townships.app, name="township")
rules_cmds.app.add_typer(townships.template_app, name="template")
roster.register(app)  # roster import|export|template, village|official|scorer put
app.add_typer(exports.app, name="export")
app.add_typer(documents.app, name="print")
helptext.attach(app)
inputs.attach(app)   # months, dates and quantities as an input method types them, for every command
usage_zh.install()   # click's usage errors in Chinese, on stderr

if __name__ == "__main__":
    app()
