"""Domain errors. The gRPC adapter maps each class to one status code and sends the
English message, the field violations and the Chinese sentence (`zh`)."""
from __future__ import annotations

from dataclasses import dataclass, field


def shorten(text: str, most: int) -> str:
    """Caller input as an error repeats it: whole up to `most` characters, else cut
    there with its length, so a 15 MB value never comes back in full."""
    return text if len(text) <= most else text[:most] + f"… ({len(text)} characters)"


@dataclass
class Violation:
    field: str
    description: str


@dataclass
class DomainError(Exception):
    """`message` is the API's English description; `zh` the same refusal for a person in
    Simplified Chinese: what is wrong and what to do (sent as google.rpc.LocalizedMessage
    zh-CN; tests/test_error_messages.py requires one at every place an error is made)."""
    message: str
    violations: list[Violation] = field(default_factory=list)
    zh: str = ""

    def __str__(self) -> str:
        details = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        return f"{self.message} ({details})" if details else self.message


class InvalidArgument(DomainError):
    pass


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class FailedPrecondition(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class ResourceExhausted(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class Unavailable(DomainError):
    """A temporary fault outside the caller's control (the database is down or busy):
    nothing was changed, and the same call may be retried later."""


class Cancelled(DomainError):
    """The caller went away (cancelled, or its deadline passed); the work stopped."""
