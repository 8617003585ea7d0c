"""Township-scoped tokens issued, revoked and listed over TokenService (and `kaoping
token ...`), on a real server on loopback with real SQLite/PostgreSQL: a token never
reaches further than the administrator who issued it, and `kaoping-server tokens`
writes to the server's database ($KAOPING_DB), not a stray ./kaoping.db."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import grpc
import pytest
from sqlmodel import select

from kaoping.storage.models import ApiToken, AuditEntry, Scorer, Township, Village
from kaoping.usecases import tokens as tokens_module
from kaoping.usecases.tokens import Tokens, digest
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import tokens_pb2 as tk
from tests.support.apps import make_app, new_database_url
from tests.support.calls import status_details, stubs_for
from tests.support.cli import cli_refused, run, run_json
from tests.support.servers import LocalServer

COUNTY = "青山县"


class World:
    """A deployment of four townships: east and west in 青山县, far in 远县, and the
    sample's dahedian (no county); a scorer and a village in each of east and west."""

    def __init__(self, tmp_path):
        self.app = make_app(new_database_url(tmp_path))
        self.app.store.put(
            Township(id="east", name="东镇", county=COUNTY), Township(id="west", name="西镇", county=COUNTY),
            Township(id="far", name="远镇", county="远县"))
        self.app.store.put(
            Village(id="e01", township_id="east", name="东一村"), Village(id="w01", township_id="west", name="西一村"),
            Scorer(id="st-east", name="东镇便民服务站", role="station", township_id="east"),
            Scorer(id="st-west", name="西镇便民服务站", role="station", township_id="west"))
        self.local = LocalServer(self.app, insecure_dev=False)
        self.address = f"127.0.0.1:{self.local.server.port}"
        host = self.local.server.tokens          # the server host's own tool, no issuer
        self.deployment = host.create("县信息中心", "admin")[0]
        self.east = host.create("东镇管理员", "admin", township_id="east")[0]
        self.west = host.create("西镇管理员", "admin", township_id="west")[0]
        self.county = host.create("青山县管理员", "county_admin", county=COUNTY)[0]
        self.far_county = host.create("远县管理员", "county_admin", county="远县")[0]

    def tokens(self, token: str):
        return stubs_for(self.local.channel, token).tokens

    def works(self, token: str) -> bool:
        try:
            stubs_for(self.local.channel, token).registry.ListVillages(rg.ListVillagesRequest(), timeout=30)
            return True
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.details()
            return False

    def reach(self, token: str):
        p = self.local.server.tokens.resolve(token)
        return p.township_id, p.county


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("tokens-api"))
    yield w
    w.local.stop()


def refused(call, code: grpc.StatusCode) -> dict[str, str]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    got, message, fields = status_details(err.value)
    assert got == code, (got, message, fields)
    return fields


def tokens_in_db(world) -> list[ApiToken]:
    with world.app.store.session() as s:
        return list(s.exec(select(ApiToken).order_by(ApiToken.id)))


# a township admin ------------------------------------------------------------------
def test_township_admin_issues_scorer_and_village_tokens_for_its_township(world):
    east = world.tokens(world.east)
    scorer = east.IssueToken(tk.IssueTokenRequest(name="东镇服务站", role="station", scorer_id="st-east"))
    village = east.IssueToken(tk.IssueTokenRequest(name="东一村党支部", role="village", village_id="e01"))
    reader = east.IssueToken(tk.IssueTokenRequest(name="东镇纪委", role="reader"))
    for issued in (scorer, village, reader):
        assert issued.token.startswith("kp_") and issued.info.township_id == "east"
        assert issued.info.county == "" and issued.info.created_by == "东镇管理员"
        assert world.works(issued.token)
        assert world.reach(issued.token) == ("east", "")
    # a township-scoped role names its own township explicitly just as well
    explicit = east.IssueToken(tk.IssueTokenRequest(name="东镇管理员二", role="admin", township_id="east"))
    assert world.reach(explicit.token) == ("east", "")


def test_township_admin_cannot_issue_for_another_township(world):
    east = world.tokens(world.east)
    before = len(tokens_in_db(world))
    for request, field in [
            (tk.IssueTokenRequest(name="x", role="reader", township_id="west"), "township_id"),
            (tk.IssueTokenRequest(name="x", role="admin", township_id="no-such-town"), "township_id"),
            (tk.IssueTokenRequest(name="x", role="station", scorer_id="st-west"), "scorer_id"),
            (tk.IssueTokenRequest(name="x", role="station", scorer_id="st-west", township_id="west"),
             "township_id"),
            (tk.IssueTokenRequest(name="x", role="village", village_id="w01"), "village_id"),
            # the sample's legacy scorer (township "") scores anywhere: deployment-wide
            (tk.IssueTokenRequest(name="x", role="station", scorer_id="station-01"), "scorer_id"),
            (tk.IssueTokenRequest(name="x", role="county_admin", county=COUNTY), "role"),
            (tk.IssueTokenRequest(name="x", role="county_reader"), "role")]:
        fields = refused(lambda: east.IssueToken(request), grpc.StatusCode.PERMISSION_DENIED)
        assert field in fields, (request, fields)
    assert len(tokens_in_db(world)) == before     # nothing written


def test_bad_requests_name_the_field(world):
    east = world.tokens(world.east)
    deployment = world.tokens(world.deployment)
    for stub, request, field in [
            (east, tk.IssueTokenRequest(name="", role="reader"), "name"),
            (east, tk.IssueTokenRequest(name="x", role="emperor"), "role"),
            (east, tk.IssueTokenRequest(name="x", role="reader", county=COUNTY), "county"),
            (east, tk.IssueTokenRequest(name="x", role="station", scorer_id="no-such-scorer"), "scorer_id"),
            (east, tk.IssueTokenRequest(name="x", role="village"), "village_id"),
            (east, tk.IssueTokenRequest(name="x", role="system", categories=["no-such"]), "categories"),
            (east, tk.IssueTokenRequest(name="x", role="station", scorer_id="st-east", township_id="west"),
             "township_id"),   # refused for reach first
            (deployment, tk.IssueTokenRequest(name="x", role="station", scorer_id="st-east",
                                              township_id="west"), "township_id"),
            (deployment, tk.IssueTokenRequest(name="x", role="county_admin"), "county"),
            (deployment, tk.IssueTokenRequest(name="x", role="county_admin", county="无此县"), "county"),
            (deployment, tk.IssueTokenRequest(name="x", role="county_admin", county=COUNTY,
                                              township_id="east"), "township_id"),
            (deployment, tk.IssueTokenRequest(name="x", role="reader", township_id="nowhere"), "township_id"),
            (deployment, tk.IssueTokenRequest(name="x", role="reader", expires_days=-1), "expires_days")]:
        code = (grpc.StatusCode.PERMISSION_DENIED if stub is east and field == "township_id"
                else grpc.StatusCode.INVALID_ARGUMENT)
        fields = refused(lambda: stub.IssueToken(request), code)
        assert field in fields, (request, fields)


def test_township_admin_revokes_and_lists_only_its_own(world):
    host = world.local.server.tokens
    west_token, west_row = host.create("西镇审计", "reader", township_id="west")
    east = world.tokens(world.east)
    listed = east.ListTokens(tk.ListTokensRequest(include_revoked=True)).tokens
    assert listed and {t.township_id for t in listed} == {"east"}
    assert west_row.id not in {t.id for t in listed}
    fields = refused(lambda: east.ListTokens(tk.ListTokensRequest(township_id="west")),
                     grpc.StatusCode.PERMISSION_DENIED)
    assert "township_id" in fields
    fields = refused(lambda: east.RevokeToken(tk.RevokeTokenRequest(id=west_row.id)), grpc.StatusCode.NOT_FOUND)
    assert fields == {"id": str(west_row.id)}
    with world.app.store.session() as s:
        assert s.get(ApiToken, west_row.id).revoked_at is None     # nothing changed
    assert world.works(west_token)
    # the deployment token is not a township admin's either
    deployment_id = next(r.id for r in tokens_in_db(world) if r.name == "县信息中心")
    refused(lambda: east.RevokeToken(tk.RevokeTokenRequest(id=deployment_id)), grpc.StatusCode.NOT_FOUND)


def test_list_never_returns_a_secret(world):
    issued = world.tokens(world.deployment).IssueToken(tk.IssueTokenRequest(name="保密", role="reader"))
    response = world.tokens(world.deployment).ListTokens(tk.ListTokensRequest(include_revoked=True))
    raw = response.SerializeToString()
    assert issued.token.encode() not in raw and digest(issued.token).encode() not in raw
    assert not any("hash" in f.name or f.name == "token" for f in tk.TokenInfo.DESCRIPTOR.fields)
    assert issued.info.id in {t.id for t in response.tokens}


# a county admin ----------------------------------------------------------------------
def test_county_admin_spans_its_county_only(world):
    county = world.tokens(world.county)
    for township in ("east", "west"):
        issued = county.IssueToken(tk.IssueTokenRequest(name=f"{township}读者", role="reader",
                                                        township_id=township))
        assert world.reach(issued.token) == (township, "")
    scorer = county.IssueToken(tk.IssueTokenRequest(name="西站", role="station", scorer_id="st-west"))
    assert world.reach(scorer.token) == ("west", "")
    reader = county.IssueToken(tk.IssueTokenRequest(name="县审计", role="county_reader"))
    assert world.reach(reader.token) == ("", COUNTY) and world.works(reader.token)
    second = county.IssueToken(tk.IssueTokenRequest(name="县管理员二", role="county_admin", county=COUNTY))
    assert world.reach(second.token) == ("", COUNTY)
    for request, field in [
            (tk.IssueTokenRequest(name="x", role="reader", township_id="far"), "township_id"),
            (tk.IssueTokenRequest(name="x", role="reader", township_id="dahedian"), "township_id"),
            (tk.IssueTokenRequest(name="x", role="admin"), "township_id"),      # deployment-wide
            (tk.IssueTokenRequest(name="x", role="county_reader", county="远县"), "county"),
            (tk.IssueTokenRequest(name="x", role="station", scorer_id="station-01"), "scorer_id")]:
        fields = refused(lambda: county.IssueToken(request), grpc.StatusCode.PERMISSION_DENIED)
        assert field in fields, (request, fields)
    listed = county.ListTokens(tk.ListTokensRequest(include_revoked=True)).tokens
    assert {(t.township_id, t.county) for t in listed} <= {("east", ""), ("west", ""), ("", COUNTY)}
    assert {"东镇管理员", "西镇管理员", "青山县管理员"} <= {t.name for t in listed}
    refused(lambda: county.ListTokens(tk.ListTokensRequest(township_id="far")), grpc.StatusCode.PERMISSION_DENIED)
    far_id = next(r.id for r in tokens_in_db(world) if r.name == "远县管理员")
    refused(lambda: county.RevokeToken(tk.RevokeTokenRequest(id=far_id)), grpc.StatusCode.NOT_FOUND)
    # ... and the far county's admin sees none of 青山县's
    far = world.tokens(world.far_county).ListTokens(tk.ListTokensRequest(include_revoked=True)).tokens
    assert {t.name for t in far} == {"远县管理员"}


def test_deployment_admin_issues_any(world):
    deployment = world.tokens(world.deployment)
    for request, reach in [
            (tk.IssueTokenRequest(name="全域读者", role="reader"), ("", "")),
            (tk.IssueTokenRequest(name="远镇读者", role="reader", township_id="far"), ("far", "")),
            (tk.IssueTokenRequest(name="远县读者", role="county_reader", county="远县"), ("", "远县")),
            # the sample's scorers belong to its township: so does a token for one
            (tk.IssueTokenRequest(name="示例站", role="station", scorer_id="station-01"), ("dahedian", ""))]:
        assert world.reach(deployment.IssueToken(request).token) == reach


# revocation and the audit trail --------------------------------------------------------
def test_revoked_token_stops_working_and_both_are_audited(world):
    east = world.tokens(world.east)
    issued = east.IssueToken(tk.IssueTokenRequest(name="临时读者", role="reader", expires_days=30))
    assert issued.info.expires_at and world.works(issued.token)   # now in the resolver's cache
    revoked = east.RevokeToken(tk.RevokeTokenRequest(id=issued.info.id))
    assert revoked.revoked_at
    # the server revoking it drops its own cache at once
    assert not world.works(issued.token)
    assert east.RevokeToken(tk.RevokeTokenRequest(id=issued.info.id)).revoked_at == revoked.revoked_at
    active = east.ListTokens(tk.ListTokensRequest()).tokens
    assert issued.info.id not in {t.id for t in active}
    with world.app.store.session() as s:
        entries = list(s.exec(select(AuditEntry).where(AuditEntry.target == f"token {issued.info.id}")
                              .order_by(AuditEntry.id)))
    assert [(e.action, e.actor, e.role, e.township_id) for e in entries] == [
        ("create_token", "东镇管理员", "admin", "east"), ("revoke_token", "东镇管理员", "admin", "east")]


def test_a_revocation_reaches_another_replica_within_the_cache_time(world, monkeypatch):
    monkeypatch.setattr(tokens_module, "CACHE_SECONDS", 0.3)
    other_replica = Tokens(world.app.store)
    issued = world.tokens(world.east).IssueToken(tk.IssueTokenRequest(name="另一副本", role="reader"))
    assert other_replica.resolve(issued.token) is not None
    world.tokens(world.east).RevokeToken(tk.RevokeTokenRequest(id=issued.info.id))
    time.sleep(0.4)
    assert other_replica.resolve(issued.token) is None


# the CLI -------------------------------------------------------------------------------
def test_cli_token_issue_list_revoke(world):
    issued = run_json(world.address, world.east, "token", "issue", "--name", "东一村支书", "--role",
                      "village", "--village", "e01", "--expires-days", "10")
    assert issued["info"]["township_id"] == "east" and world.works(issued["token"])
    quiet = run(world.address, world.east, "token", "issue", "--name", "东镇考勤", "--role", "system",
                "--categories", "attendance", "--quiet")
    assert quiet.exit_code == 0 and world.reach(quiet.stdout.strip()) == ("east", "")
    listed = run_json(world.address, world.east, "token", "list")
    assert issued["info"]["id"] in {t["id"] for t in listed["tokens"]}
    assert all("token" not in t and t["township_id"] == "east" for t in listed["tokens"])
    table = run(world.address, world.east, "token", "list", "--township", "east")
    assert table.exit_code == 0 and "东一村支书" in table.stdout and issued["token"] not in table.stdout
    done = run(world.address, world.east, "token", "revoke", str(issued["info"]["id"]))
    assert done.exit_code == 0 and f"令牌 {issued['info']['id']}（东一村支书）已于" in done.stdout
    assert "吊销" in done.stdout
    assert not world.works(issued["token"])
    denied = run(world.address, world.east, "token", "issue", "--name", "x", "--role", "reader",
                 "--township", "west")
    cli_refused(denied, "PERMISSION_DENIED")
    west_id = next(r.id for r in tokens_in_db(world) if r.name == "西镇管理员")
    missing = run(world.address, world.east, "token", "revoke", str(west_id))
    cli_refused(missing, "NOT_FOUND")
    county = run_json(world.address, world.county, "token", "issue", "--name", "县读者二", "--role",
                      "county_reader")
    assert county["info"]["county"] == COUNTY


# the server host's tool ------------------------------------------------------------------
def test_server_tokens_honours_kaoping_db(tmp_path):
    db = tmp_path / "server.db"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "KAOPING_DB": f"sqlite:///{db}"}
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "create", "--name", "主机",
                             "--role", "admin", "--quiet"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=120)
    assert issued.returncode == 0, issued.stderr
    assert not (elsewhere / "kaoping.db").exists() and db.exists()
    app = make_app(f"sqlite:///{db}")
    app.store.put(Township(id="east", name="东镇", county=COUNTY))
    bound = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "create", "--name", "东镇",
                            "--role", "admin", "--township", "east", "--quiet"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=120)
    assert bound.returncode == 0, bound.stderr
    county = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "create", "--name", "县",
                             "--role", "county_admin", "--county", COUNTY], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=120)
    assert county.returncode == 0 and f"county {COUNTY}" in county.stdout, county.stderr
    bad = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "create", "--name", "错",
                          "--role", "reader", "--township", "west"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "township_id" in bad.stderr
    listed = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "list", "--township", "east"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "township east" in listed.stdout and "主机" not in listed.stdout
    assert not (elsewhere / "kaoping.db").exists()
    local = LocalServer(app, insecure_dev=False)
    try:
        assert stubs_for(local.channel, issued.stdout.strip()).registry.ListVillages(
            rg.ListVillagesRequest(), timeout=30).villages
        assert local.server.tokens.resolve(bound.stdout.strip()).township_id == "east"
        listed = stubs_for(local.channel, bound.stdout.strip()).tokens.ListTokens(tk.ListTokensRequest())
        assert [t.name for t in listed.tokens] == ["东镇"]
    finally:
        local.stop()
