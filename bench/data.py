"""Synthetic, seed-deterministic data for the benchmarks.

A township has 17 villages of six officials (the shape of the shipped sample); a
county is 20 such townships; the province-scale month is 100,000 officials and
3,000,000 facts. Every scale puts about 30 facts on each official in one month.

Facts are produced in chunks of CHUNK, each chunk from its own random.Random(seed,
chunk), so any slice of a month can be generated on its own (or in another process)
and still be the same facts.

Two mixes of facts (MIXES): "v1", the version-1 sample's kinds drawn at random
(`facts`, what every benchmark used before language 2), and "rich" (`rich_facts`),
for the language-2 sample rules/township-sample.yaml: the same draw for two thirds
of the month, then per official one attendance record for each concentrated-office
day (office_present / office_absent / leave_taken, dated; some officials are absent
often, some 4+ times in a row, so the count, the streak and the money lines fire),
then per village VILLAGE_FACTS village-level facts (no official, levels on
village_commended). Still about 30 facts per official, still sliceable by index.
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
# the rich mix: 集中办公 every Monday and Thursday of MONTH (2026-03), village facts per village
OFFICE_DAYS = (2, 5, 9, 12, 16, 19, 23, 26, 30)
VILLAGE_FACTS = 2
MIXES = ("v1", "rich")
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
        townships.append((tid, f"第{t}镇"))
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            if left <= 0:
                break
            vid = f"{tid}-v{v:02d}"
            villages.append((vid, tid, f"第{t}镇第{v}村"))
            for p, (position, pay) in enumerate(POSITIONS, start=1):
                if left <= 0:
                    break
                officials.append((f"{vid}-{p}", vid, f"官员{t}-{v}-{p}", position, pay))
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
    level: str = ""          # a level of the kind's levels (县级/市级/省级), "" for none

    @property
    def village_level(self) -> bool:
        """A fact about the village (official_id ""), stored with official_id NULL."""
        return not self.official_id


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
            note = "抽查记录" if rng.random() < 0.1 else ""
            if n < start:
                continue
            yield SynthFact(o[0], o[1], f"{MONTH}-{day:02d}", category, kind, quantity, note,
                            ROLE_SCORER[role], role, SOURCES.get(category, "cli"),
                            f"{tag}{seed}-{n:08d}")


_ATTENDANCE_ROLES = ("main_leader", "contact_leader", "resident_cadre")
_VILLAGE_ROLES = ("main_leader", "contact_leader")
_LEVELS = (("县级", 0.6), ("市级", 0.9), ("省级", 1.0))      # cumulative shares


def rich_counts(reg: Registry, count: int) -> tuple[int, int, int]:
    """(drawn, office, village): how many facts of a rich month of `count` are drawn
    from KINDS, attendance records, village-level facts (in that order of ids)."""
    office = len(reg.officials) * len(OFFICE_DAYS)
    village = len(reg.villages) * VILLAGE_FACTS
    drawn = count - office - village
    if drawn < 0:
        raise ValueError(f"a rich month needs at least {office + village} facts, not {count}")
    return drawn, office, village


def _attendance(seed: int, tag: str, index: int) -> list[str]:
    """One official's kind on each of OFFICE_DAYS: 70 % rarely absent, 20 % often
    absent (the count rule), 10 % absent 4-6 office days in a row (the streak)."""
    rng = random.Random(f"{seed}:{tag}:office:{index}")
    profile, start, length = rng.random(), int(rng.random() * 6), 4 + int(rng.random() * 3)
    absent, leave = (0.05, 0.07) if profile >= 0.3 else (0.4, 0.1)
    kinds = []
    for day in range(len(OFFICE_DAYS)):
        r = rng.random()
        if profile < 0.1 and start <= day < start + length:
            kinds.append("office_absent")
        else:
            kinds.append("office_absent" if r < absent else
                         "leave_taken" if r < absent + leave else "office_present")
    return kinds


def _village_facts(seed: int, tag: str, index: int) -> list[tuple[str, str, str, int]]:
    """(kind, quantity, level, day) of one village's VILLAGE_FACTS facts."""
    rng = random.Random(f"{seed}:{tag}:village:{index}")
    out = []
    for _ in range(VILLAGE_FACTS):
        r, q, day = rng.random(), rng.random(), 1 + int(rng.random() * 28)
        if r < 0.5:
            level = next(name for name, upto in _LEVELS if q < upto)
            out.append(("village_commended", "1", level, day))
        else:
            out.append(("village_task_missed", "1" if q < 0.7 else "2", "", day))
    return out


def rich_facts(reg: Registry, count: int, seed: int, start: int = 0, stop: int | None = None,
               tag: str = "r") -> Iterator[SynthFact]:
    """Facts start..stop of a rich month of `count` facts (see the module docstring)."""
    stop = count if stop is None else min(stop, count)
    drawn, office, _village = rich_counts(reg, count)
    if start < drawn:
        yield from facts(reg, drawn, seed, start, min(stop, drawn), tag=tag)
    days, officials, cached = len(OFFICE_DAYS), reg.officials, (-1, [])
    for n in range(max(start, drawn), min(stop, drawn + office)):
        i, d = divmod(n - drawn, days)
        if cached[0] != i:
            cached = (i, _attendance(seed, tag, i))
        o = officials[i]
        role = _ATTENDANCE_ROLES[(i + d) % len(_ATTENDANCE_ROLES)]
        yield SynthFact(o[0], o[1], f"{MONTH}-{OFFICE_DAYS[d]:02d}", "attendance", cached[1][d],
                        "1", "", ROLE_SCORER[role], role, "attendance", f"{tag}{seed}-{n:08d}")
    cached = (-1, [])
    for n in range(max(start, drawn + office), stop):
        v, j = divmod(n - drawn - office, VILLAGE_FACTS)
        if cached[0] != v:
            cached = (v, _village_facts(seed, tag, v))
        kind, quantity, level, day = cached[1][j]
        role = _VILLAGE_ROLES[(v + j) % len(_VILLAGE_ROLES)]
        yield SynthFact("", reg.villages[v][0], f"{MONTH}-{day:02d}", "village_work", kind,
                        quantity, "", ROLE_SCORER[role], role, "cli", f"{tag}{seed}-{n:08d}",
                        level)


def month_facts(mix: str, reg: Registry, count: int, seed: int, start: int = 0,
                stop: int | None = None) -> Iterator[SynthFact]:
    """Facts start..stop of a bulk-loaded month of the given mix (MIXES)."""
    if mix == "v1":
        return facts(reg, count, seed, start, stop)
    if mix == "rich":
        return rich_facts(reg, count, seed, start, stop)
    raise ValueError(f"unknown mix {mix!r}")


def payload_hash(f: SynthFact) -> str:
    """The hash kaoping.domain.facts.CheckedFact.payload_hash gives the same fact."""
    data = {"official_id": f.official_id, "month": MONTH, "date": f.date, "category": f.category,
            "kind": f.kind, "quantity": str(Decimal(f.quantity).normalize()), "note": f.note,
            "scorer_id": f.scorer_id, "source": f.source}
    if f.level:
        data["level"] = f.level
    if f.village_level:
        data["village_id"] = f.village_id
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()
