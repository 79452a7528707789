"""What every scorecard section is built from: the business year and the worded metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared import clock
from shared.scorecard.schemas import Metric
from shared.scorecard.wording import Style, word


@dataclass(frozen=True)
class Year:
    number: int
    starts: datetime  # UTC instants of the local year's bounds, for timestamps
    ends: datetime
    first_day: date  # and the local dates, for business-date columns
    last_day: date

    @classmethod
    def of(cls, number: int, timezone: str) -> Year:
        starts, ends = clock.year_bounds(number, timezone)
        return cls(number, starts, ends, date(number, 1, 1), date(number, 12, 31))


def metric(
    key: str,
    label: str,
    value: float,
    unit: str,
    style: Style = "exact",
    target: int | None = None,
    **extra: Any,
) -> Metric:
    return Metric(
        key=key,
        label=label,
        value=value,
        target=target,
        wording=word(value, unit, style, target),
        **extra,
    )
