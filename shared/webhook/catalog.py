"""The event types integrators can receive, in one place, each with the JSON Schema of its envelope.

Every ``data`` carries ``id`` (the object's), ``organisation_id``, ``sequence`` (per object,
strictly increasing) and ``state`` where the object has a workflow; the rest is what changed.
"""

from __future__ import annotations

import re
from typing import Any

_FAMILIES: dict[str, tuple[str, ...]] = {
    "consultation": ("created", "scheduled", "held", "concluded", "closed", "cancelled"),
    "suggestion": (
        "created",
        "forwarded",
        "responded",
        "classified",
        "implemented",
        "verified",
        "merged",
        "converted",
        "response_reminder",
        "response_overdue",
    ),
    "report": ("submitted", "instruction_recorded", "instructed", "closed"),
    "instruction_task": (
        "assigned",
        "feedback_submitted",
        "confirmed",
        "rejected",
        "reminder",
        "overdue",
    ),
    "studio": ("created", "updated", "rating_awarded", "rating_expired"),
    "studio_rating": (
        "submitted",
        "recommended",
        "awarded",
        "rejected",
        "expiry_reminder",
        "expired",
    ),
    "service_activity": ("created",),
    "supervision_case": (
        "created",
        "started",
        "reported",
        "feedback_submitted",
        "awaiting_evaluation",
        "evaluated",
        "reworked",
        "escalated",
        "closed",
        "withdrawn",
        "reminder",
        "overdue",
        "escalation_raised",
        "follow_up_created",
    ),
    "supervision_topic": ("activated", "concluded"),
    "contact_request": ("created", "answered", "closed"),
    "proposal": (
        "created",
        "submitted",
        "returned_for_edit",
        "filed",
        "not_filed",
        "merged",
        "withdrawn",
        "assigned",
        "handling",
        "replied",
        "evaluated",
        "reworked",
        "escalated",
        "closed",
        "marked_key",
        "reminder",
        "overdue",
        "escalation_raised",
        "follow_up_due",
        "final_replied",
    ),
    "proposal_assignment": (
        "accepted",
        "return_requested",
        "returned",
        "return_denied",
        "opinion_submitted",
        "extension_requested",
        "extension_approved",
        "replied",
        "reopened",
    ),
    "webhook": ("test", "delivery_exhausted", "subscription_disabled"),
}

EVENT_TYPES: tuple[str, ...] = tuple(
    f"{family}.{verb}" for family, verbs in _FAMILIES.items() for verb in verbs
)

_LABELS_ZH = {
    "consultation": "协商活动",
    "suggestion": "意见建议",
    "report": "报告",
    "instruction_task": "批示落实",
    "studio": "委员工作室",
    "studio_rating": "工作室星级评定",
    "service_activity": "履职服务活动",
    "supervision_case": "民主监督事项",
    "supervision_topic": "监督议题",
    "contact_request": "联系委员",
    "proposal": "提案",
    "proposal_assignment": "提案交办",
    "webhook": "推送",
}

_EXTRA_DATA: dict[str, dict[str, Any]] = {
    "webhook.test": {"message": {"type": "string"}},
    "webhook.delivery_exhausted": {
        "subscription_id": {"type": "string", "format": "uuid"},
        "event_id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
        "attempts": {"type": "integer"},
        "last_status_code": {"type": ["integer", "null"]},
        "last_error": {"type": ["string", "null"]},
    },
    "webhook.subscription_disabled": {
        "reason": {"type": "string", "enum": ["gone", "failing"]},
        "failing_since": {"type": ["string", "null"], "format": "date-time"},
    },
}

_PATTERN = re.compile(r"^(\*|[a-z0-9_]+\.\*|[a-z0-9_]+\.[a-z0-9_]+)$")


def schema_of(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one type's envelope (what the feed lists and webhooks carry)."""
    data_properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid", "description": "the object's id"},
        "organisation_id": {"type": "string", "format": "uuid"},
        "sequence": {"type": "integer", "minimum": 1, "description": "per object, increasing"},
        "state": {"type": "string"},
        **_EXTRA_DATA.get(event_type, {}),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": event_type,
        "type": "object",
        "required": ["id", "type", "timestamp", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
            "type": {"const": event_type},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {
                "type": "object",
                "required": ["id", "organisation_id", "sequence"],
                "properties": data_properties,
                "additionalProperties": True,
            },
        },
    }


def describe() -> list[dict[str, Any]]:
    return [
        {
            "type": event_type,
            "label_zh": _LABELS_ZH[event_type.split(".", 1)[0]],
            "schema": schema_of(event_type),
        }
        for event_type in EVENT_TYPES
    ]


def check_patterns(patterns: list[str]) -> list[str]:
    """Subscription filters: exact types, ``family.*`` or ``*``; each must match a known type.

    Raises ``ValueError`` naming the first pattern that is malformed or matches nothing."""
    for pattern in patterns:
        if not _PATTERN.match(pattern) or not any(matches(pattern, t) for t in EVENT_TYPES):
            raise ValueError(f"{pattern!r} matches no event type (see GET /api/v1/event-types)")
    return sorted(set(patterns))


def matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def wanted(patterns: list[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)
