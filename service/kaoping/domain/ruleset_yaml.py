"""Reading rule-file YAML safely, and quoting its values in problems boundedly.

Both guard against a hostile file: the loader refuses anchors and aliases, which let a
few KB stand for gigabytes, and `shown`/`bounded` keep every problem small, since a
problem goes into a gRPC reply and a log line whatever the file holds.
"""
from __future__ import annotations

import reprlib
from typing import Any

import yaml

from kaoping.domain.errors import shorten

MAX_SHOWN = 120      # characters of a file value a problem quotes
MAX_PROBLEM = 400    # characters of one problem's location or message
_LINE = "__line__"   # key under which every mapping records its line


class LineLoader(yaml.SafeLoader):
    """Safe loader that remembers the line of every mapping and refuses anchors and
    aliases while composing, before any structure is built: an alias shares a node, so
    nested aliases ("billion laughs") make a file of a few KB stand for gigabytes once
    anything walks or prints the value. A rule file gains nothing from them."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name, <<: *name) are not allowed "
                            "in a rule file; write the value out", event.start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = MAX_SHOWN
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 8
_REPR.maxlevel = 3


def shown(value: Any) -> str:
    """A value from the file as a problem quotes it: reprlib never builds the whole repr
    of a large value, and the result is cut at MAX_SHOWN characters."""
    text = _REPR.repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def bounded(message: str) -> str:
    return shorten(message, MAX_PROBLEM)
