"""The contract at its edges: durations written as RFC 3339 durations and bounded, scorecards at
the edge years in every format, and the OpenAPI document keeping the rules that make bad input a
422 (every number bounded, null only where a PATCH may clear, every media type named)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import RootModel

from shared.schemas import Input, format_duration
from shared.scorecard import render
from shared.scorecard.schemas import Metric, Scorecard, Section
from tests.api.test_auth import problem
from tests.api.test_org import API
from tests.conftest import World

# RFC 3339 appendix A: days, weeks, or time; years only followed by months; no gaps in the time.
RFC3339_DURATION = re.compile(
    r"^P(?:\d+W|(?:\d+D)?(?:T(?:\d+H(?:\d+M(?:\d+(?:\.\d+)?S)?)?|\d+M(?:\d+(?:\.\d+)?S)?"
    r"|\d+(?:\.\d+)?S))?)$"
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=862), "P862D"),
        (timedelta(days=6380), "P6380D"),
        (timedelta(seconds=15), "PT15S"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(hours=1, seconds=30), "PT1H0M30S"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(seconds=1, microseconds=500_000), "PT1.5S"),
        (timedelta(0), "PT0S"),
    ],
)
def test_durations_leave_in_days_and_time_form(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert RFC3339_DURATION.match(text), text


async def test_settings_durations_round_trip_as_rfc3339(
    client: httpx.AsyncClient, world: World
) -> None:
    change = {
        "reminder_before": "P12W",
        "escalation_after": ["PT100S", "P1DT2H", "P300D"],
        "suggestion_response_window": "P1Y",
        "task_window": "PT1H30S",
        "evaluation_reminder_after": "P60D",
        "rating_reminder_before": "P200D",
    }
    url = f"{API}/organisation/settings"
    response = await client.patch(url, json=change, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reminder_before"] == "P84D"
    assert body["escalation_after"] == ["PT1M40S", "P1DT2H", "P300D"]
    assert body["suggestion_response_window"] == "P365D"
    assert body["task_window"] == "PT1H0M30S"
    again = (await client.get(url, headers=world.auth("admin"))).json()
    assert again == body
    for name in change:
        values = again[name] if isinstance(again[name], list) else [again[name]]
        assert all(RFC3339_DURATION.match(v) for v in values), again


@pytest.mark.parametrize(
    "change",
    [
        {"reminder_before": "P928W"},
        {"reminder_before": "P91D"},
        {"task_window": "P2Y132D"},
        {"escalation_after": ["P7D", "P366D"]},
        {"evaluation_reminder_after": "PT0S"},
        {"rating_reminder_before": "-P1D"},
        {"suggestion_response_window": 86400},
        {"reminder_before": "P99999999999D"},
        {"escalation_after": []},
    ],
)
async def test_settings_out_of_range_are_422(
    client: httpx.AsyncClient, world: World, change: dict[str, Any]
) -> None:
    response = await client.patch(
        f"{API}/organisation/settings", json=change, headers=world.auth("admin")
    )
    problem(response, 422, "validation_error")


async def test_topic_windows_leave_in_days(client: httpx.AsyncClient, world: World) -> None:
    body = {
        "year": 2023,
        "title": "专项监督",
        "department_ids": [str(world.departments[0])],
        "feedback_window": "P2Y132D",
        "follow_up_after": "P3W",
    }
    response = await client.post(
        f"{API}/supervision-topics", json=body, headers=world.auth("staff")
    )
    assert response.status_code == 201, response.text
    topic = response.json()
    assert (topic["feedback_window"], topic["follow_up_after"]) == ("P862D", "P21D")


# --- scorecards at the edges -----------------------------------------------------------------

FORMATS = {
    "json": ("", "application/json"),
    "csv": ("?format=csv", "text/csv"),
    "html": (".html", "text/html"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@pytest.mark.parametrize("form", list(FORMATS))
async def test_scorecards_at_the_edge_years(
    client: httpx.AsyncClient, world: World, form: str
) -> None:
    # A campaign of the edge year with unusual (but legal) text lands in a section title.
    campaign = {"name": "专项🙂 «行动»\t二〇", "starts_on": "1949-01-01", "ends_on": "1949-12-31"}
    created = await client.post(f"{API}/campaigns", json=campaign, headers=world.auth("admin"))
    assert created.status_code == 201, created.text
    suffix, media = FORMATS[form]
    for year in (1949, 2100):
        response = await client.get(f"{API}/scorecards/{year}{suffix}", headers=world.auth("staff"))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media
    for year in (1948, 2101, 0, -1, 10**12):
        response = await client.get(f"{API}/scorecards/{year}{suffix}", headers=world.auth("staff"))
        problem(response, 422, "validation_error")


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    """Rows stored before input refused control characters still make a workbook."""
    metric = Metric(key="theme_tasks", label="标\x01签", value=1, target=None, wording="1\x0b次")
    card = Scorecard(
        year=1949,
        organisation="测试\x1f",
        sections=[Section(key="party", title="标\x00题", metrics=[metric])],
    )
    assert render.to_xlsx(card).startswith(b"PK")


# --- the OpenAPI document keeps the rules ----------------------------------------------------


def _request_schemas(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, schema) of every parameter and every request body property, refs resolved."""
    components = document["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        return components[ref.rsplit("/", 1)[1]] if ref else schema

    found: list[tuple[str, dict[str, Any]]] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found.append((f"{where} {parameter['name']}", parameter["schema"]))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                body = resolve(media["schema"])
                for name, prop in body.get("properties", {}).items():
                    found.append((f"{where} body.{name}", prop))
    return found


def _leaves(schema: dict[str, Any]) -> list[dict[str, Any]]:
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return [leaf for option in options for leaf in _leaves(option)]
    if schema.get("type") == "array":
        return [schema, *_leaves(schema.get("items", {}))]
    if isinstance(schema.get("additionalProperties"), dict):
        return [schema, *_leaves(schema["additionalProperties"])]
    return [schema]


def test_every_number_a_request_carries_is_bounded(app: FastAPI) -> None:
    unbounded = [
        where
        for where, schema in _request_schemas(app.openapi())
        for leaf in _leaves(schema)
        if leaf.get("type") in ("integer", "number")
        and not (
            ("minimum" in leaf or "exclusiveMinimum" in leaf)
            and ("maximum" in leaf or "exclusiveMaximum" in leaf)
        )
    ]
    assert unbounded == []


def test_patch_bodies_take_null_only_where_the_resource_is_nullable(app: FastAPI) -> None:
    document = app.openapi()
    components = document["components"]["schemas"]

    def schema_of(content: dict[str, Any]) -> dict[str, Any]:
        ref = next(iter(content.values()))["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]

    def nullable(prop: dict[str, Any]) -> bool:
        return {"type": "null"} in prop.get("anyOf", [])

    checked = 0
    for path, operations in document["paths"].items():
        patch = operations.get("patch")
        if patch is None:
            continue
        body = schema_of(patch["requestBody"]["content"])
        out = schema_of(patch["responses"]["200"]["content"])
        for name, prop in body["properties"].items():
            if name in out["properties"]:
                assert nullable(prop) == nullable(out["properties"][name]), f"PATCH {path} {name}"
                checked += 1
    assert checked > 50


def test_every_answer_that_is_not_json_names_its_media_type(app: FastAPI) -> None:
    document = app.openapi()
    expected = {
        ("/api/v1/scorecards/{year}", "text/csv"),
        ("/api/v1/scorecards/{year}.html", "text/html"),
        ("/api/v1/scorecards/{year}.xlsx", FORMATS["xlsx"][1]),
        ("/api/v1/consultations.ics", "text/calendar"),
        ("/metrics", "text/plain"),
    }
    for path, media in expected:
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert any(key.split(";")[0] == media for key in content), (path, content)


def _routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            found += _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def _inputs(kind: Any) -> bool:
    """An ``Input``, or a root model choosing between ``Input``s (one body per action)."""
    if isinstance(kind, type) and issubclass(kind, Input):
        return True
    if isinstance(kind, type) and issubclass(kind, RootModel):
        union = get_args(kind.model_fields["root"].annotation)[0]
        return all(_inputs(member) for member in get_args(union))
    return False


def test_every_request_body_is_an_input(app: FastAPI) -> None:
    """So each gets the one text check (and unknown fields refused): bodies, forms included."""
    bodies = [
        (route.path, body.field_info.annotation)
        for route in _routes(app.routes)
        for body in route.dependant.body_params
    ]
    assert len(bodies) > 50
    assert [path for path, kind in bodies if not _inputs(kind)] == []
