"""Studio context: the state machines (domain.md §3.5) as data."""

from __future__ import annotations

from shared.auth import Role
from shared.workflow import Action, Workflow

OFFICE = frozenset({Role.staff, Role.leader})

STUDIO_RATING = Workflow(
    name="studio_rating",
    label_zh="星级评定",
    states=("draft", "district_review", "upper_review", "awarded", "rejected", "expired"),
    initial="draft",
    actions=(
        Action(
            "submit",
            ("draft",),
            ("district_review",),
            "submitted",
            frozenset({Role.member}),
            label_zh="工作室自评申报",
        ),
        Action(
            "recommend",
            ("district_review",),
            ("upper_review",),
            "recommended",
            OFFICE,
            label_zh="区级推荐",
        ),
        # From district review only a leader awards, and only at district level; from upper
        # review staff record the province's or city's award. ``commands.award`` checks both.
        Action(
            "award",
            ("district_review", "upper_review"),
            ("awarded",),
            "awarded",
            OFFICE,
            label_zh="评定星级",
        ),
        Action(
            "reject",
            ("district_review", "upper_review"),
            ("rejected",),
            "rejected",
            OFFICE,
            label_zh="不予评定",
        ),
        Action("expire", ("awarded",), ("expired",), "expired", auto=True, label_zh="到期"),
    ),
)

CONTACT_REQUEST = Workflow(
    name="contact_request",
    label_zh="名片留言",
    states=("received", "answered", "closed"),
    initial="received",
    actions=(
        Action(
            "answer",
            ("received",),
            ("answered",),
            "answered",
            frozenset({Role.member, *OFFICE}),
            label_zh="答复",
        ),
        Action(
            "close",
            ("received", "answered"),
            ("closed",),
            "closed",
            frozenset({Role.member, *OFFICE}),
            label_zh="办结",
        ),
    ),
)
