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
from kaoping_cli.common import OUTPUT_OPTION, Output, call, console, emit_json, stub
from kaoping_cli.names import names, option as named

app = typer.Typer(help="Issue, revoke and list bearer tokens (administrators).\n\n"
                       "Example: kaoping token list", no_args_is_help=True)

ROLES_HELP = ("admin, reader, main_leader, contact_leader, station, resident_cadre, system, "
              "village (a township's); county_admin, county_reader (a county's)")


def _stub() -> tk_grpc.TokenServiceStub:
    return stub(tk_grpc.TokenServiceStub)


def reach_text(info: tk.TokenInfo) -> str:
    if info.township_id:
        return f"township {info.township_id}"
    if info.county:
        return f"county {info.county}"
    return "deployment"


@app.command("issue")
def issue(name: str = typer.Option(..., "--name", help="who holds it"),
          role: str = typer.Option(..., "--role", help=ROLES_HELP),
          township: str = named("township", "", "默认：你的乡镇；考评人或村的令牌取其所属乡镇"),
          county: str = typer.Option("", "--county", help="county roles: the county (default: yours)"),
          scorer: str = named("scorer", "", "考评人角色的令牌"),
          village: str = named("village", "", "村角色的令牌"),
          categories: str = typer.Option("", "--categories", help="考评类别的编号或名称，以逗号分隔（system 角色）"),
          expires_days: int = typer.Option(0, "--expires-days", help="0: never expires"),
          quiet: bool = typer.Option(False, "--quiet", help="print only the token"),
          output: Output = OUTPUT_OPTION):
    """Issue a token; it is printed once and cannot be shown again.
    Example: kaoping token issue --name 便民服务站 --role station --scorer station-01"""
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
    console.print(f"token {i.id} for {i.name} ({i.role}, {reach_text(i)}); 仅显示一次，请妥善保存 "
                  f"(shown once, store it safely):", markup=False, highlight=False)
    typer.echo(issued.token)


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., metavar="ID", help="the token's id (kaoping token list)"),
           output: Output = OUTPUT_OPTION):
    """Revoke a token: refused within seconds on every server.
    Example: kaoping token revoke 7"""
    info = call(_stub().RevokeToken, tk.RevokeTokenRequest(id=token_id))
    if emit_json(output, info):
        return
    console.print(f"token {info.id} ({info.name}) revoked at {info.revoked_at}", markup=False,
                  highlight=False)


@app.command("list")
def list_tokens(township: str = named("township", "", "只列这个乡镇的令牌"),
                include_revoked: bool = typer.Option(False, "--include-revoked", help="revoked ones too"),
                output: Output = OUTPUT_OPTION):
    """The tokens you manage (never their secrets).
    Example: kaoping token list --township dahedian"""
    response = call(_stub().ListTokens, tk.ListTokensRequest(township_id=township,
                                                             include_revoked=include_revoked))
    if emit_json(output, response):
        return
    table = Table("id", "name", "role", "reach", "scorer / village / categories", "created", "expires",
                  "state")
    for i in response.tokens:
        bound: Optional[str] = i.scorer_id or i.village_id or ",".join(i.categories)
        table.add_row(str(i.id), i.name, i.role, reach_text(i), bound or "", i.created_at[:10],
                      i.expires_at[:10] or "—", "revoked" if i.revoked_at else "active")
    console.print(table)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="token")
