"""Organisation context: API input and output."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shared import clock
from shared.config import known_timezone
from shared.enums import ActorRole
from shared.schemas import Duration, Input, Patch, Resource, Within

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,99}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
UserRole = Literal["admin", "staff", "leader", "member", "expert", "department", "auditor"]
Scope = Literal["read", "webhooks"]
RegionLevel = Literal["town", "village"]


class UserCreate(Input):
    username: Username
    password: Password
    role: UserRole
    display_name: Name
    department_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    expert_id: uuid.UUID | None = None
    active: bool = True

    @model_validator(mode="after")
    def _links_match_role(self) -> UserCreate:
        check_role_links(self.role, self.department_id, self.member_id, self.expert_id)
        return self


def check_role_links(
    role: str | None,
    department_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    expert_id: uuid.UUID | None,
) -> None:
    """A department handler is bound to one department, a member login to one member, an expert
    login to one expert; other roles carry no such link."""
    links = {"department": department_id, "member": member_id, "expert": expert_id}
    for linked_role, value in links.items():
        if role == linked_role and value is None:
            raise ValueError(f"role {linked_role} needs {linked_role}_id")
        if role != linked_role and value is not None:
            raise ValueError(f"{linked_role}_id is only for role {linked_role}")


class UserUpdate(Patch):
    clearable = frozenset({"department_id", "member_id", "expert_id"})

    password: Password | None = None
    role: UserRole | None = None
    display_name: Name | None = None
    department_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    expert_id: uuid.UUID | None = None
    active: bool | None = None


class UserOut(Resource):
    username: str
    role: UserRole
    display_name: str
    organisation_id: uuid.UUID
    department_id: uuid.UUID | None
    member_id: uuid.UUID | None
    expert_id: uuid.UUID | None
    active: bool


# Sectors and committees hold 100 characters; departments fit the same limit comfortably.
class NamedCreate(Input):
    name: ShortName


class NamedUpdate(Patch):
    name: ShortName | None = None


class NamedOut(Resource):
    name: str


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class RegionCreate(Input):
    name: ShortName
    level: RegionLevel
    parent_id: uuid.UUID | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class RegionUpdate(Patch):
    clearable = frozenset({"parent_id", "lat", "lon"})

    name: ShortName | None = None
    parent_id: uuid.UUID | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class RegionOut(Resource):
    name: str
    level: RegionLevel
    parent_id: uuid.UUID | None
    lat: float | None
    lon: float | None


class MemberCreate(Input):
    name: ShortName
    sector_id: uuid.UUID | None = None
    committee_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    standing: bool = False
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 -]{5,30}$")] | None = None
    bio: Text | None = None
    photo_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    active: bool = True


class MemberUpdate(Patch):
    clearable = frozenset({"sector_id", "phone", "bio", "photo_url"})

    name: ShortName | None = None
    sector_id: uuid.UUID | None = None
    committee_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    standing: bool | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 -]{5,30}$")] | None = None
    bio: Text | None = None
    photo_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    active: bool | None = None


class MemberOut(Resource):
    name: str
    sector_id: uuid.UUID | None
    committee_ids: list[uuid.UUID]
    standing: bool
    phone: str | None
    bio: str | None
    photo_url: str | None
    active: bool


class ExpertCreate(Input):
    name: ShortName
    field: ShortName
    batch: Annotated[int, Field(ge=1, le=100)] = 1
    affiliation: Name | None = None
    active: bool = True


class ExpertUpdate(Patch):
    clearable = frozenset({"affiliation"})

    name: ShortName | None = None
    field: ShortName | None = None
    batch: Annotated[int, Field(ge=1, le=100)] | None = None
    affiliation: Name | None = None
    active: bool | None = None


class ExpertOut(Resource):
    name: str
    field: str
    batch: int
    affiliation: str | None
    active: bool


class ApiKeyCreate(Input):
    name: ShortName
    scopes: list[Scope] = Field(default=["read"], min_length=1)


class ApiKeyOut(Resource):
    name: str
    prefix: str
    scopes: list[Scope]
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key. Shown this once; store it now.")


# Each deadline setting within a range the office could mean: a second at the least (the worker
# tests run whole ladders in seconds), and at the most what a yearly cycle can use.
_SECOND, _DAY = timedelta(seconds=1), timedelta(days=1)
ReminderBefore = Annotated[Duration, Within(_SECOND, 90 * _DAY)]
EscalationStep = Annotated[Duration, Within(_SECOND, 365 * _DAY)]
EvaluationReminder = Annotated[Duration, Within(_SECOND, 90 * _DAY)]
ResponseWindow = Annotated[Duration, Within(_SECOND, 365 * _DAY)]
RatingReminder = Annotated[Duration, Within(_SECOND, 365 * _DAY)]


def _period(value: str) -> str:
    try:
        months, rest = clock.parse_period(value)
    except OverflowError:
        months, rest = 0, timedelta.max
    # At most two years, as counted on the longest calendar: a due date stays a real date.
    if not _SECOND <= months * 31 * _DAY + rest <= 2 * 366 * _DAY:
        raise ValueError("must be between PT1S and P2Y")
    return value


# A calendar period (``P3M`` is three calendar months in the organisation's zone).
Period = Annotated[str, StringConstraints(max_length=20), AfterValidator(_period)]


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    version: int
    timezone: str
    reminder_before: Duration
    escalation_after: list[Duration]
    evaluation_reminder_after: Duration
    suggestion_response_window: Duration
    task_window: Duration
    rating_reminder_before: Duration
    proposal_reply_window: str
    proposal_max_reply_window: str
    return_window: str
    co_opinion_before: str
    evaluation_window: str
    follow_up_window: str
    proposal_max_rounds: int


class SettingsUpdate(Patch):
    timezone: Annotated[str, StringConstraints(max_length=64)] | None = None
    reminder_before: ReminderBefore | None = None
    escalation_after: list[EscalationStep] | None = Field(default=None, min_length=1, max_length=5)
    evaluation_reminder_after: EvaluationReminder | None = None
    suggestion_response_window: ResponseWindow | None = None
    task_window: ResponseWindow | None = None
    rating_reminder_before: RatingReminder | None = None
    proposal_reply_window: Period | None = None
    proposal_max_reply_window: Period | None = None
    return_window: Period | None = None
    co_opinion_before: Period | None = None
    evaluation_window: Period | None = None
    follow_up_window: Period | None = None
    proposal_max_rounds: Annotated[int, Field(ge=1, le=10)] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    @field_validator("escalation_after")
    @classmethod
    def _increasing(cls, value: list[timedelta] | None) -> list[timedelta] | None:
        if value is not None and value != sorted(set(value)):
            raise ValueError("escalation levels must be strictly increasing")
        return value


class MeOut(BaseModel):
    id: uuid.UUID | None
    username: str | None
    display_name: str
    role: ActorRole
    organisation_id: uuid.UUID
    organisation_name: str
    department_id: uuid.UUID | None
    member_id: uuid.UUID | None
    expert_id: uuid.UUID | None
    scopes: list[Scope]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


class LoginForm(Input):
    """The OAuth2 password form of ``POST /auth/token`` (an ``Input``, so its text is checked
    like every other request body's)."""

    model_config = ConfigDict(extra="ignore")

    grant_type: Annotated[str, StringConstraints(pattern="^password$")] | None = None
    # Unbounded, as a login page takes them: a wrong one of any length is a 401 and counts
    # towards the rate limit.
    username: str
    password: str
    scope: Annotated[str, StringConstraints(max_length=1000)] = ""
    client_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    client_secret: Annotated[str, StringConstraints(max_length=200)] | None = None


class RefreshIn(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class PasswordChange(Input):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Annotated[str, StringConstraints(min_length=10, max_length=200)]
