import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Checkpoint(_message.Message):
    __slots__ = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_MAP_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    checkpoint_map: _struct_pb2.Struct
    def __init__(self, thread_id: _Optional[str] = ..., checkpoint_ns: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., checkpoint_map: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Interrupt(_message.Message):
    __slots__ = ("id", "value", "ns", "when", "resumable")
    ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NS_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    RESUMABLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    value: _struct_pb2.Value
    ns: _containers.RepeatedScalarFieldContainer[str]
    when: str
    resumable: bool
    def __init__(self, id: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., ns: _Optional[_Iterable[str]] = ..., when: _Optional[str] = ..., resumable: _Optional[bool] = ...) -> None: ...

class Command(_message.Message):
    __slots__ = ("resume", "update", "goto")
    RESUME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    GOTO_FIELD_NUMBER: _ClassVar[int]
    resume: _struct_pb2.Value
    update: _struct_pb2.Value
    goto: _struct_pb2.Value
    def __init__(self, resume: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., update: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., goto: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ThreadTask(_message.Message):
    __slots__ = ("id", "name", "path", "error", "interrupts", "checkpoint", "state", "result")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    path: _struct_pb2.ListValue
    error: str
    interrupts: _containers.RepeatedCompositeFieldContainer[Interrupt]
    checkpoint: Checkpoint
    state: ThreadState
    result: _struct_pb2.Value
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., path: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., error: _Optional[str] = ..., interrupts: _Optional[_Iterable[_Union[Interrupt, _Mapping]]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., state: _Optional[_Union[ThreadState, _Mapping]] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ThreadState(_message.Message):
    __slots__ = ("values", "next", "tasks", "checkpoint", "parent_checkpoint", "metadata", "created_at", "interrupts", "checkpoint_id", "parent_checkpoint_id")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    PARENT_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    values: _struct_pb2.Struct
    next: _containers.RepeatedScalarFieldContainer[str]
    tasks: _containers.RepeatedCompositeFieldContainer[ThreadTask]
    checkpoint: Checkpoint
    parent_checkpoint: Checkpoint
    metadata: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    interrupts: _containers.RepeatedCompositeFieldContainer[Interrupt]
    checkpoint_id: str
    parent_checkpoint_id: str
    def __init__(self, values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., next: _Optional[_Iterable[str]] = ..., tasks: _Optional[_Iterable[_Union[ThreadTask, _Mapping]]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., parent_checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., interrupts: _Optional[_Iterable[_Union[Interrupt, _Mapping]]] = ..., checkpoint_id: _Optional[str] = ..., parent_checkpoint_id: _Optional[str] = ...) -> None: ...
