"""DomainError -> gRPC status with google.rpc.BadRequest field violations."""
from __future__ import annotations

import functools

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kaoping.domain import errors

CODES = {
    errors.InvalidArgument: code_pb2.INVALID_ARGUMENT,
    errors.NotFound: code_pb2.NOT_FOUND,
    errors.PermissionDenied: code_pb2.PERMISSION_DENIED,
    errors.FailedPrecondition: code_pb2.FAILED_PRECONDITION,
    errors.AlreadyExists: code_pb2.ALREADY_EXISTS,
    errors.ResourceExhausted: code_pb2.RESOURCE_EXHAUSTED,
    errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
    errors.Unavailable: code_pb2.UNAVAILABLE,
    errors.Cancelled: code_pb2.CANCELLED,
}


def code_of(error: errors.DomainError) -> int:
    return CODES.get(type(error), code_pb2.INVALID_ARGUMENT)


MAX_TEXT = 300  # per message, field and description: an error must never outgrow the metadata limit


def _short(text: str) -> str:
    return errors.shorten(text, MAX_TEXT)


RETRY_AFTER = 1  # seconds a client should wait before retrying an UNAVAILABLE call

BUDGET = 8000  # bytes of violations in one status; grpc's metadata limit is 16 KiB


def to_status(error: errors.DomainError) -> grpc.Status:
    bad_request = error_details_pb2.BadRequest()
    for index, v in enumerate(error.violations):
        item = error_details_pb2.BadRequest.FieldViolation(field=_short(v.field), description=_short(v.description))
        if bad_request.ByteSize() + item.ByteSize() > BUDGET:
            bad_request.field_violations.add(field="(more)", description=(
                f"{len(error.violations) - index} more problems not shown; fix these and retry"))
            break
        bad_request.field_violations.append(item)
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    details = [detail]
    if isinstance(error, errors.Unavailable):
        # a temporary fault: tell clients (and grpc retry policies) when to try again
        retry = any_pb2.Any()
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=RETRY_AFTER)))
        details.append(retry)
    return rpc_status.to_status(status_pb2.Status(code=code_of(error), message=_short(error.message),
                                                  details=details))


def translating(method):
    """Wraps a servicer method so DomainErrors become rich statuses."""
    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except errors.DomainError as exc:
            context.abort_with_status(to_status(exc))
    return wrapper
