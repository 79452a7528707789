"""Consultation context: API input and output.

Text limits are generous for the business (a 专报 runs to a few thousand characters) but bounded,
so a runaway paste is a clear 422 rather than a row nobody can display.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from shared.consultation.workflows import CONSULTATION, INSTRUCTION_TASK, REPORT, SUGGESTION
from shared.enums import ActionsOf, StatesOf
from shared.schemas import Input, Patch, Resource

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ReportBody = Annotated[str, StringConstraints(max_length=30_000)]
Comment = Annotated[str, StringConstraints(max_length=2_000)]
Year = Annotated[int, Field(ge=1949, le=2100)]
Headcount = Annotated[int, Field(ge=0, le=1_000_000)]
Level = Literal["district", "town", "village"]
AdoptionClass = Literal["adopted", "partially_adopted", "planned", "for_reference", "not_adopted"]
ProposerKind = Literal["member", "expert", "public", "department"]
ReportKind = Literal["special_report", "research_report", "consultation_summary"]
LeaderTier = Literal["principal", "other"]
ConsultationState = Annotated[str, StatesOf(CONSULTATION)]
SuggestionStateName = Annotated[str, StatesOf(SUGGESTION)]
ReportState = Annotated[str, StatesOf(REPORT)]
InstructionTaskState = Annotated[str, StatesOf(INSTRUCTION_TASK)]
DepartmentIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=50)]


def fields_for_action(
    move: BaseModel, action: str, spec: dict[str, tuple[set[str], set[str]]]
) -> None:
    """Each action takes its own fields (``spec``: action → (required, optional)); a field meant
    for another action is an error rather than silently ignored."""
    required, optional = spec.get(action, (set(), set()))
    given = {name for name in move.model_fields_set if getattr(move, name) is not None}
    given -= {"action", "comment"}
    missing = sorted(required - given)
    if missing:
        raise ValueError(f"action {action!r} needs {', '.join(missing)}")
    stray = sorted(given - required - optional)
    if stray:
        raise ValueError(f"action {action!r} takes no {', '.join(stray)}")


# --- platforms, plans, campaigns ---------------------------------------------------------------


class PlatformCreate(Input):
    name: ShortName
    level: Level
    annual_target: Annotated[int, Field(ge=0, le=100_000)] | None = None


class PlatformUpdate(Patch):
    clearable = frozenset({"annual_target"})

    name: ShortName | None = None
    level: Level | None = None
    annual_target: Annotated[int, Field(ge=0, le=100_000)] | None = None


class PlatformOut(Resource):
    name: str
    level: Level
    annual_target: int | None


class PlanCreate(Input):
    year: Year
    title: Name
    topics: list[Topic] = Field(default_factory=list, max_length=200)
    targets: dict[uuid.UUID, Annotated[int, Field(ge=0, le=100_000)]] = Field(
        default_factory=dict, max_length=50, description="platform id → sessions planned"
    )


class PlanUpdate(Patch):
    title: Name | None = None
    topics: list[Topic] | None = Field(default=None, max_length=200)
    targets: dict[uuid.UUID, Annotated[int, Field(ge=0, le=100_000)]] | None = Field(
        default=None, max_length=50
    )


class PlanOut(Resource):
    year: int
    title: str
    topics: list[str]
    targets: dict[str, int]


class CampaignCreate(Input):
    name: Name
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _period(self) -> CampaignCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class CampaignUpdate(Patch):
    name: Name | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class CampaignOut(Resource):
    name: str
    starts_on: date
    ends_on: date


# --- consultations and attendance ------------------------------------------------------------


class ConsultationCreate(Input):
    title: Name
    topic: Topic
    platform_id: uuid.UUID
    region_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    committee_id: uuid.UUID | None = None
    scheduled_at: AwareDatetime | None = None
    venue: Name | None = None


class ConsultationUpdate(Patch):
    clearable = frozenset({"region_id", "campaign_id", "committee_id", "scheduled_at", "venue"})

    title: Name | None = None
    topic: Topic | None = None
    region_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    committee_id: uuid.UUID | None = None
    scheduled_at: AwareDatetime | None = None
    venue: Name | None = None


class ConsultationOut(Resource):
    title: str
    topic: str
    platform_id: uuid.UUID
    level: Level
    region_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    committee_id: uuid.UUID | None
    scheduled_at: datetime | None
    venue: str | None
    state: ConsultationState
    state_changed_at: datetime
    public_participants: int | None
    principal_leader_attended: bool
    minutes: str | None


CONSULTATION_ACTION_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "schedule": (set(), {"scheduled_at", "venue"}),
    "hold": ({"public_participants"}, {"principal_leader_attended"}),
    "conclude": (set(), {"minutes"}),
}


class ConsultationMove(Input):
    """``schedule`` (scheduled_at, venue — required unless already set), ``hold``
    (public_participants, principal_leader_attended), ``conclude`` (minutes), ``cancel``."""

    action: Annotated[str, ActionsOf(CONSULTATION)]
    comment: Comment | None = None
    scheduled_at: AwareDatetime | None = None
    venue: Name | None = None
    public_participants: Headcount | None = None
    principal_leader_attended: bool | None = None
    minutes: Annotated[str, StringConstraints(max_length=20_000)] | None = None

    @model_validator(mode="after")
    def _fields(self) -> ConsultationMove:
        fields_for_action(self, self.action, CONSULTATION_ACTION_FIELDS)
        return self


class AttendanceCreate(Input):
    """A member or an expert (a member or expert signing in may leave both out: themselves)."""

    member_id: uuid.UUID | None = None
    expert_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one(self) -> AttendanceCreate:
        if self.member_id is not None and self.expert_id is not None:
            raise ValueError("give member_id or expert_id, not both")
        return self


class AttendanceOut(Resource):
    consultation_id: uuid.UUID
    member_id: uuid.UUID | None
    expert_id: uuid.UUID | None


# --- suggestions -----------------------------------------------------------------------------


class SuggestionCreate(Input):
    content: Content
    proposer_kind: ProposerKind | None = Field(
        default=None, description="Staff must say; a member's or expert's own is implied"
    )
    proposer_member_id: uuid.UUID | None = None
    proposer_expert_id: uuid.UUID | None = None


class ResponseOut(Resource):
    department_id: uuid.UUID
    text: str
    proposed_class: AdoptionClass


class SuggestionOut(Resource):
    consultation_id: uuid.UUID
    content: str
    proposer_kind: ProposerKind
    proposer_member_id: uuid.UUID | None
    proposer_expert_id: uuid.UUID | None
    state: SuggestionStateName
    state_changed_at: datetime
    adoption_class: AdoptionClass | None
    department_ids: list[uuid.UUID]
    response_due_at: datetime | None
    overdue: bool
    merged_into_id: uuid.UUID | None
    report_id: uuid.UUID | None
    responses: list[ResponseOut]


SUGGESTION_ACTION_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "forward": ({"department_ids"}, set()),
    "respond": ({"text", "proposed_class"}, set()),
    "classify": ({"adoption_class"}, set()),
    "merge": ({"into_id"}, set()),
    "convert": ({"report_id"}, set()),
}


class SuggestionMove(Input):
    """``forward`` (department_ids), ``respond`` (text, proposed_class), ``classify`` (class),
    ``implement``, ``verify``, ``merge`` (into_id), ``convert`` (report_id)."""

    action: Annotated[str, ActionsOf(SUGGESTION)]
    comment: Comment | None = None
    department_ids: DepartmentIds | None = None
    text: LongText | None = None
    proposed_class: AdoptionClass | None = None
    adoption_class: AdoptionClass | None = Field(default=None, alias="class")
    into_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _fields(self) -> SuggestionMove:
        fields_for_action(self, self.action, SUGGESTION_ACTION_FIELDS)
        return self


# --- reports, instructions, tasks ------------------------------------------------------------


class ReportCreate(Input):
    kind: ReportKind
    title: Name
    body: ReportBody = ""
    consultation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)


class ReportUpdate(Patch):
    title: Name | None = None
    body: ReportBody | None = None
    consultation_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)


class ReportOut(Resource):
    kind: ReportKind
    title: str
    body: str
    consultation_ids: list[uuid.UUID]
    state: ReportState
    state_changed_at: datetime
    submitted_on: date | None


class ReportMove(Input):
    """``submit`` (submitted_on: the business date, default today in the organisation)."""

    action: Annotated[str, ActionsOf(REPORT)]
    comment: Comment | None = None
    submitted_on: date | None = None

    @model_validator(mode="after")
    def _fields(self) -> ReportMove:
        fields_for_action(self, self.action, {"submit": (set(), {"submitted_on"})})
        return self


class InstructionCreate(Input):
    leader_name: ShortName
    leader_tier: LeaderTier
    text: LongText
    instructed_on: date | None = Field(default=None, description="Default: today")
    department_ids: DepartmentIds


class InstructionOut(Resource):
    report_id: uuid.UUID
    leader_name: str
    leader_tier: LeaderTier
    text: str
    instructed_on: date
    department_ids: list[uuid.UUID]


class InstructionTaskOut(Resource):
    report_id: uuid.UUID
    instruction_id: uuid.UUID
    department_id: uuid.UUID
    due_at: datetime
    overdue: bool
    state: InstructionTaskState
    state_changed_at: datetime
    feedback: str | None
    feedback_at: datetime | None


class InstructionTaskMove(Input):
    """``feedback`` (department: text), ``confirm``, ``reject`` (staff)."""

    action: Annotated[str, ActionsOf(INSTRUCTION_TASK)]
    comment: Comment | None = None
    text: LongText | None = None

    @model_validator(mode="after")
    def _fields(self) -> InstructionTaskMove:
        fields_for_action(self, self.action, {"feedback": ({"text"}, set())})
        return self


class CalendarTokenOut(BaseModel):
    token: str
    url: str = Field(description="Subscribe to this URL in a phone's calendar app")


def dump(values: dict[str, Any]) -> dict[str, Any]:
    """Ids and dates as text, for audit rows and event payloads."""
    return {k: (str(v) if isinstance(v, uuid.UUID | date) else v) for k, v in values.items()}
