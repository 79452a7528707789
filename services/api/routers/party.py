"""Party building (党建): staff and admins write; leaders and auditors read too."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.api.crud import Filters, crud_routes
from services.api.deps import Idempotent, Session, created, require
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from shared import crud
from shared.auth import OFFICE_READERS, Actor, Role
from shared.pagination import paginate
from shared.party import commands
from shared.party import schemas as s
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask
from shared.schemas import Year
from shared.tenancy import get_scoped, scoped

router = api_router()

reader = require(*OFFICE_READERS)
writer = require(Role.staff, Role.admin)


class ActivityFilters(Filters):
    branch_id: uuid.UUID | None = None
    kind: Literal["study", "consultation"] | None = None


class ThemeTaskFilters(Filters):
    year: Year | None = None
    area: s.Area | None = None


class PartnerFilters(Filters):
    branch_id: uuid.UUID | None = None


common: dict[str, Any] = {"reader": reader, "writer": writer}
crud_routes(
    router,
    "/party-branches",
    PartyBranch,
    create_schema=s.BranchCreate,
    update_schema=s.BranchUpdate,
    out_schema=s.BranchOut,
    tag="party",
    references=commands.BRANCH_REFERENCES,
    **common,
)
crud_routes(
    router,
    "/party-partners",
    PartyPartner,
    create_schema=s.PartnerCreate,
    update_schema=s.PartnerUpdate,
    out_schema=s.PartnerOut,
    tag="party",
    filters=PartnerFilters,
    references=commands.PARTNER_REFERENCES,
    **common,
)
crud_routes(
    router,
    "/joint-activities",
    JointActivity,
    create_schema=s.JointActivityCreate,
    update_schema=s.JointActivityUpdate,
    out_schema=s.JointActivityOut,
    tag="party",
    filters=ActivityFilters,
    references=commands.ACTIVITY_REFERENCES,
    **common,
)
crud_routes(
    router,
    "/theme-tasks",
    ThemeTask,
    create_schema=s.ThemeTaskCreate,
    update_schema=s.ThemeTaskUpdate,
    out_schema=s.ThemeTaskOut,
    tag="party",
    filters=ThemeTaskFilters,
    **common,
)
crud_routes(
    router,
    "/problems-solved",
    ProblemSolved,
    create_schema=s.ProblemSolvedCreate,
    update_schema=s.ProblemSolvedUpdate,
    out_schema=s.ProblemSolvedOut,
    tag="party",
    references=commands.PROBLEM_REFERENCES,
    **common,
)


# The branch's own view of its partners (api.md: /party-branches/{id}/partners).


@router.get(
    "/party-branches/{branch_id}/partners", response_model=PageOut[s.PartnerOut], tags=["party"]
)
async def list_branch_partners(
    session: Session,
    actor: Annotated[Actor, Depends(reader)],
    branch_id: uuid.UUID,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    branch = await get_scoped(session, PartyBranch, actor, branch_id, label="party branch")
    stmt = scoped(PartyPartner, actor).where(PartyPartner.branch_id == branch.id)
    page = await paginate(session, stmt, PartyPartner.id, limit=limit, cursor=cursor)
    return {
        "items": [s.PartnerOut.model_validate(p) for p in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/party-branches/{branch_id}/partners",
    status_code=201,
    response_model=s.PartnerOut,
    tags=["party"],
    dependencies=[Idempotent],
)
async def add_branch_partner(
    request: Request,
    session: Session,
    actor: Annotated[Actor, Depends(writer)],
    branch_id: uuid.UUID,
    body: s.PartnerCreate,
) -> JSONResponse:
    branch = await get_scoped(session, PartyBranch, actor, branch_id, label="party branch")
    partner = await crud.create_row(
        session, actor, PartyPartner, {**body.model_dump(), "branch_id": branch.id}
    )
    response = await created(request, session, s.PartnerOut.model_validate(partner))
    response.headers["Location"] = f"/api/v1/party-partners/{partner.id}"
    return response
