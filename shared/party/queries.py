"""Party building: its SELECTs. Records are plain rows, read by ``shared.tenancy.row`` and
``page_rows`` (``services.api.crud.crud_routes``); a branch's partners are read here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from shared import tenancy
from shared.auth import Actor
from shared.pagination import Page
from shared.party.models import PartyBranch, PartyPartner


async def branch_partners(
    session: AsyncSession, actor: Actor, branch_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Row[Any]]:
    """A page of one branch's partners; an unknown branch is not found (rather than empty)."""
    branch = await tenancy.row(session, PartyBranch, actor, branch_id)
    filters = {"branch_id": branch.id}
    return await tenancy.page_rows(
        session, PartyPartner, actor, filters=filters, limit=limit, cursor=cursor
    )
