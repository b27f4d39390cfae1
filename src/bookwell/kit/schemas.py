"""Base Pydantic models: camelCase on the wire, the success and error envelopes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

from bookwell.kit.text import refuse_control_characters

DataT = TypeVar("DataT")


class CamelModel(BaseModel):
    """Response models: snake_case in Python, camelCase in JSON."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RequestModel(CamelModel):
    """Request bodies: camelCase only, and an unknown field is an error, not silently
    dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        str_strip_whitespace=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        """One rule for every text a client sends, whatever the database: no control
        characters (PostgreSQL refuses NUL; the others only corrupt what is shown)."""
        return refuse_control_characters(value)


class Envelope(CamelModel, Generic[DataT]):
    """The success envelope: `{"success": true, "data": ...}`."""

    success: bool = True
    data: DataT


class ErrorDetailOut(CamelModel):
    field: str
    message: str
    code: str


class ErrorOut(CamelModel):
    code: str
    message: str
    details: list[ErrorDetailOut]
    request_id: str
    timestamp: datetime


class ErrorEnvelope(CamelModel):
    """The error envelope every failure is reported in."""

    success: bool = False
    error: ErrorOut


class MessageOut(CamelModel):
    message: str


def ok(data: DataT) -> Envelope[DataT]:
    """Wrap a payload in the success envelope."""
    return Envelope[DataT](data=data)
