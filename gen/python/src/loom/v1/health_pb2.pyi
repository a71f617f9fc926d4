from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OkRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OkResponse(_message.Message):
    __slots__ = ("ok",)
    OK_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    def __init__(self, ok: _Optional[bool] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ("version", "flags", "auth")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    version: str
    flags: InfoFlags
    auth: InfoAuth
    def __init__(self, version: _Optional[str] = ..., flags: _Optional[_Union[InfoFlags, _Mapping]] = ..., auth: _Optional[_Union[InfoAuth, _Mapping]] = ...) -> None: ...

class InfoAuth(_message.Message):
    __slots__ = ("enabled", "mode")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    mode: str
    def __init__(self, enabled: _Optional[bool] = ..., mode: _Optional[str] = ...) -> None: ...

class InfoFlags(_message.Message):
    __slots__ = ("assistants", "crons", "langsmith", "store")
    ASSISTANTS_FIELD_NUMBER: _ClassVar[int]
    CRONS_FIELD_NUMBER: _ClassVar[int]
    LANGSMITH_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    assistants: bool
    crons: bool
    langsmith: bool
    store: bool
    def __init__(self, assistants: _Optional[bool] = ..., crons: _Optional[bool] = ..., langsmith: _Optional[bool] = ..., store: _Optional[bool] = ...) -> None: ...
