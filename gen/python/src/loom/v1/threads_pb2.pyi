import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from loom.v1 import runs_pb2 as _runs_pb2
from loom.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamThreadRequest(_message.Message):
    __slots__ = ("thread_id", "stream_mode", "stream_modes", "last_event_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_MODE_FIELD_NUMBER: _ClassVar[int]
    STREAM_MODES_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    stream_mode: _containers.RepeatedScalarFieldContainer[str]
    stream_modes: _containers.RepeatedScalarFieldContainer[str]
    last_event_id: str
    def __init__(self, thread_id: _Optional[str] = ..., stream_mode: _Optional[_Iterable[str]] = ..., stream_modes: _Optional[_Iterable[str]] = ..., last_event_id: _Optional[str] = ...) -> None: ...

class Thread(_message.Message):
    __slots__ = ("thread_id", "created_at", "updated_at", "metadata", "status", "config", "values", "interrupts", "error", "ttl", "extracted")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct
    status: str
    config: _struct_pb2.Struct
    values: _struct_pb2.Struct
    interrupts: _struct_pb2.Struct
    error: _struct_pb2.Value
    ttl: ThreadTtlInfo
    extracted: _struct_pb2.Struct
    def __init__(self, thread_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., interrupts: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., ttl: _Optional[_Union[ThreadTtlInfo, _Mapping]] = ..., extracted: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateThreadRequest(_message.Message):
    __slots__ = ("thread_id", "metadata", "if_exists", "supersteps", "ttl")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IF_EXISTS_FIELD_NUMBER: _ClassVar[int]
    SUPERSTEPS_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    metadata: _struct_pb2.Struct
    if_exists: str
    supersteps: _containers.RepeatedCompositeFieldContainer[ThreadSuperstep]
    ttl: ThreadTtl
    def __init__(self, thread_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., if_exists: _Optional[str] = ..., supersteps: _Optional[_Iterable[_Union[ThreadSuperstep, _Mapping]]] = ..., ttl: _Optional[_Union[ThreadTtl, _Mapping]] = ...) -> None: ...

class ThreadSuperstep(_message.Message):
    __slots__ = ("updates",)
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[ThreadSuperstepUpdate]
    def __init__(self, updates: _Optional[_Iterable[_Union[ThreadSuperstepUpdate, _Mapping]]] = ...) -> None: ...

class ThreadSuperstepUpdate(_message.Message):
    __slots__ = ("values", "command", "as_node")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    AS_NODE_FIELD_NUMBER: _ClassVar[int]
    values: _struct_pb2.Value
    command: _types_pb2.Command
    as_node: str
    def __init__(self, values: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., command: _Optional[_Union[_types_pb2.Command, _Mapping]] = ..., as_node: _Optional[str] = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class UpdateThreadRequest(_message.Message):
    __slots__ = ("thread_id", "metadata", "ttl")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    metadata: _struct_pb2.Struct
    ttl: ThreadTtl
    def __init__(self, thread_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., ttl: _Optional[_Union[ThreadTtl, _Mapping]] = ...) -> None: ...

class DeleteThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class CopyThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class SearchThreadsRequest(_message.Message):
    __slots__ = ("metadata", "ids", "status", "values", "limit", "offset", "sort_by", "sort_order", "select", "extract")
    class ExtractEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    SELECT_FIELD_NUMBER: _ClassVar[int]
    EXTRACT_FIELD_NUMBER: _ClassVar[int]
    metadata: _struct_pb2.Struct
    ids: _containers.RepeatedScalarFieldContainer[str]
    status: str
    values: _struct_pb2.Struct
    limit: int
    offset: int
    sort_by: str
    sort_order: str
    select: _containers.RepeatedScalarFieldContainer[str]
    extract: _containers.ScalarMap[str, str]
    def __init__(self, metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., ids: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., sort_by: _Optional[str] = ..., sort_order: _Optional[str] = ..., select: _Optional[_Iterable[str]] = ..., extract: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SearchThreadsResponse(_message.Message):
    __slots__ = ("threads",)
    THREADS_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[Thread]
    def __init__(self, threads: _Optional[_Iterable[_Union[Thread, _Mapping]]] = ...) -> None: ...

class CountThreadsRequest(_message.Message):
    __slots__ = ("metadata", "values", "status")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    metadata: _struct_pb2.Struct
    values: _struct_pb2.Struct
    status: str
    def __init__(self, metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class CountThreadsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class GetStateRequest(_message.Message):
    __slots__ = ("thread_id", "checkpoint_id", "checkpoint", "subgraphs", "checkpoint_ns")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPHS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint_id: str
    checkpoint: _types_pb2.Checkpoint
    subgraphs: bool
    checkpoint_ns: str
    def __init__(self, thread_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., checkpoint: _Optional[_Union[_types_pb2.Checkpoint, _Mapping]] = ..., subgraphs: _Optional[bool] = ..., checkpoint_ns: _Optional[str] = ...) -> None: ...

class UpdateStateRequest(_message.Message):
    __slots__ = ("thread_id", "values", "checkpoint_id", "checkpoint", "as_node")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    AS_NODE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    values: _struct_pb2.Value
    checkpoint_id: str
    checkpoint: _types_pb2.Checkpoint
    as_node: str
    def __init__(self, thread_id: _Optional[str] = ..., values: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., checkpoint_id: _Optional[str] = ..., checkpoint: _Optional[_Union[_types_pb2.Checkpoint, _Mapping]] = ..., as_node: _Optional[str] = ...) -> None: ...

class UpdateStateResponse(_message.Message):
    __slots__ = ("checkpoint", "configurable", "checkpoint_id")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    CONFIGURABLE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    checkpoint: _types_pb2.Checkpoint
    configurable: _types_pb2.Checkpoint
    checkpoint_id: str
    def __init__(self, checkpoint: _Optional[_Union[_types_pb2.Checkpoint, _Mapping]] = ..., configurable: _Optional[_Union[_types_pb2.Checkpoint, _Mapping]] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("thread_id", "limit", "before", "metadata", "checkpoint")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    limit: int
    before: _struct_pb2.Value
    metadata: _struct_pb2.Struct
    checkpoint: _types_pb2.Checkpoint
    def __init__(self, thread_id: _Optional[str] = ..., limit: _Optional[int] = ..., before: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., checkpoint: _Optional[_Union[_types_pb2.Checkpoint, _Mapping]] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("states",)
    STATES_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedCompositeFieldContainer[_types_pb2.ThreadState]
    def __init__(self, states: _Optional[_Iterable[_Union[_types_pb2.ThreadState, _Mapping]]] = ...) -> None: ...

class ThreadTtl(_message.Message):
    __slots__ = ("strategy", "ttl")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    strategy: str
    ttl: float
    def __init__(self, strategy: _Optional[str] = ..., ttl: _Optional[float] = ...) -> None: ...

class ThreadTtlInfo(_message.Message):
    __slots__ = ("strategy", "ttl_minutes", "expires_at")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TTL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    strategy: str
    ttl_minutes: float
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, strategy: _Optional[str] = ..., ttl_minutes: _Optional[float] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PruneThreadsRequest(_message.Message):
    __slots__ = ("thread_ids", "strategy")
    THREAD_IDS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    thread_ids: _containers.RepeatedScalarFieldContainer[str]
    strategy: str
    def __init__(self, thread_ids: _Optional[_Iterable[str]] = ..., strategy: _Optional[str] = ...) -> None: ...

class PruneThreadsResponse(_message.Message):
    __slots__ = ("pruned_count",)
    PRUNED_COUNT_FIELD_NUMBER: _ClassVar[int]
    pruned_count: int
    def __init__(self, pruned_count: _Optional[int] = ...) -> None: ...
