"""What the CLI says, and where (issue 15, points 2, 4 and 6): Chinese on the terminal,
errors on stderr with stdout clean for scripts, one plain sentence for an unreachable
server, a missing token and a wrong or revoked token, a bad --month as a usage error
(exit 2) in every command that takes one, input-method months, dates and quantities,
`--lang zh-Hant` converting what is printed but never the JSON — all through the real
`kaoping` app against the real gRPC server with real tokens."""
from __future__ import annotations

import json
import socket
from concurrent import futures

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping_cli import terminal
from kaoping_cli.main import app
from kaoping_cli.rpc import describe_error
from tests.support.cli import run, run_json

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-10"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# where things go ------------------------------------------------------------------------
def test_results_on_stdout_refusals_on_stderr_and_json_stays_clean_on_failure(grpc_addr, tokens):
    ok = run(grpc_addr, tokens["admin"], "villages", "--output", "json")
    assert ok.exit_code == 0 and ok.stderr == ""
    assert json.loads(ok.stdout)["villages"]
    # a reader may not read the audit log: refused, exit 1, nothing but the reason on stderr
    for args in (("audit",), ("audit", "--output", "json")):
        refused = run(grpc_addr, tokens["reader"], *args)
        assert refused.exit_code == 1, refused.output
        assert refused.stdout == ""
        assert refused.stderr.strip() and "Traceback" not in refused.stderr
    # an unknown village for a month's scores, as JSON: stdout empty, not half a document
    bad = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--official", "nobody-9",
              "--output", "json")
    assert bad.exit_code == 2 and bad.stdout == "" and "没有找到村干部" in bad.stderr   # an unknown name: usage


def test_unreachable_no_token_and_a_bad_token_each_get_one_sentence(grpc_addr, tokens, grpc_servicer):
    address = f"127.0.0.1:{_free_port()}"
    down = run(address, "x", "villages", "--output", "json")
    assert down.exit_code == 3 and down.stdout == ""
    assert down.stderr.strip() == (f"无法连接 kaoping 服务器 {address}：请确认服务已启动，"
                                   f"或用 --server / KAOPING_SERVER 指定地址。")

    none = run(grpc_addr, "", "villages")
    assert none.exit_code == 1 and none.stdout == ""
    assert none.stderr.strip() == "没有提供令牌：请用 --token 或环境变量 KAOPING_TOKEN 提供管理员发给你的令牌。"

    wrong = run(grpc_addr, "kp_not-a-real-token", "scores", "--month", MONTH)
    issued, record = Tokens(grpc_servicer.store).create("已离职的文书", "admin")
    Tokens(grpc_servicer.store).revoke(record.id)
    revoked = run(grpc_addr, issued, "villages")
    for result in (wrong, revoked):
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.strip() == ("令牌无效、已吊销或已过期：请向管理员索取新令牌（kaoping token issue），"
                                         "再用 --token 或 KAOPING_TOKEN 提供。")
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_server_s_chinese_message_is_shown_when_it_sends_one():
    """A real gRPC server that refuses with a google.rpc.LocalizedMessage (zh-CN) next to
    its English text and field violations: the CLI shows the Chinese message."""
    def refuse(request, context):
        detail, violations = any_pb2.Any(), any_pb2.Any()
        detail.Pack(error_details_pb2.LocalizedMessage(locale="zh-CN", message="没有村 v99：请用 kaoping villages 查看村名"))
        violations.Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="village_id", description="unknown")]))
        context.abort_with_status(rpc_status.to_status(status_pb2.Status(
            code=code_pb2.NOT_FOUND, message="no village v99", details=[violations, detail])))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler("kaoping.v1.RegistryService", {
        "ListVillages": grpc.unary_unary_rpc_method_handler(
            refuse, request_deserializer=lambda b: b, response_serializer=lambda m: m)})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        result = run(f"127.0.0.1:{port}", "kp_x", "villages", "--output", "json")
    finally:
        server.stop(None)
    assert result.exit_code == 1 and result.stdout == ""
    # the Chinese message, then the field it is about (which row of a file, which option)
    assert result.stderr.strip().splitlines() == ["没有村 v99：请用 kaoping villages 查看村名",
                                                  "  详情 village_id: unknown"]


class _Refusal(grpc.RpcError):
    def __init__(self, status: status_pb2.Status):
        self.status = status

    def code(self):
        return next(c for c in grpc.StatusCode if c.value[0] == self.status.code)

    def details(self):
        return self.status.message

    def trailing_metadata(self):
        return (("grpc-status-details-bin", self.status.SerializeToString()),)


def test_without_a_localized_message_the_english_status_and_violations_are_shown():
    violations = any_pb2.Any()
    violations.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field="month", description="current state: approved")]))
    english = _Refusal(status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message="month is approved",
                                         details=[violations]))
    assert describe_error(english) == ["FAILED_PRECONDITION: month is approved",
                                       "  month: current state: approved"]
    # a message for another locale is not the Chinese one
    other = any_pb2.Any()
    other.Pack(error_details_pb2.LocalizedMessage(locale="en-US", message="Month is approved"))
    english.status.details.append(other)
    assert describe_error(english)[0] == "FAILED_PRECONDITION: month is approved"


# months, dates, quantities -------------------------------------------------------------
def _commands_with_a_month():
    import typer.main
    root = typer.main.get_command(app)

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, path + [name])
        elif any(p.name == "month" for p in command.params):
            yield path, command
    return list(walk(root, []))


EXISTING = {"village": "v01", "official": "v01-1", "scorer": "main-01", "township": "dahedian",
            "category": "attendance", "kind": "meeting_absent"}


def _dummy_args(command, month: str) -> list[str]:
    """The command's required arguments and options filled with placeholders, --month
    given: whatever they are, the month must be refused before they are looked at."""
    args: list[str] = []
    for p in command.params:
        if p.name == "month":
            args += ["--month", month]
        elif p.required and p.param_type_name == "argument":
            args.append("1")      # a placeholder that is also a valid number, id or file name
        elif p.required:          # names are looked up as the line is read: give real ids
            args += [p.opts[0], EXISTING.get(p.name, "1")]
    return args


def test_a_bad_month_is_a_usage_error_in_every_command_that_takes_one(grpc_addr, tokens, stubs):
    commands = _commands_with_a_month()
    names = {" ".join(path) for path, _ in commands}
    assert {"scores", "fact add", "fact list", "month state", "month aggregate", "paylist", "import",
            "export pay", "print notice", "rules dry-run", "appeal list"} <= names, names
    before = len(stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH)).facts)
    for path, command in commands:
        for month in ("2026-13", "十月", "2026-10-08x"):
            result = run(grpc_addr, tokens["admin"], *path, *_dummy_args(command, month))
            assert result.exit_code == 2, (path, month, result.output)
            assert result.stdout == "", (path, result.stdout)
            assert f"--month {month!r} 不是月份：应为 YYYY-MM" in result.stderr, (path, result.stderr)
    assert len(stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH)).facts) == before


def test_input_method_months_dates_and_quantities_are_read_as_meant(grpc_addr, tokens, stubs):
    for typed in ("２０２６－１０", "2026年10月", "2026/10", "2026.10"):
        scores = run_json(grpc_addr, tokens["admin"], "scores", "--month", typed, "--village", "v02")
        assert scores["month"] == MONTH, typed
    result = run(grpc_addr, tokens["admin"], "fact", "add", "--official", "v07-1", "--date", "２０２６年１０月８日",
                 "--category", "attendance", "--kind", "meeting_late", "--quantity", "３", "--scorer", "main-01",
                 "--note", "１０月８日例会迟到")
    assert result.exit_code == 0, result.output
    [stored] = [f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, official_id="v07-1")).facts
                if f.fact.kind == "meeting_late"]
    assert (stored.fact.date, stored.fact.quantity) == ("2026-10-08", "3")
    assert stored.fact.note == "１０月８日例会迟到"                   # free text keeps what was typed
    bad = run(grpc_addr, tokens["admin"], "fact", "add", "--official", "v07-1", "--date", "2026-02-30",
              "--category", "attendance", "--kind", "meeting_late", "--scorer", "main-01")
    assert bad.exit_code == 2 and "--date '2026-02-30' 不是日期：应为 YYYY-MM-DD" in bad.stderr


@pytest.mark.parametrize("typed, meant", [("是", True), ("否", False), ("ｙ", True), ("N", False),
                                          ("是的", True), ("不", False)])
def test_yes_no_takes_chinese_and_input_method_answers(monkeypatch, typed, meant):
    answers = iter(["也许", typed])
    monkeypatch.setattr(terminal.Prompt, "ask", staticmethod(lambda *a, **k: next(answers)))
    assert terminal.yes_no("记录这条事实？") is meant


# --lang zh-Hant ---------------------------------------------------------------------------
def test_zh_hant_converts_what_is_printed_and_never_the_json(grpc_addr, tokens):
    simplified = run(grpc_addr, tokens["admin"], "villages")
    traditional = run(grpc_addr, tokens["admin"], "--lang", "zh-Hant", "villages")
    assert "硬湾村" in simplified.stdout and "编号" in simplified.stdout
    assert "硬灣村" in traditional.stdout and "編號" in traditional.stdout and "硬湾村" not in traditional.stdout
    # the same table, character for character: columns stay aligned
    assert [len(line) for line in simplified.stdout.splitlines()] == \
        [len(line) for line in traditional.stdout.splitlines()]
    via_env = run(grpc_addr, tokens["admin"], "villages", env={"KAOPING_LANG": "繁体"})
    assert via_env.stdout == traditional.stdout
    as_json = run(grpc_addr, tokens["admin"], "--lang", "zh-Hant", "villages", "--output", "json")
    assert as_json.stdout == run(grpc_addr, tokens["admin"], "villages", "--output", "json").stdout
    assert "硬湾村" in as_json.stdout and "硬灣村" not in as_json.stdout
    # errors too
    bad = run(grpc_addr, tokens["admin"], "--lang", "zh-Hant", "scores", "--month", "2026-13")
    assert bad.exit_code == 2 and "應為" in bad.stderr
    unknown = run(grpc_addr, tokens["admin"], "--lang", "klingon", "villages")
    assert unknown.exit_code == 2 and unknown.stdout == "" and "klingon" in unknown.stderr


# usage errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("args, said", [
    (("fact", "list"), "错误：缺少选项 '--month'。"),
    (("scores", "--mnth", MONTH), "错误：没有选项 --mnth；是不是想用 --month？"),
    (("villages", "--output", "yaml"), "错误：'--output' 的值无效："),
    (("villagez",), "错误：没有命令 'villagez'"),
    (("roster", "import"), "错误：缺少参数 'file'。"),
    (("villages", "extra"), "错误：多余的参数：extra。"),
])
def test_usage_errors_are_chinese_on_stderr_with_exit_2(grpc_addr, tokens, args, said):
    result = run(grpc_addr, tokens["admin"], *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert said in result.stderr and "用法：" in result.stderr and "查看帮助" in result.stderr
    assert "Usage:" not in result.stderr and "Error" not in result.stderr


def test_usage_errors_follow_lang_too(grpc_addr, tokens):
    result = run(grpc_addr, tokens["admin"], "--lang", "zh-Hant", "roster", "import")
    assert result.exit_code == 2 and "錯誤：缺少參數 'file'。" in result.stderr and "查看幫助" in result.stderr


def test_an_imported_sheet_takes_input_method_months_dates_and_quantities(grpc_addr, tokens, stubs, tmp_path):
    path = tmp_path / "输入法.csv"
    path.write_text("月份,日期,村干部,考评类别,事项,数量,备注,考评人\n"
                    "２０２６－１０,,v08-1,attendance,meeting_late,３,输入法月份,main-01\n"
                    ",2026年10月9日,v08-2,attendance,meeting_late,２.５,输入法日期,main-01\n", encoding="utf-8")
    report = run_json(grpc_addr, tokens["admin"], "import", str(path))
    assert report["imported"] == 2 and report["rejected"] == 0, report
    stored = {f.fact.official_id: f.fact for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH)).facts
              if f.fact.note.startswith("输入法")}
    assert (stored["v08-1"].month, stored["v08-1"].quantity) == (MONTH, "3")
    assert (stored["v08-2"].date, stored["v08-2"].quantity) == ("2026-10-09", "2.5")


def test_help_screens_are_chinese_down_to_clicks_and_typers_own_options():
    for args in ((), ("scores",), ("month", "confirm")):
        shown = run("127.0.0.1:1", "", *args, "--help")
        assert shown.exit_code == 0, shown.output
        assert "显示本帮助并退出" in shown.output and "Show this message" not in shown.output, shown.output
    root = run("127.0.0.1:1", "", "--help").output
    assert "安装命令补全" in root and "Install completion" not in root and "Show completion" not in root
