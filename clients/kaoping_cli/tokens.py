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
          township: str = typer.Option("", "--township", help="township id (default: yours; a scorer's "
                                       "or village's token takes its scorer's or village's)"),
          county: str = typer.Option("", "--county", help="county roles: the county (default: yours)"),
          scorer: str = typer.Option("", "--scorer", help="scorer id (scorer roles)"),
          village: str = typer.Option("", "--village", help="village id (village role)"),
          categories: str = typer.Option("", "--categories", help="comma-separated (system role)"),
          expires_days: int = typer.Option(0, "--expires-days", help="0: never expires"),
          quiet: bool = typer.Option(False, "--quiet", help="print only the token"),
          output: Output = OUTPUT_OPTION):
    """Issue a token; it is printed once and cannot be shown again.
    Example: kaoping token issue --name 便民服务站 --role station --scorer station-01"""
    issued = call(_stub().IssueToken, tk.IssueTokenRequest(
        name=name, role=role, township_id=township, county=county, scorer_id=scorer,
        village_id=village, categories=[c.strip() for c in categories.split(",") if c.strip()],
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
def list_tokens(township: str = typer.Option("", "--township", help="only this township's tokens"),
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
