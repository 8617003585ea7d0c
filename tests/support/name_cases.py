"""The table of `kaoping` commands that take a name, for tests/test_cli_names.py: what
is typed for each kind of thing, and per command its command line and what a run did
(so that a run with the id and runs with either script's name can be compared). A new
command that takes a name gets a line in CASES."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import facts_pb2 as fx
from tests.support.cli import run
from tests.support.facts import fact

MONTH, OPEN = "2026-10", "2026-09"
ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules" / "township-sample.yaml"

# what is typed: (id, Simplified name, Traditional name, unknown name, a suggestion it must get)
TYPED = {
    "village": ("v03", "硬湾村", "硬灣村", "硬湾子村", "v03 硬湾村"),
    "official": ("v01-5", "张海燕", "張海燕", "张海艳", "v01-5 张海燕"),
    "township": ("dahedian", "大河店镇（示例）", "大河店鎮（示例）", "大河店", "dahedian 大河店镇（示例）"),
    "scorer": ("main-01", "镇党委主要领导（示例）", "鎮黨委主要領導（示例）", "镇党委领导", "main-01 镇党委主要领导"),
    "category": ("attendance", "出勤履职", "出勤履職", "出勤", "attendance 出勤履职"),
    "kind": ("meeting_absent", "无故缺席镇会议", "無故缺席鎮會議", "缺席镇会议", "meeting_absent 无故缺席镇会议"),
}
# what a result for the thing must mention (so that equal results are not two empty ones)
MENTIONS = {"village": ("硬湾村",), "official": ("v01-5",), "township": ("dahedian", "上山村"),
            "scorer": ("main-01",), "category": ("attendance",), "kind": ("meeting_absent",)}


def json_of(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _file_json(path: Path) -> object:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.get("meta", {}).pop("generated", None)
    return data


def _title(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.search(r"<title>(.*?)</title>", text, re.S).group(1)


def _stored_fact(stubs, key: str) -> fx.Fact:
    [found] = [f.fact for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=OPEN)).facts
               if f.fact.idempotency_key == key]
    return found


@dataclass
class Case:
    """One command and one of its options: `argv(text, n, tmp)` is the command line with
    the typed text (n tells the three runs apart for commands that write), `probe(result,
    tmp, stubs)` what the run did (equal for the id and both names)."""
    name: str
    what: str
    argv: Callable[[str, int, Path], list]
    probe: Callable = lambda result, tmp, stubs: json_of(result)
    token: str = "admin"
    # what the id's result must show (default: it mentions the thing, MENTIONS)
    sane: Optional[Callable[[object], bool]] = None
    # what the server must hold before the three runs (called with the admin's stubs)
    setup: Optional[Callable] = None


CASES = [
    # villages
    Case("fact list --village", "village", lambda t, n, tmp: ["fact", "list", "--month", MONTH, "--village", t,
                                                              "--output", "json"]),
    Case("scores --village", "village", lambda t, n, tmp: ["scores", "--month", MONTH, "--village", t,
                                                           "--output", "json"]),
    Case("notice --village", "village", lambda t, n, tmp: ["notice", "--village", t, "--month", MONTH,
                                                           "--output", "json"]),
    Case("officials --village", "village", lambda t, n, tmp: ["officials", "--village", t, "--output", "json"]),
    Case("month feedback --village", "village", lambda t, n, tmp: ["month", "feedback", "--village", t,
                                                                   "--month", MONTH, "--output", "json"]),
    Case("appeal list --village", "village", lambda t, n, tmp: ["appeal", "list", "--month", MONTH,
                                                                "--village", t, "--output", "json"]),
    Case("paylist --village", "village", lambda t, n, tmp: ["paylist", "--month", MONTH, "--village", t,
                                                            "--output", "json"]),
    Case("export scores --village", "village",
         lambda t, n, tmp: ["export", "scores", "--month", MONTH, "--village", t, str(tmp / "s.json")],
         lambda r, tmp, stubs: (r.exit_code, _file_json(tmp / "s.json"))),
    Case("export pay --village", "village",
         lambda t, n, tmp: ["export", "pay", "--month", MONTH, "--village", t, str(tmp / "p.json")],
         lambda r, tmp, stubs: (r.exit_code, _file_json(tmp / "p.json"))),
    Case("print notice --village", "village",
         lambda t, n, tmp: ["print", "notice", "--month", MONTH, "--village", t, "--format", "html",
                            "--no-chart", str(tmp / "n.html")],
         lambda r, tmp, stubs: (r.exit_code, _title(tmp / "n.html"))),
    Case("print paylist --village", "village",
         lambda t, n, tmp: ["print", "paylist", "--month", MONTH, "--village", t, "--format", "html",
                            str(tmp / "pl.html")],
         lambda r, tmp, stubs: (r.exit_code, re.findall(r'<p class="meta">([^<]*)</p>|<td class="L">([^<]+)</td>',
                                                         (tmp / "pl.html").read_text(encoding="utf-8")))),
    # fact add runs get --yes: the three runs of a case record the same fact on purpose
    Case("fact add --village", "village",
         lambda t, n, tmp: ["fact", "add", "--village", t, "--month", OPEN, "--category", "village_work",
                            "--kind", "village_task_missed", "--scorer", "main-01", "--yes", "--key", f"names-village-{n}"],
         lambda r, tmp, stubs: (r.exit_code, _stored_fact(stubs, r.key).village_id)),
    Case("official put --village", "village",
         lambda t, n, tmp: ["official", "put", "--id", f"v03-9{n}", "--village", t, "--name", f"测试{n}",
                            "--base-pay", "1000", "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["village_id"]),
    Case("token issue --village", "village",
         lambda t, n, tmp: ["token", "issue", "--name", f"硬湾村测试{n}", "--role", "village", "--village", t,
                            "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["info"]["village_id"]),
    # officials
    Case("fact list --official", "official", lambda t, n, tmp: ["fact", "list", "--month", MONTH,
                                                                "--official", t, "--output", "json"]),
    Case("scores --official", "official", lambda t, n, tmp: ["scores", "--month", MONTH, "--official", t,
                                                             "--output", "json"]),
    Case("explain --official", "official", lambda t, n, tmp: ["explain", "--official", t, "--month", MONTH,
                                                              "--output", "json"]),
    Case("export scores --official", "official",
         lambda t, n, tmp: ["export", "scores", "--month", MONTH, "--official", t, str(tmp / "s.json")],
         lambda r, tmp, stubs: (r.exit_code, _file_json(tmp / "s.json"))),
    Case("fact add --official", "official",
         lambda t, n, tmp: ["fact", "add", "--official", t, "--month", OPEN, "--category", "attendance",
                            "--kind", "meeting_late", "--scorer", "main-01", "--yes", "--key", f"names-official-{n}"],
         lambda r, tmp, stubs: (r.exit_code, _stored_fact(stubs, r.key).official_id)),
    # townships
    Case("scores --township", "township", lambda t, n, tmp: ["scores", "--month", MONTH, "--township", t,
                                                             "--output", "json"]),
    Case("ranking --township", "township", lambda t, n, tmp: ["ranking", "--month", MONTH, "--township", t,
                                                              "--output", "json"]),
    Case("villages --township", "township", lambda t, n, tmp: ["villages", "--township", t, "--output", "json"]),
    Case("rules list --township", "township", lambda t, n, tmp: ["rules", "list", "--township", t,
                                                                 "--output", "json"]),
    Case("rules dry-run --township", "township",
         lambda t, n, tmp: ["rules", "dry-run", str(RULES), "--month", MONTH, "--township", t, "--output", "json"]),
    Case("month state --township", "township", lambda t, n, tmp: ["month", "state", "--month", MONTH,
                                                                  "--township", t, "--output", "json"]),
    Case("month ranking --township", "township", lambda t, n, tmp: ["month", "ranking", "--month", MONTH,
                                                                    "--township", t, "--output", "json"]),
    Case("appeal list --township", "township", lambda t, n, tmp: ["appeal", "list", "--month", MONTH,
                                                                  "--township", t, "--output", "json"]),
    Case("yearend --township", "township", lambda t, n, tmp: ["yearend", "--year", "2026", "--township", t,
                                                              "--output", "json"]),
    Case("paylist --township", "township", lambda t, n, tmp: ["paylist", "--month", MONTH, "--township", t,
                                                              "--output", "json"]),
    Case("township show", "township", lambda t, n, tmp: ["township", "show", t, "--output", "json"]),
    Case("township update", "township",
         lambda t, n, tmp: ["township", "update", t, "--contact", "党政办 0939-1234567", "--output", "json"]),
    Case("token list --township", "township", lambda t, n, tmp: ["token", "list", "--township", t,
                                                                 "--output", "json"],
         lambda r, tmp, stubs: sorted(i["township_id"] for i in json_of(r)["tokens"])),
    Case("token issue --township", "township",
         lambda t, n, tmp: ["token", "issue", "--name", f"镇管理员{n}", "--role", "admin", "--township", t,
                            "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["info"]["township_id"]),
    Case("roster export --township", "township",
         lambda t, n, tmp: ["roster", "export", "--township", t, "--kind", "villages", "--out", str(tmp / "r.csv")],
         lambda r, tmp, stubs: (r.exit_code, (tmp / "r.csv").read_text(encoding="utf-8-sig"))),
    Case("roster import --township", "township",
         lambda t, n, tmp: ["roster", "import", str(_roster_csv(tmp)), "--township", t, "--output", "json"],
         lambda r, tmp, stubs: (r.exit_code, json.loads(r.stdout)["dry_run"]["unchanged"]),
         sane=lambda probe: probe == (0, 2)),     # both villages found as stored in that township
    Case("village put --township", "township",
         lambda t, n, tmp: ["village", "put", "--id", f"t9{n}", "--name", f"测试村{n}", "--township", t,
                            "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["township_id"]),
    Case("scorer put --township", "township",
         lambda t, n, tmp: ["scorer", "put", "--id", f"test-9{n}", "--name", f"测试考评人{n}", "--role", "station",
                            "--township", t, "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["township_id"]),
    # scorers
    Case("fact add --scorer", "scorer",
         lambda t, n, tmp: ["fact", "add", "--official", "v01-1", "--month", OPEN, "--category", "attendance",
                            "--kind", "meeting_late", "--scorer", t, "--yes", "--key", f"names-scorer-{n}"],
         lambda r, tmp, stubs: (r.exit_code, _stored_fact(stubs, r.key).scorer_id)),
    Case("fact correct --scorer", "scorer",
         lambda t, n, tmp: ["fact", "correct", str(_open_fact(n)), "--reason", "录错了", "--scorer", t],
         lambda r, tmp, stubs: (r.exit_code, _correction_scorer(stubs, r)),
         setup=lambda stubs: _facts_to_correct(stubs)),
    Case("import --scorer", "scorer",
         lambda t, n, tmp: ["import", str(fact_csv(tmp)), "--scorer", t, "--output", "json"],
         lambda r, tmp, stubs: (r.exit_code, json.loads(r.stdout)["rejected"], _imported_scorers(stubs))),
    Case("token issue --scorer", "scorer",
         lambda t, n, tmp: ["token", "issue", "--name", f"主要领导{n}", "--role", "main_leader", "--scorer", t,
                            "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["info"]["scorer_id"]),
    # categories and kinds
    Case("fact add --category", "category",
         lambda t, n, tmp: ["fact", "add", "--official", "v01-2", "--month", OPEN, "--category", t,
                            "--kind", "meeting_late", "--scorer", "main-01", "--yes", "--key", f"names-category-{n}"],
         lambda r, tmp, stubs: (r.exit_code, _stored_fact(stubs, r.key).category)),
    Case("fact add --kind", "kind",
         lambda t, n, tmp: ["fact", "add", "--official", "v01-3", "--month", OPEN, "--category", "出勤履职",
                            "--kind", t, "--scorer", "main-01", "--yes", "--key", f"names-kind-{n}"],
         lambda r, tmp, stubs: (r.exit_code, _stored_fact(stubs, r.key).kind)),
    Case("token issue --categories", "category",
         lambda t, n, tmp: ["token", "issue", "--name", f"考勤系统{n}", "--role", "system", "--categories", t,
                            "--output", "json"],
         lambda r, tmp, stubs: json_of(r)["info"]["categories"]),
]

_OPEN_FACTS: dict[int, int] = {}


def _open_fact(n: int) -> int:
    return _OPEN_FACTS.get(n, 1)    # (an unknown scorer never reaches the server)


def _facts_to_correct(stubs) -> None:
    receipt = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact("v02-2", month=OPEN, note=f"待更正{i}") for i in range(3)])]))
    for i, outcome in enumerate(receipt.outcomes):
        _OPEN_FACTS[i] = outcome.receipt.fact_id


def _correction_scorer(stubs, result) -> str:
    assert result.exit_code == 0, result.output
    number = int(re.search(r"更正 #(\d+)", result.output).group(1))
    [found] = [f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=OPEN)).facts if f.id == number]
    return found.fact.scorer_id


def _imported_scorers(stubs) -> list:
    return sorted({f.fact.scorer_id for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=OPEN)).facts
                   if f.fact.source == "import" and f.fact.official_id == "v02-1"})


def _roster_csv(tmp: Path) -> Path:
    path = tmp.parent / "roster-villages.csv"
    if not path.exists():
        path.write_text("编号 id,名称 name\nv01,上山村\nv03,硬湾村\n", encoding="utf-8")
    return path


def fact_csv(tmp: Path) -> Path:
    path = tmp.parent / "facts-no-scorer.csv"
    if not path.exists():
        path.write_text("村干部,考评类别,事项,数量,考评人,月份\nv02-1,attendance,meeting_late,1,,2026-09\n",
                        encoding="utf-8")
    return path


def audit_count(stubs) -> int:
    return len(stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(limit=10_000)).entries)


def invoke(case: Case, grpc_addr, tokens, text: str, n: int, tmp: Path):
    argv = case.argv(text, n, tmp)
    result = run(grpc_addr, tokens[case.token], *argv)
    key = next((argv[i + 1] for i, a in enumerate(argv) if a == "--key"), "")
    result.key = key
    return result
