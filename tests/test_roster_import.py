"""`kaoping roster import|export|template` over RegistryService.ImportRoster: a real
server on loopback, a real SQLite (or PostgreSQL) database, the real CLI. A dry run
reports and writes nothing; --apply writes the good rows in one transaction; a
re-import, and an export imported back, change nothing; bad rows are rejected with their
row number and reason; another township's records are PERMISSION_DENIED."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from kaoping.storage.models import ApiToken, AuditEntry, Official, Scorer, Township, Village
from kaoping.usecases.tokens import Tokens
from kaoping_cli.roster_sheets import SHEET_TITLES
from tests.support.apps import ROOT
from tests.support.cli import run
from tests.support.servers import LocalServer


@pytest.fixture
def server(app):
    local = LocalServer(app, insecure_dev=False)
    yield local
    local.stop()


@pytest.fixture
def admin(app) -> str:
    return Tokens(app.store).create("镇管理员", "admin")[0]


def _addr(server) -> str:
    return f"127.0.0.1:{server.server.port}"


def _audit_count(app) -> int:
    with app.store.session() as s:
        return len(s.exec(select(AuditEntry)).all())


def _workbook(path: Path, villages=(), officials=(), scorers=()) -> Path:
    """A workbook as a person would type it: Chinese headers, mixed types."""
    run_template = path.parent / "template.xlsx"
    from kaoping_cli.roster_sheets import write_roster
    write_roster(run_template, {})
    book = load_workbook(run_template)
    for kind, rows in (("villages", villages), ("officials", officials), ("scorers", scorers)):
        ws = book[SHEET_TITLES[kind]]
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def _import(server, token, *args):
    result = run(_addr(server), token, "roster", "import", *args, "--output", "json")
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result, report


def _actions(report: dict) -> dict[tuple[str, int], str]:
    return {(r["sheet"], r["row"]): r["action"] for r in report["rows"]}


THREE_VILLAGES = [("r01", "东山村"), ("r02", "西河村"), ("r03", "南岭村")]
OFFICIALS = [("r01-1", "r01", "王一", "党支部书记", 1800, "2026-01-01"),
             ("r02-1", "r02 西河村", "李二", "村委会主任", "1600.50", None),
             ("r03-1", "r03", "张三", "文书", 1200, None)]
SCORERS = [("r-main", "新主要领导", "main_leader"), ("r-station", "新便民站", "便民服务站")]


def test_a_workbook_is_reported_first_then_applied_and_a_reimport_changes_nothing(app, server, admin, tmp_path):
    book = _workbook(tmp_path / "roster.xlsx", THREE_VILLAGES, OFFICIALS, SCORERS)
    before = _audit_count(app)

    result, report = _import(server, admin, str(book))            # the dry run alone
    assert result.exit_code == 0, result.output
    assert report["applied"] is None
    dry = report["dry_run"]
    assert dry["dry_run"] and (dry["added"], dry["changed"], dry["rejected"]) == (8, 0, 0)
    assert _actions(dry)[(SHEET_TITLES["officials"], 2)] == "added"
    assert app.store.get(Village, "r01") is None and _audit_count(app) == before   # nothing written

    result, report = _import(server, admin, str(book), "--apply")
    assert result.exit_code == 0, result.output
    assert report["applied"]["added"] == 8 and not report["applied"]["dry_run"]
    assert app.store.get(Village, "r02").township_id == "dahedian"
    official = app.store.get(Official, "r02-1")
    assert (official.village_id, str(official.base_pay), official.position) == ("r02", "1600.50", "村委会主任")
    assert app.store.get(Scorer, "r-station").role == "station"       # the role written by its Chinese name
    entries = app.store.audit_entries(action="put_official")
    assert {e.target for e in entries} >= {"r01-1", "r02-1", "r03-1"}
    assert all(e.township_id == "dahedian" for e in app.store.audit_entries(action="import_roster"))
    written = _audit_count(app)

    result, report = _import(server, admin, str(book), "--apply")   # the same file again
    assert result.exit_code == 0, result.output
    assert report["applied"] is None
    assert set(_actions(report["dry_run"]).values()) == {"unchanged"}
    assert _audit_count(app) == written                              # nothing written

    # a change of one cell is one changed row, with the field named
    load = load_workbook(book)
    load[SHEET_TITLES["officials"]]["E4"] = 1300
    load.save(book)
    result, report = _import(server, admin, str(book), "--apply")
    changed = [r for r in report["applied"]["rows"] if r["action"] == "changed"]
    assert [(r["id"], r["changed_fields"]) for r in changed] == [("r03-1", ["base_pay"])]


def test_bad_rows_are_rejected_with_row_and_reason_and_the_good_ones_kept(app, server, admin, tmp_path):
    text = (ROOT / "rules" / "examples" / "R05-position-pay-ratio.yaml").read_text(encoding="utf-8")
    row = app.rulesets.upload(text, "R05.yaml", "", "test")
    app.rulesets.activate(row.id, "", "test")                  # language 2: positions 书记, 主任, 专干
    book = _workbook(tmp_path / "bad.xlsx", [("b01", "好村")], [
        ("b01-1", "b01", "好人", "书记", 1500, None),            # row 2: good (its village is in the file)
        ("b01-1", "b01", "重复", "主任", 1400, None),            # row 3: the same id again
        ("b01-2", "b99", "无村", "主任", 1400, None),            # row 4: no such village
        ("b01-3", "b01", "一千", "主任", "一千", None),           # row 5: not a number
        ("b01-4", "b01", "倒序", "主任", 1000, "2026-05-01", "2026-04-01"),   # row 6: ends before it starts
        ("b01-5", "b01", "会计", "会计", 1000, None),            # row 7: not a position of the rule set
        ("b01-6", "b01", "好人二", "专干", 900, None),           # row 8: good
    ], [("b-x", "某人", "boss")])                                  # scorers row 2: no such role
    before = _audit_count(app)

    result, report = _import(server, admin, str(book))
    assert result.exit_code == 1                                   # rows rejected
    sheet = SHEET_TITLES["officials"]
    problems = {(r["sheet"], r["row"]): r["problems"] for r in report["dry_run"]["rows"] if r["problems"]}
    assert {k[1] for k in problems if k[0] == sheet} == {3, 4, 5, 6, 7}
    reason = {k[1]: (p[0]["field"], p[0]["reason"]) for k, p in problems.items() if k[0] == sheet}
    assert reason[3][0] == "id" and "第 2 行" in reason[3][1]
    assert reason[4][0] == "village_id" and "b99" in reason[4][1]
    assert reason[5][0] == "base_pay" and "一千" in reason[5][1]
    assert reason[6][0] == "left_on" and "2026-04-01" in reason[6][1]
    assert reason[7][0] == "position" and "会计" in reason[7][1] and "书记" in reason[7][1]
    assert problems[(SHEET_TITLES["scorers"], 2)][0]["field"] == "role"
    assert "未通过：村干部 officials 第 5 行（b01-3）：base_pay：" in result.stderr
    assert app.store.get(Village, "b01") is None and _audit_count(app) == before   # the dry run wrote nothing

    result, report = _import(server, admin, str(book), "--apply")
    assert result.exit_code == 1
    assert report["applied"]["added"] == 3 and report["applied"]["rejected"] == 6
    assert app.store.get(Official, "b01-1").name == "好人" and app.store.get(Official, "b01-6") is not None
    assert all(app.store.get(Official, f"b01-{n}") is None for n in (2, 3, 4, 5))


def test_csv_round_trip_and_export_then_import_changes_nothing(app, server, admin, tmp_path):
    out = tmp_path / "roster.xlsx"
    result = run(_addr(server), admin, "roster", "export", "--township", "dahedian", "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == list(SHEET_TITLES.values())
    assert book[SHEET_TITLES["officials"]].max_row == 1 + 17 * 6

    before = _audit_count(app)
    result, report = _import(server, admin, str(out), "--apply")
    assert result.exit_code == 0, result.output
    assert set(_actions(report["dry_run"]).values()) == {"unchanged"} and report["applied"] is None
    assert _audit_count(app) == before

    csv_file = tmp_path / "officials.csv"
    result = run(_addr(server), admin, "roster", "export", "--kind", "officials", "--out", str(csv_file))
    assert result.exit_code == 0, result.output
    text = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("编号 id,村 village,姓名 name") and len(text) == 1 + 17 * 6
    text[1] = text[1].replace("1800.00", "1850")                      # one change, typed in the CSV
    csv_file.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    result, report = _import(server, admin, str(csv_file), "--apply")   # kind told by the header
    assert result.exit_code == 0, result.output
    assert report["applied"]["changed"] == 1 and report["applied"]["unchanged"] == 17 * 6 - 1
    assert str(app.store.get(Official, "v01-1").base_pay) == "1850.00"
    result, report = _import(server, admin, str(csv_file), "--apply")
    assert report["applied"] is None and report["dry_run"]["unchanged"] == 17 * 6


def test_a_township_admin_naming_another_townships_village_is_denied_and_nothing_written(
        app, server, admin, tmp_path):
    app.store.put(Township(id="other", name="别的镇", county="某县"),
                  Village(id="o01", township_id="other", name="外村"))
    token, row = Tokens(app.store).create("大河店镇管理员", "admin")
    with app.store.session() as s:          # a township-bound admin (tokens with a township_id)
        stored = s.get(ApiToken, row.id)
        stored.township_id = "dahedian"
        s.add(stored)
        s.commit()
    book = _workbook(tmp_path / "cross.xlsx", [("d01", "本镇新村")],
                     [("d01-1", "d01", "本镇人", "文书", 1000, None), ("o01-1", "o01", "外人", "文书", 1000, None)])
    before = _audit_count(app)
    for args in ((), ("--apply",)):
        result = run(_addr(server), token, "roster", "import", str(book), *args)
        assert result.exit_code == 1
        assert "不属于你所管乡镇" in result.output and "rows[2].official.village_id" in result.output
    result = run(_addr(server), token, "roster", "import", str(book), "--township", "other", "--apply")
    assert "超出你的管辖范围" in result.output and "township_id" in result.output
    assert app.store.get(Village, "d01") is None and app.store.get(Official, "o01-1") is None
    assert _audit_count(app) == before

    # the deployment admin reaches both: the other township's row is only rejected
    result, report = _import(server, admin, str(book), "--township", "dahedian", "--apply")
    assert result.exit_code == 1
    rejected = [r for r in report["applied"]["rows"] if r["action"] == "rejected"]
    assert [(r["id"], r["problems"][0]["field"]) for r in rejected] == [("o01-1", "village_id")]
    assert app.store.get(Official, "d01-1") is not None and app.store.get(Official, "o01-1") is None


def test_single_records_and_the_template_from_the_cli(app, server, admin, tmp_path):
    addr = _addr(server)
    assert run(addr, admin, "village", "put", "--id", "s01", "--name", "单村", "--township", "dahedian",
               "--attr", "star=5").exit_code == 0
    assert app.store.get(Village, "s01").attrs() == {"star": "5"}
    result = run(addr, admin, "official", "put", "--id", "s01-1", "--village", "s01", "--name", "单人",
                 "--base-pay", "一千")
    assert result.exit_code == 1 and "base_pay" in result.output
    assert run(addr, admin, "official", "put", "--id", "s01-1", "--village", "s01", "--name", "单人",
               "--base-pay", "1000", "--position", "文书").exit_code == 0
    assert run(addr, admin, "scorer", "put", "--id", "s-x", "--name", "站", "--role", "station").exit_code == 0
    assert app.store.get(Scorer, "s-x").role == "station"
    template = tmp_path / "t.xlsx"
    assert run(addr, admin, "roster", "template", "--out", str(template)).exit_code == 0
    book = load_workbook(template)
    assert [ws.max_row for ws in book.worksheets] == [1, 1, 1]
    result, report = _import(server, admin, str(template))
    assert result.exit_code == 0 and report["dry_run"]["rows"] == []


def test_more_than_5000_rows_is_invalid_argument_and_nothing_is_read(app, server, admin):
    import grpc
    from kaoping.v1 import registry_pb2 as rg
    from tests.support.calls import stubs_for, violations
    rows = [rg.RosterRow(sheet="x", row=n, village=rg.Village(id=f"z{n}", name="村")) for n in range(5001)]
    with pytest.raises(grpc.RpcError) as refused:
        stubs_for(server.channel, admin).registry.ImportRoster(rg.ImportRosterRequest(rows=rows, dry_run=True))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 5000" in violations(refused.value)["rows"]
    assert app.store.get(Village, "z0") is None


def test_positions_are_checked_against_the_townships_own_rule_set(app, server, admin, tmp_path):
    app.store.put(Township(id="other", name="别的镇", county="徽县"))
    text = (ROOT / "rules" / "examples" / "R05-position-pay-ratio.yaml").read_text(encoding="utf-8")
    row = app.rulesets.upload(text, "R05.yaml", "", "test", township_id="other")
    app.rulesets.activate(row.id, "", "test", township_id="other")   # only "other" declares positions
    for township, village, action in (("dahedian", "q01", "added"), ("other", "q02", "rejected")):
        book = _workbook(tmp_path / f"{township}.xlsx", [(village, "村")],
                         [(f"{village}-1", village, "某人", "会计", 1000, None)])
        result, report = _import(server, admin, str(book), "--township", township)
        assert _actions(report["dry_run"])[(SHEET_TITLES["officials"], 2)] == action, result.output
