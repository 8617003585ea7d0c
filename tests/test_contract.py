"""The committed stubs in service/kaoping/v1 match what `python -m kaoping.ops.genproto`
makes from proto/ now: editing a .proto without regenerating fails here."""
from pathlib import Path

from kaoping.ops.genproto import OUT_DIR, generate


def test_generated_stubs_are_fresh(tmp_path):
    fresh = generate(tmp_path)
    assert fresh, "protoc produced nothing"
    committed = OUT_DIR / "kaoping" / "v1"
    names = {p.name for p in fresh}
    assert names == {p.name for p in committed.glob("*_pb2*.py*")}, "stub files differ"
    for path in fresh:
        assert path.read_bytes() == (committed / path.name).read_bytes(), (
            f"{path.name} is stale: run `python -m kaoping.ops.genproto`")


def test_every_proto_package_is_kaoping_v1():
    for proto in (Path(__file__).resolve().parents[1] / "proto" / "kaoping" / "v1").glob("*.proto"):
        assert "package kaoping.v1;" in proto.read_text(encoding="utf-8"), proto.name
