"""The consultation context's state machines (domain.md §3.2–3.4), as data."""

from __future__ import annotations

from shared.auth import Role
from shared.consultation.models import ADOPTION_CLASSES as CLASSES
from shared.workflow import Action, Workflow

STAFF = frozenset({Role.staff})
DEPARTMENT = frozenset({Role.department})

CONSULTATION = Workflow(
    name="consultation",
    label_zh="协商活动",
    states=("planned", "scheduled", "held", "concluded", "closed", "cancelled"),
    initial="planned",
    actions=(
        Action("schedule", ("planned",), ("scheduled",), "scheduled", STAFF, label_zh="排期"),
        Action("hold", ("scheduled",), ("held",), "held", STAFF, label_zh="召开"),
        Action("conclude", ("held",), ("concluded",), "concluded", STAFF, label_zh="结束"),
        Action("close", ("concluded",), ("closed",), "closed", auto=True, label_zh="办结"),
        Action(
            "cancel",
            ("planned", "scheduled"),
            ("cancelled",),
            "cancelled",
            STAFF,
            label_zh="取消",
        ),
    ),
)

SUGGESTION = Workflow(
    name="suggestion",
    label_zh="意见建议",
    states=(
        "proposed",
        "forwarded",
        "responded",
        *CLASSES,
        "implemented",
        "verified",
        "merged",
        "converted",
    ),
    initial="proposed",
    actions=(
        Action("forward", ("proposed",), ("forwarded",), "forwarded", STAFF, label_zh="转交"),
        # A suggestion forwarded to several departments stays forwarded until the last answers.
        Action(
            "respond",
            ("forwarded",),
            ("forwarded", "responded"),
            "responded",
            DEPARTMENT,
            label_zh="答复",
        ),
        Action("classify", ("responded",), CLASSES, "classified", STAFF, label_zh="采纳认定"),
        Action(
            "implement",
            ("adopted", "partially_adopted", "planned"),
            ("implemented",),
            "implemented",
            STAFF,
            label_zh="落实",
        ),
        Action("verify", ("implemented",), ("verified",), "verified", STAFF, label_zh="回头看"),
        Action("merge", ("proposed",), ("merged",), "merged", STAFF, label_zh="合并"),
        Action("convert", ("proposed",), ("converted",), "converted", STAFF, label_zh="转为报告"),
    ),
)

REPORT = Workflow(
    name="report",
    label_zh="政协专报",
    states=("draft", "submitted", "instructed", "closed"),
    initial="draft",
    actions=(
        Action("submit", ("draft",), ("submitted",), "submitted", STAFF, label_zh="报送"),
        Action(
            "instruct",
            ("submitted",),
            ("instructed",),
            "instructed",
            auto=True,
            label_zh="已批示",
        ),
        Action("close", ("instructed",), ("closed",), "closed", auto=True, label_zh="办结"),
    ),
)

INSTRUCTION_TASK = Workflow(
    name="instruction_task",
    label_zh="批示落实任务",
    states=("assigned", "feedback_submitted", "closed"),
    initial="assigned",
    actions=(
        Action(
            "feedback",
            ("assigned",),
            ("feedback_submitted",),
            "feedback_submitted",
            DEPARTMENT,
            label_zh="反馈",
        ),
        Action(
            "confirm", ("feedback_submitted",), ("closed",), "confirmed", STAFF, label_zh="确认"
        ),
        Action(
            "reject", ("feedback_submitted",), ("assigned",), "rejected", STAFF, label_zh="退回"
        ),
    ),
)
