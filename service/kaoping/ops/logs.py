"""Logs for `kaoping-server` (`--log-format text|json`): every record written while an RPC
is served carries the call's request id, the caller (token name and role) and the method
(kaoping.ops.observability sets the call; deploy/README.md "Observability" lists the
fields). The access logger `kaoping.access` is defined here because the text format
leaves its lines without the bracketed call suffix (they carry the fields already)."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

from kaoping.ops.logfmt import logfmt
from kaoping.usecases import audit

ACCESS = logging.getLogger("kaoping.access")


# per-call context -------------------------------------------------------------------
@dataclass
class CallInfo:
    method: str
    request_id: str = ""
    caller: str = ""
    role: str = ""
    client_request_id: str = ""   # the caller's valid x-request-id, part of request_id


_call: contextvars.ContextVar[CallInfo | None] = contextvars.ContextVar("kaoping_call", default=None)


def current_call() -> CallInfo | None:
    return _call.get()


def _context_fields() -> dict:
    info = _call.get()
    request = audit.current_or_none()
    fields: dict = {}
    if info is not None:
        fields["method"] = info.method
        if info.request_id:
            fields["request_id"] = info.request_id
        if info.client_request_id:
            fields["client_request_id"] = info.client_request_id
        if info.caller:
            fields["caller"] = info.caller
            fields["role"] = info.role
    if request is not None:
        fields["request_id"] = request.request_id
        fields["caller"] = request.principal.name
        fields["role"] = request.principal.role
    return fields


# logging ----------------------------------------------------------------------------
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    """Adds request_id / caller / role / method of the RPC being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context_fields().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the call's fields, any extras."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", "")
        if rid and record.name != ACCESS.name:
            line += f" [request_id={logfmt(rid)} caller={logfmt(getattr(record, 'caller', '') or '-')}" \
                    f" method={logfmt(getattr(record, 'method', '') or '-')}]"
        return line


def setup_logging(fmt: str = "text", level: str = "INFO", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
