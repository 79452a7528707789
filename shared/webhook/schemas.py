"""Webhook API shapes: subscriptions (secret only on create and rotate), deliveries, attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.enums import OneOf
from shared.schemas import Input, Patch, Resource
from shared.webhook import catalog

EventType = Annotated[str, OneOf(catalog.EVENT_TYPES)]

EventTypes = Annotated[
    list[Annotated[str, Field(max_length=100)]],
    Field(min_length=1, max_length=100),
    AfterValidator(catalog.check_patterns),
]
Url = Annotated[str, Field(min_length=8, max_length=2000)]


class SubscriptionCreate(Input):
    url: Url
    event_types: EventTypes
    description: str = Field(default="", max_length=500)


class SubscriptionUpdate(Patch):
    url: Url | None = None
    event_types: EventTypes | None = None
    description: str | None = Field(default=None, max_length=500)


class SubscriptionOut(Resource):
    url: str
    event_types: list[str]
    description: str
    status: Literal["active", "disabled"]
    disabled_reason: str | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="while set and in the future, deliveries carry two signatures"
    )


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="whsec_…; shown this once")


class DeliveryOut(Resource):
    subscription_id: uuid.UUID
    event_id: str = Field(description="evt_…, the webhook-id header")
    event_type: EventType
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    finished_at: datetime | None

    @field_validator("event_id", mode="before")
    @classmethod
    def _message_id(cls, value: object) -> object:
        return f"evt_{value.hex}" if isinstance(value, uuid.UUID) else value


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    status: Literal["in_flight", "succeeded", "failed"]
    duration_ms: int | None
    status_code: int | None
    error_class: str | None
    response_body: str | None = Field(description="the first 4 KiB of the answer")


class DeliveryDetail(DeliveryOut):
    attempts_log: list[AttemptOut]


class RecoverInput(Input):
    since: datetime


class RecoverOut(BaseModel):
    redelivered: int


class EventEnvelope(BaseModel):
    id: str = Field(description="evt_<32 hex>: the webhook-id header of its deliveries")
    type: EventType
    timestamp: datetime
    data: dict[str, object]


class EventTypeOut(BaseModel):
    type: EventType
    label_zh: str
    schema_: dict[str, object] = Field(alias="schema", serialization_alias="schema")

    model_config = ConfigDict(populate_by_name=True)
