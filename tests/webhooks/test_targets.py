"""SSRF: only https to public addresses, at registration and again at send time."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker.sender import Sender
from shared.webhook import targets
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.webhooks.conftest import (
    Receiver,
    attempts_of,
    deliveries_of,
    emit,
    policy,
    subscribe,
    sweep,
)

PUBLIC = "93.184.215.14"


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    async def resolve(host: str, port: int) -> list[targets.IPAddress]:
        if host not in answers:
            raise OSError("no such host")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(targets, "resolve", resolve)


@pytest.fixture
async def strict_sender() -> AsyncIterator[Sender]:
    active = Sender(policy(allow_private=False))
    yield active
    await active.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # not https
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://172.16.0.1/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://224.0.0.1/x",
        "https://240.0.0.1/x",
        "https://[::1]/x",
        "https://[::]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:a9fe:a9fe]/x",
        "https://[fe80::1]/x",
        "https://[fd00:ec2::254]/x",
        "https://[ff02::1]/x",
        "https://[64:ff9b::a00:1]/x",
        "https://localhost/x",
        "https://localhost./x",
        "https://api.localhost/x",
        "https://user:pw@hooks.example.com/x",
        "https://internal.example.com/x",  # resolves to a private address
        "https://nowhere.example.com/x",  # does not resolve
    ],
)
async def test_registration_refuses(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    fake_dns(monkeypatch, {"hooks.example.com": [PUBLIC], "internal.example.com": ["10.0.0.8"]})
    response = await client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": url, "event_types": ["*"]},
        headers=world.auth("admin"),
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["loc"] == ["body", "url"]


async def test_registration_accepts_public_https(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"hooks.example.com": [PUBLIC, "2606:2800:220:1::1"]})
    sub = await subscribe(client, world.auth("admin"), "https://hooks.example.com/x")
    assert sub["status"] == "active"
    response = await client.delete(
        f"/api/v1/webhook-subscriptions/{sub['id']}", headers=world.auth("admin")
    )
    assert response.status_code == 204


async def test_rebinding_to_loopback_is_refused_at_send_time(
    client: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    sessionmaker: async_sessionmaker[AsyncSession],
    strict_sender: Sender,
) -> None:
    host = "rebind.example.com"
    fake_dns(monkeypatch, {host: [PUBLIC]})  # public when registered …
    sub = await subscribe(client, world.auth("admin"), f"https://{host}:{receiver.port}/hook")
    fake_dns(monkeypatch, {host: ["127.0.0.1"]})  # … loopback when sent
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, strict_sender)
    assert receiver.requests == []
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    [attempt] = await attempts_of(sessionmaker, delivery.id)
    assert attempt.error_class == "blocked_ip" and delivery.last_error == "blocked_ip"
    await client.delete(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=world.auth("admin"))


async def test_sender_connects_to_the_vetted_address_with_the_named_host(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    """The address checked is the address used: the name is resolved once, by us."""
    host = "receiver.test"
    fake_dns(monkeypatch, {host: ["127.0.0.1"]})
    sub = await subscribe(local, world.auth("admin"), f"http://{host}:{receiver.port}/hook")
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    [request] = receiver.requests
    assert request.headers["host"] == f"{host}:{receiver.port}"
    receiver.verify_all(sub["secret"])


@pytest.mark.parametrize(
    ("address", "public"),
    [
        (PUBLIC, True),
        ("2606:2800:220:1::1", True),
        ("8.8.8.8", True),
        ("127.0.0.53", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("198.18.0.1", False),
        ("192.0.2.1", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert targets.is_public(ipaddress.ip_address(address)) is public
