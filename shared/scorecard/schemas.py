"""The scorecard's shape (api.md): sections of metrics with key, label, value, target, wording."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

SectionKey = Literal["consultation", "platforms", "campaign", "studio", "supervision", "party"]


class Metric(BaseModel):
    key: str
    label: str
    value: float | int
    target: int | None = None
    wording: str
    platform_id: uuid.UUID | None = None


class Section(BaseModel):
    key: SectionKey
    title: str
    metrics: list[Metric]


class Scorecard(BaseModel):
    year: int
    organisation: str
    sections: list[Section]

    def metric(self, section: str, key: str, title: str | None = None) -> Metric:
        """One metric by section key (and title, for the per-campaign sections)."""
        for candidate in self.sections:
            if candidate.key == section and (title is None or candidate.title == title):
                for metric in candidate.metrics:
                    if metric.key == key:
                        return metric
        raise KeyError(f"{section}.{key}")
