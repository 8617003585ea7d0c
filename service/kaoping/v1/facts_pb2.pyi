from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Fact(_message.Message):
    __slots__ = ("official_id", "month", "date", "category", "kind", "quantity", "note", "scorer_id", "source", "idempotency_key", "level", "village_id")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SCORER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    month: str
    date: str
    category: str
    kind: str
    quantity: str
    note: str
    scorer_id: str
    source: str
    idempotency_key: str
    level: str
    village_id: str
    def __init__(self, official_id: _Optional[str] = ..., month: _Optional[str] = ..., date: _Optional[str] = ..., category: _Optional[str] = ..., kind: _Optional[str] = ..., quantity: _Optional[str] = ..., note: _Optional[str] = ..., scorer_id: _Optional[str] = ..., source: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., level: _Optional[str] = ..., village_id: _Optional[str] = ...) -> None: ...

class StoredFact(_message.Message):
    __slots__ = ("id", "fact", "recorded_at", "voids_fact_id", "void_reason", "voided_by_fact_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    FACT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    VOIDS_FACT_ID_FIELD_NUMBER: _ClassVar[int]
    VOID_REASON_FIELD_NUMBER: _ClassVar[int]
    VOIDED_BY_FACT_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    fact: Fact
    recorded_at: str
    voids_fact_id: int
    void_reason: str
    voided_by_fact_id: int
    def __init__(self, id: _Optional[int] = ..., fact: _Optional[_Union[Fact, _Mapping]] = ..., recorded_at: _Optional[str] = ..., voids_fact_id: _Optional[int] = ..., void_reason: _Optional[str] = ..., voided_by_fact_id: _Optional[int] = ...) -> None: ...

class SubmitFactRequest(_message.Message):
    __slots__ = ("fact",)
    FACT_FIELD_NUMBER: _ClassVar[int]
    fact: Fact
    def __init__(self, fact: _Optional[_Union[Fact, _Mapping]] = ...) -> None: ...

class FactReceipt(_message.Message):
    __slots__ = ("fact_id", "duplicate", "idempotency_key")
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    fact_id: int
    duplicate: bool
    idempotency_key: str
    def __init__(self, fact_id: _Optional[int] = ..., duplicate: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class FactBatch(_message.Message):
    __slots__ = ("facts", "sequence")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[Fact]
    sequence: int
    def __init__(self, facts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., sequence: _Optional[int] = ...) -> None: ...

class FactAck(_message.Message):
    __slots__ = ("sequence", "message_index", "first_index", "accepted", "rejected", "duplicates", "outcomes", "stopped", "stop_reason")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    FIRST_INDEX_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    message_index: int
    first_index: int
    accepted: int
    rejected: int
    duplicates: int
    outcomes: _containers.RepeatedCompositeFieldContainer[FactOutcome]
    stopped: bool
    stop_reason: str
    def __init__(self, sequence: _Optional[int] = ..., message_index: _Optional[int] = ..., first_index: _Optional[int] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., duplicates: _Optional[int] = ..., outcomes: _Optional[_Iterable[_Union[FactOutcome, _Mapping]]] = ..., stopped: _Optional[bool] = ..., stop_reason: _Optional[str] = ...) -> None: ...

class FactOutcome(_message.Message):
    __slots__ = ("index", "idempotency_key", "accepted", "receipt", "code", "problems")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    index: int
    idempotency_key: str
    accepted: bool
    receipt: FactReceipt
    code: int
    problems: _containers.RepeatedCompositeFieldContainer[FieldProblem]
    def __init__(self, index: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., accepted: _Optional[bool] = ..., receipt: _Optional[_Union[FactReceipt, _Mapping]] = ..., code: _Optional[int] = ..., problems: _Optional[_Iterable[_Union[FieldProblem, _Mapping]]] = ...) -> None: ...

class FieldProblem(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("accepted", "rejected", "duplicates", "outcomes", "facts_read", "messages_read", "stopped_early", "stop_reason")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FACTS_READ_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_READ_FIELD_NUMBER: _ClassVar[int]
    STOPPED_EARLY_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: int
    duplicates: int
    outcomes: _containers.RepeatedCompositeFieldContainer[FactOutcome]
    facts_read: int
    messages_read: int
    stopped_early: bool
    stop_reason: str
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., duplicates: _Optional[int] = ..., outcomes: _Optional[_Iterable[_Union[FactOutcome, _Mapping]]] = ..., facts_read: _Optional[int] = ..., messages_read: _Optional[int] = ..., stopped_early: _Optional[bool] = ..., stop_reason: _Optional[str] = ...) -> None: ...

class CorrectFactRequest(_message.Message):
    __slots__ = ("fact_id", "reason", "scorer_id", "idempotency_key", "replacement")
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SCORER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    fact_id: int
    reason: str
    scorer_id: str
    idempotency_key: str
    replacement: Fact
    def __init__(self, fact_id: _Optional[int] = ..., reason: _Optional[str] = ..., scorer_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., replacement: _Optional[_Union[Fact, _Mapping]] = ...) -> None: ...

class CorrectFactResponse(_message.Message):
    __slots__ = ("correction", "replacement")
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    correction: FactReceipt
    replacement: FactReceipt
    def __init__(self, correction: _Optional[_Union[FactReceipt, _Mapping]] = ..., replacement: _Optional[_Union[FactReceipt, _Mapping]] = ...) -> None: ...

class ListFactsRequest(_message.Message):
    __slots__ = ("month", "official_id", "village_id", "page_size", "page_token", "township_id")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    month: str
    official_id: str
    village_id: str
    page_size: int
    page_token: str
    township_id: str
    def __init__(self, month: _Optional[str] = ..., official_id: _Optional[str] = ..., village_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class ListFactsResponse(_message.Message):
    __slots__ = ("facts", "next_page_token")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[StoredFact]
    next_page_token: str
    def __init__(self, facts: _Optional[_Iterable[_Union[StoredFact, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
