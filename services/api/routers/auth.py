"""Login (OAuth2 password flow), token refresh and logout, who am I, and password changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import CurrentActor, Session, require, settings_of
from services.api.problems import domain_problem
from services.api.unit_of_work import api_router
from shared.auth import USER_ROLES, Actor, Role, issue_token
from shared.config import Settings
from shared.errors import Invalid, Unauthenticated
from shared.org import commands, queries, sessions
from shared.org.models import User
from shared.org.schemas import LoginForm, MeOut, PasswordChange, RefreshIn, TokenOut

router = api_router(tags=["auth"])


def _tokens(settings: Settings, user: User, refresh_token: str) -> TokenOut:
    claims = {
        "org": str(user.organisation_id),
        "role": user.role,
        "name": user.display_name,
        "dep": str(user.department_id) if user.department_id else None,
        "mem": str(user.member_id) if user.member_id else None,
        "exp_id": str(user.expert_id) if user.expert_id else None,
        "ep": user.auth_epoch,
    }
    access = issue_token(
        settings.secret, user_id=user.id, kind="access", ttl=settings.access_token_ttl, **claims
    )
    return TokenOut(
        access_token=access,
        expires_in=int(settings.access_token_ttl.total_seconds()),
        refresh_token=refresh_token,
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
    refresh_token = await sessions.start(session, user, settings.refresh_token_ttl)
    return _tokens(settings, user, refresh_token)


@router.post(
    "/auth/refresh",
    response_model=TokenOut,
    summary="Trade a refresh token for new tokens (each refresh token works once)",
)
async def refresh(request: Request, session: Session, body: RefreshIn) -> TokenOut | JSONResponse:
    settings = settings_of(request)
    try:
        user, refresh_token = await sessions.rotate(
            session, body.refresh_token, settings.refresh_token_ttl
        )
    except Unauthenticated as exc:
        # Returned, not raised, so that a reused token's family stays revoked (committed).
        return domain_problem(exc)
    return _tokens(settings, user, refresh_token)


@router.post("/auth/logout", status_code=204, summary="Log out: revoke this refresh token's login")
async def logout(session: Session, body: RefreshIn) -> Response:
    await sessions.end(session, body.refresh_token)
    return Response(status_code=204)


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


@router.post(
    "/me/password",
    status_code=204,
    summary="Change your password (ends every session: log in again)",
)
async def change_password(
    request: Request,
    session: Session,
    body: PasswordChange,
    actor: Annotated[Actor, Depends(require(*USER_ROLES))],
) -> Response:
    user = await _checked(request, session, actor, body.current_password)
    if user is None:
        # Returned, not raised: the failure counts towards the login rate limit (committed).
        return domain_problem(
            Invalid("The current password is wrong.", loc=["body", "current_password"])
        )
    await commands.change_password(session, actor, user, body.new_password)
    return Response(status_code=204)


async def _checked(
    request: Request, session: AsyncSession, actor: Actor, password: str
) -> User | None:
    """The caller's user if ``password`` is theirs, checked as a login is (so guesses here
    are rate-limited together with guesses at the login form)."""
    user = await session.get(User, actor.id)
    if user is None:
        raise Unauthenticated("The account no longer exists.")
    settings = settings_of(request)
    return await commands.authenticate(
        session,
        user.username,
        password,
        client=request.client.host if request.client else None,
        max_failures=settings.login_max_failures,
        window=settings.login_failure_window,
    )
