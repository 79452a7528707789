"""The HTTP conventions every resource relies on, on both databases."""

from __future__ import annotations

import importlib
import pkgutil

import httpx
import pytest
from fastapi.routing import APIRoute

from services.api import routers
from services.api.unit_of_work import UnitOfWorkRoute
from tests.conftest import World

pytestmark = pytest.mark.asyncio


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    assert "Traceback" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_route_is_problem_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/no-such-thing"), 404, "not_found")


async def test_wrong_method_is_problem_405(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_malformed_json_is_problem_400(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/sectors",
        content=b'{"name": ',
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")


async def test_validation_error_lists_fields(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/regions", json={"name": "", "level": "city"}, headers=world.auth("admin")
    )
    body = assert_problem(response, 422, "validation_error")
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "name") in locs and ("body", "level") in locs


async def test_oversize_body_is_problem_413(client: httpx.AsyncClient, world: World) -> None:
    big = b'{"name": "' + b"x" * 1_100_000 + b'"}'
    response = await client.post(
        "/api/v1/sectors",
        content=big,
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_oversize_chunked_body_is_problem_413(
    client: httpx.AsyncClient, world: World
) -> None:
    async def chunks():  # no Content-Length: the limit is enforced while streaming
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}'

    response = await client.post(
        "/api/v1/sectors",
        content=chunks(),
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32


async def test_keyset_pagination_walks_every_row_once(
    client: httpx.AsyncClient, world: World
) -> None:
    names = [f"界别{i:02d}" for i in range(7)]
    for name in names:
        response = await client.post(
            "/api/v1/sectors", json={"name": name}, headers=world.auth("admin")
        )
        assert response.status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/api/v1/sectors", params=params, headers=world.auth("staff"))
        ).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names


async def test_bad_cursor_and_limit_are_422(client: httpx.AsyncClient, world: World) -> None:
    assert_problem(
        await client.get("/api/v1/sectors", params={"cursor": "!!"}, headers=world.auth("staff")),
        422,
        "validation_error",
    )
    assert_problem(
        await client.get("/api/v1/sectors", params={"limit": 101}, headers=world.auth("staff")),
        422,
        "validation_error",
    )


async def test_etag_and_if_match(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        "/api/v1/committees", json={"name": "经济委"}, headers=world.auth("admin")
    )
    assert created.headers["etag"] == '"1"'
    location = created.headers["location"]
    fetched = await client.get(location, headers=world.auth("staff"))
    assert fetched.headers["etag"] == '"1"'
    updated = await client.patch(
        location, json={"name": "经济委员会"}, headers={**world.auth("admin"), "If-Match": '"1"'}
    )
    assert updated.status_code == 200 and updated.headers["etag"] == '"2"'
    stale = await client.patch(
        location, json={"name": "旧名"}, headers={**world.auth("admin"), "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "version_mismatch")
    assert (await client.get(location, headers=world.auth("staff"))).json()["name"] == "经济委员会"


async def test_idempotency_key_replays_and_refuses_reuse(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**world.auth("admin"), "Idempotency-Key": "create-sector-1"}
    first = await client.post("/api/v1/sectors", json={"name": "医卫界"}, headers=headers)
    again = await client.post("/api/v1/sectors", json={"name": "医卫界"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    listed = (await client.get("/api/v1/sectors", headers=world.auth("admin"))).json()["items"]
    assert [s["name"] for s in listed] == ["医卫界"]
    reused = await client.post("/api/v1/sectors", json={"name": "教育界"}, headers=headers)
    assert_problem(reused, 422, "idempotency_key_reused")


async def test_idempotency_keys_are_per_caller(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    key = {"Idempotency-Key": "same-key"}
    one = await client.post(
        "/api/v1/sectors", json={"name": "特邀"}, headers={**world.auth("admin"), **key}
    )
    two = await client.post(
        "/api/v1/sectors", json={"name": "特邀"}, headers={**other_world.auth("admin"), **key}
    )
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]


async def test_duplicate_is_conflict(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/api/v1/departments", json={"name": "区教育局"}, headers=world.auth("admin"))
    again = await client.post(
        "/api/v1/departments", json={"name": "区教育局"}, headers=world.auth("admin")
    )
    assert_problem(again, 409, "conflict")


async def test_operations_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert 'tongxin_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics.text


async def test_docs_are_served_without_internet(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert (await client.get("/docs-static/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/docs-static/swagger-ui.css")).status_code == 200


async def test_openapi_describes_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    operation = spec["paths"]["/api/v1/sectors"]["post"]
    assert {"401", "403", "409", "412", "422"} <= operation["responses"].keys()
    problem_ref = operation["responses"]["422"]["content"]["application/problem+json"]
    assert problem_ref["schema"]["$ref"].endswith("/Problem")


async def test_every_business_route_runs_in_a_unit_of_work() -> None:
    """A route declared outside ``api_router()`` would have no unit of work: its ``Session``
    would fail at the first request. Only the operations endpoints (no database session) may."""
    plain = []
    for info in pkgutil.iter_modules(routers.__path__):
        module = importlib.import_module(f"{routers.__name__}.{info.name}")
        for route in module.router.routes:
            if isinstance(route, APIRoute) and not isinstance(route, UnitOfWorkRoute):
                plain.append(f"{info.name}: {route.path}")
    assert plain and all(name.startswith("ops: ") for name in plain), plain
