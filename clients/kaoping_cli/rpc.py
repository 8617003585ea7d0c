"""Connection and error rendering shared by the CLI commands."""
from __future__ import annotations

import os

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

DEFAULT_SERVER = "127.0.0.1:50051"
ENV_SERVER = "KAOPING_SERVER"


def server_address(flag: str | None) -> str:
    return flag or os.environ.get(ENV_SERVER) or DEFAULT_SERVER


def channel(address: str) -> grpc.Channel:
    return grpc.insecure_channel(address)


def describe_error(error: grpc.RpcError) -> list[str]:
    """The status and every field violation, one line each."""
    lines = [f"{error.code().name}: {error.details()}"]
    status = rpc_status.from_call(error)
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                lines += [f"  {v.field}: {v.description}" for v in bad.field_violations]
    return lines
