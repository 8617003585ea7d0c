"""`kaoping month confirm` and `kaoping appeal submit` with --signed-by and
--on-behalf-reason: the township office enters a village's paper-signed confirmation
or appeal, against the real `kaoping-server` process (issue 15.6)."""
import re

from tests.test_workflow_cli import MONTH, ok, run, server  # noqa: F401 - the server fixture

SIGNER, WHY = "村党支部书记 王建国", "纸质回执已签字盖章"


def test_the_office_confirms_and_appeals_on_a_villages_behalf(server):  # noqa: F811
    address, admin, v01 = server
    facts = []
    for official, key in (("v02-1", "cli-ob-1"), ("v03-1", "cli-ob-2")):
        out = ok(run(address, admin, "fact", "add", "--official", official, "--month", MONTH, "--category",
                     "attendance", "--kind", "meeting_absent", "--scorer", "main-01", "--key", key))
        facts.append(re.search(r"#(\d+)", out).group(1))
    ok(run(address, admin, "month", "aggregate", "--month", MONTH))
    ok(run(address, admin, "month", "approve", "--month", MONTH))

    half = run(address, admin, "month", "confirm", "--month", MONTH, "--village", "v02", "--signed-by", SIGNER)
    assert half.returncode == 1 and not half.stdout and "--on-behalf-reason" in half.stderr   # the Chinese sentence names it
    own = run(address, v01, "month", "confirm", "--month", MONTH, "--signed-by", SIGNER,
              "--on-behalf-reason", WHY)
    assert own.returncode == 1 and "--signed-by" in own.stderr
    out = ok(run(address, admin, "month", "confirm", "--month", MONTH, "--village", "v02",
                 "--signed-by", SIGNER, "--on-behalf-reason", WHY))
    assert f"已确认（代为登记：{SIGNER}（镇党政办））" in out
    out = ok(run(address, admin, "appeal", "submit", facts[1], "--reason", "当天请假已批准",
                 "--signed-by", "村委会主任 张海燕", "--on-behalf-reason", "村里递交纸质申诉书"))
    assert "状态：待处理" in out, out
    listed = ok(run(address, admin, "appeal", "list", "--month", MONTH, "--output", "json"))
    assert "代为登记：村委会主任 张海燕（镇党政办）" in listed
    state = ok(run(address, admin, "month", "state", "--month", MONTH, "--output", "json"))
    assert f"代为登记：{SIGNER}（镇党政办）" in state
