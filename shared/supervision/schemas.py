"""Supervision context: API input and output."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from shared.enums import StatesOf
from shared.schemas import Duration, Input, Patch, Resource, Round, Within, Year
from shared.supervision.workflows import SUPERVISION_CASE, SUPERVISION_TOPIC

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Comment = Annotated[str, StringConstraints(max_length=5_000)]
Window = Annotated[Duration, Within(timedelta(seconds=1), timedelta(days=3660))]
Rounds = Annotated[int, Field(ge=1, le=10)]
DepartmentIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]
TopicKind = Literal["special_collective", "proposal", "follow_up"]
Completion = Literal["done", "in_progress", "planned", "cannot"]
Rating = Literal["satisfied", "basically_satisfied", "unsatisfied"]
Outcome = Literal["close", "rework"]
CaseState = Annotated[str, StatesOf(SUPERVISION_CASE)]
TopicState = Annotated[str, StatesOf(SUPERVISION_TOPIC)]


class TopicCreate(Input):
    year: Year
    title: Title
    kind: TopicKind = "special_collective"
    lead_committee_id: uuid.UUID | None = None
    department_ids: DepartmentIds
    feedback_window: Window = timedelta(days=90)
    follow_up_after: Window | None = timedelta(days=365)
    max_rounds: Rounds = 2
    # 先协商后监督: the consultation whose conclusion opens this topic's supervision.
    consultation_id: uuid.UUID | None = None


class TopicUpdate(Patch):
    clearable = frozenset({"lead_committee_id", "follow_up_after", "consultation_id"})

    year: Year | None = None
    title: Title | None = None
    kind: TopicKind | None = None
    lead_committee_id: uuid.UUID | None = None
    department_ids: DepartmentIds | None = None
    feedback_window: Window | None = None
    follow_up_after: Window | None = None
    max_rounds: Rounds | None = None
    consultation_id: uuid.UUID | None = None


class TopicOut(Resource):
    year: int
    title: str
    kind: TopicKind
    lead_committee_id: uuid.UUID | None
    department_ids: list[uuid.UUID]
    feedback_window: Duration
    follow_up_after: Duration | None
    max_rounds: int
    consultation_id: uuid.UUID | None
    state: TopicState


class CaseCreate(Input):
    topic_id: uuid.UUID
    title: Title
    issue: Body
    recommendation: Body
    department_ids: DepartmentIds


class CaseUpdate(Patch):
    title: Title | None = None
    issue: Body | None = None
    recommendation: Body | None = None
    department_ids: DepartmentIds | None = None


class CaseOut(Resource):
    topic_id: uuid.UUID
    title: str
    issue: str
    recommendation: str
    department_ids: list[uuid.UUID]
    state: CaseState
    round: int
    feedback_due_at: datetime | None
    overdue: bool
    escalation_level: int
    follow_up_of_id: uuid.UUID | None


class CaseFilters(BaseModel):
    """Query filters of ``GET /supervision-cases``."""

    state: CaseState | None = None
    topic_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    overdue: bool | None = None


class TopicFilters(BaseModel):
    year: Year | None = None
    state: TopicState | None = None


class RoundFilter(BaseModel):
    round: Round | None = None


class FeedbackOut(Resource):
    case_id: uuid.UUID
    round: int
    department_id: uuid.UUID
    text: str
    measures: str | None
    completion: Completion
    submitted_by_id: uuid.UUID | None


class EvaluationOut(Resource):
    case_id: uuid.UUID
    round: int
    rating: Rating
    comment: str | None
    evaluated_by_id: uuid.UUID | None


# --- transitions: one body per action, told apart by ``action`` ------------------------------


class _Move(Input):
    comment: Comment | None = None


class Start(_Move):
    action: Literal["start"]


class Report(_Move):
    action: Literal["report"]


class Feedback(_Move):
    action: Literal["feedback"]
    text: Body
    measures: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    completion: Completion


class Evaluate(_Move):
    action: Literal["evaluate"]
    rating: Rating
    comment: Comment | None = None


class Decide(_Move):
    action: Literal["decide"]
    outcome: Outcome


class Withdraw(_Move):
    action: Literal["withdraw"]


AnyMove = Annotated[
    Start | Report | Feedback | Evaluate | Decide | Withdraw, Field(discriminator="action")
]


class CaseMove(RootModel[AnyMove]):
    """The body of ``POST /supervision-cases/{id}/transitions``."""

    model_config = ConfigDict(json_schema_extra={"example": {"action": "start"}})
