"""The supervision machines (domain.md §3.1): 开展监督 → 情况反映 → 部门反馈 → 政协评价.

People start, report, answer, evaluate, decide and withdraw; the worker makes every move that
follows by rule (all answered, the outcome of an evaluation) and the topic's own moves.
"""

from __future__ import annotations

from shared.auth import Role
from shared.workflow import Action, Workflow

OPEN_STATES = (
    "draft",
    "supervising",
    "awaiting_feedback",
    "awaiting_evaluation",
    "evaluated",
    "escalated",
)
FINISHED_STATES = ("closed", "withdrawn")

STAFF = frozenset({Role.staff})
LEADER = frozenset({Role.leader})
DEPARTMENT = frozenset({Role.department})

SUPERVISION_CASE = Workflow(
    name="supervision_case",
    label_zh="监督事项",
    states=(*OPEN_STATES, *FINISHED_STATES),
    initial="draft",
    actions=(
        Action("start", ("draft",), ("supervising",), "started", STAFF, label_zh="开展监督"),
        Action(
            "report",
            ("supervising",),
            ("awaiting_feedback",),
            "reported",
            STAFF,
            label_zh="情况反映",
        ),
        # An answer does not change the state: the case waits until every department answered.
        Action(
            "feedback",
            ("awaiting_feedback",),
            ("awaiting_feedback",),
            "feedback_submitted",
            DEPARTMENT,
            label_zh="部门反馈",
        ),
        Action(
            "all_answered",
            ("awaiting_feedback",),
            ("awaiting_evaluation",),
            "awaiting_evaluation",
            auto=True,
            label_zh="反馈齐全",
        ),
        Action(
            "evaluate",
            ("awaiting_evaluation",),
            ("evaluated",),
            "evaluated",
            STAFF,
            label_zh="政协评价",
        ),
        Action("close", ("evaluated",), ("closed",), "closed", auto=True, label_zh="办结"),
        Action(
            "rework",
            ("evaluated",),
            ("awaiting_feedback",),
            "reworked",
            auto=True,
            label_zh="重新办理",
        ),
        Action("escalate", ("evaluated",), ("escalated",), "escalated", auto=True, label_zh="提级"),
        Action(
            "decide",
            ("escalated",),
            ("closed", "awaiting_feedback"),
            "closed",
            LEADER,
            label_zh="领导决定",
            target_events=(("awaiting_feedback", "reworked"),),
        ),
        Action("withdraw", OPEN_STATES, ("withdrawn",), "withdrawn", LEADER, label_zh="撤回"),
    ),
)

SUPERVISION_TOPIC = Workflow(
    name="supervision_topic",
    label_zh="监督专题",
    states=("planned", "active", "concluded"),
    initial="planned",
    actions=(
        Action("activate", ("planned",), ("active",), "activated", auto=True, label_zh="启动"),
        Action("conclude", ("active",), ("concluded",), "concluded", auto=True, label_zh="完成"),
    ),
)
