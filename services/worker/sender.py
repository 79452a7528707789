"""The webhook sender's HTTP side: sign, POST, keep 4 KiB of the answer, classify what went wrong.

One client per worker process, its connections reused between deliveries. It opens connections
only to addresses ``shared.webhook.targets`` vetted at that moment (the client's resolver), so
DNS rebinding cannot steer a request inside; redirects are never followed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from shared.config import Settings
from shared.webhook import retries, signing, targets

log = logging.getLogger("tongxin.webhooks")

RESPONSE_KEPT = 4096
USER_AGENT = "Tongxin-Webhooks/1 (+https://www.standardwebhooks.com)"


@dataclass(frozen=True)
class Policy:
    secret_key: str
    allow_private: bool
    timeout: float
    connect_timeout: float
    lease: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            secret_key=settings.secret,
            allow_private=settings.webhook_allow_private_targets,
            timeout=settings.webhook_timeout.total_seconds(),
            connect_timeout=settings.webhook_connect_timeout.total_seconds(),
            lease=settings.webhook_lease,
        )


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    attempt_id: uuid.UUID
    token: uuid.UUID
    number: int
    url: str
    body: bytes
    message_id: str
    secrets: list[str]
    subscription_failing: bool


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error_class: str | None = None
    detail: str | None = None
    body: str | None = None
    duration_ms: int = 0
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def label(self) -> str:
        if self.succeeded:
            return "succeeded"
        return self.error_class or "http_error"


class VettingResolver(AbstractResolver):
    """The HTTP client's resolver: a name resolves only to addresses webhooks may go to, checked
    each time a connection is opened (there is no DNS cache in between)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await targets.addresses(host, port, allow_private=self.allow_private)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in found
        ]

    async def close(self) -> None:
        return None


class Sender:
    """One HTTP client per worker process (connections are reused between deliveries)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._client: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:  # made on first use, inside the running event loop
            connector = aiohttp.TCPConnector(
                resolver=VettingResolver(self.policy.allow_private),
                use_dns_cache=False,
                limit=100,
            )
            self._client = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=self.policy.timeout, sock_connect=self.policy.connect_timeout
                ),
                trust_env=False,
                auto_decompress=False,
                headers={"user-agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def send_all(self, claims: Iterable[Claim]) -> list[tuple[Claim, Outcome]]:
        claims = list(claims)
        return list(zip(claims, await asyncio.gather(*map(self.send, claims)), strict=True))

    async def send(self, claim: Claim) -> Outcome:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.policy.timeout):
                targets.check_url(claim.url, allow_private=self.policy.allow_private)
                outcome = await self._post(claim)
        except targets.BlockedTarget as exc:
            log.warning("blocked_ip: delivery %s refused: %s", claim.delivery_id, exc)
            outcome = Outcome(error_class="blocked_ip", detail=str(exc))
        except TimeoutError:
            outcome = Outcome(error_class="timeout", detail="no complete answer in time")
        except aiohttp.ClientConnectorError as exc:
            outcome = Outcome(error_class="connect_error", detail=str(exc)[:200])
        except aiohttp.ClientError as exc:
            outcome = Outcome(error_class=type(exc).__name__, detail=str(exc)[:200])
        return replace(outcome, duration_ms=int((time.monotonic() - started) * 1000))

    async def _post(self, claim: Claim) -> Outcome:
        # The receiver checks this against its own clock (±5 min): real time, not shared.clock.
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": claim.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header(
                claim.message_id, timestamp, claim.body, claim.secrets
            ),
        }
        async with self._session().post(
            claim.url,
            data=claim.body,
            headers=headers,
            allow_redirects=False,  # a 3xx is a failure, never a hop to somewhere unvetted
        ) as response:
            kept = bytearray()
            while len(kept) < RESPONSE_KEPT and (chunk := await response.content.readany()):
                kept += chunk
            return Outcome(
                status_code=response.status,
                body=bytes(kept[:RESPONSE_KEPT]).decode("utf-8", "replace"),
                retry_after=retries.parse_retry_after(response.headers.get("retry-after")),
            )
