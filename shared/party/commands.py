"""Party building: the changes. Records are created, changed and deleted by the generic
``shared.crud`` commands (``services.api.crud.crud_routes``) with the references below, each
checked against the organisation; a branch adds a partner with ``add_partner``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import crud
from shared.auth import Actor
from shared.crud import References
from shared.org.models import Committee
from shared.party.models import PartyBranch, PartyPartner, ThemeTask

BRANCH_REFERENCES: References = {"committee_id": Committee}
PARTNER_REFERENCES: References = {"branch_id": PartyBranch}
ACTIVITY_REFERENCES: References = {"branch_id": PartyBranch}
PROBLEM_REFERENCES: References = {"theme_task_id": ThemeTask}


async def add_partner(
    session: AsyncSession, actor: Actor, branch: PartyBranch, values: dict[str, Any]
) -> PartyPartner:
    """A partner organisation of ``branch`` (``/party-branches/{id}/partners``)."""
    return await crud.create_row(session, actor, PartyPartner, {**values, "branch_id": branch.id})
