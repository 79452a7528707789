"""Every field with a fixed set of values is an ``enum`` in the OpenAPI document (api.md,
"OpenAPI"), in request bodies, query parameters and responses, so generated clients reject
unknown values; a workflow's states are exactly the ones its machine declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from shared.consultation import schemas as consultation
from shared.studio import schemas as studio
from shared.supervision import schemas as supervision
from shared.workflow import REGISTRY

pytestmark = pytest.mark.asyncio

# Field names whose values come from a fixed set wherever they appear.
FIXED = {
    "state",
    "kind",
    "level",
    "role",
    "class",
    "adoption_class",
    "proposed_class",
    "rating",
    "proposer_kind",
    "completion",
    "outcome",
    "leader_tier",
    "status",
    "scopes",
    "action",
    "token_type",
    "format",
    "actor_role",
    "key",
}
# An integer scale is a range, not an enum.
RANGES = {"stars": (1, 5)}
# Histories record what happened to any kind of row (created, updated, each machine's moves):
# their ``action`` is a log entry's word, open by design, not a request's choice.
OPEN = {("AuditOut", "action"), ("TimelineEntry", "action")}
OPEN.add(("ApiKeyCreated", "key"))  # the secret itself, not a choice


def _variants(schema: dict[str, Any], spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The non-null alternatives of a property, through refs, arrays and anyOf."""
    if "$ref" in schema:
        yield from _variants(_resolve(spec, schema["$ref"]), spec)
    elif "anyOf" in schema or "oneOf" in schema:
        for option in schema.get("anyOf", schema.get("oneOf", [])):
            yield from _variants(option, spec)
    elif schema.get("type") == "array":
        yield from _variants(schema["items"], spec)
    elif schema.get("type") != "null":
        yield schema


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    found: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    assert isinstance(found, dict)
    return found


def _fields(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) for every schema property and every query parameter."""
    for model, schema in spec["components"]["schemas"].items():
        for name, prop in schema.get("properties", {}).items():
            yield model, name, prop
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} ?{parameter['name']}"
                yield where, parameter["name"], parameter["schema"]


async def _spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


async def test_every_fixed_set_is_an_enum(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    loose, seen = [], 0
    for where, name, prop in _fields(spec):
        for variant in _variants(prop, spec):
            if name in RANGES:
                low, high = RANGES[name]
                if (variant.get("minimum"), variant.get("maximum")) != (low, high):
                    loose.append(f"{where}.{name}")
            elif name in FIXED and variant.get("type") == "string" and (where, name) not in OPEN:
                seen += 1
                if not (variant.get("enum") or "const" in variant):
                    loose.append(f"{where}.{name}")
    assert loose == []
    assert seen > 60  # the walk really reached the schemas


async def test_every_state_enum_is_a_registered_workflows_states(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    machines = {frozenset(w.states): w.name for w in REGISTRY.values()}
    # A webhook delivery has no machine: its ``?state=`` filter takes the delivery's status.
    delivery = spec["components"]["schemas"]["DeliveryOut"]["properties"]["status"]
    machines[frozenset(delivery["enum"])] = "webhook delivery"
    stray = []
    for where, name, prop in _fields(spec):
        if name != "state":
            continue
        for variant in _variants(prop, spec):
            if frozenset(variant.get("enum", ())) not in machines:
                stray.append(f"{where}: {variant.get('enum')}")
    assert stray == []


@pytest.mark.parametrize(
    ("model", "field", "workflow"),
    [
        (supervision.CaseOut, "state", "supervision_case"),
        (supervision.TopicOut, "state", "supervision_topic"),
        (supervision.CaseFilters, "state", "supervision_case"),
        (consultation.ConsultationOut, "state", "consultation"),
        (consultation.SuggestionOut, "state", "suggestion"),
        (consultation.ReportOut, "state", "report"),
        (consultation.InstructionTaskOut, "state", "instruction_task"),
        (studio.RatingOut, "state", "studio_rating"),
        (studio.ContactOut, "state", "contact_request"),
    ],
)
async def test_state_fields_follow_their_machine(
    model: type[BaseModel], field: str, workflow: str
) -> None:
    states = list(REGISTRY[workflow].states)
    schema = model.model_json_schema()["properties"][field]
    enums = [o.get("enum") for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    assert enums == [states]
    with pytest.raises(ValidationError):
        model.__pydantic_validator__.validate_assignment(
            model.model_construct(), field, "no_such_state"
        )


async def test_responses_refuse_a_state_the_machine_does_not_have() -> None:
    """The same type validates, so a row can never leave with a state its machine lacks."""
    with pytest.raises(ValidationError):
        supervision.CaseFilters.model_validate({"state": "no_such_state"})
    assert supervision.CaseFilters.model_validate({"state": "draft"}).state == "draft"
