"""What the staff commands (entry, import, export, print) share: the connection taken
from the root command's options, calling an RPC with the CLI's exit codes, JSON output
for scripts, and the catalog of villages, officials, scorers and rule-set categories.

This module never imports kaoping_cli.main: the connection settings are read from the
root click context (`kaoping --server ... --token ...`), so it works the same whether
the CLI runs as the `kaoping` script or as `python -m kaoping_cli.main`.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable

import grpc
import typer
from google.protobuf.descriptor import FieldDescriptor

from kaoping.domain.workflow import STATE_ZH
from kaoping.domain.yearflow import ACTION_ZH as YEAR_ACTION_ZH
from kaoping.domain.yearflow import STATE_ZH as YEAR_STATE_ZH
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping_cli.rpc import all_pages, channel, describe_error, has_status_details, server_address
from kaoping_cli.terminal import console, err_console, print_error  # noqa: F401 (re-exported: every command prints through these)

# The click that Typer runs on: recent Typer vendors its own copy (typer._click), older
# releases use the click package. Contexts and usage errors must come from that one.
try:
    from typer._click import exceptions as click_exceptions  # noqa: F401 (used by entry.py)
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - Typer on the click package
    from click import exceptions as click_exceptions  # noqa: F401
    from click import get_current_context

# Exit codes (the same as the rest of the CLI; documented in docs/staff-guide.md).
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3

ROLE_NAMES = {"main_leader": "主要领导", "contact_leader": "包村领导", "station": "便民服务站",
              "resident_cadre": "驻村干部", "admin": "管理员", "system": "系统", "village": "村",
              "reader": "查阅"}
# The month's states as the server's refusals name them: one word per state.
STATE_NAMES = dict(STATE_ZH)
YEAR_STATE_NAMES = dict(YEAR_STATE_ZH)     # the year-end workflow's states (kaoping.domain.yearflow)
YEAR_ACTION_NAMES = dict(YEAR_ACTION_ZH)


class Output(str, Enum):
    table = "table"
    json = "json"


OUTPUT_OPTION = typer.Option(Output.table, "--output", case_sensitive=False,
                             help="table（表格，给人看）或 json（给脚本）")


# connection ------------------------------------------------------------------------
def connection(ctx=None) -> grpc.Channel:
    """One channel per command run, built from the root command's options (the given
    context, e.g. during shell completion, or the current one)."""
    ctx = ctx if ctx is not None else get_current_context(silent=True)
    meta = ctx.find_root().meta if ctx is not None else {}
    if "kaoping.channel" not in meta:
        p = ctx.find_root().params if ctx is not None else {}
        meta["kaoping.channel"] = channel(server_address(p.get("server")), p.get("token") or "",
                                          p.get("tls_ca") or "", p.get("tls_cert") or "",
                                          p.get("tls_key") or "")
    return meta["kaoping.channel"]


ENV_LANG = "KAOPING_LANG"


def chosen_script(ctx=None) -> str | None:
    """The script given by `kaoping --lang` (or KAOPING_LANG): zh-Hans or zh-Hant, None
    when not given (the CLI then prints Simplified, documents the township's script).
    A value that names neither script is a usage error."""
    from kaoping.text.script import script_of
    ctx = ctx if ctx is not None else get_current_context(silent=True)
    given = (ctx.find_root().params.get("lang") if ctx is not None else "") or ""
    if not given.strip():
        return None
    try:
        return script_of(given)
    except ValueError as exc:
        raise usage_error(f"--lang：{exc}")


def stub(kind, ctx=None):
    return kind(connection(ctx))


UNREACHABLE = "无法连接 kaoping 服务器 {address}：请确认服务已启动，或用 --server / KAOPING_SERVER 指定地址。"
NO_TOKEN = "没有提供令牌：请用 --token 或环境变量 KAOPING_TOKEN 提供管理员发给你的令牌。"
BAD_TOKEN = ("令牌无效、已吊销或已过期：请向管理员索取新令牌（kaoping token issue），"
             "再用 --token 或 KAOPING_TOKEN 提供。")


def _root_params(ctx=None) -> dict:
    ctx = ctx if ctx is not None else get_current_context(silent=True)
    return ctx.find_root().params if ctx is not None else {}


def plain_sentence(error: grpc.RpcError) -> str:
    """One sentence of what to do for the failures that are not about the request: the
    server cannot be reached, no token, a wrong or revoked token; "" for the others."""
    params = _root_params()
    if error.code() == grpc.StatusCode.UNAVAILABLE and not has_status_details(error):
        return UNREACHABLE.format(address=server_address(params.get("server")))
    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
        return BAD_TOKEN if (params.get("token") or "").strip() else NO_TOKEN
    return ""


def fail(error: grpc.RpcError, what: str = "") -> "typer.Exit":
    """Print why the server refused (or could not be asked) on stderr, in Chinese; the
    exit the CLI uses for that error. stdout stays clean for --output json."""
    if what:
        print_error(what)
    sentence = plain_sentence(error)
    for line in [sentence] if sentence else describe_error(error):
        print_error(line)
    return typer.Exit(EXIT_UNREACHABLE if error.code() == grpc.StatusCode.UNAVAILABLE else EXIT_REFUSED)


def call(method, request, timeout: float = 60):
    """One RPC; a refusal is printed (fail) and ends the command with its exit code."""
    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as error:
        raise fail(error)


def call_pages(method, request, field: str, max_items: int = 0):
    """call() for a paged List* RPC: one response holding every page's items."""
    return all_pages(lambda r: call(method, r), request, field, max_items)


def usage_error(message: str) -> "typer.Exit":
    print_error(message)
    return typer.Exit(EXIT_USAGE)


# JSON for scripts --------------------------------------------------------------------
def message_dict(message) -> dict:
    """A protobuf message as plain JSON data: every field, snake_case names, integers
    as numbers (proto3's JSON mapping would quote int64), decimals stay text."""
    out: dict[str, Any] = {}
    for f in message.DESCRIPTOR.fields:
        value = getattr(message, f.name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value_field = f.message_type.fields_by_name["value"]
            out[f.name] = {k: _value(value_field, v) for k, v in value.items()}
        elif _is_repeated(f):
            out[f.name] = [_value(f, v) for v in value]
        elif f.containing_oneof is not None and not message.HasField(f.name):
            continue
        else:
            out[f.name] = _value(f, value)
    return out


def _is_repeated(f) -> bool:
    repeated = getattr(f, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return f.label == FieldDescriptor.LABEL_REPEATED


def _value(f, value):
    if f.type == FieldDescriptor.TYPE_MESSAGE:
        return message_dict(value)
    if f.type == FieldDescriptor.TYPE_ENUM:
        return f.enum_type.values_by_number[value].name if value in f.enum_type.values_by_number else value
    return value


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def emit_json(output, message) -> bool:
    """`--output json`: write the reply as JSON and return True (the caller stops)."""
    if output in (Output.json, "json"):
        print_json(message_dict(message))
        return True
    return False


# catalog: what may be chosen -------------------------------------------------------------
@dataclass
class Kind:
    id: str
    name: str
    unit: str
    max_quantity: str


@dataclass
class Category:
    id: str
    name: str
    max: str
    scored_by: list[str]
    kinds: dict[str, Kind]


@dataclass
class Catalog:
    villages: list  # rg.Village
    officials: list  # rg.Official
    scorers: list  # rg.Scorer
    categories: dict[str, Category]
    ruleset_label: str = ""
    _by: dict = field(default_factory=dict)

    @property
    def village_by_id(self) -> dict:
        return {v.id: v for v in self.villages}

    @property
    def official_by_id(self) -> dict:
        return {o.id: o for o in self.officials}

    @property
    def scorer_by_id(self) -> dict:
        return {s.id: s for s in self.scorers}

    def officials_of(self, village_id: str) -> list:
        return [o for o in self.officials if o.village_id == village_id]

    def categories_for(self, role: str) -> list[Category]:
        """The categories a scorer of this role may score (the rule set's scored_by)."""
        return [c for c in self.categories.values() if role in c.scored_by]


def load_catalog(with_scorers: bool = True) -> Catalog:
    """The lists the guided entry and the importer choose from: this command run's, shared
    with the name resolver (kaoping_cli.names), so each is asked for once."""
    from kaoping_cli.names import names
    n = names()
    summary = n.ruleset()
    categories = {c.id: Category(c.id, c.name, c.max, list(c.scored_by),
                                 {k.id: Kind(k.id, k.name, k.unit, k.max_quantity) for k in c.kinds})
                  for c in summary.categories}
    return Catalog(n.village_list(), n.official_list(), n.scorer_list() if with_scorers else [],
                   categories, summary.ref.label)


def choice_label(ident: str, name: str) -> str:
    """How a choice is written in templates and dropdowns: "v01-1 王建国"."""
    return f"{ident} {name}".strip()


def first_token(text: str) -> str:
    return text.strip().split()[0] if text and text.strip() else ""


def display_width(text: str) -> int:
    """Columns a string takes in a terminal or a spreadsheet: CJK characters count two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def joined(items: Iterable[str], sep: str = ", ") -> str:
    return sep.join(i for i in items if i)


def complete_village(ctx: typer.Context, incomplete: str):
    """Shell completion for --village: ids (with names) from the server; nothing if it
    cannot be asked quickly."""
    try:
        villages = stub(rg_grpc.RegistryServiceStub, ctx).ListVillages(rg.ListVillagesRequest(), timeout=2).villages
    except Exception:  # completion must never fail loudly
        return []
    from kaoping.text.script import fold   # 硬灣 completes 硬湾村
    typed = fold(incomplete)
    return [(v.id, v.name) for v in villages if fold(v.id).startswith(typed) or fold(v.name).startswith(typed)]


def amount_text(item) -> str:
    """What a line item does, for a table cell: its points, or its yuan ("-30.00元"), or
    what it did to pay (a forfeit, a multiplier), for any LineItem message."""
    yuan = getattr(item, "yuan", "") or "0"
    if yuan not in ("0", "0.00", "-0.00"):
        return f"{yuan}元"
    effect = getattr(item, "effect", "")
    if effect == "forfeit":
        return "扣发当月报酬"
    if effect == "multiplier":
        return item.detail
    return item.points
