from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Township(_message.Message):
    __slots__ = ("id", "name", "county", "script", "issuer", "contact", "doc_prefix")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    DOC_PREFIX_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    county: str
    script: str
    issuer: str
    contact: str
    doc_prefix: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., county: _Optional[str] = ..., script: _Optional[str] = ..., issuer: _Optional[str] = ..., contact: _Optional[str] = ..., doc_prefix: _Optional[str] = ...) -> None: ...

class ListTownshipsRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class ListTownshipsResponse(_message.Message):
    __slots__ = ("townships",)
    TOWNSHIPS_FIELD_NUMBER: _ClassVar[int]
    townships: _containers.RepeatedCompositeFieldContainer[Township]
    def __init__(self, townships: _Optional[_Iterable[_Union[Township, _Mapping]]] = ...) -> None: ...

class GetTownshipRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Village(_message.Message):
    __slots__ = ("id", "township_id", "name", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    township_id: str
    name: str
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., township_id: _Optional[str] = ..., name: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Official(_message.Message):
    __slots__ = ("id", "village_id", "name", "position", "base_pay", "village_from_month", "attributes", "effective_on", "left_on", "id_number", "bank_account", "joined_on")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BASE_PAY_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FROM_MONTH_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ON_FIELD_NUMBER: _ClassVar[int]
    LEFT_ON_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BANK_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    JOINED_ON_FIELD_NUMBER: _ClassVar[int]
    id: str
    village_id: str
    name: str
    position: str
    base_pay: str
    village_from_month: str
    attributes: _containers.ScalarMap[str, str]
    effective_on: str
    left_on: str
    id_number: str
    bank_account: str
    joined_on: str
    def __init__(self, id: _Optional[str] = ..., village_id: _Optional[str] = ..., name: _Optional[str] = ..., position: _Optional[str] = ..., base_pay: _Optional[str] = ..., village_from_month: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., effective_on: _Optional[str] = ..., left_on: _Optional[str] = ..., id_number: _Optional[str] = ..., bank_account: _Optional[str] = ..., joined_on: _Optional[str] = ...) -> None: ...

class Scorer(_message.Message):
    __slots__ = ("id", "name", "role", "township_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    role: str
    township_id: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class RosterRow(_message.Message):
    __slots__ = ("sheet", "row", "village", "official", "scorer")
    SHEET_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_FIELD_NUMBER: _ClassVar[int]
    SCORER_FIELD_NUMBER: _ClassVar[int]
    sheet: str
    row: int
    village: Village
    official: Official
    scorer: Scorer
    def __init__(self, sheet: _Optional[str] = ..., row: _Optional[int] = ..., village: _Optional[_Union[Village, _Mapping]] = ..., official: _Optional[_Union[Official, _Mapping]] = ..., scorer: _Optional[_Union[Scorer, _Mapping]] = ...) -> None: ...

class ImportRosterRequest(_message.Message):
    __slots__ = ("township_id", "rows", "dry_run")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    rows: _containers.RepeatedCompositeFieldContainer[RosterRow]
    dry_run: bool
    def __init__(self, township_id: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[RosterRow, _Mapping]]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RowOutcome(_message.Message):
    __slots__ = ("sheet", "row", "id", "action", "changed_fields", "problems")
    SHEET_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    sheet: str
    row: int
    id: str
    action: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    problems: _containers.RepeatedCompositeFieldContainer[RowProblem]
    def __init__(self, sheet: _Optional[str] = ..., row: _Optional[int] = ..., id: _Optional[str] = ..., action: _Optional[str] = ..., changed_fields: _Optional[_Iterable[str]] = ..., problems: _Optional[_Iterable[_Union[RowProblem, _Mapping]]] = ...) -> None: ...

class RowProblem(_message.Message):
    __slots__ = ("field", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RosterImportReport(_message.Message):
    __slots__ = ("dry_run", "added", "changed", "unchanged", "rejected", "rows")
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    dry_run: bool
    added: int
    changed: int
    unchanged: int
    rejected: int
    rows: _containers.RepeatedCompositeFieldContainer[RowOutcome]
    def __init__(self, dry_run: _Optional[bool] = ..., added: _Optional[int] = ..., changed: _Optional[int] = ..., unchanged: _Optional[int] = ..., rejected: _Optional[int] = ..., rows: _Optional[_Iterable[_Union[RowOutcome, _Mapping]]] = ...) -> None: ...

class RosterEntry(_message.Message):
    __slots__ = ("official_id", "effective_on", "from_month", "on_roster", "village_id", "position", "base_pay", "note", "recorded_by", "recorded_at")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ON_FIELD_NUMBER: _ClassVar[int]
    FROM_MONTH_FIELD_NUMBER: _ClassVar[int]
    ON_ROSTER_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BASE_PAY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    effective_on: str
    from_month: str
    on_roster: bool
    village_id: str
    position: str
    base_pay: str
    note: str
    recorded_by: str
    recorded_at: str
    def __init__(self, official_id: _Optional[str] = ..., effective_on: _Optional[str] = ..., from_month: _Optional[str] = ..., on_roster: _Optional[bool] = ..., village_id: _Optional[str] = ..., position: _Optional[str] = ..., base_pay: _Optional[str] = ..., note: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[str] = ...) -> None: ...

class ListRosterEntriesRequest(_message.Message):
    __slots__ = ("official_id",)
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    def __init__(self, official_id: _Optional[str] = ...) -> None: ...

class ListRosterEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[RosterEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[RosterEntry, _Mapping]]] = ...) -> None: ...

class ListVillagesRequest(_message.Message):
    __slots__ = ("township_id", "page_size", "page_token")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    page_size: int
    page_token: str
    def __init__(self, township_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVillagesResponse(_message.Message):
    __slots__ = ("villages", "next_page_token")
    VILLAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    villages: _containers.RepeatedCompositeFieldContainer[Village]
    next_page_token: str
    def __init__(self, villages: _Optional[_Iterable[_Union[Village, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListOfficialsRequest(_message.Message):
    __slots__ = ("village_id", "page_size", "page_token", "township_id", "month")
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    village_id: str
    page_size: int
    page_token: str
    township_id: str
    month: str
    def __init__(self, village_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., township_id: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class ListOfficialsResponse(_message.Message):
    __slots__ = ("officials", "next_page_token")
    OFFICIALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    officials: _containers.RepeatedCompositeFieldContainer[Official]
    next_page_token: str
    def __init__(self, officials: _Optional[_Iterable[_Union[Official, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListScorersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "township_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    township_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., township_id: _Optional[str] = ...) -> None: ...

class ListScorersResponse(_message.Message):
    __slots__ = ("scorers", "next_page_token")
    SCORERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scorers: _containers.RepeatedCompositeFieldContainer[Scorer]
    next_page_token: str
    def __init__(self, scorers: _Optional[_Iterable[_Union[Scorer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
