"""Keyset pagination on time-ordered ids: a page costs the same at row 10 and row 10,000,000.

Queries page ORM objects with ``paginate``, a tenant table's Core rows with
``shared.tenancy.page_rows``; the API answers every page with ``services.api.deps.respond_page``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import Invalid

T = TypeVar("T")

MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("The cursor is not one this API issued.", loc=["query", "cursor"]) from exc


def keyset(stmt: Select[Any], key: Any, *, limit: int, cursor: str | None) -> Select[Any]:
    """``stmt`` after the cursor, ordered by ``key`` (a UUIDv7 column, so oldest first), one row
    more than the page to tell whether another page follows."""
    if cursor:
        stmt = stmt.where(key > decode_cursor(cursor))
    return stmt.order_by(key).limit(limit + 1)


def page_of(rows: Sequence[T], key: str, limit: int) -> Page[T]:
    """The page of ``rows`` (fetched by ``keyset``) and the cursor of the next, if any."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(getattr(rows[-1], key)) if more else None)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    key: InstrumentedAttribute[uuid.UUID],
    *,
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """One page of ORM objects of ``stmt`` ordered by ``key``."""
    found = await session.scalars(keyset(stmt, key, limit=limit, cursor=cursor))
    return page_of(found.all(), key.key, limit)
