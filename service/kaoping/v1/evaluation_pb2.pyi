from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleSetRef(_message.Message):
    __slots__ = ("id", "content_hash", "label", "township_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    content_hash: str
    label: str
    township_id: str
    def __init__(self, id: _Optional[int] = ..., content_hash: _Optional[str] = ..., label: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("category", "points", "reason", "fact_id", "rule_id", "requested_points", "scorer_id", "scorer_role", "yuan", "effect", "fact_ids", "village_level", "detail")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FACT_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_POINTS_FIELD_NUMBER: _ClassVar[int]
    SCORER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORER_ROLE_FIELD_NUMBER: _ClassVar[int]
    YUAN_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    FACT_IDS_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    category: str
    points: str
    reason: str
    fact_id: int
    rule_id: str
    requested_points: str
    scorer_id: str
    scorer_role: str
    yuan: str
    effect: str
    fact_ids: _containers.RepeatedScalarFieldContainer[int]
    village_level: bool
    detail: str
    def __init__(self, category: _Optional[str] = ..., points: _Optional[str] = ..., reason: _Optional[str] = ..., fact_id: _Optional[int] = ..., rule_id: _Optional[str] = ..., requested_points: _Optional[str] = ..., scorer_id: _Optional[str] = ..., scorer_role: _Optional[str] = ..., yuan: _Optional[str] = ..., effect: _Optional[str] = ..., fact_ids: _Optional[_Iterable[int]] = ..., village_level: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class CategoryScore(_message.Message):
    __slots__ = ("category", "name", "score", "max")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    category: str
    name: str
    score: str
    max: str
    def __init__(self, category: _Optional[str] = ..., name: _Optional[str] = ..., score: _Optional[str] = ..., max: _Optional[str] = ...) -> None: ...

class OfficialScore(_message.Message):
    __slots__ = ("official_id", "official_name", "village_id", "village_name", "month", "categories", "total", "grade", "vetoed", "veto_reason", "base_pay", "pay", "items", "ruleset", "forfeited", "pay_multiplier", "year_vetoes", "year_grade_caps", "year_deduct_yuan")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    VETOED_FIELD_NUMBER: _ClassVar[int]
    VETO_REASON_FIELD_NUMBER: _ClassVar[int]
    BASE_PAY_FIELD_NUMBER: _ClassVar[int]
    PAY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    FORFEITED_FIELD_NUMBER: _ClassVar[int]
    PAY_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    YEAR_VETOES_FIELD_NUMBER: _ClassVar[int]
    YEAR_GRADE_CAPS_FIELD_NUMBER: _ClassVar[int]
    YEAR_DEDUCT_YUAN_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    month: str
    categories: _containers.RepeatedCompositeFieldContainer[CategoryScore]
    total: str
    grade: str
    vetoed: bool
    veto_reason: str
    base_pay: str
    pay: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    ruleset: RuleSetRef
    forfeited: bool
    pay_multiplier: str
    year_vetoes: _containers.RepeatedScalarFieldContainer[str]
    year_grade_caps: _containers.RepeatedScalarFieldContainer[str]
    year_deduct_yuan: str
    def __init__(self, official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., month: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[CategoryScore, _Mapping]]] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., vetoed: _Optional[bool] = ..., veto_reason: _Optional[str] = ..., base_pay: _Optional[str] = ..., pay: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., ruleset: _Optional[_Union[RuleSetRef, _Mapping]] = ..., forfeited: _Optional[bool] = ..., pay_multiplier: _Optional[str] = ..., year_vetoes: _Optional[_Iterable[str]] = ..., year_grade_caps: _Optional[_Iterable[str]] = ..., year_deduct_yuan: _Optional[str] = ...) -> None: ...

class GetMonthlyScoresRequest(_message.Message):
    __slots__ = ("month", "township_id", "village_id", "official_id")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    month: str
    township_id: str
    village_id: str
    official_id: str
    def __init__(self, month: _Optional[str] = ..., township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., official_id: _Optional[str] = ...) -> None: ...

class MonthlyScores(_message.Message):
    __slots__ = ("month", "ruleset", "scores", "township_id")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    month: str
    ruleset: RuleSetRef
    scores: _containers.RepeatedCompositeFieldContainer[OfficialScore]
    township_id: str
    def __init__(self, month: _Optional[str] = ..., ruleset: _Optional[_Union[RuleSetRef, _Mapping]] = ..., scores: _Optional[_Iterable[_Union[OfficialScore, _Mapping]]] = ..., township_id: _Optional[str] = ...) -> None: ...

class WatchScoresRequest(_message.Message):
    __slots__ = ("month", "township_id", "village_id", "official_id")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    month: str
    township_id: str
    village_id: str
    official_id: str
    def __init__(self, month: _Optional[str] = ..., township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., official_id: _Optional[str] = ...) -> None: ...

class ScoreUpdate(_message.Message):
    __slots__ = ("month", "township_id", "ruleset", "snapshot", "scores", "removed_official_ids", "fact_watermark", "fell_behind", "fell_behind_reason")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    REMOVED_OFFICIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    FACT_WATERMARK_FIELD_NUMBER: _ClassVar[int]
    FELL_BEHIND_FIELD_NUMBER: _ClassVar[int]
    FELL_BEHIND_REASON_FIELD_NUMBER: _ClassVar[int]
    month: str
    township_id: str
    ruleset: RuleSetRef
    snapshot: bool
    scores: _containers.RepeatedCompositeFieldContainer[OfficialScore]
    removed_official_ids: _containers.RepeatedScalarFieldContainer[str]
    fact_watermark: int
    fell_behind: bool
    fell_behind_reason: str
    def __init__(self, month: _Optional[str] = ..., township_id: _Optional[str] = ..., ruleset: _Optional[_Union[RuleSetRef, _Mapping]] = ..., snapshot: _Optional[bool] = ..., scores: _Optional[_Iterable[_Union[OfficialScore, _Mapping]]] = ..., removed_official_ids: _Optional[_Iterable[str]] = ..., fact_watermark: _Optional[int] = ..., fell_behind: _Optional[bool] = ..., fell_behind_reason: _Optional[str] = ...) -> None: ...

class GetRankingRequest(_message.Message):
    __slots__ = ("month", "township_id")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    month: str
    township_id: str
    def __init__(self, month: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class RankedOfficial(_message.Message):
    __slots__ = ("rank", "official_id", "official_name", "village_name", "total", "grade")
    RANK_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    rank: int
    official_id: str
    official_name: str
    village_name: str
    total: str
    grade: str
    def __init__(self, rank: _Optional[int] = ..., official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_name: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ...) -> None: ...

class RankedVillage(_message.Message):
    __slots__ = ("rank", "village_id", "village_name", "average", "officials")
    RANK_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    village_id: str
    village_name: str
    average: str
    officials: int
    def __init__(self, rank: _Optional[int] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., average: _Optional[str] = ..., officials: _Optional[int] = ...) -> None: ...

class Ranking(_message.Message):
    __slots__ = ("month", "ruleset", "officials", "villages")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    VILLAGES_FIELD_NUMBER: _ClassVar[int]
    month: str
    ruleset: RuleSetRef
    officials: _containers.RepeatedCompositeFieldContainer[RankedOfficial]
    villages: _containers.RepeatedCompositeFieldContainer[RankedVillage]
    def __init__(self, month: _Optional[str] = ..., ruleset: _Optional[_Union[RuleSetRef, _Mapping]] = ..., officials: _Optional[_Iterable[_Union[RankedOfficial, _Mapping]]] = ..., villages: _Optional[_Iterable[_Union[RankedVillage, _Mapping]]] = ...) -> None: ...

class GetFeedbackNoticeRequest(_message.Message):
    __slots__ = ("village_id", "month")
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    village_id: str
    month: str
    def __init__(self, village_id: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class NoticeOfficial(_message.Message):
    __slots__ = ("official_id", "official_name", "total", "grade", "deductions")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    DEDUCTIONS_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    official_name: str
    total: str
    grade: str
    deductions: _containers.RepeatedCompositeFieldContainer[LineItem]
    def __init__(self, official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., total: _Optional[str] = ..., grade: _Optional[str] = ..., deductions: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ...) -> None: ...

class FeedbackNotice(_message.Message):
    __slots__ = ("title", "village_id", "village_name", "month", "ruleset", "officials", "total_deducted")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEDUCTED_FIELD_NUMBER: _ClassVar[int]
    title: str
    village_id: str
    village_name: str
    month: str
    ruleset: RuleSetRef
    officials: _containers.RepeatedCompositeFieldContainer[NoticeOfficial]
    total_deducted: str
    def __init__(self, title: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., month: _Optional[str] = ..., ruleset: _Optional[_Union[RuleSetRef, _Mapping]] = ..., officials: _Optional[_Iterable[_Union[NoticeOfficial, _Mapping]]] = ..., total_deducted: _Optional[str] = ...) -> None: ...

class ExplainScoreRequest(_message.Message):
    __slots__ = ("official_id", "month")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    month: str
    def __init__(self, official_id: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class ExplainedItem(_message.Message):
    __slots__ = ("item", "rule_text", "fact_summary")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    RULE_TEXT_FIELD_NUMBER: _ClassVar[int]
    FACT_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    item: LineItem
    rule_text: str
    fact_summary: str
    def __init__(self, item: _Optional[_Union[LineItem, _Mapping]] = ..., rule_text: _Optional[str] = ..., fact_summary: _Optional[str] = ...) -> None: ...

class ExplainedCategory(_message.Message):
    __slots__ = ("score", "items", "note")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    score: CategoryScore
    items: _containers.RepeatedCompositeFieldContainer[ExplainedItem]
    note: str
    def __init__(self, score: _Optional[_Union[CategoryScore, _Mapping]] = ..., items: _Optional[_Iterable[_Union[ExplainedItem, _Mapping]]] = ..., note: _Optional[str] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ("score", "categories", "grade_rule", "pay_rule")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GRADE_RULE_FIELD_NUMBER: _ClassVar[int]
    PAY_RULE_FIELD_NUMBER: _ClassVar[int]
    score: OfficialScore
    categories: _containers.RepeatedCompositeFieldContainer[ExplainedCategory]
    grade_rule: str
    pay_rule: str
    def __init__(self, score: _Optional[_Union[OfficialScore, _Mapping]] = ..., categories: _Optional[_Iterable[_Union[ExplainedCategory, _Mapping]]] = ..., grade_rule: _Optional[str] = ..., pay_rule: _Optional[str] = ...) -> None: ...
