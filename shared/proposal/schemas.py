"""Proposals context: API input and output (api.md "Resources (wave two)" → Proposals)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

from shared.enums import StatesOf
from shared.proposal.workflows import PROPOSAL, PROPOSAL_ASSIGNMENT
from shared.schemas import Input, Resource, Year

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Comment = Annotated[str, StringConstraints(max_length=5_000)]
Category = Literal[
    "economy", "urban_rural", "education_culture_health", "society_law", "agriculture", "other"
]
Kind = Literal["session", "interim"]
ProposerKind = Literal["member", "committee", "sector", "party"]
Conversion = Literal["social_information", "suggestion", "department_reference"]
ReplyClass = Literal["A", "B", "C", "D"]
Rating = Literal["satisfied", "basically_satisfied", "unsatisfied"]
ProposalState = Annotated[str, StatesOf(PROPOSAL)]
AssignmentState = Annotated[str, StatesOf(PROPOSAL_ASSIGNMENT)]
SignerStatus = Literal["pending", "confirmed", "declined"]
AssignmentRole = Literal["lead", "co"]


def _in_business_years(value: datetime) -> datetime:
    # Converting a time at the edge of datetime's range to UTC would overflow.
    if not 1949 <= value.year <= 2100:
        raise ValueError("must fall in the years 1949 to 2100")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_business_years)]
SignerIds = Annotated[list[uuid.UUID], Field(max_length=50)]


class ProposalCreate(Input):
    title: Title
    body: Text
    category: Category
    kind: Kind = "session"
    proposer_kind: ProposerKind = "member"
    # A member's own proposal needs none; staff name the member they enter a paper one for.
    lead_member_id: uuid.UUID | None = None
    proposer_name: Name | None = None
    signer_member_ids: SignerIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _proposer(self) -> ProposalCreate:
        if self.proposer_kind != "member":
            if self.proposer_name is None:
                raise ValueError("proposer_name is required unless proposer_kind is member")
            if self.lead_member_id is not None or self.signer_member_ids:
                raise ValueError("only a member proposal has a lead member and co-signers")
        if len(set(self.signer_member_ids)) != len(self.signer_member_ids):
            raise ValueError("signer_member_ids must not repeat")
        return self


class SignerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member_id: uuid.UUID
    order: int
    status: SignerStatus


class ProposalEvaluationOut(BaseModel):
    process_rating: Rating
    result_rating: Rating
    comment: str | None
    at: datetime
    on_paper: bool


class ProposalOut(Resource):
    year: int
    title: str
    body: str
    category: Category
    kind: Kind
    proposer_kind: ProposerKind
    lead_member_id: uuid.UUID | None
    proposer_name: str | None
    signers: list[SignerOut]
    state: ProposalState
    number: str | None
    round: int
    submitted_at: datetime | None
    filed_on: date | None
    not_filed_reason: str | None
    conversion: Conversion | None
    merged_into_id: uuid.UUID | None
    is_key: bool
    lead_leader: str | None
    urging_leader: str | None
    reply_due_at: datetime | None
    overdue: bool
    reply_class: ReplyClass | None
    follow_up_due_at: datetime | None
    follow_up_open: bool
    evaluation: ProposalEvaluationOut | None


class ProposalFilters(BaseModel):
    """Query filters of ``GET /proposals``."""

    state: ProposalState | None = None
    year: Year | None = None
    category: Category | None = None
    kind: Kind | None = None
    is_key: bool | None = None
    member_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    overdue: bool | None = None
    reply_class: ReplyClass | None = None
    q: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None


class Signature(Input):
    """``POST /proposals/{id}/signatures``: a co-signer's answer."""

    decision: Literal["confirm", "decline"]


# --- transitions: one body per action, told apart by ``action`` ------------------------------


class _Move(Input):
    comment: Comment | None = None


class Submit(_Move):
    action: Literal["submit"]


class ReturnForEdit(_Move):
    action: Literal["return_for_edit"]


class File(_Move):
    action: Literal["file"]


class Reject(_Move):
    action: Literal["reject"]
    reason: Text
    conversion: Conversion


class Merge(_Move):
    action: Literal["merge"]
    into_id: uuid.UUID


class Withdraw(_Move):
    action: Literal["withdraw"]


class Assign(_Move):
    action: Literal["assign"]
    lead_department_id: uuid.UUID
    co_department_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _distinct(self) -> Assign:
        units = [self.lead_department_id, *self.co_department_ids]
        if len(set(units)) != len(units):
            raise ValueError("a unit is named once: lead or co-handler")
        return self


class MarkKey(_Move):
    action: Literal["mark_key"]
    lead_leader: Name
    urging_leader: Name


class ProposalEvaluate(_Move):
    action: Literal["evaluate"]
    process_rating: Rating
    result_rating: Rating
    on_paper: bool = False


class Decide(_Move):
    action: Literal["decide"]
    outcome: Literal["close", "rework"]


class FinalReply(_Move):
    action: Literal["final_reply"]
    reply_class: ReplyClass = Field(alias="class")
    text: Text


class WorkerMove(_Move):
    """The machine's automatic moves: named here so that asking for one is refused by the
    workflow (403, the worker's alone), not by the body's shape."""

    action: Literal["accepted", "replied", "close", "rework", "escalate", "expire"]


AnyMove = Annotated[
    Submit
    | ReturnForEdit
    | File
    | Reject
    | Merge
    | Withdraw
    | Assign
    | MarkKey
    | ProposalEvaluate
    | Decide
    | FinalReply
    | WorkerMove,
    Field(discriminator="action"),
]


class ProposalMove(RootModel[AnyMove]):
    """The body of ``POST /proposals/{id}/transitions``."""

    model_config = ConfigDict(json_schema_extra={"example": {"action": "submit"}})


# --- assignments (交办) ------------------------------------------------------------------------


class AssignmentOut(Resource):
    proposal_id: uuid.UUID
    department_id: uuid.UUID
    role: AssignmentRole
    state: AssignmentState
    round: int
    assigned_at: datetime
    reply_due_at: datetime | None
    opinion_due_at: datetime | None
    return_deadline: datetime | None
    extension_until: datetime | None
    overdue: bool


class AssignmentFilters(BaseModel):
    state: AssignmentState | None = None
    proposal_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    overdue: bool | None = None


class Accept(_Move):
    action: Literal["accept"]


class RequestReturn(_Move):
    action: Literal["request_return"]
    reason: Text


class ApproveReturn(_Move):
    action: Literal["approve_return"]
    department_id: uuid.UUID


class DenyReturn(_Move):
    action: Literal["deny_return"]


class SubmitOpinion(_Move):
    action: Literal["submit_opinion"]
    text: Text


class RequestExtension(_Move):
    action: Literal["request_extension"]
    until: Instant
    reason: Text


class ApproveExtension(_Move):
    action: Literal["approve_extension"]


class Reply(_Move):
    action: Literal["reply"]
    reply_class: ReplyClass = Field(alias="class")
    text: Text
    doc_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    face_to_face_on: date | None = None


class WorkerAssignmentMove(_Move):
    """The assignment machine's automatic move (see ``WorkerMove``)."""

    action: Literal["reopen"]


AnyAssignmentMove = Annotated[
    Accept
    | RequestReturn
    | ApproveReturn
    | DenyReturn
    | SubmitOpinion
    | RequestExtension
    | ApproveExtension
    | Reply
    | WorkerAssignmentMove,
    Field(discriminator="action"),
]


class AssignmentMove(RootModel[AnyAssignmentMove]):
    """The body of ``POST /proposal-assignments/{id}/transitions``."""

    model_config = ConfigDict(json_schema_extra={"example": {"action": "accept"}})


class ReplyOut(Resource):
    proposal_id: uuid.UUID
    assignment_id: uuid.UUID
    department_id: uuid.UUID
    round: int
    final: bool
    reply_class: ReplyClass = Field(serialization_alias="class")
    text: str
    doc_number: str | None
    face_to_face_on: date | None


class OpinionOut(Resource):
    proposal_id: uuid.UUID
    assignment_id: uuid.UUID
    department_id: uuid.UUID
    round: int
    text: str
