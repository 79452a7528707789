"""The three 专项集体民主监督 topics of 2023, with cases in every settled state of the loop
开展监督 → 情况反映 → 部门反馈 → 政协评价.

The moves that follow by rule (all departments answered; the outcome of an evaluation) are the
worker's, so the loop is played in rounds: people act, the transaction commits, the worker sweeps.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.demo.cast import YEAR, Cast
from shared.supervision import commands, queries
from shared.supervision import schemas as s

# topic → (lead committee, target departments, cases: (title, departments, path))
TOPICS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...], str], ...]]] = {
    "深化“千万工程”、建设美丽乡村": (
        "社法委",
        ("区农业农村局", "区住建局", "区综合执法局"),
        (
            ("农村生活污水治理设施长效运维", ("区农业农村局", "区住建局"), "closed"),
            ("美丽乡村风貌提升与村庄整治", ("区农业农村局",), "awaiting_evaluation"),
            ("农村生活垃圾分类质效提升", ("区综合执法局",), "reworked"),
            ("和美乡村示范村创建", ("区农业农村局",), "draft"),
        ),
    ),
    "迎亚运盛会助力全省三大提升行动": (
        "教文委",
        ("区住建局", "区商务局", "区市场监管局", "区综合执法局"),
        (
            ("亚运场馆周边环境综合整治", ("区综合执法局", "区住建局"), "closed"),
            ("亚运期间餐饮食品安全保障", ("区市场监管局",), "escalated"),
            ("亚运商圈消费提振", ("区商务局",), "withdrawn"),
            ("城市道路交通秩序提升", ("区住建局",), "supervising"),
        ),
    ),
    "营商环境优化提升“一号改革工程”实施情况": (
        "经济委",
        ("区发改局", "区经信局", "区市场监管局", "区商务局"),
        (
            ("企业开办“一件事”集成办理", ("区市场监管局", "区发改局"), "closed"),
            ("惠企政策直达快享", ("区发改局", "区经信局"), "partly_answered"),
            ("涉企检查“综合查一次”", ("区市场监管局",), "decided"),
            ("重大项目审批提速", ("区发改局",), "awaiting_feedback"),
        ),
    ),
}
UNSATISFIED = ("reworked", "escalated", "decided")
TWO_ROUNDS = ("escalated", "decided")

Case = tuple[uuid.UUID, tuple[str, ...], str]
Step = Callable[[AsyncSession, Cast, list[Case]], Awaitable[None]]


async def load(
    sessionmaker: async_sessionmaker[AsyncSession],
    cast: Cast,
    settle: Callable[[], Awaitable[None]],
) -> None:
    """Play the loop in rounds; ``settle`` lets the worker make every move that is due."""
    async with sessionmaker() as session:
        cases = await _open(session, cast)
        await session.commit()
    await settle()
    for step in (_first_evaluation, _second_round, _second_evaluation, _decision):
        async with sessionmaker() as session:
            await step(session, cast, cases)
            await session.commit()
        await settle()


async def _move(
    session: AsyncSession,
    cast: Cast,
    case_id: uuid.UUID,
    body: s.AnyMove,
    department: str | None = None,
) -> None:
    actor = cast.handlers[department] if department else cast.staff
    if body.action in ("withdraw", "decide"):
        actor = cast.leader
    case = await queries.get_case(session, actor, case_id)
    await commands.move(session, actor, case, body)


async def _answer(
    session: AsyncSession, cast: Cast, case_id: uuid.UUID, departments: tuple[str, ...], round_: int
) -> None:
    for department in departments:
        body = s.Feedback(
            action="feedback",
            text=f"{department}第{round_}轮反馈：已制定整改措施并推进落实。",
            measures="明确责任科室，建立工作台账，按月跟踪。",
            completion="done" if round_ > 1 else "in_progress",
        )
        await _move(session, cast, case_id, body, department)


async def _open(session: AsyncSession, cast: Cast) -> list[Case]:
    """Topics and cases; start, report and the first answers."""
    cases: list[Case] = []
    for title, (committee, targets, items) in TOPICS.items():
        values = s.TopicCreate(
            year=YEAR,
            title=title,
            lead_committee_id=cast.committees[committee],
            department_ids=[cast.departments[d] for d in targets],
            feedback_window=timedelta(days=90),
        ).model_dump()
        topic = await commands.create_topic(session, cast.staff, values)
        for case_title, departments, path in items:
            body = s.CaseCreate(
                topic_id=topic.id,
                title=case_title,
                issue=f"{case_title}方面仍存在短板，群众反映较多。",
                recommendation=f"建议相关部门聚焦{case_title}，明确责任、限期推进。",
                department_ids=[cast.departments[d] for d in departments],
            )
            case = await commands.create_case(session, cast.staff, body.model_dump())
            # Each move loads the case as a request does (with its departments), not this copy.
            session.expunge(case)
            cases.append((case.id, departments, path))
            await _first_moves(session, cast, case.id, departments, path)
    return cases


async def _first_moves(
    session: AsyncSession, cast: Cast, case_id: uuid.UUID, departments: tuple[str, ...], path: str
) -> None:
    if path == "draft":
        return
    await _move(session, cast, case_id, s.Start(action="start"))
    if path == "supervising":
        return
    if path == "withdrawn":
        await _move(
            session, cast, case_id, s.Withdraw(action="withdraw", comment="并入下年度监督计划")
        )
        return
    await _move(session, cast, case_id, s.Report(action="report", comment="监督调研情况反映"))
    if path == "awaiting_feedback":
        return
    await _answer(
        session, cast, case_id, departments[:1] if path == "partly_answered" else departments, 1
    )


async def _first_evaluation(session: AsyncSession, cast: Cast, cases: list[Case]) -> None:
    for case_id, _, path in cases:
        if path == "closed" or path in UNSATISFIED:
            rating = "unsatisfied" if path in UNSATISFIED else "satisfied"
            body = s.Evaluate(action="evaluate", rating=rating, comment="政协评价")
            await _move(session, cast, case_id, body)


async def _second_round(session: AsyncSession, cast: Cast, cases: list[Case]) -> None:
    for case_id, departments, path in cases:
        if path in TWO_ROUNDS:
            await _answer(session, cast, case_id, departments, 2)


async def _second_evaluation(session: AsyncSession, cast: Cast, cases: list[Case]) -> None:
    for case_id, _, path in cases:
        if path in TWO_ROUNDS:
            body = s.Evaluate(action="evaluate", rating="unsatisfied", comment="整改仍不到位")
            await _move(session, cast, case_id, body)


async def _decision(session: AsyncSession, cast: Cast, cases: list[Case]) -> None:
    for case_id, _, path in cases:
        if path == "decided":
            body = s.Decide(action="decide", outcome="close", comment="主席会议研究后办结")
            await _move(session, cast, case_id, body)
