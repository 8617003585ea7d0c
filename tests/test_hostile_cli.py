"""The CLI against the stream caps and paging (hardening issue, point 5): `kaoping
import` sends bounded streams and continues a stream the server stopped early, with
every row's receipt in its report; the list commands follow next_page_token."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping_cli import importer
from tests.support.cli import run
from tests.support.calls import list_all
from tests.support.facts import fact_input

pytestmark = pytest.mark.usefixtures("grpc_server")
OFFICIALS = [f"v{v:02d}-{p}" for v in range(1, 18) for p in range(1, 7)]


def _sheet(tmp_path, month: str, n: int, tag: str):
    lines = ["月份,村干部,考评类别,事项,数量,备注,考评人"]
    lines += [f"{month},{OFFICIALS[i % len(OFFICIALS)]},convenience,services_handled,1,{tag}{i},station-01"
              for i in range(n)]
    path = tmp_path / f"{tag}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _Counting:
    """importer.stub wrapped to record each SubmitFacts stream's message sizes and reply."""

    def __init__(self, monkeypatch):
        self.streams: list[list[int]] = []
        self.replies: list[fx.BatchResult] = []
        real = importer.stub
        outer = self

        class Stub:
            def __init__(self, kind):
                self.real = real(kind)

            def SubmitFacts(self, batches, timeout=None):
                sizes: list[int] = []
                outer.streams.append(sizes)

                def counted():
                    for batch in batches:
                        sizes.append(len(batch.facts))
                        yield batch
                reply = self.real.SubmitFacts(counted(), timeout=timeout)
                outer.replies.append(reply)
                return reply
        monkeypatch.setattr(importer, "stub", Stub)


def _report(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_importer_sends_streams_of_at_most_stream_facts(grpc_addr, tokens, tmp_path, monkeypatch):
    counting = _Counting(monkeypatch)
    monkeypatch.setattr(importer, "STREAM_FACTS", 500)
    path = _sheet(tmp_path, "2026-09", 1200, "split")
    report = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--batch-size", "200",
                         "--output", "json"))
    assert counting.streams == [[200, 200, 100], [200, 200, 100], [200]]
    assert report["imported"] == 1200


def test_the_importer_continues_a_stream_the_server_stopped_early(grpc_addr, tokens, tmp_path, monkeypatch,
                                                                  grpc_servicer):
    monkeypatch.setattr(grpc_servicer, "limits", replace(grpc_servicer.limits, max_stream_facts=300))
    counting = _Counting(monkeypatch)
    path = _sheet(tmp_path, "2026-08", 1000, "stopped")
    report = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--batch-size", "100",
                         "--output", "json"))
    assert [r.stopped_early for r in counting.replies] == [True, True, True, False]
    assert [r.facts_read for r in counting.replies] == [300, 300, 300, 100]
    assert report["imported"] == 1000 and report["rejected"] == 0
    stored = [f for f in grpc_servicer.store.facts("2026-08") if f.note.startswith("stopped")]
    assert sorted(f.note for f in stored) == sorted(f"stopped{i}" for i in range(1000))
    # Run again: every row is already there, across all the streams.
    again = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--batch-size", "100",
                        "--output", "json"))
    assert again["already_imported"] == 1000 and again["imported"] == 0


def test_fact_list_follows_pages_past_the_receive_limit(grpc_addr, tokens, stubs, grpc_servicer):
    """700 facts with 8 KB notes: 5.6 MB, more than one 4 MiB reply can carry."""
    facts = [fact_input(month="2026-02", key=f"cli-page-{i}", official=OFFICIALS[i % len(OFFICIALS)],
                        note="𠀀" * 2000) for i in range(700)]
    assert all(o.error is None for o in grpc_servicer.submit_facts(facts))
    result = run(grpc_addr, tokens["admin"], "fact", "list", "--month", "2026-02", "--output", "json")
    assert result.exit_code == 0, result.output[-2000:]
    listed = json.loads(result.stdout)
    keys = [f["fact"]["idempotency_key"] for f in listed["facts"]]
    assert sorted(keys) == sorted(f"cli-page-{i}" for i in range(700))
    assert not listed.get("next_page_token")
    assert len(keys) == len(list_all(stubs.facts.ListFacts, fx.ListFactsRequest(month="2026-02"), "facts"))


def test_the_registry_lists_follow_pages(grpc_addr, tokens, monkeypatch):
    from kaoping.api import paging
    monkeypatch.setattr(paging, "DEFAULT_PAGE_SIZE", 4)   # the server's default, read per call
    villages = json.loads(run(grpc_addr, tokens["admin"], "villages", "--output", "json").stdout)
    officials = json.loads(run(grpc_addr, tokens["admin"], "officials", "--output", "json").stdout)
    assert len(villages["villages"]) == 17 and len(officials["officials"]) == 17 * 6
