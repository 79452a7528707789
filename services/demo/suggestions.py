"""The year's 意见建议: 552 from the campaign's 47 sessions (12 merged duplicates, so 540 count;
475 of them adopted), and a few from the district sessions, some still with the departments.

Each one goes the whole way through the suggestion machine: staff record it, forward it, the
department's handler answers proposing a class, staff classify it (and follow some up to
implemented and verified).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession

from services.demo.cast import Cast, spread
from services.demo.consultations import CAMPAIGN_TOPICS, Held, conclude
from shared.consultation import schemas as s
from shared.consultation import suggestion_commands as commands
from shared.consultation.models import Consultation, Suggestion

CAMPAIGN_SUGGESTIONS = 552  # 500多条 once the 12 merged duplicates are left out
MERGED = 12
# classes of the 540 that count: 475 in the adopted set (被吸收采纳)
OUTCOMES = {
    "adopted": 300,
    "partially_adopted": 110,
    "planned": 65,
    "for_reference": 40,
    "not_adopted": 25,
}
IMPLEMENTED, VERIFIED = 40, 15  # of the adopted: done, and checked again (回头看)

IDEAS = (
    "建议{topic}纳入年度民生实事项目，明确牵头单位和完成时限",
    "建议{topic}过程中充分听取居民意见，实行“一事一议”",
    "建议加大{topic}的资金保障，探索社会资本参与",
    "建议建立{topic}长效管理机制，落实日常巡查",
    "建议{topic}兼顾环境卫生、经营秩序与社会效益",
    "建议{topic}统筹考虑适老化和无障碍需求",
    "建议对{topic}开展“回头看”，跟踪落实成效",
)


def _ideas(topic: str) -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield f"{IDEAS[number % len(IDEAS)].format(topic=topic)}（第{number}条）"


async def propose(
    session: AsyncSession,
    cast: Cast,
    consultation: Consultation,
    topic: str,
    proposers: list[uuid.UUID | None],
) -> list[Suggestion]:
    """Staff record the session's suggestions: a member's (id) or the public's (None)."""
    ideas = _ideas(topic)
    made = []
    for member_id in proposers:
        body = s.SuggestionCreate(
            content=next(ideas),
            proposer_kind="member" if member_id else "public",
            proposer_member_id=member_id,
        )
        made.append(await commands.create_suggestion(session, cast.staff, consultation, body))
    return made


async def settle(
    session: AsyncSession, cast: Cast, suggestion: Suggestion, department: str, outcome: str
) -> None:
    """Forward, answer and classify one suggestion ("forwarded" / "responded" stop early)."""
    staff = cast.staff
    forward = s.SuggestionMove(action="forward", department_ids=[cast.departments[department]])
    await commands.move_suggestion(session, staff, suggestion, forward)
    if outcome == "forwarded":
        return
    # The department's answer needs the suggestion as a request loads it: with its departments
    # and the answers so far.
    await session.refresh(suggestion, ["departments", "responses"])
    proposed = "adopted" if outcome in ("responded", "implemented", "verified") else outcome
    answer = s.SuggestionMove(
        action="respond",
        text=f"{department}：已研究，拟按“{proposed}”办理。",
        proposed_class=proposed,
    )
    await commands.move_suggestion(session, cast.handlers[department], suggestion, answer)
    if outcome == "responded":
        return
    classify = s.SuggestionMove.model_validate({"action": "classify", "class": proposed})
    await commands.move_suggestion(session, staff, suggestion, classify)
    if outcome in ("implemented", "verified"):
        await commands.move_suggestion(
            session, staff, suggestion, s.SuggestionMove(action="implement")
        )
    if outcome == "verified":
        await commands.move_suggestion(
            session, staff, suggestion, s.SuggestionMove(action="verify")
        )


def _outcomes(cast: Cast) -> list[str]:
    adopted = ["verified"] * VERIFIED + ["implemented"] * (IMPLEMENTED - VERIFIED)
    adopted += ["adopted"] * (OUTCOMES["adopted"] - IMPLEMENTED)
    rest = [name for name, count in OUTCOMES.items() if name != "adopted" for _ in range(count)]
    outcomes = adopted + rest
    cast.rng.shuffle(outcomes)
    return outcomes


async def load_campaign(session: AsyncSession, cast: Cast, held: Held) -> None:
    """Suggestions while the sessions sit; conclude them; then follow each one up."""
    sessions = held.campaign
    counts = spread(CAMPAIGN_SUGGESTIONS, len(sessions), cast.rng)
    merged_in = set(cast.rng.sample(range(len(sessions)), MERGED))
    outcomes = iter(_outcomes(cast))
    for index, ((consultation, topic, members), count) in enumerate(
        zip(sessions, counts, strict=True)
    ):
        proposers: list[uuid.UUID | None] = [
            None if n % 5 == 4 else members[n % len(members)] for n in range(count)
        ]
        made = await propose(session, cast, consultation, topic, proposers)
        await conclude(
            session, cast, consultation, f"共收集意见建议{count}条，会后分送相关部门办理。"
        )
        department = CAMPAIGN_TOPICS[topic]
        if index in merged_in:  # the last one repeats the first: merged, counted once
            duplicate = made.pop()
            merge = s.SuggestionMove(action="merge", into_id=made[0].id, comment="与同场建议重复")
            await commands.move_suggestion(session, cast.staff, duplicate, merge)
        for suggestion in made:
            await settle(session, cast, suggestion, department, next(outcomes))


# The district sessions' suggestions: the department, and how far each has come.
DISTRICT_OUTCOMES = (
    "adopted",
    "partially_adopted",
    "responded",
    "forwarded",
    "planned",
    "for_reference",
)
DISTRICT_DEPARTMENTS = ("区发改局", "区经信局", "区商务局", "区住建局", "区教育局", "区卫健局")


async def load_district(session: AsyncSession, cast: Cast, held: Held) -> list[Suggestion]:
    """Two to eight suggestions per district session; returns those left proposed for reports."""
    waiting: list[Suggestion] = []
    for index, (title, consultation) in enumerate(held.district.items()):
        count = 8 if title.endswith("共促二产提质增效") else 2  # the 04-27 session
        members = cast.rng.sample(cast.member_ids(), count)
        made = await propose(session, cast, consultation, title.split("：")[-1], list(members))
        await conclude(session, cast, consultation, "与会人员围绕议题建言献策，相关部门现场回应。")
        if title.startswith(("数字化改革", "普惠金融")):  # kept for the special reports
            waiting.append(made.pop())
        for number, suggestion in enumerate(made):
            department = DISTRICT_DEPARTMENTS[(index + number) % len(DISTRICT_DEPARTMENTS)]
            outcome = DISTRICT_OUTCOMES[(index + number) % len(DISTRICT_OUTCOMES)]
            await settle(session, cast, suggestion, department, outcome)
    return waiting
