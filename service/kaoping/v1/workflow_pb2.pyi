from kaoping.v1 import evaluation_pb2 as _evaluation_pb2
from kaoping.v1 import rectification_pb2 as _rectification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MonthRequest(_message.Message):
    __slots__ = ("township_id", "month", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    note: str
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ApproveRequest(_message.Message):
    __slots__ = ("township_id", "month", "content_hash", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    content_hash: str
    note: str
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., content_hash: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class MarkPaidRequest(_message.Message):
    __slots__ = ("township_id", "month", "reference", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    reference: str
    note: str
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., reference: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class MonthEvent(_message.Message):
    __slots__ = ("action", "from_state", "to_state", "actor", "role", "at", "revision", "note")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    action: str
    from_state: str
    to_state: str
    actor: str
    role: str
    at: str
    revision: int
    note: str
    def __init__(self, action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., at: _Optional[str] = ..., revision: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class VillageConfirmation(_message.Message):
    __slots__ = ("village_id", "village_name", "state", "confirmed_by", "at", "note")
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    village_id: str
    village_name: str
    state: str
    confirmed_by: str
    at: str
    note: str
    def __init__(self, village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., state: _Optional[str] = ..., confirmed_by: _Optional[str] = ..., at: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class MonthState(_message.Message):
    __slots__ = ("township_id", "month", "state", "ruleset", "revision", "approved_on", "appeal_deadline", "published_on", "notice_ends", "paid_on", "pending_appeals", "villages", "next_actions", "history", "drift")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_ON_FIELD_NUMBER: _ClassVar[int]
    APPEAL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ENDS_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPEALS_FIELD_NUMBER: _ClassVar[int]
    VILLAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    state: str
    ruleset: _evaluation_pb2.RuleSetRef
    revision: int
    approved_on: str
    appeal_deadline: str
    published_on: str
    notice_ends: str
    paid_on: str
    pending_appeals: int
    villages: _containers.RepeatedCompositeFieldContainer[VillageConfirmation]
    next_actions: _containers.RepeatedScalarFieldContainer[str]
    history: _containers.RepeatedCompositeFieldContainer[MonthEvent]
    drift: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., state: _Optional[str] = ..., ruleset: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., revision: _Optional[int] = ..., approved_on: _Optional[str] = ..., appeal_deadline: _Optional[str] = ..., published_on: _Optional[str] = ..., notice_ends: _Optional[str] = ..., paid_on: _Optional[str] = ..., pending_appeals: _Optional[int] = ..., villages: _Optional[_Iterable[_Union[VillageConfirmation, _Mapping]]] = ..., next_actions: _Optional[_Iterable[str]] = ..., history: _Optional[_Iterable[_Union[MonthEvent, _Mapping]]] = ..., drift: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfirmRequest(_message.Message):
    __slots__ = ("township_id", "month", "village_id", "note", "on_behalf")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    village_id: str
    note: str
    on_behalf: OnBehalf
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., village_id: _Optional[str] = ..., note: _Optional[str] = ..., on_behalf: _Optional[_Union[OnBehalf, _Mapping]] = ...) -> None: ...

class OnBehalf(_message.Message):
    __slots__ = ("signed_by", "reason")
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    signed_by: str
    reason: str
    def __init__(self, signed_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AppealRequest(_message.Message):
    __slots__ = ("fact_id", "reason", "appellant", "on_behalf")
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    APPELLANT_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_FIELD_NUMBER: _ClassVar[int]
    fact_id: int
    reason: str
    appellant: str
    on_behalf: OnBehalf
    def __init__(self, fact_id: _Optional[int] = ..., reason: _Optional[str] = ..., appellant: _Optional[str] = ..., on_behalf: _Optional[_Union[OnBehalf, _Mapping]] = ...) -> None: ...

class ResolveAppealRequest(_message.Message):
    __slots__ = ("appeal_id", "decision", "reason")
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    appeal_id: int
    decision: str
    reason: str
    def __init__(self, appeal_id: _Optional[int] = ..., decision: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Outcome(_message.Message):
    __slots__ = ("total", "grade", "pay")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    PAY_FIELD_NUMBER: _ClassVar[int]
    total: str
    grade: str
    pay: str
    def __init__(self, total: _Optional[str] = ..., grade: _Optional[str] = ..., pay: _Optional[str] = ...) -> None: ...

class AppealRecord(_message.Message):
    __slots__ = ("id", "township_id", "month", "village_id", "official_id", "official_name", "fact_id", "rule_id", "points", "deduction_reason", "appellant", "reason", "submitted_by", "submitted_at", "state", "decision_reason", "resolved_by", "resolved_at", "correction_fact_id", "before", "after", "revision_after")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_REASON_FIELD_NUMBER: _ClassVar[int]
    APPELLANT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FACT_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    REVISION_AFTER_FIELD_NUMBER: _ClassVar[int]
    id: int
    township_id: str
    month: str
    village_id: str
    official_id: str
    official_name: str
    fact_id: int
    rule_id: str
    points: str
    deduction_reason: str
    appellant: str
    reason: str
    submitted_by: str
    submitted_at: str
    state: str
    decision_reason: str
    resolved_by: str
    resolved_at: str
    correction_fact_id: int
    before: Outcome
    after: Outcome
    revision_after: int
    def __init__(self, id: _Optional[int] = ..., township_id: _Optional[str] = ..., month: _Optional[str] = ..., village_id: _Optional[str] = ..., official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., fact_id: _Optional[int] = ..., rule_id: _Optional[str] = ..., points: _Optional[str] = ..., deduction_reason: _Optional[str] = ..., appellant: _Optional[str] = ..., reason: _Optional[str] = ..., submitted_by: _Optional[str] = ..., submitted_at: _Optional[str] = ..., state: _Optional[str] = ..., decision_reason: _Optional[str] = ..., resolved_by: _Optional[str] = ..., resolved_at: _Optional[str] = ..., correction_fact_id: _Optional[int] = ..., before: _Optional[_Union[Outcome, _Mapping]] = ..., after: _Optional[_Union[Outcome, _Mapping]] = ..., revision_after: _Optional[int] = ...) -> None: ...

class ListAppealsRequest(_message.Message):
    __slots__ = ("township_id", "month", "year", "village_id", "state", "page_size", "page_token")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    year: int
    village_id: str
    state: str
    page_size: int
    page_token: str
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., year: _Optional[int] = ..., village_id: _Optional[str] = ..., state: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAppealsResponse(_message.Message):
    __slots__ = ("appeals", "next_page_token")
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    appeals: _containers.RepeatedCompositeFieldContainer[AppealRecord]
    next_page_token: str
    def __init__(self, appeals: _Optional[_Iterable[_Union[AppealRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VillageFeedbackRequest(_message.Message):
    __slots__ = ("village_id", "month")
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    village_id: str
    month: str
    def __init__(self, village_id: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class FeedbackDeduction(_message.Message):
    __slots__ = ("item", "appeal_id", "appeal_state", "fact_date", "fact_note", "scorer_name", "cut")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    APPEAL_STATE_FIELD_NUMBER: _ClassVar[int]
    FACT_DATE_FIELD_NUMBER: _ClassVar[int]
    FACT_NOTE_FIELD_NUMBER: _ClassVar[int]
    SCORER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUT_FIELD_NUMBER: _ClassVar[int]
    item: _evaluation_pb2.LineItem
    appeal_id: int
    appeal_state: str
    fact_date: str
    fact_note: str
    scorer_name: str
    cut: bool
    def __init__(self, item: _Optional[_Union[_evaluation_pb2.LineItem, _Mapping]] = ..., appeal_id: _Optional[int] = ..., appeal_state: _Optional[str] = ..., fact_date: _Optional[str] = ..., fact_note: _Optional[str] = ..., scorer_name: _Optional[str] = ..., cut: _Optional[bool] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("month", "total", "grade", "status")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    month: str
    total: str
    grade: str
    status: str
    def __init__(self, month: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class FeedbackOfficial(_message.Message):
    __slots__ = ("official_id", "official_name", "total", "grade", "pay", "deductions", "additions", "position", "trend")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    PAY_FIELD_NUMBER: _ClassVar[int]
    DEDUCTIONS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    official_name: str
    total: str
    grade: str
    pay: str
    deductions: _containers.RepeatedCompositeFieldContainer[FeedbackDeduction]
    additions: _containers.RepeatedCompositeFieldContainer[FeedbackDeduction]
    position: str
    trend: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    def __init__(self, official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., pay: _Optional[str] = ..., deductions: _Optional[_Iterable[_Union[FeedbackDeduction, _Mapping]]] = ..., additions: _Optional[_Iterable[_Union[FeedbackDeduction, _Mapping]]] = ..., position: _Optional[str] = ..., trend: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ...) -> None: ...

class Letterhead(_message.Message):
    __slots__ = ("township_name", "issuer", "document_number", "issued_on", "contact", "script")
    TOWNSHIP_NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    township_name: str
    issuer: str
    document_number: str
    issued_on: str
    contact: str
    script: str
    def __init__(self, township_name: _Optional[str] = ..., issuer: _Optional[str] = ..., document_number: _Optional[str] = ..., issued_on: _Optional[str] = ..., contact: _Optional[str] = ..., script: _Optional[str] = ...) -> None: ...

class VillageFeedback(_message.Message):
    __slots__ = ("title", "township_id", "village_id", "village_name", "month", "month_state", "provisional", "ruleset", "confirmation", "appeal_deadline", "officials", "total_deducted", "appeals", "letterhead", "appeal_open", "total_added", "rectifications")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTH_STATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    APPEAL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEDUCTED_FIELD_NUMBER: _ClassVar[int]
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    LETTERHEAD_FIELD_NUMBER: _ClassVar[int]
    APPEAL_OPEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ADDED_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    title: str
    township_id: str
    village_id: str
    village_name: str
    month: str
    month_state: str
    provisional: bool
    ruleset: _evaluation_pb2.RuleSetRef
    confirmation: VillageConfirmation
    appeal_deadline: str
    officials: _containers.RepeatedCompositeFieldContainer[FeedbackOfficial]
    total_deducted: str
    appeals: _containers.RepeatedCompositeFieldContainer[AppealRecord]
    letterhead: Letterhead
    appeal_open: bool
    total_added: str
    rectifications: _containers.RepeatedCompositeFieldContainer[_rectification_pb2.Rectification]
    def __init__(self, title: _Optional[str] = ..., township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., month: _Optional[str] = ..., month_state: _Optional[str] = ..., provisional: _Optional[bool] = ..., ruleset: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., confirmation: _Optional[_Union[VillageConfirmation, _Mapping]] = ..., appeal_deadline: _Optional[str] = ..., officials: _Optional[_Iterable[_Union[FeedbackOfficial, _Mapping]]] = ..., total_deducted: _Optional[str] = ..., appeals: _Optional[_Iterable[_Union[AppealRecord, _Mapping]]] = ..., letterhead: _Optional[_Union[Letterhead, _Mapping]] = ..., appeal_open: _Optional[bool] = ..., total_added: _Optional[str] = ..., rectifications: _Optional[_Iterable[_Union[_rectification_pb2.Rectification, _Mapping]]] = ...) -> None: ...

class PublicLine(_message.Message):
    __slots__ = ("rank", "official_name", "village_name", "total", "grade", "pay_tier")
    RANK_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    PAY_TIER_FIELD_NUMBER: _ClassVar[int]
    rank: int
    official_name: str
    village_name: str
    total: str
    grade: str
    pay_tier: str
    def __init__(self, rank: _Optional[int] = ..., official_name: _Optional[str] = ..., village_name: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., pay_tier: _Optional[str] = ...) -> None: ...

class PublicNotice(_message.Message):
    __slots__ = ("title", "month", "published_on", "notice_ends", "lines", "letterhead")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ENDS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    LETTERHEAD_FIELD_NUMBER: _ClassVar[int]
    title: str
    month: str
    published_on: str
    notice_ends: str
    lines: _containers.RepeatedCompositeFieldContainer[PublicLine]
    letterhead: Letterhead
    def __init__(self, title: _Optional[str] = ..., month: _Optional[str] = ..., published_on: _Optional[str] = ..., notice_ends: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[PublicLine, _Mapping]]] = ..., letterhead: _Optional[_Union[Letterhead, _Mapping]] = ...) -> None: ...

class MonthStatus(_message.Message):
    __slots__ = ("month", "state", "provisional")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    month: str
    state: str
    provisional: bool
    def __init__(self, month: _Optional[str] = ..., state: _Optional[str] = ..., provisional: _Optional[bool] = ...) -> None: ...

class YtdOfficial(_message.Message):
    __slots__ = ("rank", "previous_rank", "rank_change", "official_id", "official_name", "village_name", "total", "total_change", "grade", "vetoed", "ytd_average", "ytd_rank", "months_counted", "vetoed_months")
    RANK_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RANK_FIELD_NUMBER: _ClassVar[int]
    RANK_CHANGE_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHANGE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    YTD_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    YTD_RANK_FIELD_NUMBER: _ClassVar[int]
    MONTHS_COUNTED_FIELD_NUMBER: _ClassVar[int]
    VETOED_MONTHS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    previous_rank: int
    rank_change: int
    official_id: str
    official_name: str
    village_name: str
    total: str
    total_change: str
    grade: str
    vetoed: bool
    ytd_average: str
    ytd_rank: int
    months_counted: int
    vetoed_months: int
    def __init__(self, rank: _Optional[int] = ..., previous_rank: _Optional[int] = ..., rank_change: _Optional[int] = ..., official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_name: _Optional[str] = ..., total: _Optional[str] = ..., total_change: _Optional[str] = ..., grade: _Optional[str] = ..., vetoed: _Optional[bool] = ..., ytd_average: _Optional[str] = ..., ytd_rank: _Optional[int] = ..., months_counted: _Optional[int] = ..., vetoed_months: _Optional[int] = ...) -> None: ...

class YtdVillage(_message.Message):
    __slots__ = ("rank", "previous_rank", "rank_change", "village_id", "village_name", "average", "ytd_average", "ytd_rank")
    RANK_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RANK_FIELD_NUMBER: _ClassVar[int]
    RANK_CHANGE_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    YTD_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    YTD_RANK_FIELD_NUMBER: _ClassVar[int]
    rank: int
    previous_rank: int
    rank_change: int
    village_id: str
    village_name: str
    average: str
    ytd_average: str
    ytd_rank: int
    def __init__(self, rank: _Optional[int] = ..., previous_rank: _Optional[int] = ..., rank_change: _Optional[int] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., average: _Optional[str] = ..., ytd_average: _Optional[str] = ..., ytd_rank: _Optional[int] = ...) -> None: ...

class YearToDateRanking(_message.Message):
    __slots__ = ("township_id", "month", "months", "officials", "villages", "missing_months")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    VILLAGES_FIELD_NUMBER: _ClassVar[int]
    MISSING_MONTHS_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    months: _containers.RepeatedCompositeFieldContainer[MonthStatus]
    officials: _containers.RepeatedCompositeFieldContainer[YtdOfficial]
    villages: _containers.RepeatedCompositeFieldContainer[YtdVillage]
    missing_months: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., months: _Optional[_Iterable[_Union[MonthStatus, _Mapping]]] = ..., officials: _Optional[_Iterable[_Union[YtdOfficial, _Mapping]]] = ..., villages: _Optional[_Iterable[_Union[YtdVillage, _Mapping]]] = ..., missing_months: _Optional[_Iterable[str]] = ...) -> None: ...

class GetYearEndRequest(_message.Message):
    __slots__ = ("township_id", "year", "pool")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    pool: str
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., pool: _Optional[str] = ...) -> None: ...

class YearEndOfficial(_message.Message):
    __slots__ = ("rank", "official_id", "official_name", "village_id", "village_name", "months_counted", "monthly_component", "inspection_score", "score", "grade", "grade_before_quota", "quota_cut", "vetoed", "veto_reasons", "monthly_pay", "reward", "inspection_items", "award", "per_month", "pool_share", "deducted", "year_payout", "commendations", "position", "months_served", "tied", "quota_note", "reward_paid")
    RANK_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    MONTHS_COUNTED_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_COMPONENT_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    GRADE_BEFORE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    QUOTA_CUT_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    VETO_REASONS_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_PAY_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    AWARD_FIELD_NUMBER: _ClassVar[int]
    PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    POOL_SHARE_FIELD_NUMBER: _ClassVar[int]
    DEDUCTED_FIELD_NUMBER: _ClassVar[int]
    YEAR_PAYOUT_FIELD_NUMBER: _ClassVar[int]
    COMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MONTHS_SERVED_FIELD_NUMBER: _ClassVar[int]
    TIED_FIELD_NUMBER: _ClassVar[int]
    QUOTA_NOTE_FIELD_NUMBER: _ClassVar[int]
    REWARD_PAID_FIELD_NUMBER: _ClassVar[int]
    rank: int
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    months_counted: int
    monthly_component: str
    inspection_score: str
    score: str
    grade: str
    grade_before_quota: str
    quota_cut: bool
    vetoed: bool
    veto_reasons: _containers.RepeatedScalarFieldContainer[str]
    monthly_pay: str
    reward: str
    inspection_items: _containers.RepeatedCompositeFieldContainer[_evaluation_pb2.LineItem]
    award: str
    per_month: str
    pool_share: str
    deducted: str
    year_payout: str
    commendations: _containers.RepeatedScalarFieldContainer[str]
    position: str
    months_served: _containers.RepeatedScalarFieldContainer[str]
    tied: bool
    quota_note: str
    reward_paid: str
    def __init__(self, rank: _Optional[int] = ..., official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., months_counted: _Optional[int] = ..., monthly_component: _Optional[str] = ..., inspection_score: _Optional[str] = ..., score: _Optional[str] = ..., grade: _Optional[str] = ..., grade_before_quota: _Optional[str] = ..., quota_cut: _Optional[bool] = ..., vetoed: _Optional[bool] = ..., veto_reasons: _Optional[_Iterable[str]] = ..., monthly_pay: _Optional[str] = ..., reward: _Optional[str] = ..., inspection_items: _Optional[_Iterable[_Union[_evaluation_pb2.LineItem, _Mapping]]] = ..., award: _Optional[str] = ..., per_month: _Optional[str] = ..., pool_share: _Optional[str] = ..., deducted: _Optional[str] = ..., year_payout: _Optional[str] = ..., commendations: _Optional[_Iterable[str]] = ..., position: _Optional[str] = ..., months_served: _Optional[_Iterable[str]] = ..., tied: _Optional[bool] = ..., quota_note: _Optional[str] = ..., reward_paid: _Optional[str] = ...) -> None: ...

class YearEnd(_message.Message):
    __slots__ = ("township_id", "year", "ruleset", "complete", "months", "missing_months", "unpaid_months", "formula", "excellent_grade", "excellent_limit", "excellent_candidates", "excellent_granted", "pool", "paid_out", "inspection_recorded", "officials", "notes", "state", "provisional", "tie_break", "tied", "places_left", "letterhead", "approved_on", "paid_on", "payout_reference", "shared")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    MISSING_MONTHS_FIELD_NUMBER: _ClassVar[int]
    UNPAID_MONTHS_FIELD_NUMBER: _ClassVar[int]
    FORMULA_FIELD_NUMBER: _ClassVar[int]
    EXCELLENT_GRADE_FIELD_NUMBER: _ClassVar[int]
    EXCELLENT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    EXCELLENT_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    EXCELLENT_GRANTED_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    PAID_OUT_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_RECORDED_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    TIE_BREAK_FIELD_NUMBER: _ClassVar[int]
    TIED_FIELD_NUMBER: _ClassVar[int]
    PLACES_LEFT_FIELD_NUMBER: _ClassVar[int]
    LETTERHEAD_FIELD_NUMBER: _ClassVar[int]
    APPROVED_ON_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    year: int
    ruleset: _evaluation_pb2.RuleSetRef
    complete: bool
    months: _containers.RepeatedCompositeFieldContainer[MonthStatus]
    missing_months: _containers.RepeatedScalarFieldContainer[str]
    unpaid_months: _containers.RepeatedScalarFieldContainer[str]
    formula: str
    excellent_grade: str
    excellent_limit: int
    excellent_candidates: int
    excellent_granted: int
    pool: str
    paid_out: str
    inspection_recorded: bool
    officials: _containers.RepeatedCompositeFieldContainer[YearEndOfficial]
    notes: _containers.RepeatedScalarFieldContainer[str]
    state: str
    provisional: bool
    tie_break: str
    tied: _containers.RepeatedScalarFieldContainer[str]
    places_left: int
    letterhead: Letterhead
    approved_on: str
    paid_on: str
    payout_reference: str
    shared: str
    def __init__(self, township_id: _Optional[str] = ..., year: _Optional[int] = ..., ruleset: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., complete: _Optional[bool] = ..., months: _Optional[_Iterable[_Union[MonthStatus, _Mapping]]] = ..., missing_months: _Optional[_Iterable[str]] = ..., unpaid_months: _Optional[_Iterable[str]] = ..., formula: _Optional[str] = ..., excellent_grade: _Optional[str] = ..., excellent_limit: _Optional[int] = ..., excellent_candidates: _Optional[int] = ..., excellent_granted: _Optional[int] = ..., pool: _Optional[str] = ..., paid_out: _Optional[str] = ..., inspection_recorded: _Optional[bool] = ..., officials: _Optional[_Iterable[_Union[YearEndOfficial, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ..., state: _Optional[str] = ..., provisional: _Optional[bool] = ..., tie_break: _Optional[str] = ..., tied: _Optional[_Iterable[str]] = ..., places_left: _Optional[int] = ..., letterhead: _Optional[_Union[Letterhead, _Mapping]] = ..., approved_on: _Optional[str] = ..., paid_on: _Optional[str] = ..., payout_reference: _Optional[str] = ..., shared: _Optional[str] = ...) -> None: ...

class GetPayListRequest(_message.Message):
    __slots__ = ("township_id", "month", "year", "village_id")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    month: str
    year: int
    village_id: str
    def __init__(self, township_id: _Optional[str] = ..., month: _Optional[str] = ..., year: _Optional[int] = ..., village_id: _Optional[str] = ...) -> None: ...

class PayLine(_message.Message):
    __slots__ = ("official_id", "official_name", "village_id", "village_name", "score", "grade", "monthly_pay", "reward", "amount", "paid", "id_number", "bank_account", "reward_state", "reward_paid")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_PAY_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BANK_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    REWARD_STATE_FIELD_NUMBER: _ClassVar[int]
    REWARD_PAID_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    score: str
    grade: str
    monthly_pay: str
    reward: str
    amount: str
    paid: str
    id_number: str
    bank_account: str
    reward_state: str
    reward_paid: str
    def __init__(self, official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., score: _Optional[str] = ..., grade: _Optional[str] = ..., monthly_pay: _Optional[str] = ..., reward: _Optional[str] = ..., amount: _Optional[str] = ..., paid: _Optional[str] = ..., id_number: _Optional[str] = ..., bank_account: _Optional[str] = ..., reward_state: _Optional[str] = ..., reward_paid: _Optional[str] = ...) -> None: ...

class PayTotal(_message.Message):
    __slots__ = ("village_id", "village_name", "amount", "officials")
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    village_id: str
    village_name: str
    amount: str
    officials: int
    def __init__(self, village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., amount: _Optional[str] = ..., officials: _Optional[int] = ...) -> None: ...

class PayList(_message.Message):
    __slots__ = ("township_id", "period", "state", "complete", "lines", "villages", "township_total", "notes", "letterhead")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    VILLAGES_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    LETTERHEAD_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    period: str
    state: str
    complete: bool
    lines: _containers.RepeatedCompositeFieldContainer[PayLine]
    villages: _containers.RepeatedCompositeFieldContainer[PayTotal]
    township_total: str
    notes: _containers.RepeatedScalarFieldContainer[str]
    letterhead: Letterhead
    def __init__(self, township_id: _Optional[str] = ..., period: _Optional[str] = ..., state: _Optional[str] = ..., complete: _Optional[bool] = ..., lines: _Optional[_Iterable[_Union[PayLine, _Mapping]]] = ..., villages: _Optional[_Iterable[_Union[PayTotal, _Mapping]]] = ..., township_total: _Optional[str] = ..., notes: _Optional[_Iterable[str]] = ..., letterhead: _Optional[_Union[Letterhead, _Mapping]] = ...) -> None: ...
