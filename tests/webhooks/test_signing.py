"""Secrets, signatures and the retry schedule, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from shared.webhook import catalog, retries, signing


def test_signature_is_what_standard_webhooks_computes() -> None:
    secret = signing.new_secret()
    body = b'{"id":"evt_1","type":"webhook.test"}'
    moment = datetime.now(UTC).replace(microsecond=0)
    ours = signing.signature_header("evt_1", int(moment.timestamp()), body, [secret])
    assert ours == Webhook(secret).sign("evt_1", moment, body.decode())


def test_two_secrets_give_two_signatures_either_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b"{}"
    timestamp = int(datetime.now(UTC).timestamp())
    header = signing.signature_header("evt_2", timestamp, body, [new, old])
    headers = {"webhook-id": "evt_2", "webhook-timestamp": str(timestamp)}
    assert len(header.split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, {**headers, "webhook-signature": header})


def test_sealed_secret_opens_only_with_its_key() -> None:
    secret = signing.new_secret()
    sealed = signing.seal("k" * 40, secret)
    assert secret not in sealed and signing.unseal("k" * 40, sealed) == secret
    with pytest.raises(ValueError, match="another TONGXIN_SECRET_KEY"):
        signing.unseal("j" * 40, sealed)


def test_schedule_has_ten_attempts_with_jitter() -> None:
    for failures, base in enumerate(retries.RETRY_SCHEDULE, start=1):
        for _ in range(20):
            delay = retries.delay_after(failures)
            assert delay is not None and base * 0.8 <= delay <= base * 1.2
    assert retries.delay_after(10) is None
    assert sum(retries.RETRY_SCHEDULE, timedelta()) == timedelta(hours=75, seconds=5 + 35 * 60)


def test_retry_after_is_a_capped_floor() -> None:
    assert retries.delay_after(1, timedelta(minutes=10)) == timedelta(minutes=10)
    assert retries.delay_after(1, timedelta(days=9)) == timedelta(hours=24)
    assert retries.parse_retry_after("120") == timedelta(seconds=120)
    assert retries.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == timedelta(0)
    assert retries.parse_retry_after("soon") is None


def test_patterns() -> None:
    assert catalog.wanted(["supervision_case.*"], "supervision_case.reported")
    assert not catalog.wanted(["supervision_case.*"], "supervision_topic.concluded")
    assert catalog.wanted(["*"], "webhook.test")
    with pytest.raises(ValueError):
        catalog.check_patterns(["supervision.*"])
