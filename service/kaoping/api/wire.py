"""Responses that are already in wire form, and the service registration that lets a
handler return them.

A township month's GetMonthlyScores reply is about 400 KB for 102 officials; building
its messages again for every read cost ~15 ms, four times the whole warm-read budget
(docs/benchmarks.md, issue 16). Each official's score is encoded once per cached
result (kaoping.api.convert.score_chunk) and a reply is those bytes joined: encoded
protobuf messages concatenate into one message whose repeated fields are appended
(the protobuf encoding's merge rule), so the reply is exactly the MonthlyScores the
messages would have made, only with the official scores after the header fields.

`add_service` registers a service from its descriptor as the generated
add_*Servicer_to_server would, except that its serializers pass an `Encoded` reply
through unchanged; any other reply is serialized as usual.
"""
from __future__ import annotations

import grpc
from google.protobuf import message_factory


class Encoded(bytes):
    """A reply already serialized (checked by the tests against the message it stands for)."""


def _serializer(message_class):
    serialize = message_class.SerializeToString

    def encode(reply) -> bytes:
        return bytes(reply) if isinstance(reply, Encoded) else serialize(reply)
    return encode


_KINDS = {(False, False): grpc.unary_unary_rpc_method_handler,
          (False, True): grpc.unary_stream_rpc_method_handler,
          (True, False): grpc.stream_unary_rpc_method_handler,
          (True, True): grpc.stream_stream_rpc_method_handler}


def add_service(servicer, server, module, service_name: str) -> None:
    """Every method of `service_name` (in the generated `module`) on `server`."""
    service = module.DESCRIPTOR.services_by_name[service_name]
    handlers = {}
    for method in service.methods:
        request = message_factory.GetMessageClass(method.input_type)
        reply = message_factory.GetMessageClass(method.output_type)
        handlers[method.name] = _KINDS[(method.client_streaming, method.server_streaming)](
            getattr(servicer, method.name), request_deserializer=request.FromString,
            response_serializer=_serializer(reply))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
    server.add_registered_method_handlers(service.full_name, handlers)
