"""Who is acting: roles, the actor, password hashing, JWTs, API-key and refresh-token secrets.

The primitives only; looking users and keys up is the ``org`` context's job.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared import clock
from shared.errors import Unauthenticated


class Role(StrEnum):
    admin = "admin"
    staff = "staff"
    leader = "leader"
    member = "member"
    expert = "expert"
    department = "department"
    auditor = "auditor"
    integrator = "integrator"
    system = "system"


# People's roles (a user can hold one); integrator is for API keys, system for the worker.
USER_ROLES = frozenset(
    {Role.admin, Role.staff, Role.leader, Role.member, Role.expert, Role.department, Role.auditor}
)
OFFICE_READERS = frozenset({Role.admin, Role.staff, Role.leader, Role.auditor})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, carried from the API into commands, audit rows and events."""

    id: uuid.UUID | None
    organisation_id: uuid.UUID
    role: Role
    label: str
    department_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    expert_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, organisation_id: uuid.UUID) -> Actor:
        return cls(id=None, organisation_id=organisation_id, role=Role.system, label="system")


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A dummy hash to spend the same time on unknown usernames as on wrong passwords.
DUMMY_PASSWORD_HASH = _hasher.hash("tongxin-dummy-password")

ALGORITHM = "HS256"


def issue_token(
    secret: str, *, user_id: uuid.UUID, kind: str, ttl: timedelta, **claims: Any
) -> str:
    issued = clock.now()
    payload = {
        "sub": str(user_id),
        "typ": kind,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": secrets.token_hex(8),
        **claims,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str, *, kind: str) -> dict[str, Any]:
    try:
        # exp is checked against our clock, not PyJWT's, so tests can move time (PyJWT would
        # also refuse an iat "in the future" of the real clock).
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated("The token is not valid.") from exc
    if payload.get("typ") != kind:
        raise Unauthenticated(f"A {kind} token is required.")
    if int(payload.get("exp", 0)) <= clock.now().timestamp():
        raise Unauthenticated("The token has expired.")
    return payload


API_KEY_PREFIX = "txk_"


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (the secret shown once, its lookup prefix, its stored hash)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[: len(API_KEY_PREFIX) + 8], hash_secret(key)


REFRESH_TOKEN_PREFIX = "txr_"


def new_refresh_token() -> tuple[str, str]:
    """A fresh refresh token: (the secret handed to the client, its stored hash)."""
    token = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_secret(token)


def hash_secret(secret: str) -> str:
    """The stored form of a random secret (an API key, a refresh token). They carry 256 random
    bits, so a fast hash is safe here (unlike passwords) and lookups stay one index probe."""
    return hashlib.sha256(secret.encode()).hexdigest()
