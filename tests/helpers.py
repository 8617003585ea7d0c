"""Small helpers the tests share."""
from __future__ import annotations

import itertools

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kaoping.domain.facts import FactInput
from kaoping.v1 import facts_pb2 as fx

_keys = itertools.count(1)


def fact(official="v01-1", category="attendance", kind="meeting_absent", quantity="1",
         month="2026-03", scorer="main-01", key=None, note="", date="", source="test") -> fx.Fact:
    return fx.Fact(official_id=official, month=month, date=date, category=category, kind=kind,
                   quantity=quantity, note=note, scorer_id=scorer, source=source,
                   idempotency_key=key or f"k{next(_keys)}")


def fact_input(**kwargs) -> FactInput:
    msg = fact(**kwargs)
    return FactInput(msg.official_id, msg.month, msg.date, msg.category, msg.kind, msg.quantity,
                     msg.note, msg.scorer_id, msg.source, msg.idempotency_key)


def violations(error: grpc.RpcError) -> dict[str, str]:
    """field -> description from the google.rpc.BadRequest detail of an error."""
    status = rpc_status.from_call(error)
    assert status is not None, "error carries no google.rpc.Status"
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.update({v.field: v.description for v in bad.field_violations})
    return found


class LocalServer:
    """A real kaoping Server (all services, the production interceptors) on a loopback
    port in this process; `stub(cls)` makes stubs on one shared channel."""

    def __init__(self, app, **options):
        from kaoping.server import Server
        options.setdefault("insecure_dev", True)
        options.setdefault("access_log", False)
        self.server = Server(app, "127.0.0.1:0", workers=4, **options)
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")

    def stub(self, cls):
        return cls(self.channel)

    def stop(self) -> None:
        """Stops the server and closes its app (store and compiled rule sets)."""
        self.channel.close()
        self.server.stop(grace=1)


def rule_variant(text: str, n: int) -> str:
    """The rule file with another label: the same rules, a distinct version."""
    return text.replace('label: "sample 2026-1"', f'label: "variant {n}"', 1)


def app_on(store, sample: bool = True):
    """A Kaoping app over the given Store, as conftest.make_app builds one."""
    from datetime import date
    from pathlib import Path

    from kaoping.app import Kaoping
    from kaoping.rulesets import RuleSets
    from kaoping.sample import load_sample
    shipped = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
    if sample:
        load_sample(store)
    rulesets = RuleSets(store)
    rulesets.bootstrap(shipped.read_text(encoding="utf-8"), shipped.name)
    return Kaoping(store, rulesets, today=lambda: date(2026, 11, 25))


def status_details(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    """(code, message, BadRequest field -> description) of a failed call."""
    return error.code(), error.details(), violations(error)


SQL_WORDS = ("insert", "select", "update", "sqlite", "psycopg", "sqlalchemy", "[sql", "background on")


def clean_message(text: str) -> bool:
    """No SQL, driver or library text in what a caller is told."""
    lowered = text.lower()
    return not any(word in lowered for word in SQL_WORDS)
