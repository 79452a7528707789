"""Base shapes every context's schemas build on: request bodies (``Input``, ``Patch``), the
resource envelope, and the bounded scalar types every route uses for numbers and durations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# Text a person typed never holds these, and each breaks something downstream: PostgreSQL
# refuses NUL in text, a lone surrogate cannot be encoded as UTF-8, and the other C0 controls
# (tab, line feed and carriage return excepted) are illegal in XML, so in XLSX and iCalendar.
UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
UNSAFE_TEXT_MESSAGE = "must not contain NUL, control characters or lone surrogates"


def unsafe_text(value: Any) -> bool:
    """Whether ``value`` (a string, or lists and mappings of them) holds unsafe text."""
    if isinstance(value, str):
        return UNSAFE_TEXT.search(value) is not None
    if isinstance(value, Mapping):
        return any(unsafe_text(k) or unsafe_text(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(unsafe_text(item) for item in value)
    return False


class Input(BaseModel):
    """A request body: unknown fields are an error, not silently dropped, and no text field
    carries characters the database or an export cannot hold (see ``UNSAFE_TEXT``)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _safe_text(cls, value: Any) -> Any:
        if unsafe_text(value):
            raise ValueError(UNSAFE_TEXT_MESSAGE)
        return value


def _not_null_in_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The documented PATCH body accepts null only where the validator does."""
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if name in clearable or not options:
            continue
        kept = [option for option in options if option != {"type": "null"}]
        del prop["anyOf"]
        prop.pop("default", None)
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


class Patch(Input):
    """A PATCH body: a field left out stays as it is; ``null`` clears only the fields listed in
    ``clearable`` (nullable in the resource). Elsewhere it is bad input, a 422, never an attempt
    to store null in a required column."""

    model_config = ConfigDict(json_schema_extra=_not_null_in_schema)

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _null_only_where_clearable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise ValueError("may not be null")
        return value


class Resource(BaseModel):
    """Every object carries id, version (its ETag), created_at, updated_at."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime


# --- numbers ---------------------------------------------------------------------------------
# Every integer a request carries (body, query or path) is one of these bounded types, so neither
# PostgreSQL's int4/int8 nor SQLite nor ``date()`` ever sees an out-of-range number.

Year = Annotated[int, Field(ge=1949, le=2100, description="A business year, 1949–2100")]
Round = Annotated[int, Field(ge=1, le=100, description="A supervision round")]


# --- durations -------------------------------------------------------------------------------


def format_duration(value: timedelta) -> str:
    """RFC 3339 / ISO 8601 duration in days and time only (``P862D``, ``PT15S``, ``P1DT2H``):
    years and months have no fixed length, and a form such as ``P2Y132D`` is not RFC 3339."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, whole = divmod(rest, 60)
    second = f"{whole}.{value.microseconds:06d}".rstrip("0") if value.microseconds else str(whole)
    amounts = [
        (hours, f"{hours}H"),
        (minutes, f"{minutes}M"),
        (whole or value.microseconds, f"{second}S"),
    ]
    used = [i for i, (amount, _) in enumerate(amounts) if amount]
    # RFC 3339 time parts are contiguous: an hour and a second need the minute between them.
    time = "T" + "".join(text for _, text in amounts[used[0] : used[-1] + 1]) if used else ""
    days = f"{value.days}D" if value.days else ""
    return f"{sign}P{days}{time}" if days or time else "PT0S"


def _no_bare_number(value: Any) -> Any:
    # ISO 8601 text only: a bare number would be read as seconds, a silent surprise.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("give an ISO 8601 duration such as P30D or PT15S")
    return value


# Read from ISO 8601 (``P30D``, ``P4W``, ``PT15S``), written in days/time form. Every duration
# of the API and of the settings is one, bounded where it is used with ``Within``.
Duration = Annotated[
    timedelta,
    BeforeValidator(_no_bare_number),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "duration"}),
]


@dataclass(frozen=True)
class Within:
    """The bounds of a ``Duration`` (``Annotated[Duration, Within(a, b)]``): 422 beyond them,
    with the bounds written as durations, and stated in the OpenAPI description."""

    minimum: timedelta
    maximum: timedelta

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json = handler(schema)
        json["description"] = (
            f"ISO 8601 duration, {format_duration(self.minimum)} to {format_duration(self.maximum)}"
        )
        return json

    def _check(self, value: timedelta) -> timedelta:
        if not self.minimum <= value <= self.maximum:
            low, high = format_duration(self.minimum), format_duration(self.maximum)
            raise ValueError(f"must be between {low} and {high}")
        return value
