"""`kaoping token issue|revoke|list`: administrators issue and revoke tokens over the
API (TokenService), within their reach: a township admin for its own township, a
county admin for its county's townships and its county, a deployment admin any.
On the server host, `kaoping-server tokens` does the same directly in the database."""
from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from kaoping.v1 import tokens_pb2 as tk
from kaoping.v1 import tokens_pb2_grpc as tk_grpc
from kaoping_cli.common import OUTPUT_OPTION, ROLE_NAMES, Output, call, console, emit_json, stub
from kaoping_cli.names import names, option as named

app = typer.Typer(help="发放、吊销和查看令牌（管理员）。\n\n"
                       "示例（Example）：kaoping token list", no_args_is_help=True)

ROLES_HELP = ("admin, reader, main_leader, contact_leader, station, resident_cadre, system, "
              "village (a township's); county_admin, county_reader (a county's)")


def _stub() -> tk_grpc.TokenServiceStub:
    return stub(tk_grpc.TokenServiceStub)


def reach_text(info: tk.TokenInfo) -> str:
    if info.township_id:
        return f"乡镇 {info.township_id}"
    if info.county:
        return f"县 {info.county}"
    return "全部署"


@app.command("issue")
def issue(name: str = typer.Option(..., "--name", help="持有人"),
          role: str = typer.Option(..., "--role", help=ROLES_HELP),
          township: str = named("township", "", "默认：你的乡镇；考评人或村的令牌取其所属乡镇"),
          county: str = typer.Option("", "--county", help="county roles: the county (default: yours)"),
          scorer: str = named("scorer", "", "考评人角色的令牌"),
          village: str = named("village", "", "村角色的令牌"),
          categories: str = typer.Option("", "--categories", help="考评类别的编号或名称，以逗号分隔（system 角色）"),
          expires_days: int = typer.Option(0, "--expires-days", help="有效天数；0 为永不过期"),
          quiet: bool = typer.Option(False, "--quiet", help="只打印令牌本身"),
          output: Output = OUTPUT_OPTION):
    """发放令牌；令牌只显示这一次，之后无法再查看。
    示例（Example）： kaoping token issue --name 便民服务站 --role station --scorer station-01"""
    issued = call(_stub().IssueToken, tk.IssueTokenRequest(
        name=name, role=role, township_id=township, county=county, scorer_id=scorer,
        village_id=village, categories=[names().category(c.strip(), township)
                                        for c in categories.replace("，", ",").split(",") if c.strip()],
        expires_days=expires_days))
    if quiet:
        typer.echo(issued.token)
        return
    if emit_json(output, issued):
        return
    i = issued.info
    console.print(f"已为 {i.name} 发放令牌 {i.id}（{ROLE_NAMES.get(i.role, i.role)}，{reach_text(i)}）；"
                  f"仅显示一次，请妥善保存：", markup=False, highlight=False)
    typer.echo(issued.token)


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., metavar="ID", help="the token's id (kaoping token list)"),
           output: Output = OUTPUT_OPTION):
    """吊销令牌：数秒内所有服务器都会拒绝它。
    示例（Example）： kaoping token revoke 7"""
    info = call(_stub().RevokeToken, tk.RevokeTokenRequest(id=token_id))
    if emit_json(output, info):
        return
    console.print(f"令牌 {info.id}（{info.name}）已于 {info.revoked_at} 吊销", markup=False,
                  highlight=False)


@app.command("list")
def list_tokens(township: str = named("township", "", "只列这个乡镇的令牌"),
                include_revoked: bool = typer.Option(False, "--include-revoked", help="也列出已吊销的"),
                output: Output = OUTPUT_OPTION):
    """你管理的令牌（从不显示令牌本身）。
    示例（Example）： kaoping token list --township dahedian"""
    response = call(_stub().ListTokens, tk.ListTokensRequest(township_id=township,
                                                             include_revoked=include_revoked))
    if emit_json(output, response):
        return
    table = Table("编号", "持有人", "角色", "范围", "考评人 / 村 / 类别", "发放", "到期", "状态", title="令牌")
    for i in response.tokens:
        bound: Optional[str] = i.scorer_id or i.village_id or ",".join(i.categories)
        table.add_row(str(i.id), i.name, ROLE_NAMES.get(i.role, i.role), reach_text(i), bound or "",
                      i.created_at[:10], i.expires_at[:10] or "—", "已吊销" if i.revoked_at else "有效")
    console.print(table)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="token")
