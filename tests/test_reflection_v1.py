"""Server reflection answers under grpc.reflection.v1 (what current grpcurl asks first)
and under v1alpha, on a real Server. The v1 client here uses genuine v1 message classes:
built from the v1alpha file descriptor with the package renamed, which is exactly how
grpc/reflection/v1/reflection.proto came to be, so a request names the v1 types."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.support.servers import running_server

TIMEOUT = 30


def v1_classes():
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name, proto.package = "grpc/reflection/v1/reflection.proto", "grpc.reflection.v1"
    for message in proto.message_type:
        for field in message.field:
            if field.type_name.startswith(".grpc.reflection.v1alpha."):
                field.type_name = field.type_name.replace(".v1alpha.", ".v1.")
    for service in proto.service:
        for method in service.method:
            method.input_type = method.input_type.replace(".v1alpha.", ".v1.")
            method.output_type = method.output_type.replace(".v1alpha.", ".v1.")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    request = message_factory.GetMessageClass(pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionRequest"))
    response = message_factory.GetMessageClass(pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionResponse"))
    return request, response


@pytest.fixture
def channel(app):
    with running_server(app) as (_, channel):
        yield channel


def _ask_v1(channel, **request):
    request_cls, response_cls = v1_classes()
    assert request_cls.DESCRIPTOR.full_name == "grpc.reflection.v1.ServerReflectionRequest"
    call = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                 request_serializer=request_cls.SerializeToString,
                                 response_deserializer=response_cls.FromString)
    return next(call(iter([request_cls(**request)]), timeout=TIMEOUT))


def test_v1_lists_every_service_and_both_reflections(channel):
    reply = _ask_v1(channel, list_services="")
    names = {s.name for s in reply.list_services_response.service}
    assert {"kaoping.v1.FactService", "kaoping.v1.EvaluationService", "kaoping.v1.WorkflowService",
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"} <= names


def test_v1_describes_a_kaoping_file_by_symbol(channel):
    reply = _ask_v1(channel, file_containing_symbol="kaoping.v1.EvaluationService")
    files = [descriptor_pb2.FileDescriptorProto.FromString(b)
             for b in reply.file_descriptor_response.file_descriptor_proto]
    assert any(f.package == "kaoping.v1" and any(s.name == "EvaluationService" for s in f.service)
               for f in files)
    missing = _ask_v1(channel, file_containing_symbol="kaoping.v1.NoSuchService")
    assert missing.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]


def test_v1alpha_still_answers(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    reply = next(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                           timeout=TIMEOUT))
    assert "grpc.reflection.v1.ServerReflection" in {s.name for s in reply.list_services_response.service}
