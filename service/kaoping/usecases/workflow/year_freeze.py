"""The frozen year: an official's year-end line (kaoping.domain.yearend.YearEndLine with
its months, inspection and line items) and the year's own figures (quota, pool, notes)
written as JSON at aggregation and approval, and read back exactly.

One typed codec for the dataclasses involved, driven by their field annotations, so a
field added to YearEndLine or Quota is frozen too without a second list to keep in step.
Decimals travel as text (exact); tuples and lists as arrays; nested dataclasses as objects.
"""
from __future__ import annotations

import dataclasses
import json
import typing
from decimal import Decimal
from functools import lru_cache

from kaoping.domain.yearend import Quota, YearEndLine


def encode(value):
    if dataclasses.is_dataclass(value):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def decode(kind, data):
    """`data` (from encode) back into `kind` (a dataclass, Decimal, or a typing generic)."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        real = [a for a in typing.get_args(kind) if a is not type(None)]
        return decode(real[0], data) if real else data
    if origin in (list, tuple):
        args = typing.get_args(kind)
        inner = args[0] if args else typing.Any
        items = [decode(inner, v) for v in data]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        _key, inner = typing.get_args(kind)
        return {k: decode(inner, v) for k, v in data.items()}
    if kind is Decimal:
        return Decimal(data)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        known = {f.name for f in dataclasses.fields(kind) if f.init}
        return kind(**{name: decode(hints[name], v) for name, v in data.items() if name in known})
    return data


def dump_line(line: YearEndLine, name: str, village_id: str, village_name: str,
              months_served: list[str]) -> str:
    return json.dumps({"line": encode(line), "name": name, "village_id": village_id,
                       "village_name": village_name, "months_served": months_served},
                      ensure_ascii=False, sort_keys=True)


def load_line(text: str) -> tuple[YearEndLine, str, str, str, list[str]]:
    data = json.loads(text)
    return (decode(YearEndLine, data["line"]), data["name"], data["village_id"], data["village_name"],
            list(data["months_served"]))


def dump_summary(quota: Quota, pool: Decimal, shared: Decimal, inspection_recorded: bool,
                 notes: list[str], marks: tuple[int, int] = (0, 0)) -> str:
    """`marks`: the (count, highest id) of the inspection facts the freeze read."""
    return json.dumps({"quota": encode(quota), "pool": str(pool), "shared": str(shared),
                       "inspection_recorded": inspection_recorded, "notes": notes, "marks": list(marks)},
                      ensure_ascii=False, sort_keys=True)


def marks_of(text: str) -> tuple[int, int]:
    count, top = json.loads(text).get("marks", (0, 0))
    return int(count), int(top)


def load_summary(text: str) -> tuple[Quota, Decimal, Decimal, bool, list[str]]:
    data = json.loads(text)
    return (decode(Quota, data["quota"]), Decimal(data["pool"]), Decimal(data["shared"]),
            bool(data["inspection_recorded"]), list(data["notes"]))
