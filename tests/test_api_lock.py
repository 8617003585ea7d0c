"""kaoping.v1 does not break (README "Versioning"): the committed lock
(proto/kaoping.v1.lock.json) records the protos as they are, and a changed field number,
type or label, a removed field or method, a changed method signature or a renumbered
enum value is reported as breaking, while an addition is not (issue 17, point 6).
The changes are made to a real copy of facts.proto's descriptor, built in its own pool."""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool

from kaoping.ops import api_lock
from kaoping.v1 import facts_pb2


def test_the_lock_records_the_protos_as_they_are():
    stored, current = api_lock.load(), api_lock.describe()
    assert api_lock.breaking(stored, current) == [], "kaoping.v1 broke (README \"Versioning\")"
    assert stored == current, ("the protos add to kaoping.v1: record it with "
                               "`python -m kaoping.ops.api_lock --write` (added: "
                               f"{api_lock.additions(stored, current)})")


def _facts(change) -> dict:
    """facts.proto's contract after `change(FileDescriptorProto)`, from a real descriptor."""
    proto = descriptor_pb2.FileDescriptorProto()
    facts_pb2.DESCRIPTOR.CopyToProto(proto)
    change(proto)
    pool = descriptor_pool.DescriptorPool()
    return api_lock.describe([pool.Add(proto)])


def _message(proto, name):
    return next(m for m in proto.message_type if m.name == name)


def _field(proto, message, name):
    return next(f for f in _message(proto, message).field if f.name == name)



def _before() -> dict:
    return api_lock.describe([facts_pb2.DESCRIPTOR])


def test_a_changed_type_number_or_label_is_breaking():
    def change(proto):
        _field(proto, "Fact", "quantity").type = descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE
        _field(proto, "FactReceipt", "fact_id").number = 9
        _field(proto, "FactBatch", "facts").label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    problems = api_lock.breaking(_before(), _facts(change))
    assert any("kaoping.v1.Fact field 6 (quantity): type 'string' -> 'double'" == p for p in problems)
    assert any(p.startswith("kaoping.v1.FactReceipt field 1 (fact_id) removed") for p in problems)
    assert any(p.startswith("kaoping.v1.FactBatch field 1 (facts): label") for p in problems)
    assert len(problems) == 3, problems


def test_a_reused_number_a_removed_method_or_a_new_signature_is_breaking():
    def change(proto):
        _field(proto, "Fact", "note").name = "remark"                       # field 7 renamed
        service = proto.service[0]
        kept = [m for m in service.method if m.name != "ListFacts"]
        del service.method[:]
        service.method.extend(kept)
        next(m for m in service.method if m.name == "StreamFacts").server_streaming = False
    problems = api_lock.breaking(_before(), _facts(change))
    assert "kaoping.v1.Fact field 7 (note): name 'note' -> 'remark'" in problems
    assert "kaoping.v1.FactService.ListFacts removed" in problems
    assert "kaoping.v1.FactService.StreamFacts: server_streaming changed" in problems
    assert len(problems) == 3, problems


def test_additions_are_not_breaking_but_are_listed():
    def change(proto):
        _message(proto, "Fact").field.add(name="priority", number=40,
                                          type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                                          label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
                                          json_name="priority")
        proto.message_type.add(name="Extra")
    before, after = _before(), _facts(change)
    assert api_lock.breaking(before, after) == []
    assert set(api_lock.additions(before, after)) == {"kaoping.v1.Fact 40", "message kaoping.v1.Extra"}


def test_a_renumbered_enum_value_is_breaking():
    stored = {"messages": {}, "services": {}, "enums": {"kaoping.v1.State": {"0": "UNKNOWN", "1": "OPEN"}}}
    current = {"messages": {}, "services": {}, "enums": {"kaoping.v1.State": {"0": "UNKNOWN", "2": "OPEN"}}}
    assert api_lock.breaking(stored, current) == ["enum kaoping.v1.State value 1 (OPEN) removed"]


def test_write_refuses_a_breaking_lock(tmp_path, monkeypatch):
    lock = tmp_path / "lock.json"
    stored = _before()
    stored["messages"]["kaoping.v1.Gone"] = {}
    import json
    lock.write_text(json.dumps(stored), encoding="utf-8")
    monkeypatch.setattr(api_lock, "LOCK", lock)
    assert api_lock.main(["--write"]) == 1
    assert json.loads(lock.read_text(encoding="utf-8")) == stored     # not written
