"""`kaoping township ...` and `kaoping rules template ...`: townships and their settings,
and a county's template rule set (README "Townships and roles").

A county or deployment administrator creates townships; a township's own admin
changes its settings (the issuing body, contact and document-number prefix its
documents print) and uploads, activates and rolls back its own rule sets with
`kaoping rules ... --township`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping_cli.common import OUTPUT_OPTION, Output, call, console, emit_json, stub
from kaoping_cli.names import argument as named_argument

app = typer.Typer(help="新建、修改和查看乡镇。", no_args_is_help=True)
template_app = typer.Typer(help="县级模板规则集：新建的乡镇从它开始。"
                                "示例（Example）：kaoping rules template get -o my-rules.yaml",
                           no_args_is_help=True)

SCRIPT_HELP = "文件用字：zh-Hans（简体，默认）或 zh-Hant（繁体）"


def _show(t: rg.Township, output: Output) -> None:
    if emit_json(output, t):
        return
    table = Table("编号", "名称", "县", "用字", "发文机关", "联系人", "文号前缀", title="乡镇")
    table.add_row(t.id, t.name, t.county, t.script, t.issuer, t.contact, t.doc_prefix)
    console.print(table)


@app.command("create")
def create(township_id: str = typer.Argument(..., metavar="ID", help="e.g. dahedian"),
           name: str = typer.Option(..., help="e.g. 大河店镇"),
           county: str = typer.Option("", help="e.g. 徽县 (county admins: their own, the default)"),
           script: str = typer.Option("zh-Hans", help=SCRIPT_HELP),
           issuer: str = typer.Option("", help="通知单上的发文机关，如 中共大河店镇委员会"),
           contact: str = typer.Option("", help="文件上的联系人和电话"),
           doc_prefix: str = typer.Option("", "--doc-prefix", help="文号前缀，如 大河店发"),
           output: Output = OUTPUT_OPTION):
    """新建乡镇；它从所在县的模板规则集（或默认规则集）开始。
    示例（Example）： kaoping township create xinzhuang --name 新庄镇 --county 徽县"""
    _show(call(stub(rg_grpc.RegistryServiceStub).CreateTownship, rg.Township(
        id=township_id, name=name, county=county, script=script, issuer=issuer, contact=contact,
        doc_prefix=doc_prefix)), output)


@app.command("update")
def update(township_id: str = named_argument("township", metavar="ID"),
           name: Optional[str] = typer.Option(None), county: Optional[str] = typer.Option(None),
           script: Optional[str] = typer.Option(None, help=SCRIPT_HELP),
           issuer: Optional[str] = typer.Option(None), contact: Optional[str] = typer.Option(None),
           doc_prefix: Optional[str] = typer.Option(None, "--doc-prefix"),
           output: Output = OUTPUT_OPTION):
    """修改乡镇名称或设置；没给的选项保持原值。
    示例（Example）： kaoping township update dahedian --contact "党政办 0939-1234567" """
    registry = stub(rg_grpc.RegistryServiceStub)
    current = call(registry.GetTownship, rg.GetTownshipRequest(id=township_id))
    for field, value in (("name", name), ("county", county), ("script", script), ("issuer", issuer),
                         ("contact", contact), ("doc_prefix", doc_prefix)):
        if value is not None:
            setattr(current, field, value)
    _show(call(registry.UpdateTownship, current), output)


@app.command("list")
def list_(county: str = typer.Option("", help="only this county's"), output: Output = OUTPUT_OPTION):
    """你可查看的乡镇。示例（Example）： kaoping township list --county 徽县"""
    response = call(stub(rg_grpc.RegistryServiceStub).ListTownships, rg.ListTownshipsRequest(county=county))
    if emit_json(output, response):
        return
    table = Table("编号", "名称", "县", "用字", "发文机关", title="乡镇")
    for t in response.townships:
        table.add_row(t.id, t.name, t.county, t.script, t.issuer)
    console.print(table)


@app.command("show")
def show(township_id: str = named_argument("township", metavar="ID"), output: Output = OUTPUT_OPTION):
    """一个乡镇及其设置。示例（Example）： kaoping township show dahedian"""
    _show(call(stub(rg_grpc.RegistryServiceStub).GetTownship, rg.GetTownshipRequest(id=township_id)), output)


@template_app.command("publish")
def template_publish(version: int = typer.Argument(..., help="a version uploaded into a township of the county"),
                     county: str = typer.Option("", help="default: your county")):
    """把一个版本发布为县级模板（县管理员）。
    示例（Example）： kaoping rules template publish 3 --county 徽县"""
    v = call(stub(rs_grpc.RuleSetServiceStub).PublishTemplate,
             rs.PublishTemplateRequest(county=county, id=version))
    console.print(f"县级模板：版本 {v.ref.id} {v.ref.label} {v.ref.content_hash[:12]}", highlight=False)


@template_app.command("get")
def template_get(county: str = typer.Option("", help="default: your county"),
                 out: Optional[Path] = typer.Option(None, "--out", "-o", help="把文本写入这个文件")):
    """县级模板的文本，用来起草本乡镇自己的规则文件。
    示例（Example）： kaoping rules template get -o my-rules.yaml"""
    t = call(stub(rs_grpc.RuleSetServiceStub).GetTemplate, rs.GetTemplateRequest(county=county))
    if out is None:
        console.print(t.text, markup=False, highlight=False, soft_wrap=True)
        return
    out.write_text(t.text, encoding="utf-8")
    console.print(f"已将{t.county}模板版本 {t.version.ref.id} 写入 {out}", highlight=False)
