from kaoping.v1 import evaluation_pb2 as _evaluation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class YearRequest(_message.Message):
    __slots__ = ("township_id", "year", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    note: str
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class QuotaDecision(_message.Message):
    __slots__ = ("granted_official_ids", "minutes")
    GRANTED_OFFICIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    granted_official_ids: _containers.RepeatedScalarFieldContainer[str]
    minutes: str
    def __init__(self, granted_official_ids: _Optional[_Iterable[str]] = ..., minutes: _Optional[str] = ...) -> None: ...

class ApproveYearRequest(_message.Message):
    __slots__ = ("township_id", "year", "content_hash", "note", "pool", "quota_decision")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    QUOTA_DECISION_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    content_hash: str
    note: str
    pool: str
    quota_decision: QuotaDecision
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., content_hash: _Optional[str] = ..., note: _Optional[str] = ..., pool: _Optional[str] = ..., quota_decision: _Optional[_Union[QuotaDecision, _Mapping]] = ...) -> None: ...

class YearPayoutRequest(_message.Message):
    __slots__ = ("township_id", "year", "reference", "paid_on", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    reference: str
    paid_on: str
    note: str
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., reference: _Optional[str] = ..., paid_on: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class YearEvent(_message.Message):
    __slots__ = ("action", "from_state", "to_state", "actor", "role", "at", "note")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    action: str
    from_state: str
    to_state: str
    actor: str
    role: str
    at: str
    note: str
    def __init__(self, action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., at: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class YearState(_message.Message):
    __slots__ = ("township_id", "year", "state", "ruleset", "aggregated_on", "approved_on", "published_on", "notice_ends", "paid_on", "payout_reference", "pool", "paid_out", "closed_on", "months_not_approved", "next_actions", "history", "quota_decision")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    AGGREGATED_ON_FIELD_NUMBER: _ClassVar[int]
    APPROVED_ON_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ENDS_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    PAID_OUT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_ON_FIELD_NUMBER: _ClassVar[int]
    MONTHS_NOT_APPROVED_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    QUOTA_DECISION_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    state: str
    ruleset: _evaluation_pb2.RuleSetRef
    aggregated_on: str
    approved_on: str
    published_on: str
    notice_ends: str
    paid_on: str
    payout_reference: str
    pool: str
    paid_out: str
    closed_on: str
    months_not_approved: _containers.RepeatedScalarFieldContainer[str]
    next_actions: _containers.RepeatedScalarFieldContainer[str]
    history: _containers.RepeatedCompositeFieldContainer[YearEvent]
    quota_decision: QuotaDecision
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., state: _Optional[str] = ..., ruleset: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., aggregated_on: _Optional[str] = ..., approved_on: _Optional[str] = ..., published_on: _Optional[str] = ..., notice_ends: _Optional[str] = ..., paid_on: _Optional[str] = ..., payout_reference: _Optional[str] = ..., pool: _Optional[str] = ..., paid_out: _Optional[str] = ..., closed_on: _Optional[str] = ..., months_not_approved: _Optional[_Iterable[str]] = ..., next_actions: _Optional[_Iterable[str]] = ..., history: _Optional[_Iterable[_Union[YearEvent, _Mapping]]] = ..., quota_decision: _Optional[_Union[QuotaDecision, _Mapping]] = ...) -> None: ...
