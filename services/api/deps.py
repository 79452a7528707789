"""The request boundary: the caller (authenticated once, here), role rules, HTTP conventions.

Each request's database work is its unit of work (``services.api.unit_of_work``); ``Session``
hands routes its session."""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.unit_of_work import unit_of_work
from shared import clock, idempotency
from shared.auth import API_KEY_PREFIX, Actor, Role, hash_secret, read_token
from shared.config import Settings
from shared.errors import Forbidden, Invalid, Unauthenticated, VersionMismatch
from shared.org import commands as org_commands
from shared.org import queries as org_queries
from shared.org import sessions
from shared.pagination import Page

log = logging.getLogger("tongxin.api")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Where a request's authenticated caller is kept in the ASGI scope.
_ACTOR = "tongxin.actor"


async def _session(request: Request) -> AsyncSession:
    return await unit_of_work(request).session()


Session = Annotated[AsyncSession, Depends(_session)]


async def authenticate(request: Request) -> Actor:
    """The caller of this request, from its bearer token or API key (once per request)."""
    actor: Actor | None = request.scope.get(_ACTOR)
    if actor is None:
        actor = request.scope[_ACTOR] = await _authenticate(request)
    return actor


async def _authenticate(request: Request) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Send 'Authorization: Bearer <token or API key>'.")
    if token.startswith(API_KEY_PREFIX):
        return await _api_key_actor(await _session(request), token)
    actor, expires, epoch = _token_actor(settings_of(request).secret, token)
    now = clock.now().timestamp()
    if expires <= now:
        raise Unauthenticated("The token has expired.")
    assert actor.id is not None  # access tokens are issued to users
    cached = _epochs.get(actor.id)
    # An entry stamped further ahead than the window means the clock stepped back: re-read.
    if cached is not None and 0 < cached[1] - now <= _EPOCH_TTL_SECONDS:
        current = cached[0]
    else:
        current = await _read_epoch(request, actor.id, now)
    if current != epoch:
        raise Unauthenticated("The session has ended (password, role or account changed).")
    return actor


@functools.lru_cache(maxsize=4096)
def _token_actor(secret: str, token: str) -> tuple[Actor, float, int]:
    """The actor of a valid access token, when it expires and its session epoch. Remembered,
    because a client sends the same token with every request for its whole lifetime and
    checking its signature each time costs more than the rest of a small read; only valid
    tokens are remembered (an exception is not), and expiry and epoch are checked on every
    request by the caller."""
    claims = read_token(secret, token, kind="access")
    try:
        actor = Actor(
            id=uuid.UUID(claims["sub"]),
            organisation_id=uuid.UUID(claims["org"]),
            role=Role(claims["role"]),
            label=claims["name"],
            department_id=_uuid_or_none(claims.get("dep")),
            member_id=_uuid_or_none(claims.get("mem")),
            expert_id=_uuid_or_none(claims.get("exp_id")),
        )
        # Tokens from before epochs existed carry none: epoch 0, every user's first.
        epoch = int(claims.get("ep", 0))
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated("The token is not valid.") from exc
    return actor, float(claims["exp"]), epoch


# How long a process trusts what it last read of a user's session epoch: the contract gives a
# revoked access token at most 60 s, and a read pays a dict lookup instead of a query.
EPOCH_CACHE_TTL = timedelta(seconds=60)
_EPOCH_TTL_SECONDS = EPOCH_CACHE_TTL.total_seconds()
_EPOCH_CACHE_SIZE = 10_000
# user id -> (their epoch, or None when inactive or gone; until when it may be trusted)
_epochs: dict[uuid.UUID, tuple[int | None, float]] = {}


async def _read_epoch(request: Request, user_id: uuid.UUID, now: float) -> int | None:
    """The user's session epoch from the database, remembered for the cache window."""
    epoch: int | None
    try:
        work = unit_of_work(request)
    except KeyError:  # a route outside the API's routers (the foundation bench's bare app)
        async with request.app.state.read_sessionmaker() as session:
            epoch = await sessions.session_epoch(session, user_id)
    else:
        # The request's own session: on SQLite a second connection would queue behind the
        # request's write lock.
        epoch = await sessions.session_epoch(await work.session(), user_id)
    if len(_epochs) >= _EPOCH_CACHE_SIZE:
        _epochs.clear()  # crude, and rare: a process seeing 10,000 users within a minute
    _epochs[user_id] = (epoch, now + _EPOCH_TTL_SECONDS)
    return epoch


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


async def _api_key_actor(session: AsyncSession, key: str) -> Actor:
    api_key = await org_queries.active_api_key(session, hash_secret(key))
    if api_key is None:
        raise Unauthenticated("The API key is not valid or was revoked.")
    await org_commands.note_api_key_use(session, api_key)
    return Actor(
        id=api_key.id,
        organisation_id=api_key.organisation_id,
        role=Role.integrator,
        label=f"api-key:{api_key.name}",
        scopes=frozenset(api_key.scopes),
    )


class Guard(HTTPBearer):
    """A role rule: authenticates the caller and admits only ``roles`` (any role when None)
    and integrators holding ``scope``. One dependency that is also the OpenAPI bearer scheme."""

    def __init__(self, roles: frozenset[Role] | None, scope: str | None = None) -> None:
        super().__init__(
            auto_error=False,
            scheme_name="HTTPBearer",
            description="A JWT from /auth/token, or an API key",
        )
        self.roles = roles
        self.scope = scope

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        actor = await authenticate(request)
        if self.roles is None or actor.role in self.roles:
            return actor
        if actor.role is Role.integrator and self.scope is not None and self.scope in actor.scopes:
            return actor
        raise Forbidden(f"The {actor.role.value} role may not do this.")


CurrentActor = Annotated[Actor, Depends(Guard(None))]


def require(*roles: Role, scope: str | None = None) -> Guard:
    """A dependency admitting only these roles (and integrators holding ``scope``)."""
    return Guard(frozenset(roles), scope)


def check_if_match(request: Request, version: int) -> None:
    """Honour ``If-Match``: a stale version gets 412, so nobody overwrites what they never saw."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    if str(version) not in wanted:
        raise VersionMismatch(
            f"The resource is at version {version}; reload it and retry.", current_version=version
        )


class IdempotencyReplay(Exception):
    """The first response to this Idempotency-Key, to be sent again (copied out of the row,
    which the request's rollback will expire)."""

    def __init__(self, record: idempotency.IdempotencyRecord) -> None:
        self.status_code = record.status_code
        self.body = record.body
        self.headers = dict(record.headers)


async def _idempotency(request: Request, session: Session, actor: CurrentActor) -> None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return
    if not 1 <= len(key) <= 200:
        raise Invalid(
            "Idempotency-Key must be 1 to 200 characters.", loc=["header", "Idempotency-Key"]
        )
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    caller = f"{actor.role.value}:{actor.id}"
    record = await idempotency.find(session, caller, key, digest.hexdigest())
    if record is not None:
        raise IdempotencyReplay(record)
    request.state.idempotency = (caller, key, digest.hexdigest())


Idempotent = Depends(_idempotency)


def replay_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdempotencyReplay)
    headers = {**exc.headers, "Idempotent-Replayed": "true"}
    return JSONResponse(exc.body, status_code=exc.status_code, headers=headers)


class EncodedJSON(JSONResponse):
    """A JSON response whose body pydantic has already encoded in one step (rather than dumped
    to Python values and then encoded again)."""

    def render(self, content: Any) -> bytes:
        encoded: bytes = content
        return encoded


def respond(model: BaseModel, *, status: int = 200, location: str | None = None) -> JSONResponse:
    """A JSON response carrying the resource's version as its ETag."""
    headers: dict[str, str] = {}
    version = getattr(model, "version", None)
    if version is not None:
        headers["ETag"] = f'"{version}"'
    if location is not None:
        headers["Location"] = location
    return EncodedJSON(model.model_dump_json().encode(), status_code=status, headers=headers)


_page = TypeAdapter(dict[str, Any])


def respond_page(page: Page[Any], schema: type[BaseModel]) -> JSONResponse:
    """The one way to answer a list: ``{"items": [...], "next_cursor": ...}``, each item of
    ``page`` (a Core row, an ORM object or an instance of ``schema``) in ``schema``. The
    route's ``response_model`` (``PageOut[schema]``) documents it; returning a response spares
    FastAPI validating every item again."""
    items = [schema.model_validate(item) for item in page.items]
    body = {"items": items, "next_cursor": page.next_cursor}
    return EncodedJSON(_page.dump_json(body, by_alias=True))


async def created(request: Request, session: AsyncSession, model: BaseModel) -> JSONResponse:
    """201 with ``Location``; remembered under the request's Idempotency-Key, in the same
    transaction as the creation itself."""
    location = f"{request.url.path.rstrip('/')}/{model.id}"  # type: ignore[attr-defined]
    response = respond(model, status=201, location=location)
    pending = getattr(request.state, "idempotency", None)
    if pending is not None:
        caller, key, request_hash = pending
        await idempotency.store(
            session,
            caller=caller,
            key=key,
            request_hash=request_hash,
            status_code=201,
            body=model.model_dump(mode="json"),
            headers={k: v for k, v in response.headers.items() if k in ("etag", "location")},
        )
    return response
