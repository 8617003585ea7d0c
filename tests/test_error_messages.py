"""Every refusal carries a Chinese sentence a person can act on (issue 15.4): each place
in service/ that makes a DomainError gives its own `zh` (an AST walk, so a new raise
without one fails here), and over the real server (admission, auth interceptor,
servicers) every status code the API answers with carries a google.rpc.LocalizedMessage
(zh-CN) next to the English message and the BadRequest, within the metadata limit."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from kaoping.api import errors as api_errors
from kaoping.api.admission import Admission
from kaoping.domain import errors
from kaoping.ops.limits import Limits
from kaoping.ops.server import Server
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.apps import make_app
from tests.support.calls import stream_held_open, stubs_for, violations

SERVICE = Path(__file__).resolve().parents[1] / "service" / "kaoping"
ERROR_CLASSES = {name for name, value in vars(errors).items()
                 if isinstance(value, type) and issubclass(value, errors.DomainError)}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _constructions():
    """(where, call) of every DomainError subclass made in service/ (generated stubs aside)."""
    for path in sorted(SERVICE.rglob("*.py")):
        if "v1" in path.relative_to(SERVICE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in ERROR_CLASSES:
                    yield f"{path.relative_to(SERVICE)}:{node.lineno}", node


def _literal_text(node: ast.expr) -> str | None:
    """The fixed text of a string or f-string, None for any other expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def test_every_error_made_in_service_has_its_own_chinese_sentence():
    found = list(_constructions())
    assert len(found) > 100          # the walk sees the service's errors (about 150)
    missing, not_chinese = [], []
    for where, call in found:
        zh = next((k.value for k in call.keywords if k.arg == "zh"), None)
        if zh is None:
            missing.append(where)
            continue
        text = _literal_text(zh)
        if text is not None and not CJK.search(text):
            not_chinese.append(where)
    assert not missing, f"errors made without zh=: {missing}"
    assert not not_chinese, f"zh= that is not Chinese: {not_chinese}"


def test_the_walk_catches_an_error_without_chinese(tmp_path, monkeypatch):
    """The check above is not vacuous: a raise without zh= in a service module is found."""
    bad = tmp_path / "kaoping" / "usecases"
    bad.mkdir(parents=True)
    (bad / "x.py").write_text('raise NotFound("no such thing", [])\nraise NotFound("x", [], zh="没有")\n')
    monkeypatch.setattr(sys.modules[__name__], "SERVICE", tmp_path / "kaoping")
    calls = list(_constructions())
    assert len(calls) == 2 and [w for w, c in calls if not c.keywords] == ["usecases/x.py:1"]


def _localized(status) -> list[error_details_pb2.LocalizedMessage]:
    found = []
    for detail in status.details:
        if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            message = error_details_pb2.LocalizedMessage()
            detail.Unpack(message)
            found.append(message)
    return found


def test_to_status_keeps_english_and_bad_request_and_adds_chinese_within_the_limit():
    error = errors.InvalidArgument("bad month", [errors.Violation("month", "YYYY-MM")],
                                   zh="月份不合格：请写成 YYYY-MM，例如 2026-10")
    status = api_errors.to_status(error)
    decoded = _decode(status)
    assert decoded.message == "bad month"
    [zh] = _localized(decoded)
    assert (zh.locale, zh.message) == ("zh-CN", "月份不合格：请写成 YYYY-MM，例如 2026-10")
    # a huge refusal stays under the 16 KiB metadata limit, the Chinese sentence included
    many = errors.InvalidArgument("x" * 10_000, [errors.Violation("f" * 500, "长" * 5000)] * 10_000,
                                  zh="长" * 100_000)
    status = api_errors.to_status(many)
    assert sum(len(k) + len(v) for k, v in status.trailing_metadata) < 16 * 1024
    [zh] = _localized(_decode(status))
    assert zh.message.startswith("长" * api_errors.MAX_TEXT) and len(zh.message) < api_errors.MAX_TEXT + 30
    # an error made without a sentence still gets one, by its code
    bare = _localized(_decode(api_errors.to_status(errors.Unavailable("db down"))))
    assert bare[0].message == api_errors.FALLBACK_ZH[code_pb2.UNAVAILABLE]


def _decode(status: grpc.Status):
    from google.rpc import status_pb2
    raw = dict(status.trailing_metadata)["grpc-status-details-bin"]
    return status_pb2.Status.FromString(raw)


def test_admission_refusals_carry_chinese():
    refusal = Admission(1, 1, 1, 60.0)._refuse("calls", 1, 1, "calls")
    [zh] = _localized(_decode(api_errors.to_status(refusal)))
    assert "服务器正忙" in zh.message


# over the real server ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.apps import new_database_url
    app = make_app(new_database_url(tmp_path_factory.mktemp("zh")))
    app.limits = Limits(max_concurrent_per_caller=1)
    server = Server(app, "127.0.0.1:0")
    server.start()
    issue = Tokens(app.store).create
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield (server, channel, issue("镇党政办", "admin")[0],
           issue("上山村党支部", "village", village_id="v01")[0], issue("审计", "reader")[0])
    channel.close()
    server.stop(grace=1)
    app.rulesets.close()
    app.store.close()


def _refusal(call, code) -> tuple[str, str, dict]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == code, err.value.details()
    status = rpc_status.from_call(err.value)
    [zh] = _localized(status)
    assert zh.locale == "zh-CN" and CJK.search(zh.message), zh
    assert err.value.details() and err.value.details() != zh.message   # the English message stays
    return err.value.details(), zh.message, violations(err.value)


def test_each_status_code_carries_the_chinese_sentence(server):
    _, channel, admin_token, village_token, reader_token = server
    admin, village, reader = (stubs_for(channel, t) for t in (admin_token, village_token, reader_token))

    english, zh, fields = _refusal(lambda: reader.workflow.GetMonthState(wf.MonthRequest(month="2026-13")),
                                   grpc.StatusCode.INVALID_ARGUMENT)
    assert "month" in fields and "YYYY-MM" in zh
    english, zh, _ = _refusal(lambda: admin.workflow.GetVillageFeedback(
        wf.VillageFeedbackRequest(village_id="v99", month="2026-03")), grpc.StatusCode.NOT_FOUND)
    assert english == "no such village" and zh == "村 v99 不存在：请用 kaoping villages 查看本镇的村"
    english, zh, _ = _refusal(lambda: village.workflow.GetVillageFeedback(
        wf.VillageFeedbackRequest(village_id="v02", month="2026-03")), grpc.StatusCode.PERMISSION_DENIED)
    assert "v01" in zh and "本村" in zh
    _, zh, _ = _refusal(lambda: reader.workflow.Aggregate(wf.MonthRequest(month="2026-03")),
                        grpc.StatusCode.PERMISSION_DENIED)        # the interceptor's role table
    assert "reader" in zh and "令牌" in zh
    english, zh, fields = _refusal(lambda: admin.workflow.Publish(wf.MonthRequest(month="2026-03")),
                                   grpc.StatusCode.FAILED_PRECONDITION)
    assert fields == {"month": "current state: scoring"} and "考评中" in zh and "公示" in zh
    admin.registry.CreateTownship(rg.Township(id="xiaohe", name="小河镇"))
    _, zh, _ = _refusal(lambda: admin.registry.CreateTownship(rg.Township(id="xiaohe", name="小河镇")),
                        grpc.StatusCode.ALREADY_EXISTS)
    assert "xiaohe" in zh and "已存在" in zh
    _, zh, _ = _refusal(lambda: stubs_for(channel, "").workflow.GetMonthState(wf.MonthRequest(month="2026-03")),
                        grpc.StatusCode.UNAUTHENTICATED)
    assert "KAOPING_TOKEN" in zh
    _, zh, _ = _refusal(lambda: stubs_for(channel, "not-a-token").workflow.GetMonthState(
        wf.MonthRequest(month="2026-03")), grpc.StatusCode.UNAUTHENTICATED)
    assert "令牌无效" in zh


def test_a_caller_over_its_bound_gets_the_chinese_sentence(server):
    srv, channel, admin_token, *_ = server
    stubs = stubs_for(channel, admin_token)
    with stream_held_open(stubs, srv, "zh-held-open"):
        _, zh, _ = _refusal(lambda: stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=10),
                            grpc.StatusCode.RESOURCE_EXHAUSTED)
        assert "请求过多" in zh
