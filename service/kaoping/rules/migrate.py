"""Version-1 rule file -> version 2, as text, so comments and layout survive.

A version-1 file is a version-2 file with two things implicit, which migration writes
out: `language: 2` and the year-end timing of the `inspection` category; nothing else
changes (the fixed category ids stay valid ids; the rules, grades and pay read the same). The
migrated file must score every month exactly as the original (tests/test_rules_migrate.py
checks it on the benchmark month).
"""
from __future__ import annotations

import yaml

from kaoping.domain.ruleset_yaml import LineLoader
from kaoping.rules.model import INSPECTION, RuleSetInvalid
from kaoping.rules.parse import load, parse


class AlreadyCurrent(Exception):
    pass


def migrate(text: str, filename: str = "<ruleset>") -> str:
    """Raises RuleSetInvalid when the file is not a valid version-1 file and
    AlreadyCurrent when it is version 2 already."""
    doc = load(text, filename)
    if doc.get("language", 1) != 1:
        raise AlreadyCurrent(f"{filename} is language {doc.get('language')} already")
    parse(text, filename)                   # every problem of the original first
    lines = text.splitlines(keepends=True)
    inspection = _inspection_line(text)
    if inspection is not None:
        header, indent = lines[inspection], None
        for follower in lines[inspection + 1:]:
            if follower.strip() and not follower.lstrip().startswith("#"):
                indent = follower[:len(follower) - len(follower.lstrip())]
                break
        if indent is not None and len(indent) > len(header) - len(header.lstrip()):
            lines.insert(inspection + 1, f"{indent}timing: year_end      # version 1: inspection is year-end only\n")
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), len(lines))
    lines.insert(first, "language: 2\n")
    result = "".join(lines)
    migrated = parse(result, filename)
    category = migrated.categories.get(INSPECTION)
    if category is not None and category.timing != "year_end":
        from kaoping.rules.model import Problem
        raise RuleSetInvalid([Problem(f"{filename} categories.inspection",
                                      "written on one line ({...}): migrate cannot add `timing: year_end` "
                                      "to it; write it as a block mapping and migrate again")])
    return result


def _inspection_line(text: str) -> int | None:
    """The 0-based line of the `inspection:` key under `categories`, if any."""
    node = yaml.compose(text, Loader=LineLoader)
    for key, value in node.value:
        if key.value == "categories" and isinstance(value, yaml.MappingNode):
            for ckey, _ in value.value:
                if ckey.value == INSPECTION:
                    return ckey.start_mark.line
    return None
