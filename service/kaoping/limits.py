"""Configured limits (kaoping-server flags; README "Limits"). Exceeding one is an
error status for that call, never a crash."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 16 * 1024 * 1024   # gRPC refuses larger: RESOURCE_EXHAUSTED
    max_batch: int = 5000                       # facts in one stream message: INVALID_ARGUMENT
    max_note: int = 2000                        # characters in a fact's note: INVALID_ARGUMENT
    max_concurrent_per_caller: int = 8          # calls in flight per token: RESOURCE_EXHAUSTED
    db_busy_seconds: float = 10.0               # wait for a locked SQLite write: UNAVAILABLE
    # One SubmitFacts stream (kaoping.api.fact_stream has the reply arithmetic). Past
    # these the server stops reading and replies with the outcomes so far, stopped_early.
    max_stream_facts: int = 20_000              # facts in one stream
    max_stream_messages: int = 1000             # messages in one stream, empty ones too
    max_reply_bytes: int = 4 * 1024 * 1024      # a stream's reply: gRPC clients' default receive limit
