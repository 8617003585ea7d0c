"""A corpus of malformed and hostile requests (tests/support/corpus/) against a real
loopback server with the production AuthInterceptor and the production message
limits. Every case checks the exact status code, the google.rpc.BadRequest fields of
kaoping's own refusals, and a before/after dump of every database table: a refused
request changes nothing; an accepted or interrupted one adds exactly what it says."""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent import futures
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from kaoping.ops.limits import Limits
from kaoping.storage.models import ApiToken
from kaoping.usecases.tokens import Tokens, digest
from kaoping.v1 import evaluation_pb2_grpc, facts_pb2_grpc, registry_pb2_grpc, rulesets_pb2_grpc
from kaoping.v1 import facts_pb2 as fx
from tests.support.apps import SHIPPED
from tests.support.corpus import CASES
from tests.support.corpus.base import WAIT, C, fact
from tests.support.calls import violations

TIMEOUT = 60
# Codes kaoping itself raises with a google.rpc.BadRequest attached.
WITH_VIOLATIONS = {C.INVALID_ARGUMENT, C.NOT_FOUND, C.PERMISSION_DENIED, C.ALREADY_EXISTS,
                   C.UNAUTHENTICATED}
MAX_MESSAGE = Limits().max_message_bytes   # what kaoping-server configures
LONG = 512          # longer text values are compared by length and hash in dumps


@pytest.fixture(scope="module")
def _grpc_server(grpc_interceptors):
    """pytest-grpc's server, but with kaoping-server's message limits and enough
    workers that an interrupted stream cannot starve the next case."""
    pool = futures.ThreadPoolExecutor(max_workers=8)
    server = grpc.server(pool, interceptors=grpc_interceptors,
                         options=[("grpc.max_receive_message_length", MAX_MESSAGE),
                                  ("grpc.max_send_message_length", MAX_MESSAGE)])
    yield server
    pool.shutdown(wait=False)


@pytest.fixture(scope="module")
def grpc_server(_grpc_server, grpc_addr, grpc_add_to_server, grpc_servicer):
    """pytest-grpc's grpc_server with a bounded stop: after undecodable stream messages
    grpcio's Server.stop() may never return (see test_crash_safety.py,
    test_sigterm_stops_the_server_after_undecodable_stream_messages)."""
    grpc_add_to_server(grpc_servicer, _grpc_server)
    _grpc_server.add_insecure_port(grpc_addr)
    _grpc_server.start()
    yield _grpc_server
    stopper = threading.Thread(target=_grpc_server.stop, args=(None,), daemon=True)
    stopper.start()
    stopper.join(10)


# ----------------------------------------------------------------------------------
class _Method:
    def __init__(self, multicallable, metadata):
        self._m, self._md = multicallable, metadata

    def __call__(self, request, timeout=TIMEOUT):
        return self._m(request, timeout=timeout, metadata=self._md)

    def future(self, request, timeout=TIMEOUT):
        return self._m.future(request, timeout=timeout, metadata=self._md)


class _Stub:
    def __init__(self, stub, metadata):
        self._stub, self._md = stub, metadata

    def __getattr__(self, name):
        return _Method(getattr(self._stub, name), self._md)


class Stubs:
    def __init__(self, channel, metadata):
        self.facts = _Stub(facts_pb2_grpc.FactServiceStub(channel), metadata)
        self.evaluation = _Stub(evaluation_pb2_grpc.EvaluationServiceStub(channel), metadata)
        self.rulesets = _Stub(rulesets_pb2_grpc.RuleSetServiceStub(channel), metadata)
        self.registry = _Stub(registry_pb2_grpc.RegistryServiceStub(channel), metadata)


class Database:
    """Every table of the service's database, read over a separate connection."""

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)

    def dump(self) -> dict[str, list[tuple]]:
        with self.engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: sorted((tuple(sorted((k, _short(v)) for k, v in row.items()))
                               for row in conn.execute(text(f'SELECT * FROM "{t}"')).mappings()),
                              key=repr)
                    for t in tables}

    def keys_stored(self, keys: list[str]) -> tuple[int, int]:
        with self.engine.connect() as conn:
            total = distinct = 0
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join(f":k{i}" for i in range(len(chunk)))
                n, d = conn.execute(text(
                    f"SELECT count(*), count(DISTINCT idempotency_key) FROM fact "
                    f"WHERE idempotency_key IN ({marks})"), {f"k{i}": k for i, k in enumerate(chunk)}).one()
                total, distinct = total + n, distinct + d
            return total, distinct


def _short(value):
    if isinstance(value, (str, bytes)) and len(value) > LONG:
        return ("<long>", len(value), hash(value))
    return value


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    added, removed = {}, {}
    for table in set(before) | set(after):
        old, new = Counter(before.get(table, [])), Counter(after.get(table, []))
        if new - old:
            added[table] = list((new - old).elements())
        if old - new:
            removed[table] = list((old - new).elements())
    return added, removed


class World:
    """What a case may use: callers, raw channel access, the rows set up for it."""

    def __init__(self, channel, tokens, db: Database):
        self.channel, self.tokens, self.db = channel, tokens, db
        self.ids: dict[str, int] = {}
        self.keys: dict[str, str] = {}
        self.remember: dict = {}
        self.reason = "3月3日其实请了假"
        self.expired = self.revoked = ""
        self.existing: fx.Fact | None = None
        self.tables: set[str] = set()

    def metadata(self, who):
        if who is None:
            return []
        return [("authorization", f"Bearer {self.tokens.get(who, who)}")]

    def stubs(self, who="admin", metadata=None) -> Stubs:
        return Stubs(self.channel, self.metadata(who) if metadata is None else metadata)

    def raw(self, path: str, payload: bytes, who="admin"):
        """Sends bytes as they are (identity serializers)."""
        return self.channel.unary_unary(path)(payload, timeout=TIMEOUT, metadata=self.metadata(who))

    def raw_stream(self, path: str, payloads: list[bytes], who="admin"):
        return self.channel.stream_unary(path)(iter(payloads), timeout=TIMEOUT,
                                               metadata=self.metadata(who))

    def dump(self):
        return self.db.dump()

    def existing_fact(self, **changes) -> fx.Fact:
        msg = fx.Fact()
        msg.CopyFrom(self.existing)
        for name, value in changes.items():
            setattr(msg, name, value)
        return msg

    def valid_rules(self, tag: str) -> str:
        return SHIPPED.read_text(encoding="utf-8") + f"\n# corpus variant: {tag}\n"

    def listed_note(self, fact_id: int, month: str = "2026-02") -> str:
        listed = self.stubs().facts.ListFacts(fx.ListFactsRequest(month=month, official_id="v01-1")).facts
        return next(f.fact.note for f in listed if f.id == fact_id)

    def tables_intact(self) -> None:
        assert set(self.dump()) == self.tables

    def wait_for_keys(self, keys: list[str]) -> None:
        deadline = time.monotonic() + WAIT
        while self.db.keys_stored(keys)[0] < len(keys):
            assert time.monotonic() < deadline, f"server did not commit {keys} in {WAIT}s"
            time.sleep(0.02)

    def assert_stored_once(self, keys: list[str]) -> None:
        assert self.db.keys_stored(keys) == (len(keys), len(keys))


@pytest.fixture(scope="module")
def world(grpc_channel, grpc_servicer, tokens):
    w = World(grpc_channel, tokens, Database(grpc_servicer.store.url))
    facts = w.stubs().facts
    w.existing = fact(idempotency_key="corpus-existing", note="3月3日例会缺席")
    w.ids["existing"] = facts.SubmitFact(fx.SubmitFactRequest(fact=w.existing)).fact_id
    w.keys["existing"] = "corpus-existing"
    w.ids["voided"] = facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
        official_id="v01-2", idempotency_key="corpus-voided"))).fact_id
    w.keys["correction"] = "corpus-correction"
    w.ids["correction"] = facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=w.ids["voided"], reason=w.reason, scorer_id="main-01",
        idempotency_key=w.keys["correction"])).correction.fact_id
    for n, target in enumerate(("sql_target", "reason_target", "key_target", "fix_target",
                                "reason_ok_target"), start=2):
        w.ids[target] = facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
            official_id=f"v02-{n}", idempotency_key=f"corpus-{target}"))).fact_id
    issuer = Tokens(grpc_servicer.store)
    token, row = issuer.create("已吊销", "admin")
    issuer.revoke(row.id)
    w.revoked = token
    w.expired = "kp_corpus-expired-admin-token"
    with grpc_servicer.store.session() as s:
        s.add(ApiToken(token_hash=digest(w.expired), name="过期", role="admin", created_by="corpus",
                       expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        s.commit()
    w.tables = set(w.dump())
    return w


# ----------------------------------------------------------------------------------
def test_the_corpus_has_at_least_60_distinct_cases():
    assert len({c.name for c in CASES}) == len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request(world, case):
    before = world.dump()
    result = error = None
    try:
        result = case.call(world)
    except grpc.RpcError as exc:
        error = exc
    after = world.dump()

    problems = []
    observed = error.code() if error is not None else C.OK
    if observed != case.code:
        said = error.details() if error is not None else type(result).__name__
        problems.append(f"status: expected {case.code.name}, observed {observed.name} ({said!s:.300})")
    elif error is not None and case.code in WITH_VIOLATIONS:
        found = violations(error)
        if not found or not set(case.fields) <= set(found):
            problems.append(f"BadRequest: expected fields {list(case.fields)}, got {sorted(found)}")
    added, removed = diff(before, after)
    if removed:
        problems.append(f"rows removed: { {t: len(r) for t, r in removed.items()} }")
    try:
        case.change(world, added, result)
    except AssertionError as exc:
        problems.append(f"database: {exc}")
    if not problems and case.check is not None:
        case.check(world, result if error is None else error)
    assert not problems, "\n".join(problems + ([f"(case note: {case.note})"] if case.note else []))
