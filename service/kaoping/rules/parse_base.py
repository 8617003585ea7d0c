"""Small readers shared by the rule-file parser: every problem is collected with its
place (file, line, key path) instead of stopping at the first, so an administrator
fixes a file in one pass."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from kaoping.domain.ruleset_yaml import _LINE, bounded, shown
from kaoping.rules.model import Problem

ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
ATTR = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MONTH_DAY = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


class Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, where: str, line: int | None, message: str) -> None:
        loc = f"{self.filename}:{line} {where}" if line else f"{self.filename} {where}"
        self.problems.append(Problem(bounded(loc.strip()), bounded(message)))


def line_of(node: Any) -> int | None:
    return node.get(_LINE) if isinstance(node, dict) else None


def keys(node: dict) -> set[str]:
    return {k for k in node if k != _LINE}


def items(node: dict) -> list[tuple[Any, Any]]:
    return [(k, v) for k, v in node.items() if k != _LINE]


def plain(node: Any) -> Any:
    """The value without the line markers the loader adds to mappings."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items() if k != _LINE}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def decimal(value: Any, where: str, line: int | None, out: Collector, *,
            minimum: Decimal | None = None, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        out.add(where, line, f"expected a number, got {type(value).__name__}")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        out.add(where, line, f"expected a number, got {shown(value)}")
        return None
    if not number.is_finite():
        out.add(where, line, "must be a finite number")
        return None
    if minimum is not None and number < minimum:
        out.add(where, line, f"must be at least {minimum}, got {number}")
        return None
    return number


def whole(value: Any, where: str, line: int | None, out: Collector, minimum: int,
          maximum: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(where, line, f"expected a whole number, got {shown(value)}")
        return None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        out.add(where, line, f"must be {bound}, got {value}")
        return None
    return value


def text(value: Any, where: str, line: int | None, out: Collector, *, required=True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        out.add(where, line, "must be a non-empty text")
        return ""
    return value


def unknown(node: dict, allowed: set[str], where: str, out: Collector) -> None:
    for key in sorted(keys(node) - allowed, key=str):
        out.add(where, line_of(node), f"unknown key {shown(key)} (allowed: {', '.join(sorted(allowed))})")


def text_list(value: Any, where: str, line: int | None, out: Collector) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        out.add(where, line, "must be a text or a non-empty list of texts")
        return ()
    return tuple(value)


def choice(spec: dict, key: str, allowed: tuple[str, ...], where: str, line, out: Collector,
           default: str | None = None) -> str:
    """One of `allowed` (default: `default`, else the first), or a problem and the first."""
    value = spec.get(key, default if default is not None else allowed[0])
    if value not in allowed:
        out.add(f"{where}.{key}", line, f"must be one of {', '.join(allowed)}, got {shown(value)}")
        return allowed[0]
    return value
