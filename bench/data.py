"""Synthetic, seed-deterministic data for the benchmarks.

A township has 17 villages of six officials (the shape of the shipped sample); a
county is 20 such townships; the province-scale month is 100,000 officials and
3,000,000 facts. Every scale puts about 30 facts on each official in one month.

Facts are produced in chunks of CHUNK, each chunk from its own random.Random(seed,
chunk), so any slice of a month can be generated on its own (or in another process)
and still be the same facts.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator

from kaoping.usecases.sample import POSITIONS, SCORERS

MONTH = "2026-03"
TODAY = date(2026, 11, 25)          # the service's "today" in every benchmark run
RECORDED_AT = datetime(2026, 4, 1, 8, 0, 0)
VILLAGES_PER_TOWNSHIP = 17
OFFICIALS_PER_VILLAGE = len(POSITIONS)
CHUNK = 50_000
CORRECTION_EVERY = 250              # bulk-loaded months void one fact in 250
ROLE_SCORER = {s.role: s.id for s in SCORERS}

# (category, kind, weight, quantities, scoring roles); quantities stay inside the
# sample rule set's max_quantity, so every generated fact is valid.
KINDS = [
    ("study", "study_absent", 8, ["1", "1", "1", "2", "3"], ("main_leader", "resident_cadre")),
    ("study", "study_notes_missing", 6, ["1", "1", "2"], ("main_leader", "resident_cadre")),
    ("service_3plus5", "household_visit_missed", 12, ["1", "2", "3", "5", "8", "12"],
     ("contact_leader", "resident_cadre")),
    ("service_3plus5", "appeal_unresolved", 5, ["1", "1", "2"], ("contact_leader", "resident_cadre")),
    ("service_3plus5", "ledger_missing", 3, ["1"], ("contact_leader", "resident_cadre")),
    ("attendance", "meeting_absent", 8, ["1"], ("main_leader", "contact_leader", "resident_cadre")),
    ("attendance", "meeting_late", 10, ["1", "1", "2"], ("main_leader", "contact_leader", "resident_cadre")),
    ("attendance", "duty_missed", 6, ["1"], ("main_leader", "contact_leader", "resident_cadre")),
    ("attendance", "travel_unreported", 5, ["1", "2", "2.5", "3", "4", "5"],
     ("main_leader", "contact_leader", "resident_cadre")),
    ("attendance", "discipline_violation", 0.02, ["1"], ("main_leader",)),
    ("key_tasks", "task_not_done", 5, ["1"], ("main_leader", "contact_leader")),
    ("key_tasks", "task_done_early", 6, ["1", "1", "2"], ("main_leader", "contact_leader")),
    ("key_tasks", "task_commended", 2, ["1"], ("main_leader", "contact_leader")),
    ("convenience", "services_handled", 15, [str(n) for n in range(1, 31)], ("station",)),
    ("convenience", "valid_complaint", 3, ["1"], ("station",)),
    ("team_building", "committee_meeting_missed", 2, ["1"], ("main_leader", "contact_leader")),
    ("team_building", "records_incomplete", 4, ["1", "2"], ("main_leader", "contact_leader")),
    ("team_building", "party_warning", 0.1, ["1"], ("main_leader", "contact_leader")),
]
SOURCES = {"attendance": "attendance", "key_tasks": "tasks", "convenience": "counter"}
_CUMULATIVE = []
_total = 0.0
for _k in KINDS:
    _total += _k[2]
    _CUMULATIVE.append(_total)


@dataclass(frozen=True)
class Scale:
    name: str
    officials: int
    facts: int

    @property
    def villages(self) -> int:
        return math.ceil(self.officials / OFFICIALS_PER_VILLAGE)

    @property
    def townships(self) -> int:
        return math.ceil(self.villages / VILLAGES_PER_TOWNSHIP)

    def scaled(self, name: str, factor: float) -> "Scale":
        return Scale(name, max(1, round(self.officials * factor)), max(1, round(self.facts * factor)))


TOWNSHIP = Scale("township", 17 * OFFICIALS_PER_VILLAGE, 3_000)          # 102 officials
COUNTY = Scale("county", 20 * 17 * OFFICIALS_PER_VILLAGE, 60_000)         # 2,040 officials
PROVINCE = Scale("province", 100_000, 3_000_000)


@dataclass(frozen=True)
class Registry:
    townships: list[tuple[str, str]]                 # (id, name)
    villages: list[tuple[str, str, str]]             # (id, township_id, name)
    officials: list[tuple[str, str, str, str, str]]  # (id, village_id, name, position, base_pay)

    def official_ids(self) -> list[str]:
        return [o[0] for o in self.officials]


def registry(scale: Scale) -> Registry:
    """Townships t0001.., villages t0001-v01.., officials t0001-v01-1..6 (the last
    village may be short so the official count is exact)."""
    townships, villages, officials = [], [], []
    left = scale.officials
    for t in range(1, scale.townships + 1):
        tid = f"t{t:04d}"
        townships.append((tid, f"第{t}鎮"))
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            if left <= 0:
                break
            vid = f"{tid}-v{v:02d}"
            villages.append((vid, tid, f"第{t}鎮第{v}村"))
            for p, (position, pay) in enumerate(POSITIONS, start=1):
                if left <= 0:
                    break
                officials.append((f"{vid}-{p}", vid, f"官員{t}-{v}-{p}", position, pay))
                left -= 1
    return Registry(townships, villages, officials)


@dataclass(frozen=True)
class SynthFact:
    official_id: str
    village_id: str
    date: str
    category: str
    kind: str
    quantity: str
    note: str
    scorer_id: str
    scorer_role: str
    source: str
    idempotency_key: str


def facts(reg: Registry, count: int, seed: int, start: int = 0, stop: int | None = None,
          tag: str = "f") -> Iterator[SynthFact]:
    """Facts start..stop of a month of `count` facts over the registry's officials."""
    stop = count if stop is None else min(stop, count)
    officials = reg.officials
    n_off = len(officials)
    for chunk in range(start // CHUNK, (stop + CHUNK - 1) // CHUNK):
        rng = random.Random(f"{seed}:{tag}:{chunk}")
        for n in range(chunk * CHUNK, min((chunk + 1) * CHUNK, stop)):
            # a fixed number of draws per fact, so skipping to `start` is exact
            o = officials[int(rng.random() * n_off)]
            r = rng.random() * _total
            k = 0
            while _CUMULATIVE[k] < r:
                k += 1
            category, kind, _w, quantities, roles = KINDS[k]
            quantity = quantities[int(rng.random() * len(quantities))]
            role = roles[int(rng.random() * len(roles))]
            day = 1 + int(rng.random() * 28)
            note = "抽查記錄" if rng.random() < 0.1 else ""
            if n < start:
                continue
            yield SynthFact(o[0], o[1], f"{MONTH}-{day:02d}", category, kind, quantity, note,
                            ROLE_SCORER[role], role, SOURCES.get(category, "cli"),
                            f"{tag}{seed}-{n:08d}")


def payload_hash(f: SynthFact) -> str:
    """The hash kaoping.domain.facts.CheckedFact.payload_hash gives the same fact."""
    data = {"official_id": f.official_id, "month": MONTH, "date": f.date, "category": f.category,
            "kind": f.kind, "quantity": str(Decimal(f.quantity).normalize()), "note": f.note,
            "scorer_id": f.scorer_id, "source": f.source}
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()
