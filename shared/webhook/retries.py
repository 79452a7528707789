"""When to try a failed delivery again (Standard Webhooks' schedule, about 75 h in all)."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

# Delay after the 1st, 2nd, … failure; the 10th attempt is the last.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.2
MAX_RETRY_AFTER = timedelta(hours=24)
# Every attempt failing for this long disables the subscription.
FAILING_LIMIT = timedelta(days=5)


def delay_after(failures: int, retry_after: timedelta | None = None) -> timedelta | None:
    """The wait after the ``failures``-th failure in a row, or None when retries are spent.

    ±20 % jitter spreads a receiver's comeback load; a ``Retry-After`` is a floor (capped)."""
    if failures >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE[failures - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date (compared with the real wall clock, which is
    the receiver's)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return timedelta(seconds=max(moment.timestamp() - time.time(), 0.0))
