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
    month_cache_entries: int = 64               # township months kept (kaoping.usecases.month_cache)
    # admission control (kaoping.api.admission): over a bound, RESOURCE_EXHAUSTED at once
    max_in_flight: int = 12                     # calls and streams in all, health excepted
    max_streams: int = 8                        # client streams (SubmitFacts) in all
    max_streams_per_caller: int = 2             # client streams per token
    max_reflection_streams: int = 2             # reflection streams in all
    stream_idle_seconds: float = 30.0           # no message for this long: DEADLINE_EXCEEDED
    saturated_seconds: float = 2.0              # admission full this long: NOT_SERVING
    month_cache_mb: int = 256                   # their estimated memory; least recently used out
    probe_timeout: float = 20.0                 # s to compile + probe a new rule set: version refused
    # WatchScores (kaoping.usecases.watch): each stream holds a worker thread and a call
    # slot (max_in_flight) while it watches, so few; past it, RESOURCE_EXHAUSTED at once
    max_watchers: int = 4                       # WatchScores streams on one server
    watch_buffer: int = 64                      # updates queued for one slow watcher: then fell_behind
