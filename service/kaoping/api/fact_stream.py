"""The replies of the fact streams, kept deliverable whatever a stream holds: the one
reply of SubmitFacts (StreamReply) and the acknowledgements of StreamFacts (StreamAcks),
under the same caps (cap_reason) and the same per-outcome arithmetic (below).

StreamFacts sends one FactAck per message once its facts are committed, so each ack is
a reply of its own: a message is admitted if the stream's caps allow it and its worst
case outcomes fit one reply's budget; past a cap the stream gets one last FactAck with
`stopped`, nothing of that message is stored, and the stream ends OK.

A client-streaming call has a single reply, sent when the handler returns; an abort
loses it, and with it the receipts of every fact already committed. So the reply is
bounded *before* anything is stored: each message is admitted only if the reply, with
the largest outcomes that message could produce, still fits the reply budget, and if
the stream is still within its fact and message caps. Past that the servicer stops
reading and replies normally with the outcomes so far and `stopped_early`: every fact
with an index below `facts_read` has its outcome, and nothing from `facts_read` on was
read or stored, so a sender resends exactly those in a new stream.

Worst case of one outcome (protobuf bytes), which the admission check reserves per fact:
  outcome tag+length 4, index 6, accepted or code 3, receipt tag+length 3, fact_id 6,
  duplicate 2 (OUTCOME_FIXED = 32 rounds these up), the key echoed twice (outcome and
  receipt: 2 x (its UTF-8 bytes + 3), at most 2 x 803 for a 200-character key), and the
  problems, at most PROBLEM_BUDGET = 512 bytes (more become one "(more)" entry).
  With a 200-character 4-byte-per-character key that is 32 + 1606 + 512 = 2150 bytes;
  with a typical 47-byte importer key, 32 + 100 + 512 = 644.
The reply budget is min(--max-reply-kb, --max-message-mb) minus 16 KiB for the counters
and stop_reason: 4 MiB by default, the default receive limit of gRPC clients (and of the
kaoping CLI), well under the server's own 16 MiB send limit.
"""
from __future__ import annotations

from kaoping.api.errors import code_of
from kaoping.domain.errors import InvalidArgument, Violation, shorten
from kaoping.domain.facts import MAX_KEY
from kaoping.ops.limits import Limits
from kaoping.v1 import facts_pb2 as fx

OUTCOME_FIXED = 32
PROBLEM_BUDGET = 512
MORE_RESERVE = 80          # room kept in PROBLEM_BUDGET for the "(more)" entry
REPLY_MARGIN = 16 * 1024   # counters, stop_reason and framing around the outcomes
MAX_TEXT = 300             # characters of one problem's field or description
ECHO_KEEP = 32             # characters kept of an over-long key when it is echoed


def echo_key(key: str) -> str:
    """A key as the reply repeats it: a valid one whole, an over-long one (refused
    anyway) cut with its length, so 40 keys of 15 MB do not come back in the reply."""
    return key if len(key) <= MAX_KEY else shorten(key, ECHO_KEEP)


def _short(text: str) -> str:
    return shorten(text, MAX_TEXT)


def _key_bytes(key: str) -> int:
    return len(echo_key(key).encode("utf-8")) + 3


class StreamReply:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.budget = min(limits.max_reply_bytes, limits.max_message_bytes) - REPLY_MARGIN
        self.result = fx.BatchResult()
        self._size = 0      # bytes of outcomes in result so far

    @property
    def facts_read(self) -> int:
        return self.result.facts_read

    def admit(self, batch: fx.FactBatch) -> bool:
        """Whether the servicer may process this message; False (with stop_reason set)
        when it must stop reading. With nothing acknowledged yet there is nothing to
        lose, so a message no reply could carry is an INVALID_ARGUMENT instead."""
        number = self.result.messages_read + 1
        reason = cap_reason(self.limits, number, len(batch.facts), self.facts_read)
        if not reason and self._size + reply_need(batch) > self.budget:
            reason = (f"the receipts of message {number} could take the reply past "
                      f"{self.budget} bytes")
        if not reason:
            self.result.messages_read = number
            return True
        if not self.result.outcomes:
            raise InvalidArgument("stream message refused", [Violation("facts", reason + (
                "; send fewer facts per message" if number == 1 else ""))],
                                  zh="这批事实无法接收（超出单条消息的大小限制）：请分成更小的批次重新上传")
        self.result.stopped_early = True
        self.result.stop_reason = (f"{reason}: stopped reading; facts from index {self.facts_read} "
                                   f"on were not stored, resend them in a new stream")
        return False

    def add(self, outcomes) -> None:
        """Outcomes of one admitted message (kaoping.usecases.app.Outcome)."""
        result = self.result
        accepted, rejected, duplicates, size = fill_outcomes(result.outcomes, outcomes)
        result.accepted += accepted
        result.rejected += rejected
        result.duplicates += duplicates
        self._size += size
        result.facts_read += len(outcomes)


def cap_reason(limits: Limits, number: int, n: int, facts_read: int) -> str:
    """Why message `number` (from 1) of a fact stream, with n facts, after facts_read
    facts, may not be read: the caps every fact stream has (README "Limits": messages
    and facts per stream, facts per message); "" when it may."""
    if number > limits.max_stream_messages:
        return f"at most {limits.max_stream_messages} messages in one stream"
    if n > limits.max_batch:
        return f"message {number} has {n} facts; at most {limits.max_batch} in one message"
    if facts_read + n > limits.max_stream_facts:
        return (f"message {number} would take the stream to {facts_read + n} facts; "
                f"at most {limits.max_stream_facts} facts in one stream")
    return ""


def reply_need(batch: fx.FactBatch) -> int:
    """The most bytes the outcomes of this message can take (the module's arithmetic)."""
    return sum(OUTCOME_FIXED + 2 * _key_bytes(f.idempotency_key) + PROBLEM_BUDGET for f in batch.facts)


def fill_outcomes(field, outcomes) -> tuple[int, int, int, int]:
    """Appends one FactOutcome per outcome (kaoping.usecases.facts.Outcome) to the
    repeated `field`; (accepted, rejected, duplicates, bytes added)."""
    accepted = rejected = duplicates = size = 0
    for outcome in outcomes:
        msg = field.add(index=outcome.index, idempotency_key=echo_key(outcome.idempotency_key))
        if outcome.error is None:
            receipt = outcome.receipt
            msg.accepted = True
            msg.receipt.fact_id, msg.receipt.duplicate = receipt.fact_id, receipt.duplicate
            msg.receipt.idempotency_key = receipt.idempotency_key
            accepted += 1
            duplicates += receipt.duplicate
        else:
            msg.code = code_of(outcome.error)
            _problems(msg, outcome.error.violations)
            rejected += 1
        size += msg.ByteSize() + 4
    return accepted, rejected, duplicates, size


class StreamAcks:
    """The acknowledgements of a StreamFacts stream: one FactAck per message, each its
    own reply, so the budget is per ack (the same bytes a SubmitFacts reply may take),
    and a stream past a cap gets one last ack with `stopped` and nothing stored."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.budget = min(limits.max_reply_bytes, limits.max_message_bytes) - REPLY_MARGIN
        self.messages = 0       # messages admitted (and acknowledged) so far
        self.facts_read = 0     # their facts: the next message's first stream-wide index

    def refusal(self, batch: fx.FactBatch) -> fx.FactAck | None:
        """The stopping ack for this message, or None when it may be processed (then
        it counts toward the caps)."""
        number = self.messages + 1
        reason = cap_reason(self.limits, number, len(batch.facts), self.facts_read)
        if not reason and reply_need(batch) > self.budget:
            reason = (f"the receipts of message {number} could take its acknowledgement past "
                      f"{self.budget} bytes; send fewer facts per message")
        if not reason:
            self.messages = number
            return None
        return fx.FactAck(sequence=batch.sequence, message_index=number - 1,
                          first_index=self.facts_read, stopped=True,
                          stop_reason=f"{reason}: nothing of this message was stored; resend "
                                      f"from it (facts from index {self.facts_read}) in a new stream")

    def ack(self, batch: fx.FactBatch, outcomes) -> fx.FactAck:
        """The acknowledgement of an admitted message whose facts are committed."""
        ack = fx.FactAck(sequence=batch.sequence, message_index=self.messages - 1,
                         first_index=self.facts_read)
        ack.accepted, ack.rejected, ack.duplicates, _ = fill_outcomes(ack.outcomes, outcomes)
        self.facts_read += len(batch.facts)
        return ack


def _problems(msg: fx.FactOutcome, violations) -> None:
    """The violations within PROBLEM_BUDGET bytes; the first always shows, cut to fit."""
    used, room = 0, PROBLEM_BUDGET - MORE_RESERVE
    for i, v in enumerate(violations):
        item = fx.FieldProblem(field=_short(v.field)[:60], description=_short(v.description))
        if i == 0 and item.ByteSize() + 3 > room:
            cut = room - 3 - (item.ByteSize() - len(item.description.encode("utf-8"))) - 8
            item.description = item.description.encode("utf-8")[:cut].decode("utf-8", "ignore") + "…"
        size = item.ByteSize() + 3
        if used + size > room:
            msg.problems.add(field="(more)", description=f"{len(violations) - i} more problems not shown")
            return
        msg.problems.append(item)
        used += size
