"""Names or ids in every `kaoping` command that takes a township, village, official,
scorer, category or kind (issue 15.2/15.3), through the real CLI against the real gRPC
server with the sample township: each command of the table (tests/support/name_cases.py)
is run with an id, a Simplified name, a Traditional name (and the result must be the
same), and an unknown name (exit 2, the closest choices named, no file written, nothing
changed); then ambiguity, full width, the workflow, guided entry and import."""
from __future__ import annotations

import json
import re

import pytest

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.cli import run
from tests.support.facts import fact
from tests.support.name_cases import (CASES, MENTIONS, MONTH, OPEN, RULES, TYPED, audit_count, fact_csv,
                                      invoke)

pytestmark = pytest.mark.usefixtures("grpc_server")

@pytest.fixture(scope="module")
def month(stubs, grpc_servicer, grpc_channel):
    """2026-10 with facts for 上山村, 硬湾村 and 张海燕, aggregated and approved, and an
    appeal of 硬湾村 pending; 2026-09 still scoring."""
    from tests.support.calls import stubs_for
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact("v01-5", month=MONTH, note="10月8日例会缺席"),
        fact("v03-1", month=MONTH, note="10月9日例会缺席"),
        fact("v03-2", "key_tasks", "task_not_done", "1", month=MONTH, scorer="contact-01"),
        fact("v01-5", month=OPEN), fact("v03-1", month=OPEN)])]))
    assert result.rejected == 0, result
    stubs.workflow.Aggregate(wf.MonthRequest(month=MONTH))
    stubs.workflow.Approve(wf.ApproveRequest(month=MONTH))
    v03 = Tokens(grpc_servicer.store).create("硬湾村党支部", "village", village_id="v03")[0]
    v03_fact = next(f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, village_id="v03")).facts
                    if f.fact.kind == "task_not_done")
    stubs_for(grpc_channel, v03).workflow.Appeal(wf.AppealRequest(fact_id=v03_fact.id, reason="已按时完成"))
    return {"v03_token": v03}



@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_name_in_either_script_or_the_id_gives_the_same_result(case, grpc_addr, tokens, stubs, month, tmp_path):
    ident, simplified, traditional, _, _ = TYPED[case.what]
    if case.setup is not None:
        case.setup(stubs)
    probes = []
    for n, text in enumerate((ident, simplified, traditional)):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        result = invoke(case, grpc_addr, tokens, text, n, folder)
        assert result.exit_code == 0, f"{case.name} {text!r}: {result.output}"
        probes.append(case.probe(result, folder, stubs))
    assert probes[0] == probes[1] == probes[2], case.name
    shown = json.dumps(probes[0], ensure_ascii=False)
    if case.sane is not None:
        assert case.sane(probes[0]), (case.name, shown[:500])
        return
    assert any(m in shown for m in MENTIONS[case.what]) or ident in shown, (case.name, shown[:500])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_unknown_name_is_a_usage_error_with_suggestions_and_changes_nothing(case, grpc_addr, tokens, stubs,
                                                                               month, tmp_path):
    _, _, _, unknown, suggestion = TYPED[case.what]
    before = audit_count(stubs)
    folder = tmp_path / "unknown"
    folder.mkdir()
    result = invoke(case, grpc_addr, tokens, unknown, 9, folder)
    assert result.exit_code == 2, f"{case.name}: {result.output}"
    assert unknown in result.output and suggestion in result.output, result.output
    assert list(folder.iterdir()) == [], "a file was written for an unknown name"
    assert audit_count(stubs) == before, "an unknown name changed something"


def test_the_issue_example_export_pay_with_a_village_name_writes_that_village(grpc_addr, tokens, month, tmp_path):
    path = tmp_path / "pay.csv"
    result = run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--village", "上山村", str(path))
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 6 and all(line.startswith("上山村,") for line in lines[1:])
    wrong = run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--village", "上山",
                str(tmp_path / "none.csv"))
    assert wrong.exit_code == 2 and "v01 上山村" in wrong.output and "0 rows" not in wrong.output
    assert not (tmp_path / "none.csv").exists()


def test_a_full_width_id_from_an_input_method_is_the_id(grpc_addr, tokens, month):
    plain = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--official", "v01-5", "--output", "json")
    wide = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--official", "ｖ０１－５", "--output", "json")
    assert wide.exit_code == 0, wide.output
    assert json.loads(wide.stdout) == json.loads(plain.stdout)
    village = run(grpc_addr, tokens["admin"], "officials", "--village", "Ｖ０３", "--output", "json")
    assert {o["id"] for o in json.loads(village.stdout)["officials"]} >= {f"v03-{i}" for i in range(1, 7)}
    township = run(grpc_addr, tokens["admin"], "township", "show", "ＤＡＨＥＤＩＡＮ", "--output", "json")
    assert township.exit_code == 0 and json.loads(township.stdout)["id"] == "dahedian"


def test_an_ambiguous_name_lists_every_candidate_with_id_and_village(grpc_addr, tokens, stubs, month, tmp_path):
    twin = stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v02")).officials[0]
    stubs.registry.PutOfficial(rg.Official(id="v06-9", village_id="v06", name=twin.name, position="文书",
                                           base_pay="1000"))
    before = audit_count(stubs)
    for args in (["explain", "--official", twin.name, "--month", MONTH],
                 ["export", "scores", "--month", MONTH, "--official", twin.name, str(tmp_path / "s.xlsx")],
                 ["fact", "add", "--official", twin.name, "--month", OPEN, "--category", "attendance",
                  "--kind", "meeting_late", "--scorer", "main-01"]):
        result = run(grpc_addr, tokens["admin"], *args)
        assert result.exit_code == 2, result.output
        assert f"{twin.id} {twin.name}（火石村" in result.output and f"v06-9 {twin.name}（杨庄村" in result.output
    assert not (tmp_path / "s.xlsx").exists() and audit_count(stubs) == before
    # the id still picks one of them
    assert run(grpc_addr, tokens["admin"], "fact", "list", "--official", "v06-9", "--month", OPEN).exit_code == 0


def test_month_workflow_commands_take_the_township_by_name(grpc_addr, tokens, stubs, month):
    """The commands that move a month: an unknown township changes nothing, a name in
    either script (or the full-width id) moves the month as the id would."""
    august = "2026-08"

    def state() -> str:
        return stubs.workflow.GetMonthState(wf.MonthRequest(month=august)).state
    for command in (["aggregate"], ["reopen", "--note", "漏录"], ["approve"], ["publish"], ["pay"]):
        wrong = run(grpc_addr, tokens["admin"], "month", *command, "--month", august, "--township", "大河店")
        assert wrong.exit_code == 2 and "大河店镇（示例）" in wrong.output and state() == "scoring"
    steps = [(["aggregate"], "大河店镇（示例）", "aggregated"), (["reopen", "--note", "漏录"], "大河店鎮（示例）", "scoring"),
             (["aggregate"], "ｄａｈｅｄｉａｎ", "aggregated"), (["approve"], "大河店鎮（示例）", "approved")]
    for command, township, expected in steps:
        result = run(grpc_addr, tokens["admin"], "month", *command, "--month", august, "--township", township)
        assert result.exit_code == 0, result.output
        assert state() == expected
    public = run(grpc_addr, tokens["admin"], "month", "public", "--month", august, "--township", "大河店鎮（示例）")
    assert public.exit_code == 1   # resolved and asked: the server refuses, the month is not published


def test_rule_set_commands_take_the_township_by_name(grpc_addr, tokens, stubs, month):
    uploaded = run(grpc_addr, tokens["admin"], "rules", "upload", str(RULES), "--label", "names",
                   "--township", "大河店鎮（示例）")
    assert uploaded.exit_code == 0, uploaded.output
    version = re.search(r"已存为版本 (\d+)", uploaded.output).group(1)
    for command in (["activate", version], ["rollback"]):
        wrong = run(grpc_addr, tokens["admin"], "rules", *command, "--township", "大河店")
        assert wrong.exit_code == 2 and "dahedian" in wrong.output
    activated = run(grpc_addr, tokens["admin"], "rules", "activate", version, "--township", "大河店镇（示例）")
    assert activated.exit_code == 0 and f"dahedian 现行规则集：版本 {version}" in activated.output


def test_a_village_confirms_by_name(grpc_addr, stubs, month):
    token = month["v03_token"]
    for appeal in stubs.workflow.ListAppeals(wf.ListAppealsRequest(month=MONTH, village_id="v03")).appeals:
        stubs.workflow.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=appeal.id, decision="upheld", reason="属实"))
    wrong = run(grpc_addr, token, "month", "confirm", "--month", MONTH, "--village", "硬湾子村")
    assert wrong.exit_code == 2 and "v03 硬湾村" in wrong.output
    done = run(grpc_addr, token, "month", "confirm", "--month", MONTH, "--village", "硬灣村")
    assert done.exit_code == 0, done.output
    assert "反馈确认：已确认" in done.output


def test_the_audit_actor_in_either_script(grpc_addr, tokens, month):
    simplified = run(grpc_addr, tokens["admin"], "audit", "--actor", "管理员", "--output", "json")
    traditional = run(grpc_addr, tokens["admin"], "audit", "--actor", "管理員", "--output", "json")
    assert simplified.exit_code == traditional.exit_code == 0
    entries = json.loads(simplified.stdout)["entries"]
    assert entries and json.loads(traditional.stdout)["entries"] == entries


def test_guided_entry_takes_names_in_either_script(grpc_addr, tokens, stubs, month):
    answers = "\n".join([OPEN, "鎮黨委主要領導（示例）", "硬灣村", "黃紅霞", "出勤履職", "遲到或早退", "1", "", "y", "n"])
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", input=answers + "\n")
    assert result.exit_code == 0, result.output
    number = int(re.search(r"已记录事实 #(\d+)", result.output).group(1))
    [stored] = [f.fact for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=OPEN)).facts if f.id == number]
    assert (stored.official_id, stored.category, stored.kind, stored.scorer_id) == (
        "v03-2", "attendance", "meeting_late", "main-01")
    # an answer that names nothing is asked again, with the closest choices
    again = "\n".join([OPEN, "main-01", "硬湾子村", "v03", "v03-2", "attendance", "meeting_late", "1", "", "n", "n"])
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", input=again + "\n")
    assert result.exit_code == 0 and "v03 硬湾村" in result.output


def test_import_cells_hold_names_in_either_script(grpc_addr, tokens, stubs, month, tmp_path):
    path = tmp_path / "traditional.csv"
    path.write_text("月份,村,村干部,考评类别,事项,数量,考评人\n"
                    "2026-09,硬灣村,陳國慶,出勤履職,遲到或早退,2,鎮黨委主要領導（示例）\n"
                    "2026-09,,張海燕,出勤履職,無故缺席鎮會議,1,ｍａｉｎ－０１\n"
                    "2026-09,,张海艳,出勤履职,无故缺席镇会议,1,main-01\n", encoding="utf-8")
    report = json.loads(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json").stdout)
    assert (report["imported"], report["rejected"]) == (2, 1), report["rejections"]
    [rejected] = report["rejections"]
    assert "张海艳" in rejected["reasons"][0] and "v01-5 张海燕" in rejected["reasons"][0]
    imported = [f.fact for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=OPEN)).facts
                if f.fact.source == "import" and f.fact.official_id in ("v03-1", "v01-5")]
    assert {(f.official_id, f.kind, f.scorer_id) for f in imported} >= {
        ("v03-1", "meeting_late", "main-01"), ("v01-5", "meeting_absent", "main-01")}


def test_a_village_token_finds_its_own_village_by_name(grpc_addr, tokens, month):
    result = run(grpc_addr, month["v03_token"], "month", "feedback", "--village", "硬灣村", "--month", MONTH,
                 "--output", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["village_id"] == "v03"


def test_each_list_is_asked_for_once_per_command_run(grpc_addr, tokens, month, tmp_path, monkeypatch):
    import kaoping_cli.names as names_module
    asked: list[str] = []
    real_pages, real_call = names_module.call_pages, names_module.call

    def pages(method, request, field, *more):
        asked.append(field)
        return real_pages(method, request, field, *more)

    def call(method, request, *more):
        asked.append(type(request).__name__)
        return real_call(method, request, *more)
    monkeypatch.setattr(names_module, "call_pages", pages)
    monkeypatch.setattr(names_module, "call", call)
    result = run(grpc_addr, tokens["admin"], "export", "scores", "--month", MONTH, "--village", "硬灣村",
                 "--official", "陳國慶", str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    assert sorted(asked) == ["officials", "villages"]
    asked.clear()
    path = fact_csv(tmp_path / "x")
    result = run(grpc_addr, tokens["admin"], "import", str(path), "--scorer", "鎮黨委主要領導（示例）")
    assert result.exit_code == 0, result.output       # the importer's catalog shares the option's lists
    assert sorted(asked) == ["GetActiveRuleSetRequest", "officials", "scorers", "villages"]


def test_an_id_beyond_the_callers_reach_is_the_servers_to_refuse(grpc_addr, grpc_servicer, tokens, month, tmp_path):
    """A township admin's lists hold its own township: another township's id is passed
    on and refused by the server (exit 1, PERMISSION_DENIED), while a name it cannot see
    is unknown (exit 2) — it is never answered with another township's data."""
    from kaoping.storage.models import Township, Village
    grpc_servicer.store.put(Township(id="other", name="别的镇", county="某县"),
                            Village(id="o01", township_id="other", name="外村"))
    own = Tokens(grpc_servicer.store).create("大河店镇管理员", "admin", township_id="dahedian")[0]
    by_id = run(grpc_addr, own, "villages", "--township", "other")
    assert by_id.exit_code == 1 and "超出你的管辖范围" in by_id.output   # PERMISSION_DENIED, in the server's Chinese, by_id.output
    village = run(grpc_addr, own, "officials", "--village", "o01")
    assert village.exit_code == 1 and "超出你的管辖范围" in village.output, village.output
    by_name = run(grpc_addr, own, "villages", "--township", "别的镇")
    assert by_name.exit_code == 2 and "别的镇" in by_name.output and "外村" not in by_name.output
    # the server does not tell a township admin which other ids exist: refused as well
    assert run(grpc_addr, own, "villages", "--township", "nowhere").exit_code == 1
    nothing = run(grpc_addr, tokens["admin"], "villages", "--township", "nowhere")
    assert nothing.exit_code == 2 and "没有找到乡镇“nowhere”" in nothing.output
    # the deployment admin sees both townships: the villages' township tells namesakes apart
    grpc_servicer.store.put(Village(id="o02", township_id="other", name="硬湾村"))
    twin = run(grpc_addr, tokens["admin"], "officials", "--village", "硬灣村")
    assert twin.exit_code == 2 and "v03 硬湾村（dahedian）" in twin.output and "o02 硬湾村（other）" in twin.output
    narrowed = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--township", "dahedian",
                   "--village", "硬灣村", "--output", "json")
    assert narrowed.exit_code == 0, narrowed.output
    after = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--village", "硬灣村", "--township",
                "大河店镇（示例）", "--output", "json")             # the township narrows wherever it stands
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(narrowed.stdout)
