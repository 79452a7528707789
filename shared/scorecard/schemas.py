"""The scorecard's shape (api.md): sections of metrics with key, label, value, target, wording."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

SectionKey = Literal["consultation", "platforms", "campaign", "studio", "supervision", "party"]
# domain.md §5; ``platform`` repeats once per platform (told apart by ``platform_id``).
MetricKey = Literal[
    "district_consultations",
    "special_reports",
    "reports_with_principal_instructions",
    "principal_leader_consultations",
    "suggestions",
    "adopted_suggestions",
    "experts",
    "expert_fields",
    "platform",
    "consultations",
    "member_participations",
    "public_participations",
    "parlours",
    "parlours_five_star_province",
    "parlours_four_star",
    "featured_services",
    "featured_service_reach",
    "members_stationed_ratio",
    "special_topics",
    "cases_closed",
    "cases_overdue",
    "party_branches",
    "partner_organisations",
    "joint_activities",
    "joint_activity_participations",
    "theme_task_areas",
    "theme_tasks",
    "problems_solved",
]


class Metric(BaseModel):
    key: MetricKey
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
