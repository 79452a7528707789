"""The proposal machines (domain.md §6.1, §6.2): 提交 → 审查立案 → 交办 → 办理 → 答复 → 评价.

The lead signer (a member) submits, withdraws and evaluates; staff file, assign and also act on
paper on a proposer's behalf; a leader marks key proposals and settles escalated ones; a
department acts on its own assignments. The worker makes the moves that follow by rule.
"""

from __future__ import annotations

from shared.auth import Role
from shared.workflow import Action, Workflow

STAFF = frozenset({Role.staff})
LEADER = frozenset({Role.leader})
DEPARTMENT = frozenset({Role.department})
# Staff act for a proposer who files on paper, and for committee, sector and party proposals.
PROPOSER = frozenset({Role.member, Role.staff})

KEY_STATES = ("filed", "assigned", "handling")
FOLLOW_UP_STATES = ("replied", "evaluated", "escalated", "closed")

PROPOSAL = Workflow(
    name="proposal",
    label_zh="提案",
    states=(
        "draft",
        "submitted",
        "filed",
        "not_filed",
        "merged",
        "withdrawn",
        "assigned",
        "handling",
        "replied",
        "evaluated",
        "escalated",
        "closed",
    ),
    initial="draft",
    actions=(
        Action("submit", ("draft",), ("submitted",), "submitted", PROPOSER, label_zh="提交"),
        Action(
            "return_for_edit",
            ("submitted",),
            ("draft",),
            "returned_for_edit",
            STAFF,
            label_zh="退回修改",
        ),
        Action("file", ("submitted",), ("filed",), "filed", STAFF, label_zh="审查立案"),
        Action("reject", ("submitted",), ("not_filed",), "not_filed", STAFF, label_zh="不予立案"),
        Action("merge", ("submitted", "filed"), ("merged",), "merged", STAFF, label_zh="并案"),
        Action(
            "withdraw",
            ("draft", "submitted"),
            ("withdrawn",),
            "withdrawn",
            PROPOSER,
            label_zh="撤案",
        ),
        Action("assign", ("filed",), ("assigned",), "assigned", STAFF, label_zh="交办"),
        Action("accepted", ("assigned",), ("handling",), "handling", auto=True, label_zh="承办"),
        Action("replied", ("handling",), ("replied",), "replied", auto=True, label_zh="答复"),
        Action("evaluate", ("replied",), ("evaluated",), "evaluated", PROPOSER, label_zh="评价"),
        Action("close", ("evaluated",), ("closed",), "closed", auto=True, label_zh="办结"),
        Action("rework", ("evaluated",), ("handling",), "reworked", auto=True, label_zh="重新办理"),
        Action("escalate", ("evaluated",), ("escalated",), "escalated", auto=True, label_zh="提级"),
        # Nobody evaluated within the evaluation window: closed, evaluation "none".
        Action("expire", ("replied",), ("closed",), "closed", auto=True, label_zh="逾期未评价办结"),
        Action(
            "decide",
            ("escalated",),
            ("closed", "handling"),
            "closed",
            LEADER,
            label_zh="领导决定",
            target_events=(("handling", "reworked"),),
        ),
        # State-keeping actions: the state stays, the move is audited and announced.
        Action("mark_key", KEY_STATES, KEY_STATES, "marked_key", LEADER, label_zh="重点提案"),
        Action(
            "final_reply",
            FOLLOW_UP_STATES,
            FOLLOW_UP_STATES,
            "final_replied",
            DEPARTMENT,
            label_zh="最终答复",
        ),
    ),
)

PROPOSAL_ASSIGNMENT = Workflow(
    name="proposal_assignment",
    label_zh="提案交办",
    states=("assigned", "accepted", "return_requested", "returned", "opinion_submitted", "replied"),
    initial="assigned",
    actions=(
        Action("accept", ("assigned",), ("accepted",), "accepted", DEPARTMENT, label_zh="签收"),
        Action(
            "request_return",
            ("assigned",),
            ("return_requested",),
            "return_requested",
            DEPARTMENT,
            label_zh="申请退回",
        ),
        Action(
            "approve_return",
            ("return_requested",),
            ("returned",),
            "returned",
            STAFF,
            label_zh="同意退回",
        ),
        Action(
            "deny_return",
            ("return_requested",),
            ("accepted",),
            "return_denied",
            STAFF,
            label_zh="不同意退回",
        ),
        Action(
            "submit_opinion",
            ("accepted",),
            ("opinion_submitted",),
            "opinion_submitted",
            DEPARTMENT,
            label_zh="协办意见",
        ),
        Action(
            "request_extension",
            ("accepted",),
            ("accepted",),
            "extension_requested",
            DEPARTMENT,
            label_zh="申请延期",
        ),
        Action(
            "approve_extension",
            ("accepted",),
            ("accepted",),
            "extension_approved",
            STAFF,
            label_zh="同意延期",
        ),
        Action("reply", ("accepted",), ("replied",), "replied", DEPARTMENT, label_zh="答复"),
        # The proposal went back to handling for a new round: the unit answers again.
        Action(
            "reopen",
            ("replied", "opinion_submitted"),
            ("accepted",),
            "reopened",
            auto=True,
            label_zh="再次办理",
        ),
    ),
)
