"""Login (OAuth2 password flow), token refresh, and who am I."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import JSONResponse

from services.api.deps import CurrentActor, Session, settings_of
from services.api.problems import domain_problem
from services.api.unit_of_work import api_router
from shared.auth import Role, issue_token, read_token
from shared.config import Settings
from shared.errors import Unauthenticated
from shared.org import commands, queries
from shared.org.models import User
from shared.org.schemas import LoginForm, MeOut, RefreshIn, TokenOut

router = api_router(tags=["auth"])


def _tokens(settings: Settings, user: User) -> TokenOut:
    claims = {
        "org": str(user.organisation_id),
        "role": user.role,
        "name": user.display_name,
        "dep": str(user.department_id) if user.department_id else None,
        "mem": str(user.member_id) if user.member_id else None,
        "exp_id": str(user.expert_id) if user.expert_id else None,
    }
    access = issue_token(
        settings.secret, user_id=user.id, kind="access", ttl=settings.access_token_ttl, **claims
    )
    refresh = issue_token(
        settings.secret, user_id=user.id, kind="refresh", ttl=settings.refresh_token_ttl
    )
    return TokenOut(
        access_token=access,
        expires_in=int(settings.access_token_ttl.total_seconds()),
        refresh_token=refresh,
    )


@router.post("/auth/token", response_model=TokenOut, summary="Log in (OAuth2 password flow)")
async def token(
    request: Request,
    session: Session,
    form: Annotated[LoginForm, Form()],
) -> TokenOut | JSONResponse:
    settings = settings_of(request)
    user = await commands.authenticate(
        session,
        form.username,
        form.password,
        client=request.client.host if request.client else None,
        max_failures=settings.login_max_failures,
        window=settings.login_failure_window,
    )
    if user is None:
        # Returned, not raised, so the failure just recorded is committed for the rate limit.
        return domain_problem(Unauthenticated("Wrong username or password."))
    return _tokens(settings, user)


@router.post(
    "/auth/refresh", response_model=TokenOut, summary="Trade a refresh token for new tokens"
)
async def refresh(request: Request, session: Session, body: RefreshIn) -> TokenOut:
    settings = settings_of(request)
    claims = read_token(settings.secret, body.refresh_token, kind="refresh")
    user = await queries.active_user(session, uuid.UUID(claims["sub"]))
    if user is None:
        raise Unauthenticated("The account is no longer active.")
    return _tokens(settings, user)


@router.get("/me", response_model=MeOut, summary="The caller: user, role, organisation, links")
async def me(session: Session, actor: CurrentActor) -> MeOut:
    organisation = await queries.organisation(session, actor)
    user = await session.get(User, actor.id) if actor.role is not Role.integrator else None
    return MeOut(
        id=actor.id,
        username=user.username if user else None,
        display_name=actor.label,
        role=actor.role.value,
        organisation_id=actor.organisation_id,
        organisation_name=organisation.name,
        department_id=actor.department_id,
        member_id=actor.member_id,
        expert_id=actor.expert_id,
        scopes=sorted(actor.scopes),
    )
