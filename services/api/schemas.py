"""Shapes shared by every router: list pages and list parameters."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared.pagination import MAX_LIMIT

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1–100")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the last page")]


def media(media_type: str, description: str, *, binary: bool = False) -> dict[int | str, Any]:
    """``responses=`` for a route answering 200 with a body that is not JSON, so the OpenAPI
    document names its media type (generated clients and the fuzzer check the answer by it)."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {200: {"description": description, "content": {media_type: {"schema": schema}}}}


CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CALENDAR = "text/calendar"
