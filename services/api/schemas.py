"""Shapes shared by every router: list pages and list parameters."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared.pagination import MAX_LIMIT

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1–100")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the last page")]
