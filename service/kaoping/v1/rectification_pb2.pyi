from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordRectificationRequest(_message.Message):
    __slots__ = ("township_id", "village_id", "year", "area", "problem", "demand", "deadline", "responsible", "note")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    DEMAND_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    village_id: str
    year: int
    area: str
    problem: str
    demand: str
    deadline: str
    responsible: str
    note: str
    def __init__(self, township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., year: _Optional[int] = ..., area: _Optional[str] = ..., problem: _Optional[str] = ..., demand: _Optional[str] = ..., deadline: _Optional[str] = ..., responsible: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("id", "note", "evidence")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    id: int
    note: str
    evidence: str
    def __init__(self, id: _Optional[int] = ..., note: _Optional[str] = ..., evidence: _Optional[str] = ...) -> None: ...

class CloseRectificationRequest(_message.Message):
    __slots__ = ("id", "evidence", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: int
    evidence: str
    note: str
    def __init__(self, id: _Optional[int] = ..., evidence: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GetRectificationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class ListRectificationsRequest(_message.Message):
    __slots__ = ("township_id", "village_id", "year", "open_only")
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    township_id: str
    village_id: str
    year: int
    open_only: bool
    def __init__(self, township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., year: _Optional[int] = ..., open_only: _Optional[bool] = ...) -> None: ...

class RectificationStep(_message.Message):
    __slots__ = ("action", "at", "actor", "note", "evidence")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    action: str
    at: str
    actor: str
    note: str
    evidence: str
    def __init__(self, action: _Optional[str] = ..., at: _Optional[str] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., evidence: _Optional[str] = ...) -> None: ...

class Rectification(_message.Message):
    __slots__ = ("id", "township_id", "village_id", "village_name", "year", "area", "problem", "demand", "deadline", "responsible", "state", "overdue", "recorded_on", "closed_on", "evidence", "steps")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOWNSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    DEMAND_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_ON_FIELD_NUMBER: _ClassVar[int]
    CLOSED_ON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    id: int
    township_id: str
    village_id: str
    village_name: str
    year: int
    area: str
    problem: str
    demand: str
    deadline: str
    responsible: str
    state: str
    overdue: bool
    recorded_on: str
    closed_on: str
    evidence: str
    steps: _containers.RepeatedCompositeFieldContainer[RectificationStep]
    def __init__(self, id: _Optional[int] = ..., township_id: _Optional[str] = ..., village_id: _Optional[str] = ..., village_name: _Optional[str] = ..., year: _Optional[int] = ..., area: _Optional[str] = ..., problem: _Optional[str] = ..., demand: _Optional[str] = ..., deadline: _Optional[str] = ..., responsible: _Optional[str] = ..., state: _Optional[str] = ..., overdue: _Optional[bool] = ..., recorded_on: _Optional[str] = ..., closed_on: _Optional[str] = ..., evidence: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[RectificationStep, _Mapping]]] = ...) -> None: ...

class ListRectificationsResponse(_message.Message):
    __slots__ = ("rectifications",)
    RECTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    rectifications: _containers.RepeatedCompositeFieldContainer[Rectification]
    def __init__(self, rectifications: _Optional[_Iterable[_Union[Rectification, _Mapping]]] = ...) -> None: ...
