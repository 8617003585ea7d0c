"""The kaoping.v1 contract as committed, and the check that a change keeps it.

    python -m kaoping.ops.api_lock            # compare the protos with proto/kaoping.v1.lock.json
    python -m kaoping.ops.api_lock --write    # record the protos (after an allowed addition)

The lock lists every message's fields (number -> name, type, label, message or enum
type, oneof), every enum's values and every service's methods (request and reply types,
streaming), read from the generated descriptors — so it is exactly what clients compiled
against. `breaking(stored, current)` names each change that breaks a client of kaoping.v1
(README "Versioning"): a field, enum value, message, enum, service or method removed; a
field's number reused for another name, or its type, label, message type or oneof changed;
an enum value renumbered or renamed; a method's request, reply or streaming changed.
Additions are not breaking; tests/test_api_lock.py also fails until the lock records them,
so the lock is always the last released contract.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from google.protobuf import descriptor

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "proto" / "kaoping.v1.lock.json"
_TYPES = {v: k[5:].lower() for k, v in vars(descriptor.FieldDescriptor).items() if k.startswith("TYPE_")}


def _modules():
    from kaoping.v1 import (audit_pb2, evaluation_pb2, facts_pb2, rectification_pb2, registry_pb2,
                            rulesets_pb2, tokens_pb2, workflow_pb2, yearend_pb2)
    return (audit_pb2, evaluation_pb2, facts_pb2, rectification_pb2, registry_pb2, rulesets_pb2,
            tokens_pb2, workflow_pb2, yearend_pb2)


def _message(m) -> dict:
    fields = {}
    for f in m.fields:
        # protobuf 7 has no FieldDescriptor.label: the label is read from its predicates
        label = "repeated" if f.is_repeated else "optional" if f.has_presence and not f.containing_oneof else "singular"
        entry = {"name": f.name, "type": _TYPES[f.type], "label": label}
        if f.message_type is not None:
            entry["of"] = f.message_type.full_name
        if f.enum_type is not None:
            entry["of"] = f.enum_type.full_name
        if f.containing_oneof is not None:
            entry["oneof"] = f.containing_oneof.name
        fields[str(f.number)] = entry
    return fields


def describe(files=None) -> dict:
    """The contract of the given FileDescriptors (default: kaoping.v1's generated files)."""
    files = files if files is not None else [m.DESCRIPTOR for m in _modules()]
    messages, enums, services = {}, {}, {}

    def walk(m):
        messages[m.full_name] = _message(m)
        for nested in m.nested_types:
            if not nested.GetOptions().map_entry:
                walk(nested)
            else:
                messages[nested.full_name] = _message(nested)
        for e in m.enum_types:
            enums[e.full_name] = {str(v.number): v.name for v in e.values}

    for f in files:
        for m in f.message_types_by_name.values():
            walk(m)
        for e in f.enum_types_by_name.values():
            enums[e.full_name] = {str(v.number): v.name for v in e.values}
        for s in f.services_by_name.values():
            services[s.full_name] = {m.name: {"request": m.input_type.full_name,
                                              "reply": m.output_type.full_name,
                                              "client_streaming": m.client_streaming,
                                              "server_streaming": m.server_streaming}
                                     for m in s.methods}
    return {"messages": dict(sorted(messages.items())), "enums": dict(sorted(enums.items())),
            "services": dict(sorted(services.items()))}


def _kept(stored: dict, current: dict, kind: str, what: str, problems: list[str]):
    """(name, as stored, as now) of each stored message, enum or service still there;
    the ones gone are problems."""
    for name, was in stored[kind].items():
        now = current[kind].get(name)
        if now is None:
            problems.append(f"{what} {name} removed")
        else:
            yield name, was, now


def breaking(stored: dict, current: dict) -> list[str]:
    """Every change from `stored` to `current` that breaks a kaoping.v1 client."""
    problems: list[str] = []
    for name, fields, now in _kept(stored, current, "messages", "message", problems):
        for number, was in fields.items():
            field = now.get(number)
            if field is None:
                problems.append(f"{name} field {number} ({was['name']}) removed: reserve the number instead")
                continue
            for key in ("name", "type", "label", "of", "oneof"):
                if field.get(key) != was.get(key):
                    problems.append(f"{name} field {number} ({was['name']}): {key} "
                                    f"{was.get(key)!r} -> {field.get(key)!r}")
    for name, values, now in _kept(stored, current, "enums", "enum", problems):
        for number, value in values.items():
            if now.get(number) != value:
                problems.append(f"enum {name} value {number} ({value}) "
                                + ("removed" if number not in now else f"renamed {now[number]}"))
    for name, methods, now in _kept(stored, current, "services", "service", problems):
        for method, was in methods.items():
            if method not in now:
                problems.append(f"{name}.{method} removed")
            elif now[method] != was:
                changed = [k for k in was if now[method].get(k) != was[k]]
                problems.append(f"{name}.{method}: {', '.join(changed)} changed")
    return problems


def additions(stored: dict, current: dict) -> list[str]:
    """What `current` adds (allowed, but the lock must record it)."""
    added = []
    for kind in ("messages", "enums", "services"):
        for name, entries in current[kind].items():
            if name not in stored[kind]:
                added.append(f"{kind[:-1]} {name}")
                continue
            added += [f"{name} {key}" for key in entries if key not in stored[kind][name]]
    return added


def load() -> dict:
    return json.loads(LOCK.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kaoping.ops.api_lock")
    parser.add_argument("--write", action="store_true",
                        help="record the current protos in the lock (refused if that breaks it)")
    args = parser.parse_args(argv)
    current = describe()
    stored = load() if LOCK.exists() else None
    problems = breaking(stored, current) if stored else []
    for p in problems:
        print(f"BREAKING: {p}", file=sys.stderr)
    if args.write:
        if problems:
            print("not written: kaoping.v1 must not break (README \"Versioning\"); a breaking "
                  "change is a new package, kaoping.v2", file=sys.stderr)
            return 1
        LOCK.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {LOCK}")
        return 0
    for a in additions(stored, current) if stored else []:
        print(f"added (run --write to record): {a}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
