"""Studio context: API input and output."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.enums import StatesOf
from shared.org.schemas import Latitude, Longitude, Name
from shared.schemas import Input, Patch, Resource
from shared.studio.workflows import CONTACT_REQUEST, STUDIO_RATING

StudioKind = Literal["studio", "parlour", "post"]
RatingLevel = Literal["province", "city", "district"]
ActivityKind = Literal[
    "featured_service", "sector_service_week", "lecture", "reception_day", "online_meeting"
]
Stars = Annotated[int, Field(ge=1, le=5)]
RatingState = Annotated[str, StatesOf(STUDIO_RATING)]
ContactState = Annotated[str, StatesOf(CONTACT_REQUEST)]
Year = Annotated[int, Field(ge=1949, le=2100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Theme = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Comment = Annotated[str, StringConstraints(max_length=2000)]


# --- studios ---------------------------------------------------------------------------------


class StudioCreate(Input):
    kind: StudioKind
    name: Name
    region_id: uuid.UUID | None = None
    address: Address | None = None
    lat: Latitude
    lon: Longitude
    convener_member_id: uuid.UUID | None = None
    theme: Theme | None = None
    active: bool = True


class StudioUpdate(Patch):
    clearable = frozenset({"region_id", "address", "convener_member_id", "theme"})

    kind: StudioKind | None = None
    name: Name | None = None
    region_id: uuid.UUID | None = None
    address: Address | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    convener_member_id: uuid.UUID | None = None
    theme: Theme | None = None
    active: bool | None = None


class CurrentRating(BaseModel):
    """The newest awarded, unexpired rating of a studio."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    stars: Stars
    level: RatingLevel
    valid_until: datetime | None


class StudioOut(Resource):
    kind: StudioKind
    name: str
    region_id: uuid.UUID | None
    address: str | None
    lat: float
    lon: float
    convener_member_id: uuid.UUID | None
    theme: str | None
    active: bool
    current_rating: CurrentRating | None = None


class NearbyStudio(BaseModel):
    """A studio within the walk, as the public sees it (no convener, no internal fields)."""

    id: uuid.UUID
    organisation_id: uuid.UUID = Field(description="Whose studio: the circle may span several")
    kind: StudioKind
    name: str
    address: str | None
    theme: str | None
    lat: float
    lon: float
    distance_m: float = Field(description="Great-circle distance in metres")
    walk_minutes: float = Field(description="distance_m / 80, to one decimal")
    current_rating: CurrentRating | None = None


class NearbyOut(BaseModel):
    minutes: int
    radius_m: float
    items: list[NearbyStudio]


class CoveredVillage(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    covered: bool
    nearest_studio_id: uuid.UUID | None = None
    distance_m: float | None = None


class CoverageOut(BaseModel):
    region_id: uuid.UUID | None
    minutes: int
    radius_m: float
    villages_total: int = Field(description="Villages with a centre point")
    villages_covered: int
    share: float = Field(description="villages_covered / villages_total (0 when there are none)")
    unlocated: int = Field(description="Villages without a centre point: not judged")
    villages: list[CoveredVillage]


# --- memberships -----------------------------------------------------------------------------


class MembershipCreate(Input):
    member_id: uuid.UUID
    since: date | None = Field(default=None, description="Default: today in the organisation")
    until: date | None = None

    @model_validator(mode="after")
    def _period(self) -> MembershipCreate:
        if self.since and self.until and self.until < self.since:
            raise ValueError("until must not be before since")
        return self


class MembershipUpdate(Patch):
    clearable = frozenset({"until"})

    since: date | None = None
    until: date | None = None


class MembershipOut(Resource):
    studio_id: uuid.UUID
    member_id: uuid.UUID
    since: date
    until: date | None


# --- ratings ---------------------------------------------------------------------------------


class RatingCreate(Input):
    year: Year
    stars: Stars | None = Field(default=None, description="The stars the studio applies for")
    level: RatingLevel | None = None
    self_assessment: LongText | None = None


class RatingOut(Resource):
    studio_id: uuid.UUID
    year: int
    stars: Stars | None
    level: RatingLevel | None
    self_assessment: str | None
    state: RatingState
    state_changed_at: datetime
    awarded_at: datetime | None
    valid_until: datetime | None


class RatingAction(Input):
    action: Literal["submit", "recommend", "award", "reject"]
    comment: Comment | None = None
    stars: Stars | None = None
    level: RatingLevel | None = None
    valid_until: AwareDatetime | None = Field(
        default=None, description="award only; default the end of the year after the rating's"
    )

    @model_validator(mode="after")
    def _award_fields(self) -> RatingAction:
        if self.action == "award" and (self.stars is None or self.level is None):
            raise ValueError("award needs stars and level")
        if self.action != "award" and {"stars", "level", "valid_until"} & self.model_fields_set:
            raise ValueError("stars, level and valid_until belong to award only")
        return self


# --- service activities ----------------------------------------------------------------------


class ActivityCreate(Input):
    kind: ActivityKind
    title: Name
    studio_id: uuid.UUID | None = None
    sector_id: uuid.UUID | None = None
    held_on: date = Field(description="The business date, in the organisation's time zone")
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    public_reach: Annotated[int, Field(ge=0, le=10_000_000)] = 0


class ActivityUpdate(Patch):
    clearable = frozenset({"studio_id", "sector_id"})

    kind: ActivityKind | None = None
    title: Name | None = None
    studio_id: uuid.UUID | None = None
    sector_id: uuid.UUID | None = None
    held_on: date | None = None
    member_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    public_reach: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class ActivityOut(Resource):
    kind: ActivityKind
    title: str
    studio_id: uuid.UUID | None
    sector_id: uuid.UUID | None
    held_on: date
    member_ids: list[uuid.UUID]
    public_reach: int


# --- member cards and contact requests -------------------------------------------------------


class CardStudio(BaseModel):
    id: uuid.UUID
    kind: StudioKind
    name: str
    address: str | None


class MemberCard(BaseModel):
    """委员名片: only what may be public. Never phone or any other private field."""

    id: uuid.UUID
    name: str
    sector: str | None
    studios: list[CardStudio]
    photo_url: str | None
    contact_url: str = Field(description="Where the card's contact form posts; for a QR code")


class ContactCreate(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ContactReceipt(BaseModel):
    """What the public sender gets back: a receipt, not the stored request."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    state: ContactState
    created_at: datetime


class ContactOut(Resource):
    member_id: uuid.UUID
    text: str
    contact: str
    state: ContactState
    state_changed_at: datetime
    answer: str | None


class ContactAction(Input):
    action: Literal["answer", "close"]
    comment: Comment | None = None
    answer: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _answer_only_on_answer(self) -> ContactAction:
        if self.answer is not None and self.action != "answer":
            raise ValueError("answer belongs to the answer action")
        return self
