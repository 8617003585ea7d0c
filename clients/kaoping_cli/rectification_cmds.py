"""`kaoping rectification record|progress|close|list|show`: the year-end inspection's (or a
meeting's) findings per village — 存在问题, 整改要求, 整改期限, 责任人 — tracked to done with
整改佐证 (RectificationService). Open items print on the village's 《反馈通知单》 until closed."""
from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import rectification_pb2_grpc as rc_grpc
from kaoping_cli.common import OUTPUT_OPTION, Output, call, console, emit_json, stub
from kaoping_cli.inputs import date_value
from kaoping_cli.names import option as named
from kaoping_cli.rectification_text import ACTIONS, state_text

app = typer.Typer(help="整改事项：登记考核发现的问题和整改要求，报告进展，凭整改佐证销号。\n\n"
                       "示例（Example）：kaoping rectification list --village 上山村", no_args_is_help=True)

TOWNSHIP = named("township", "", "默认：你的乡镇，或唯一的乡镇")
ID = typer.Argument(..., help="整改事项编号（kaoping rectification list 中的“编号”）")


def _rpc(name: str, request):
    return call(getattr(stub(rc_grpc.RectificationServiceStub), name), request, timeout=60)


def _print_one(r: rc.Rectification) -> None:
    style = "bold red" if r.overdue else "bold"
    console.print(f"[{style}]整改事项 {r.id}：{r.village_name} {r.year} 年 · {state_text(r)}[/{style}]",
                  highlight=False)
    for label, value in (("方面", r.area), ("存在问题", r.problem), ("整改要求", r.demand),
                         ("整改期限", r.deadline + ("（已逾期）" if r.overdue else "")),
                         ("责任人", r.responsible), ("登记于", r.recorded_on), ("销号于", r.closed_on),
                         ("整改佐证", r.evidence)):
        if value:
            console.print(f"{label}：{value}", markup=False, highlight=False)
    if r.steps:
        table = Table("时间", "步骤", "操作人", "说明", "佐证", title="整改记录")
        for s in r.steps:
            table.add_row(s.at[:19], ACTIONS.get(s.action, s.action), s.actor, s.note, s.evidence)
        console.print(table)


@app.command("record")
def record(village: str = named("village", ..., "必填"),
           problem: str = typer.Option(..., help="存在问题（最多 500 字）"),
           demand: str = typer.Option(..., help="整改要求（最多 500 字）"),
           deadline: str = typer.Option(..., help="整改期限 YYYY-MM-DD（也可写 2027年3月31日），不早于今天"),
           responsible: str = typer.Option(..., help="责任人，如 村党支部书记 王建国（最多 60 字）"),
           year: int = typer.Option(0, help="发现问题的考核年度；默认今年"),
           area: str = typer.Option("", help="方面，如 班子自身建设、镇村中心及重点工作（最多 40 字）"),
           note: str = typer.Option("", help="说明"),
           township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """登记一项整改事项（镇管理员）。
    示例（Example）：kaoping rectification record --village 上山村 --area 班子自身建设 --problem 会议记录不全 --demand 补齐2026年会议记录 --deadline 2027-03-31 --responsible '村党支部书记 王建国'"""
    item = _rpc("RecordRectification", rc.RecordRectificationRequest(
        township_id=township, village_id=village, year=year or date.today().year, area=area,
        problem=problem, demand=demand, deadline=date_value(deadline, "--deadline"),
        responsible=responsible, note=note))
    if not emit_json(output, item):
        console.print(f"已登记整改事项 {item.id}", highlight=False)
        _print_one(item)


@app.command("progress")
def progress(item_id: int = ID, note: str = typer.Option(..., help="做了什么（必填）"),
             evidence: str = typer.Option("", help="佐证，如文号或文件名（最多 500 字）"),
             output: Output = OUTPUT_OPTION):
    """报告整改进展（镇管理员）。
    示例（Example）：kaoping rectification progress 3 --note 已补齐1至6月会议记录"""
    item = _rpc("ReportProgress", rc.ReportProgressRequest(id=item_id, note=note, evidence=evidence))
    if not emit_json(output, item):
        _print_one(item)


@app.command("close")
def close(item_id: int = ID, evidence: str = typer.Option(..., help="整改佐证：证明已整改完成的材料（必填，最多 500 字）"),
          note: str = typer.Option("", help="说明；登记有误时写明原因"),
          output: Output = OUTPUT_OPTION):
    """凭整改佐证销号（镇管理员）；销号后不再列入《反馈通知单》。
    示例（Example）：kaoping rectification close 3 --evidence '会议记录本（2026年）已补齐，镇党政办查验'"""
    item = _rpc("CloseRectification", rc.CloseRectificationRequest(id=item_id, evidence=evidence, note=note))
    if not emit_json(output, item):
        console.print(f"整改事项 {item.id} 已销号", highlight=False)
        _print_one(item)


@app.command("list")
def list_items(village: str = named("village", "", "默认：你能查看的所有村"),
               year: int = typer.Option(0, help="考核年度；默认所有年度"),
               open_only: bool = typer.Option(False, "--open", help="只列未销号的"),
               township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """列出整改事项（村级令牌只看本村）。
    示例（Example）：kaoping rectification list --village 上山村 --open"""
    response = _rpc("ListRectifications", rc.ListRectificationsRequest(
        township_id=township, village_id=village, year=year, open_only=open_only))
    if emit_json(output, response):
        return
    if not response.rectifications:
        console.print("没有整改事项", highlight=False)
        return
    table = Table("编号", "村", "年度", "方面", "存在问题", "整改要求", "整改期限", "责任人", "状态", title="整改事项")
    for r in response.rectifications:
        table.add_row(str(r.id), r.village_name, str(r.year), r.area, r.problem, r.demand, r.deadline,
                      r.responsible, state_text(r), style="red" if r.overdue else None)
    console.print(table)
    overdue = sum(1 for r in response.rectifications if r.overdue)
    still = sum(1 for r in response.rectifications if r.state == "open")
    console.print(f"共 {len(response.rectifications)} 项，未销号 {still} 项，其中逾期 {overdue} 项", highlight=False)


@app.command("show")
def show(item_id: int = ID, output: Output = OUTPUT_OPTION):
    """一项整改事项及其整改记录。
    示例（Example）：kaoping rectification show 3"""
    item = _rpc("GetRectification", rc.GetRectificationRequest(id=item_id))
    if not emit_json(output, item):
        _print_one(item)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="rectification")
