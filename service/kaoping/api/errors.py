"""DomainError -> gRPC status with google.rpc.BadRequest field violations and a
google.rpc.LocalizedMessage (zh-CN): the English message stays for programs and logs,
the Chinese sentence is what a person reads (the CLI shows it)."""
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


LOCALE = "zh-CN"
# Only a safety net: every place that makes an error gives its own sentence
# (tests/test_error_messages.py); this covers one made elsewhere, e.g. by a plug-in.
FALLBACK_ZH = {
    code_pb2.INVALID_ARGUMENT: "请求内容有误：请按错误详情修改后重试",
    code_pb2.NOT_FOUND: "要找的记录不存在：请核对名称或编号",
    code_pb2.PERMISSION_DENIED: "你的令牌无权进行此操作：请换用有权限的令牌，或联系管理员",
    code_pb2.FAILED_PRECONDITION: "当前状态下不能进行此操作：请先查看本月进度（kaoping month state）",
    code_pb2.ALREADY_EXISTS: "该记录已存在：无需重复提交",
    code_pb2.RESOURCE_EXHAUSTED: "服务器或数据库资源已满：请稍后重试，或联系运维人员",
    code_pb2.UNAUTHENTICATED: "未通过身份验证：请提供有效令牌（--token 或 KAOPING_TOKEN）",
    code_pb2.UNAVAILABLE: "服务暂时不可用，未做任何更改：请稍后重试",
    code_pb2.CANCELLED: "请求已取消或超时：请重试",
}


def chinese(error: errors.DomainError) -> str:
    return error.zh or FALLBACK_ZH.get(code_of(error), FALLBACK_ZH[code_pb2.INVALID_ARGUMENT])


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
    localized = any_pb2.Any()   # MAX_TEXT characters of CJK stay far below the metadata limit
    localized.Pack(error_details_pb2.LocalizedMessage(locale=LOCALE, message=_short(chinese(error))))
    details = [detail, localized]
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


def translating_stream(method):
    """translating for a method that yields its replies (a response stream): a
    DomainError raised between two replies ends the stream with its rich status; the
    replies already sent stay sent."""
    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            yield from method(self, request, context)
        except errors.DomainError as exc:
            context.abort_with_status(to_status(exc))
    return wrapper
