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
                                emit_json, err_console, message_dict, print_json, stub, usage_error)
from kaoping_cli.fact_sheet import ImportFileError
from kaoping_cli.names import option as named
from kaoping_cli.roster_sheets import KINDS, MAX_ROWS, read_roster, write_roster

app = typer.Typer(help="The township's roster (villages, officials, scorers) from and to Excel/CSV.",
                  no_args_is_help=True)
ACTION_NAMES = {"added": "新增 added", "changed": "修改 changed", "unchanged": "不变 unchanged",
                "rejected": "拒绝 rejected"}


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
        table = Table("表 sheet", "行 row", "编号 id", "结果 action", "修改的栏 fields",
                      title="将写入 to be written" if report.dry_run else "已写入 written",
                      title_justify="left")
        for r in changed:
            table.add_row(r.sheet, str(r.row), r.id, ACTION_NAMES.get(r.action, r.action),
                          ", ".join(r.changed_fields))
        console.print(table)
    word = "试算 dry run" if report.dry_run else "已写入 written"
    console.print(f"{file} ({word}): {len(report.rows)} rows — {report.added} added, {report.changed} changed, "
                  f"{report.unchanged} unchanged, {report.rejected} rejected", highlight=False)
    show_rejected(report)


def show_rejected(report: rg.RosterImportReport) -> None:
    """Rejected rows on stderr, one line per reason, so they stand out from the report."""
    for r in report.rows:
        if r.action == "rejected":
            for p in r.problems:
                err_console.print(f"rejected {r.sheet} row {r.row} ({r.id or '-'}): {p.field}: {p.reason}",
                                  style="red", markup=False, highlight=False)


@app.command("import")
def roster_import(
        file: Path = typer.Argument(..., help="a .xlsx workbook (sheets 村, 村干部, 考评人) or one .csv"),
        township: str = named("township", "", "默认：你的令牌所属乡镇，或唯一的乡镇"),
        apply: bool = typer.Option(False, "--apply", help="write the good rows (after the dry-run report)"),
        kind: Optional[Kind] = typer.Option(None, help="what a CSV file holds (default: told by its header)"),
        encoding: str = typer.Option("", help="CSV text encoding (default: UTF-8, else GB18030)"),
        output: Output = OUTPUT_OPTION):
    """Import villages, officials and scorers from Excel or CSV (a dry run unless --apply).

    The dry-run report comes first: rows added, changed (with the fields), unchanged,
    and rejected with sheet, row number and reason (on stderr). --apply then writes the
    good rows in one transaction. Exit 1 when rows were rejected."""
    if not file.exists():
        raise usage_error(f"{file}: no such file")
    try:
        rows = read_roster(file, kind.value if kind else "", encoding)
    except ImportFileError as exc:
        raise usage_error(str(exc))
    if len(rows) > MAX_ROWS:
        raise usage_error(f"{file}: {len(rows)} rows; at most {MAX_ROWS} in one import (split the file)")
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
            console.print(f"written: {applied.added} added, {applied.changed} changed, "
                          f"{applied.unchanged} unchanged, {applied.rejected} rejected", highlight=False)
        elif apply:
            console.print("nothing to write: every good row is already as stored", highlight=False)
        else:
            console.print("dry run: nothing written; run again with --apply to write the good rows",
                          highlight=False)
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
    """Write the roster in the import's layout: importing the file back changes nothing."""
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise usage_error(f"{out}: the roster is written as .xlsx or .csv")
    if suffix == ".csv" and kind is None:
        raise usage_error("a CSV file holds one kind: give --kind villages, officials or scorers")
    sheets = _township_roster(township)
    write_roster(out, sheets, kind.value if kind else "")
    counts = ", ".join(f"{len(sheets[k])} {k}" for k in KINDS if not kind or k == kind.value)
    console.print(f"{counts} written to {out}", highlight=False)


@app.command("template")
def roster_template(out: Path = typer.Option(..., "--out", help="FILE.xlsx, or FILE.csv with --kind"),
                    kind: Optional[Kind] = typer.Option(None, help="which sheet a .csv holds")):
    """An empty roster workbook with the headers of every sheet (no server needed)."""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise usage_error(f"{out}: the template is written as .xlsx or .csv")
    if out.suffix.lower() == ".csv" and kind is None:
        raise usage_error("a CSV file holds one kind: give --kind villages, officials or scorers")
    write_roster(out, {}, kind.value if kind else "")
    console.print(f"template written to {out}", highlight=False)


# one record at a time --------------------------------------------------------------------
village_app = typer.Typer(help="Add or change one village.", no_args_is_help=True)
official_app = typer.Typer(help="Add or change one official.", no_args_is_help=True)
scorer_app = typer.Typer(help="Add or change one scorer.", no_args_is_help=True)


def _attributes(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise usage_error(f"--attr {pair!r}: write NAME=VALUE, e.g. --attr star=5")
        found[key.strip()] = value.strip()
    return found


ATTR_OPTION = typer.Option(None, "--attr", help="NAME=VALUE, repeatable; replaces all attributes")


@village_app.command("put")
def village_put(id: str = typer.Option(...), name: str = typer.Option(...),
                township: str = named("township", ...),
                attr: Optional[list[str]] = ATTR_OPTION, output: Output = OUTPUT_OPTION):
    """Add a village or change its name and attributes."""
    reply = call(_registry().PutVillage, rg.Village(id=id, township_id=township, name=name,
                                                     attributes=_attributes(attr)))
    if not emit_json(output, reply):
        console.print(f"village {reply.id} {reply.name} saved", highlight=False)


@official_app.command("put")
def official_put(id: str = typer.Option(...), village: str = named("village", ...),
                 name: str = typer.Option(...), base_pay: str = typer.Option(..., help="yuan a month"),
                 position: str = typer.Option(""),
                 effective_on: str = typer.Option("", help="YYYY-MM-DD the change takes effect"),
                 left_on: str = typer.Option("", help="YYYY-MM-DD the official leaves"),
                 attr: Optional[list[str]] = ATTR_OPTION, output: Output = OUTPUT_OPTION):
    """Add an official or change his village, position, base pay or attributes."""
    reply = call(_registry().PutOfficial, rg.Official(
        id=id, village_id=village, name=name, base_pay=base_pay, position=position,
        effective_on=effective_on, left_on=left_on, attributes=_attributes(attr)))
    if not emit_json(output, reply):
        console.print(f"official {reply.id} {reply.name} saved", highlight=False)


@scorer_app.command("put")
def scorer_put(id: str = typer.Option(...), name: str = typer.Option(...),
               role: str = typer.Option(..., help="main_leader, contact_leader, station or resident_cadre"),
               township: str = named("township", "", "默认：你的令牌所属乡镇，或唯一的乡镇"),
               output: Output = OUTPUT_OPTION):
    """Add a scorer or change its name or role."""
    reply = call(_registry().PutScorer, rg.Scorer(id=id, name=name, role=role, township_id=township))
    if not emit_json(output, reply):
        console.print(f"scorer {reply.id} {reply.name} saved", highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="roster")
    root.add_typer(village_app, name="village")
    root.add_typer(official_app, name="official")
    root.add_typer(scorer_app, name="scorer")
