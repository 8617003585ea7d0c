"""`kaoping rules ...`: validate, upload, activate, roll back, test, migrate, dry-run and
list a township's rule sets (the rule files are data: checked by the server's own
validator, never evaluated here)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping_cli.common import OUTPUT_OPTION, Output, amount_text, call, call_pages, console, emit_json, stub
from kaoping_cli.names import option as named

app = typer.Typer(help="检查、上传、启用和回退考评规则集。", no_args_is_help=True)
_stub, _call, _pages = stub, call, call_pages


def _source(path: Path, label: str = "") -> rs.RuleSetSource:
    return rs.RuleSetSource(text=path.read_text(encoding="utf-8"), filename=path.name, label=label)


@app.command("validate")
def rules_validate(file: Path, server: bool = typer.Option(
        False, "--server", help="交给服务器检查（用它的探测和限额），而不是在本机检查")):
    """完整检查一个规则文件并运行其中的示例用例；不加 --server 时离线检查。
    示例（Example）：kaoping rules validate rules/township-sample.yaml"""
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
        console.print(("通过 " if passed else "失败 ") + name, markup=False, highlight=False)
    console.print("规则文件有效" if valid else f"规则文件无效：{len(problems)} 个问题", highlight=False)
    raise typer.Exit(0 if valid else 1)


@app.command("upload")
def rules_upload(file: Path, label: str = typer.Option("", help="版本标签，如 “2027 细则”"),
                 township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """把规则文件存为乡镇的新版本（先检查）；启用（rules activate）之前不生效。"""
    source = _source(file, label)
    source.township_id = township
    v = _call(_stub(rs_grpc.RuleSetServiceStub).UploadRuleSet, source)
    console.print(f"已存为版本 {v.ref.id} {v.ref.label} {v.ref.content_hash[:12]}（尚未启用）", highlight=False)


@app.command("activate")
def rules_activate(version: int, township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """启用乡镇已存的某个版本（其他乡镇不受影响）。"""
    v = _call(_stub(rs_grpc.RuleSetServiceStub).ActivateRuleSet,
              rs.ActivateRuleSetRequest(id=version, township_id=township))
    console.print(f"{v.township_id} 现行规则集：版本 {v.ref.id} {v.ref.label}", highlight=False)


@app.command("rollback")
def rules_rollback(township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """回退到乡镇在当前版本之前启用的版本。"""
    v = _call(_stub(rs_grpc.RuleSetServiceStub).RollbackRuleSet, rs.RollbackRuleSetRequest(township_id=township))
    console.print(f"{v.township_id} 现行规则集：版本 {v.ref.id} {v.ref.label}", highlight=False)


@app.command("test")
def rules_test(files: list[Path]):
    """在本机运行规则文件的示例用例（类似 `opa test`，无需服务器和令牌）：通过和失败的用例，
    以及没有用例覆盖的规则。
    示例（Example）：kaoping rules test rules/township-sample.yaml rules/examples/*.yaml"""
    from kaoping.rules.cases import unexercised
    from kaoping.usecases.rulesets import validate_text
    failed_files = passed = failed = 0
    for file in files:
        checked = validate_text(file.read_text(encoding="utf-8"), str(file))
        for c in checked.cases:
            passed, failed = passed + c.passed, failed + (not c.passed)
            console.print(("通过 " if c.passed else "失败 ") + f"{file.name}: {c.name}",
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
                console.print(f"     {file.name}：没有用例覆盖 {', '.join(missing)}",
                              style="yellow", markup=False, highlight=False)
        failed_files += 0 if checked.valid else 1
    console.print(f"用例通过 {passed} 个，失败 {failed} 个；"
                  f"{len(files)} 个文件中 {len(files) - failed_files} 个有效", highlight=False)
    raise typer.Exit(1 if failed_files else 0)


@app.command("migrate")
def rules_migrate(file: Path, output: Path = typer.Option(None, "--output", "-o",
                                                          help="写入这个文件，而不是标准输出"),
                  in_place: bool = typer.Option(False, "--in-place", help="直接改写 FILE")):
    """把第 1 版语言的规则文件转换为第 2 版（离线）。结果对每个月的评分与原文件完全相同，注释保留。
    示例（Example）：kaoping rules migrate rules/township-sample.yaml -o township-v2.yaml"""
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
        console.print(f"已写入 {target}（第 2 版语言）", markup=False, highlight=False)


@app.command("dry-run")
def rules_dry_run(file: Path, month: str = typer.Option(...), township: str = named("township"),
                  output: Output = OUTPUT_OPTION):
    """试算：用候选规则文件重算过去某月（不保存任何内容），列出与现行规则集相比谁得谁失。"""
    report = _call(_stub(rs_grpc.RuleSetServiceStub).DryRunRuleSet, rs.DryRunRequest(
        candidate=_source(file), month=month, township_id=township))
    if emit_json(output, report):
        return
    table = Table("村干部", "村", "总分", "等次", "报酬(元)", title=(
        f"{month}：v{report.current.id} {report.current.label} → 候选 {report.candidate_hash[:12]}"))
    table.add_column("变化的扣加分", overflow="fold")
    for d in report.changed:
        items = [f"- {amount_text(i)} {i.rule_id} #{i.fact_id}" for i in d.removed_items] + \
                [f"+ {amount_text(i)} {i.rule_id} #{i.fact_id}" for i in d.added_items]
        table.add_row(d.official_name, d.village_name, f"{d.old_total} → {d.new_total}",
                      f"{d.old_grade} → {d.new_grade}", f"{d.old_pay} → {d.new_pay}", "\n".join(items))
    console.print(table)
    console.print(f"{len(report.changed)} 人有变化，{report.unchanged} 人不变", highlight=False)


@app.command("list")
def rules_list(output: Output = OUTPUT_OPTION, township: str = named("township", "", "默认：你的乡镇，或唯一的乡镇")):
    """列出乡镇可启用的规则集版本。"""
    response = _pages(_stub(rs_grpc.RuleSetServiceStub).ListRuleSets,
                      rs.ListRuleSetsRequest(township_id=township), "versions")
    if emit_json(output, response):
        return
    table = Table("版本", "标签", "哈希", "上传时间", "现行", title="规则集版本")
    for v in response.versions:
        table.add_row(str(v.ref.id), v.ref.label, v.ref.content_hash[:12], v.uploaded_at,
                      "是" if v.active else "")
    console.print(table)
