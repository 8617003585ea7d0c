from kaoping.v1 import evaluation_pb2 as _evaluation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleSetSource(_message.Message):
    __slots__ = ("text", "label", "filename", "township_id")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    text: str
    label: str
    filename: str
    township_id: str
    def __init__(self, text: _Optional[str] = ..., label: _Optional[str] = ..., filename: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class PublishTemplateRequest(_message.Message):
    __slots__ = ("county", "id", "content_hash")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    county: str
    id: int
    content_hash: str
    def __init__(self, county: _Optional[str] = ..., id: _Optional[int] = ..., content_hash: _Optional[str] = ...) -> None: ...

class GetTemplateRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class RuleSetTemplate(_message.Message):
    __slots__ = ("county", "version", "text")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    county: str
    version: RuleSetVersion
    text: str
    def __init__(self, county: _Optional[str] = ..., version: _Optional[_Union[RuleSetVersion, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("location", "message")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    location: str
    message: str
    def __init__(self, location: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class CaseResult(_message.Message):
    __slots__ = ("name", "passed", "failures")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    name: str
    passed: bool
    failures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., passed: _Optional[bool] = ..., failures: _Optional[_Iterable[str]] = ...) -> None: ...

class ValidationReport(_message.Message):
    __slots__ = ("valid", "problems", "cases", "content_hash")
    VALID_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    cases: _containers.RepeatedCompositeFieldContainer[CaseResult]
    content_hash: str
    def __init__(self, valid: _Optional[bool] = ..., problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ..., cases: _Optional[_Iterable[_Union[CaseResult, _Mapping]]] = ..., content_hash: _Optional[str] = ...) -> None: ...

class RuleSetVersion(_message.Message):
    __slots__ = ("ref", "uploaded_by", "uploaded_at", "active", "activated_at", "active_version", "township_id")
    REF_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_BY_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    ref: _evaluation_pb2.RuleSetRef
    uploaded_by: str
    uploaded_at: str
    active: bool
    activated_at: str
    active_version: _evaluation_pb2.RuleSetRef
    township_id: str
    def __init__(self, ref: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., uploaded_by: _Optional[str] = ..., uploaded_at: _Optional[str] = ..., active: _Optional[bool] = ..., activated_at: _Optional[str] = ..., active_version: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., township_id: _Optional[str] = ...) -> None: ...

class ActivateRuleSetRequest(_message.Message):
    __slots__ = ("id", "content_hash", "township_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    content_hash: str
    township_id: str
    def __init__(self, id: _Optional[int] = ..., content_hash: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class RollbackRuleSetRequest(_message.Message):
    __slots__ = ("township_id",)
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    def __init__(self, township_id: _Optional[str] = ...) -> None: ...

class ListRuleSetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "township_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    township_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class ListRuleSetsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[RuleSetVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[RuleSetVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DryRunRequest(_message.Message):
    __slots__ = ("candidate", "month", "township_id")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    candidate: RuleSetSource
    month: str
    township_id: str
    def __init__(self, candidate: _Optional[_Union[RuleSetSource, _Mapping]] = ..., month: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class OfficialDiff(_message.Message):
    __slots__ = ("official_id", "official_name", "village_name", "old_total", "new_total", "old_grade", "new_grade", "old_pay", "new_pay", "removed_items", "added_items")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    OLD_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEW_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OLD_GRADE_FIELD_NUMBER: _ClassVar[int]
    NEW_GRADE_FIELD_NUMBER: _ClassVar[int]
    OLD_PAY_FIELD_NUMBER: _ClassVar[int]
    NEW_PAY_FIELD_NUMBER: _ClassVar[int]
    REMOVED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ADDED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    official_name: str
    village_name: str
    old_total: str
    new_total: str
    old_grade: str
    new_grade: str
    old_pay: str
    new_pay: str
    removed_items: _containers.RepeatedCompositeFieldContainer[_evaluation_pb2.LineItem]
    added_items: _containers.RepeatedCompositeFieldContainer[_evaluation_pb2.LineItem]
    def __init__(self, official_id: _Optional[str] = ..., official_name: _Optional[str] = ..., village_name: _Optional[str] = ..., old_total: _Optional[str] = ..., new_total: _Optional[str] = ..., old_grade: _Optional[str] = ..., new_grade: _Optional[str] = ..., old_pay: _Optional[str] = ..., new_pay: _Optional[str] = ..., removed_items: _Optional[_Iterable[_Union[_evaluation_pb2.LineItem, _Mapping]]] = ..., added_items: _Optional[_Iterable[_Union[_evaluation_pb2.LineItem, _Mapping]]] = ...) -> None: ...

class DryRunReport(_message.Message):
    __slots__ = ("month", "current", "candidate_hash", "changed", "unchanged")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_HASH_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    month: str
    current: _evaluation_pb2.RuleSetRef
    candidate_hash: str
    changed: _containers.RepeatedCompositeFieldContainer[OfficialDiff]
    unchanged: int
    def __init__(self, month: _Optional[str] = ..., current: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., candidate_hash: _Optional[str] = ..., changed: _Optional[_Iterable[_Union[OfficialDiff, _Mapping]]] = ..., unchanged: _Optional[int] = ...) -> None: ...

class GetActiveRuleSetRequest(_message.Message):
    __slots__ = ("township_id",)
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    def __init__(self, township_id: _Optional[str] = ...) -> None: ...

class KindInfo(_message.Message):
    __slots__ = ("id", "name", "unit", "max_quantity")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    MAX_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    unit: str
    max_quantity: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., unit: _Optional[str] = ..., max_quantity: _Optional[str] = ...) -> None: ...

class CategoryInfo(_message.Message):
    __slots__ = ("id", "name", "max", "scored_by", "kinds")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    SCORED_BY_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    max: str
    scored_by: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedCompositeFieldContainer[KindInfo]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., max: _Optional[str] = ..., scored_by: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[_Union[KindInfo, _Mapping]]] = ...) -> None: ...

class RuleSetSummary(_message.Message):
    __slots__ = ("ref", "categories")
    REF_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    ref: _evaluation_pb2.RuleSetRef
    categories: _containers.RepeatedCompositeFieldContainer[CategoryInfo]
    def __init__(self, ref: _Optional[_Union[_evaluation_pb2.RuleSetRef, _Mapping]] = ..., categories: _Optional[_Iterable[_Union[CategoryInfo, _Mapping]]] = ...) -> None: ...
