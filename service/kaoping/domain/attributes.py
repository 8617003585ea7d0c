"""Attributes of officials and villages: small key/value facts about the roster that
the rule language reads (a village's `star: "5"` or `collective_income: "350000"`, an
official's `party_member: "yes"`). Stored as one JSON object of text values
(Official.attributes, Village.attributes); this module checks, encodes and reads them.
Pure: no gRPC, no database."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Mapping

from kaoping.domain.errors import InvalidArgument, Violation

MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 200
EMPTY = "{}"
# ASCII only and matched whole: an identifier the rule language can name.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _field(key: str, field: str) -> str:
    shown = key if len(key) <= 40 else key[:40] + "…"
    return f"{field}[{shown!r}]" if not _KEY.fullmatch(key or "") else f"{field}[{key}]"


def attribute_problems(attributes: Mapping[str, str], field: str = "attributes") -> list[Violation]:
    """Every bound an attribute map breaks; [] when it is fine."""
    problems: list[Violation] = []
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(Violation(field, f"{len(attributes)} attributes; at most {MAX_ATTRIBUTES}"))
    for key in sorted(attributes):
        value = attributes[key]
        name = _field(key, field)
        if not isinstance(key, str) or not key:
            problems.append(Violation(name, "an attribute needs a name"))
        elif len(key) > MAX_ATTRIBUTE_KEY:
            problems.append(Violation(name, f"name longer than {MAX_ATTRIBUTE_KEY} characters"))
        elif not _KEY.fullmatch(key):
            problems.append(Violation(name, "a name is a letter or _ followed by letters, digits "
                                            "or _ (ASCII)"))
        if not isinstance(value, str):
            problems.append(Violation(name, "the value must be text"))
        elif len(value) > MAX_ATTRIBUTE_VALUE:
            problems.append(Violation(name, f"value longer than {MAX_ATTRIBUTE_VALUE} characters"))
        elif any(unicodedata.category(c) == "Cc" for c in value):
            problems.append(Violation(name, "the value contains a NUL or control character"))
    return problems


def check_attributes(attributes: Mapping[str, str] | None, field: str = "attributes") -> dict[str, str]:
    """The attributes as a plain dict, or InvalidArgument naming every bad one."""
    attributes = dict(attributes or {})
    problems = attribute_problems(attributes, field)
    if problems:
        raise InvalidArgument("the attributes are not valid", problems,
                              zh="属性不合格：请按错误详情逐项修改后重试")
    return attributes


def encode_attributes(attributes: Mapping[str, str] | None) -> str:
    """The column text: JSON with sorted keys, so equal maps store equal text."""
    if not attributes:
        return EMPTY
    return json.dumps(dict(attributes), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decode_attributes(text: str | None) -> dict[str, str]:
    """The column text back as a dict ({} for empty or missing)."""
    if not text:
        return {}
    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def normalized_attributes(text: str | None) -> str:
    """Stored attribute text checked and in canonical form (sorted keys), or
    InvalidArgument: what a Put of an official or village stores."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidArgument("the attributes are not valid",
                              [Violation("attributes", "must be a JSON object of text values")],
                              zh='属性须为“名称: 文字”的 JSON 对象，例如 {"片区": "东片"}：请改正后重试')
    return encode_attributes(check_attributes(value))


def with_checked_attributes(row):
    """A new Official or Village like `row` with its attributes checked and in canonical
    form, or InvalidArgument (what a Put stores). A new object: `row` may be a copy
    whose ORM state belongs to another object, which must not be written to."""
    return type(row).model_validate(row.model_dump() | {"attributes": normalized_attributes(row.attributes)})


def attributes_of(obj) -> dict[str, str]:
    """The attributes of a registry object: an Official or Village row, or anything with
    an `attributes` JSON text (or dict) attribute; {} when it has none."""
    value = getattr(obj, "attributes", None)
    if isinstance(value, Mapping):
        return dict(value)
    return decode_attributes(value)
