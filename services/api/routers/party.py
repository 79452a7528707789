"""Party building (党建): staff and admins write; leaders and auditors read too."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.api.crud import Filters, crud_routes
from services.api.deps import Idempotent, Session, created, require, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from shared import tenancy
from shared.auth import OFFICE_READERS, Actor, Role
from shared.party import commands, queries
from shared.party import schemas as s
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask
from shared.schemas import Year

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


# path, model, schemas (create, update, out), equality filters, references checked on writes
COLLECTIONS: tuple[tuple[Any, ...], ...] = (
    ("/party-branches", PartyBranch, s.BranchCreate, s.BranchUpdate, s.BranchOut, Filters,
     commands.BRANCH_REFERENCES),
    ("/party-partners", PartyPartner, s.PartnerCreate, s.PartnerUpdate, s.PartnerOut,
     PartnerFilters, commands.PARTNER_REFERENCES),
    ("/joint-activities", JointActivity, s.JointActivityCreate, s.JointActivityUpdate,
     s.JointActivityOut, ActivityFilters, commands.ACTIVITY_REFERENCES),
    ("/theme-tasks", ThemeTask, s.ThemeTaskCreate, s.ThemeTaskUpdate, s.ThemeTaskOut,
     ThemeTaskFilters, {}),
    ("/problems-solved", ProblemSolved, s.ProblemSolvedCreate, s.ProblemSolvedUpdate,
     s.ProblemSolvedOut, Filters, commands.PROBLEM_REFERENCES),
)  # fmt: skip
for path, model, create, update, out, filters, references in COLLECTIONS:
    crud_routes(
        router,
        path,
        model,
        create_schema=create,
        update_schema=update,
        out_schema=out,
        reader=reader,
        writer=writer,
        tag="party",
        filters=filters,
        references=references,
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
) -> JSONResponse:
    page = await queries.branch_partners(session, actor, branch_id, limit=limit, cursor=cursor)
    return respond_page(page, s.PartnerOut)


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
    branch = await tenancy.get_scoped(session, PartyBranch, actor, branch_id)
    partner = await commands.add_partner(session, actor, branch, body.model_dump())
    response = await created(request, session, s.PartnerOut.model_validate(partner))
    response.headers["Location"] = f"/api/v1/party-partners/{partner.id}"
    return response
