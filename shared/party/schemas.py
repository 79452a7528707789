"""Party building: API input and output."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.schemas import Input, Patch, Resource

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Area = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Year = Annotated[int, Field(ge=1949, le=2100)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
JointActivityKind = Literal["study", "consultation"]


class BranchCreate(Input):
    name: Title
    committee_id: uuid.UUID
    active: bool = True


class BranchUpdate(Patch):
    name: Title | None = None
    active: bool | None = None


class BranchOut(Resource):
    name: str
    committee_id: uuid.UUID
    active: bool


class PartnerCreate(Input):
    name: Title
    field: Area | None = None
    since: date | None = None


class PartnerUpdate(Patch):
    clearable = frozenset({"field", "since"})

    name: Title | None = None
    field: Area | None = None
    since: date | None = None


class PartnerOut(Resource):
    branch_id: uuid.UUID
    name: str
    field: str | None
    since: date | None


class JointActivityCreate(Input):
    branch_id: uuid.UUID | None = None
    kind: JointActivityKind
    title: Title
    held_on: date
    party_member_participations: Count = 0


class JointActivityUpdate(Patch):
    kind: JointActivityKind | None = None
    title: Title | None = None
    held_on: date | None = None
    party_member_participations: Count | None = None


class JointActivityOut(Resource):
    branch_id: uuid.UUID | None
    kind: JointActivityKind
    title: str
    held_on: date
    party_member_participations: int


class ThemeTaskCreate(Input):
    year: Year
    area: Area
    title: Title
    done: bool = False


class ThemeTaskUpdate(Patch):
    area: Area | None = None
    title: Title | None = None
    done: bool | None = None


class ThemeTaskOut(Resource):
    year: int
    area: str
    title: str
    done: bool


class ProblemSolvedCreate(Input):
    title: Title
    description: Description | None = None
    solved_on: date
    theme_task_id: uuid.UUID | None = None


class ProblemSolvedUpdate(Patch):
    clearable = frozenset({"description"})

    title: Title | None = None
    description: Description | None = None
    solved_on: date | None = None


class ProblemSolvedOut(Resource):
    title: str
    description: str | None
    solved_on: date
    theme_task_id: uuid.UUID | None
