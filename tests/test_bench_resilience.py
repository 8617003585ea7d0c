"""A benchmark that finishes (bench/cli.py main): a part that fails is reported with its
error and the end of its traceback in results.json and report.md, the other parts still
run, and the exit status is 1 once everything is written. And the benchmark's own
PostgreSQL databases are dropped even while a connection to them is still open."""
from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest

from bench import cli, data, load


@pytest.fixture
def tiny(monkeypatch):
    # the peer at a tiny province scale: the run stays a few seconds
    monkeypatch.setattr(cli, "SMOKE", replace(cli.SMOKE, scales=(data.PROVINCE.scaled("1x", 0.0002),),
                                              naive_upto=0, no_memo_upto=0, raw_upto=0))


def _boom(*_args, **_kwargs):
    raise RuntimeError("the baseline exploded on purpose")


def test_a_failing_part_is_reported_and_the_others_run(tmp_path, monkeypatch, tiny):
    pytest.importorskip("zen")
    monkeypatch.setattr(cli, "baseline", _boom)
    rc = cli.main(["--smoke", "--only", "baseline,peer", "--rulesets", "v1", "--pg-url", "",
                   "--out", str(tmp_path)])
    assert rc == 1
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    [failed] = results["failed"]
    assert failed["part"] == "baseline" and "exploded on purpose" in failed["error"]
    assert any("_boom" in line for line in failed["traceback"])
    assert "baseline" not in results
    assert [c["name"] for c in results["peer"]["comparisons"]] == [
        "township month", "province month, v1 sample"]            # the other part ran
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "FAILED: part baseline" in report and "exploded on purpose" in report
    assert "Peer: kaoping ÷ zen-engine" in report


def test_a_bad_postgresql_url_fails_that_backend_only(tmp_path, monkeypatch):
    calls = []

    def month(sizes, seed, work, pg_url, proposals):
        calls.append(pg_url)
        if pg_url:      # what a real run does with an unreachable server: connect, fail
            with load.pg_database(pg_url, "resilience"):
                pass
        return {"villages": 1, "officials": 1, "facts": 1, "warm": {"calls": 1, "p50_ms": 1.0,
                "p99_ms": 1.0}, "after_new_fact": {"calls": 1, "p50_ms": 1.0, "p99_ms": 1.0}}

    monkeypatch.setattr(cli, "month", month)
    rc = cli.main(["--smoke", "--only", "month", "--out", str(tmp_path),
                   "--pg-url", "postgresql+psycopg://nobody:wrong@127.0.0.1:1/nowhere"])
    assert rc == 1 and len(calls) == 2
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(results["month"]) == {"sqlite"}
    [failed] = results["failed"]
    assert (failed["part"], failed["backend"]) == ("month", "postgresql")
    assert "FAILED: part month on postgresql" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_clean_run_exits_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "baseline", lambda sizes, seed: {"facts": 1, "runs_s": [1.0],
                                                              "matches": 1, "facts_per_s": 1.0})
    assert cli.main(["--smoke", "--only", "baseline", "--pg-url", "", "--out", str(tmp_path)]) == 0
    assert "failed" not in json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not os.environ.get("KAOPING_TEST_PG_URL"), reason="needs KAOPING_TEST_PG_URL")
def test_a_database_still_connected_is_dropped():
    from sqlalchemy import create_engine, text
    server = os.environ["KAOPING_TEST_PG_URL"]
    with load.pg_database(server, "stillopen") as url:
        name = url.rsplit("/", 1)[1]
        lingering = create_engine(url)
        conn = lingering.connect()         # left open across the drop, as a slow child would
        conn.execute(text("SELECT 1"))
    admin = create_engine(server)
    try:
        with admin.connect() as c:
            assert c.execute(text("SELECT count(*) FROM pg_database WHERE datname = :d"),
                             {"d": name}).scalar() == 0
    finally:
        admin.dispose()
        try:
            conn.close()
        except Exception:
            pass
        lingering.dispose()
