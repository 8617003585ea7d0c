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
    probe_timeout: float = 20.0                 # s to compile + probe a new rule set: version refused
