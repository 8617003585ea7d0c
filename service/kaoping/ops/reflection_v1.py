"""Server reflection under grpc.reflection.v1 as well as v1alpha.

grpcio-reflection (1.85) serves only `grpc.reflection.v1alpha.ServerReflection`, while
current grpcurl, Postman and most tools ask for `grpc.reflection.v1` first. The two
protocols are the same messages under another package name (grpc/reflection/v1 was
v1alpha renamed), so their wire encodings are identical: the v1 service is the same
servicer registered under the v1 name, decoding and encoding with the v1alpha message
classes. tests/test_reflection_v1.py asks with real v1 message classes.
"""
from __future__ import annotations

import grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1_SERVICE = "grpc.reflection.v1.ServerReflection"


def enable(service_names: list[str], server: grpc.Server) -> None:
    """Reflection over `service_names` (and both reflection services) on `server`."""
    names = [*service_names, reflection.SERVICE_NAME, V1_SERVICE]
    reflection.enable_server_reflection(names, server)      # v1alpha
    servicer = reflection.ReflectionServicer(names)
    handlers = {"ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(V1_SERVICE, handlers),))
