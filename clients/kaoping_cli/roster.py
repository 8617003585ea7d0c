"""`kaoping roster import|export|template` and `kaoping village|official|scorer put`:
a township's roster from the CLI and from Excel/CSV (README "Roster from Excel").

`roster import FILE` sends the file's rows as a dry run (RegistryService.ImportRoster)
and prints what would happen: rows added, changed (with the fields), unchanged, and
rejected with their sheet, row number and reasons. Nothing is written without --apply;
with it the dry-run report comes first, then the good rows are written in one
transaction. Importing the same file again changes nothing.

Exit codes as `kaoping import`: 0 every row is fine (or written), 1 the server refused
the call or some rows were rejected (they are listed on stderr; under --apply the good
rows were written), 2 usage error or an unreadable file, 3 server unreachable.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping_cli.common import (EXIT_OK, EXIT_REFUSED, OUTPUT_OPTION, Output, call, call_pages, console,
                                emit_json, message_dict, print_error, print_json, stub, usage_error)
from kaoping_cli.fact_sheet import ImportFileError
from kaoping_cli.names import option as named
from kaoping_cli.roster_sheets import KINDS, MAX_ROWS, read_roster, write_roster

app = typer.Typer(help="乡镇名册（村、村干部、考评人）与 Excel/CSV 互相导入导出。",
                  no_args_is_help=True)
ACTION_NAMES = {"added": "新增", "changed": "修改", "unchanged": "不变", "rejected": "未通过"}
KIND_NAMES = {"villages": "村", "officials": "村干部", "scorers": "考评人"}


class Kind(str, Enum):
    villages = "villages"
    officials = "officials"
    scorers = "scorers"


def _registry():
    return stub(rg_grpc.RegistryServiceStub)


def _import(rows, township: str, dry_run: bool) -> rg.RosterImportReport:
    # one call is one transaction: a timeout that grows with the file
    return call(_registry().ImportRoster, rg.ImportRosterRequest(township_id=township, rows=rows,
                                                                 dry_run=dry_run),
                timeout=max(60, len(rows) / 50))


def show_report(report: rg.RosterImportReport, file: str) -> None:
    changed = [r for r in report.rows if r.action in ("added", "changed")]
    if changed:
        table = Table("表", "行", "编号", "结果", "修改的栏",
                      title="将写入" if report.dry_run else "已写入", title_justify="left")
        for r in changed:
            table.add_row(r.sheet, str(r.row), r.id, ACTION_NAMES.get(r.action, r.action),
                          ", ".join(r.changed_fields))
        console.print(table)
    word = "试算" if report.dry_run else "已写入"
    console.print(f"{file}（{word}）：共 {len(report.rows)} 行 — 新增 {report.added}，修改 {report.changed}，"
                  f"不变 {report.unchanged}，未通过 {report.rejected}", highlight=False)
    show_rejected(report)


def show_rejected(report: rg.RosterImportReport) -> None:
    """Rejected rows on stderr, one line per reason, so they stand out from the report."""
    for r in report.rows:
        if r.action == "rejected":
            for p in r.problems:
                print_error(f"未通过：{r.sheet} 第 {r.row} 行（{r.id or '-'}）：{p.field}：{p.reason}")


@app.command("import")
def roster_import(
        file: Path = typer.Argument(..., help="a .xlsx workbook (sheets 村, 村干部, 考评人) or one .csv"),
        township: str = named("township", "", "默认：你的令牌所属乡镇，或唯一的乡镇"),
        apply: bool = typer.Option(False, "--apply", help="write the good rows (after the dry-run report)"),
        kind: Optional[Kind] = typer.Option(None, help="what a CSV file holds (default: told by its header)"),
        encoding: str = typer.Option("", help="CSV text encoding (default: UTF-8, else GB18030)"),
        output: Output = OUTPUT_OPTION):
    """从 Excel 或 CSV 汇入村、村干部和考评人（不加 --apply 只试算）。

    先给出试算报告：新增、修改（列出修改的栏）、不变的行，以及未通过的行（表、行号和原因，
    在标准错误）。加 --apply 后在一个事务中写入通过的行。有未通过的行时退出码为 1。"""
    if not file.exists():
        raise usage_error(f"{file}：没有这个文件")
    try:
        rows = read_roster(file, kind.value if kind else "", encoding)
    except ImportFileError as exc:
        raise usage_error(str(exc))
    if len(rows) > MAX_ROWS:
        raise usage_error(f"{file}：{len(rows)} 行；一次最多汇入 {MAX_ROWS} 行（请拆分文件）")
    dry = _import(rows, township, True)
    applied = None
    if apply and (dry.added or dry.changed):
        applied = _import(rows, township, False)
    final = applied or dry
    if output == Output.json:
        print_json({"dry_run": message_dict(dry), "applied": message_dict(applied) if applied else None})
        show_rejected(final)
    else:
        show_report(dry, str(file))
        if applied is not None:
            console.print(f"已写入：新增 {applied.added}，修改 {applied.changed}，"
                          f"不变 {applied.unchanged}，未通过 {applied.rejected}", highlight=False)
        elif apply:
            console.print("无需写入：通过的行都与已存的相同", highlight=False)
        else:
            console.print("试算：什么也没写入；加 --apply 再运行一次即写入通过的行", highlight=False)
    raise typer.Exit(EXIT_REFUSED if final.rejected else EXIT_OK)


def _township_roster(township: str) -> dict[str, list]:
    registry = _registry()
    villages = list(call_pages(registry.ListVillages, rg.ListVillagesRequest(township_id=township),
                               "villages").villages)
    ids = {v.id for v in villages}
    officials = [o for o in call_pages(registry.ListOfficials, rg.ListOfficialsRequest(township_id=township),
                                       "officials").officials if o.village_id in ids]
    scorers = [s for s in call_pages(registry.ListScorers, rg.ListScorersRequest(township_id=township),
                                     "scorers").scorers
               if not township or s.township_id in ("", township)]
    return {"villages": villages, "officials": officials, "scorers": scorers}


@app.command("export")
def roster_export(out: Path = typer.Option(..., "--out", help="FILE.xlsx (every sheet) or FILE.csv (one --kind)"),
                  township: str = named("township", "", "默认：你可查阅的全部乡镇"),
                  kind: Optional[Kind] = typer.Option(None, help="which sheet a .csv holds")):
    """按汇入的格式导出名册：把导出的文件再汇入不会改变任何内容。"""
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise usage_error(f"{out}：名册只能写成 .xlsx 或 .csv")
    if suffix == ".csv" and kind is None:
        raise usage_error("一个 CSV 文件只放一种名册：请加 --kind villages、officials 或 scorers")
    sheets = _township_roster(township)
    write_roster(out, sheets, kind.value if kind else "")
    counts = "，".join(f"{KIND_NAMES.get(k, k)} {len(sheets[k])} 条" for k in KINDS if not kind or k == kind.value)
    console.print(f"已写入 {out}：{counts}", highlight=False)


@app.command("template")
def roster_template(out: Path = typer.Option(..., "--out", help="FILE.xlsx, or FILE.csv with --kind"),
                    kind: Optional[Kind] = typer.Option(None, help="which sheet a .csv holds")):
    """空白名册模板，含每张表的表头（无需服务器）。"""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise usage_error(f"{out}：模板只能写成 .xlsx 或 .csv")
    if out.suffix.lower() == ".csv" and kind is None:
        raise usage_error("一个 CSV 文件只放一种名册：请加 --kind villages、officials 或 scorers")
    write_roster(out, {}, kind.value if kind else "")
    console.print(f"模板已写入 {out}", highlight=False)


# one record at a time --------------------------------------------------------------------
village_app = typer.Typer(help="新增或修改一个村。", no_args_is_help=True)
official_app = typer.Typer(help="新增或修改一位村干部。", no_args_is_help=True)
scorer_app = typer.Typer(help="新增或修改一个考评人。", no_args_is_help=True)


def _attributes(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise usage_error(f"--attr {pair!r}：应写成 名称=值，如 --attr star=5")
        found[key.strip()] = value.strip()
    return found


ATTR_OPTION = typer.Option(None, "--attr", help="NAME=VALUE, repeatable; replaces all attributes")


@village_app.command("put")
def village_put(id: str = typer.Option(...), name: str = typer.Option(...),
                township: str = named("township", ...),
                attr: Optional[list[str]] = ATTR_OPTION, output: Output = OUTPUT_OPTION):
    """新增一个村，或修改村名和属性。"""
    reply = call(_registry().PutVillage, rg.Village(id=id, township_id=township, name=name,
                                                     attributes=_attributes(attr)))
    if not emit_json(output, reply):
        console.print(f"已保存村 {reply.id} {reply.name}", highlight=False)


@official_app.command("put")
def official_put(id: str = typer.Option(...), village: str = named("village", ...),
                 name: str = typer.Option(...), base_pay: str = typer.Option(..., help="yuan a month"),
                 position: str = typer.Option(""),
                 effective_on: str = typer.Option("", help="YYYY-MM-DD the change takes effect"),
                 left_on: str = typer.Option("", help="YYYY-MM-DD the official leaves"),
                 attr: Optional[list[str]] = ATTR_OPTION, output: Output = OUTPUT_OPTION):
    """新增一位村干部，或修改其所在村、职务、基本报酬或属性。"""
    reply = call(_registry().PutOfficial, rg.Official(
        id=id, village_id=village, name=name, base_pay=base_pay, position=position,
        effective_on=effective_on, left_on=left_on, attributes=_attributes(attr)))
    if not emit_json(output, reply):
        console.print(f"已保存村干部 {reply.id} {reply.name}", highlight=False)


@scorer_app.command("put")
def scorer_put(id: str = typer.Option(...), name: str = typer.Option(...),
               role: str = typer.Option(..., help="main_leader, contact_leader, station or resident_cadre"),
               township: str = named("township", "", "默认：你的令牌所属乡镇，或唯一的乡镇"),
               output: Output = OUTPUT_OPTION):
    """新增一个考评人，或修改其名称或角色。"""
    reply = call(_registry().PutScorer, rg.Scorer(id=id, name=name, role=role, township_id=township))
    if not emit_json(output, reply):
        console.print(f"已保存考评人 {reply.id} {reply.name}", highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="roster")
    root.add_typer(village_app, name="village")
    root.add_typer(official_app, name="official")
    root.add_typer(scorer_app, name="scorer")
