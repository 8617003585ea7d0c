"""Regenerates the Python stubs in service/kaoping/v1 from proto/kaoping/v1.

Run `python -m kaoping.ops.genproto` after editing a .proto file; tests/test_contract.py
fails when the committed stubs are stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the checkout: service/kaoping/ops/ is three down
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "service"


def generate(out_dir: Path = OUT_DIR) -> list[Path]:
    from grpc_tools import protoc
    import grpc_tools

    protos = sorted((PROTO_DIR / "kaoping" / "v1").glob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", f"-I{PROTO_DIR}", f"-I{include}", f"--python_out={out_dir}",
            f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}"]
    args += [str(p.relative_to(PROTO_DIR)) for p in protos]
    # protoc resolves relative paths against the include dir, so run from there.
    import os
    cwd = os.getcwd()
    os.chdir(PROTO_DIR)
    try:
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
    finally:
        os.chdir(cwd)
    return sorted((out_dir / "kaoping" / "v1").glob("*_pb2*.py*"))


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(path)
