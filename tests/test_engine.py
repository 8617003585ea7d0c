"""The durable-rules adapter (kaoping.rules.engine) under threads and reloads."""
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kaoping.rules.parse import parse
from tests.support.engine import CompiledRuleSet, EngineFact
from tests.support.memory import rss_mb


RULES = parse((Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml").read_text("utf-8"))
KINDS = [("attendance", "meeting_absent", "attendance.absent"), ("study", "study_absent", "study.absent"),
         ("attendance", "travel_unreported", None),  # quantity 1: below the 3-day threshold
         ("convenience", "services_handled", "convenience.handled")]


def test_concurrent_matching_never_mixes_callers():
    compiled = CompiledRuleSet(RULES)

    def worker(t: int) -> int:
        checked = 0
        for round_ in range(150):
            base = (t * 1000 + round_) * 10
            facts = [EngineFact(base + i, KINDS[i % 4][0], KINDS[i % 4][1], 1.0) for i in range(8)]
            got = compiled.match(facts)
            want = [(base + i, KINDS[i % 4][2]) for i in range(8) if KINDS[i % 4][2]]
            assert got == want
            checked += 1
        return checked

    try:
        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(worker, range(8))) == 8 * 150
    finally:
        compiled.close()


def test_hundred_compiles_leave_no_threads_or_memory_behind():
    def cycle():
        compiled = CompiledRuleSet(RULES)
        compiled.match([EngineFact(i, "attendance", "meeting_absent", 1.0) for i in range(50)])
        compiled.close()

    for _ in range(10):
        cycle()  # warm up allocator pools
    threads, memory = set(threading.enumerate()), rss_mb()
    for _ in range(100):
        cycle()
    # no thread started during the reloads is still alive (threads of earlier tests may end)
    assert set(threading.enumerate()) - threads == set()
    assert rss_mb() - memory < 20, f"RSS grew {rss_mb() - memory:.1f} MB over 100 reloads"
