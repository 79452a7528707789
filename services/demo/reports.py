"""Reports of 2023: the campaign's 7 reports instructed by the district's principal leaders (and
a summary with a deputy's instruction), and the 20 政协专报 sent to the Party committee and the
government. Instructions become department tasks, answered and confirmed, or still open."""

from __future__ import annotations

import uuid
from datetime import date
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.demo.cast import YEAR, Cast
from services.demo.consultations import CAMPAIGN_TOPICS, Held
from shared.consultation import queries, suggestion_commands
from shared.consultation import report_commands as commands
from shared.consultation import schemas as s
from shared.consultation.models import InstructionTask, Report, Suggestion

PRINCIPALS = ("沈敏", "区长")  # 区委、区政府主要领导 (principal tier)
DEPUTY = "分管副区长"

SPECIAL_REPORTS = (
    "关于加快数字经济核心产业发展的建议",
    "关于优化营商环境“一号改革工程”的若干建议",
    "关于推动“地瓜经济”提能升级的建议",
    "关于南部商务区提质扩容的建议",
    "关于推进城乡融合发展的建议",
    "关于提升亚运城市治理水平的建议",
    "关于培育先进制造业集群的建议",
    "关于建设高水平教育强区的建议",
    "关于完善“一老一小”服务体系的建议",
    "关于助企纾困稳岗扩就业的建议",
    "关于民营企业高质量发展的建议",
    "关于外贸企业拓市场的建议",
    "关于专精特新企业培育的建议",
    "关于城市更新与未来社区建设的建议",
    "关于数字化改革赋能基层治理的建议",
    "关于普惠金融服务实体经济的建议",
    "关于农文旅融合发展的建议",
    "关于平安鄞州建设的建议",
    "关于港澳台青年来鄞创业就业的建议",
    "关于提升产业链供应链韧性的建议",
)


async def load(session: AsyncSession, cast: Cast, held: Held, waiting: list[Suggestion]) -> None:
    await _campaign_reports(session, cast, held)
    await _special_reports(session, cast, held, waiting)


async def _report(
    session: AsyncSession, cast: Cast, kind: str, title: str, sources: list[uuid.UUID]
) -> Report:
    body = s.ReportCreate(
        kind=kind, title=title, body=f"{title}。（正文略）", consultation_ids=sources
    )
    report = await commands.create_report(session, cast.staff, body)
    return await queries.get_report(session, cast.staff, report.id)


async def _submit(session: AsyncSession, cast: Cast, report: Report, on: date) -> None:
    await commands.move_report(
        session, cast.staff, report, s.ReportMove(action="submit", submitted_on=on)
    )


async def _instruct(
    session: AsyncSession,
    cast: Cast,
    report: Report,
    leader: tuple[str, str],
    on: date,
    departments: list[str],
) -> list[uuid.UUID]:
    """Record a 批示; returns the tasks it gave the departments."""
    body = s.InstructionCreate(
        leader_name=leader[0],
        leader_tier=leader[1],
        text="请相关部门认真研究吸纳，抓好落实。",
        instructed_on=on,
        department_ids=[cast.departments[d] for d in departments],
    )
    instruction = await commands.record_instruction(session, cast.staff, report, body)
    tasks = await session.scalars(
        select(InstructionTask.id).where(InstructionTask.instruction_id == instruction.id)
    )
    return list(tasks.all())


async def _follow(session: AsyncSession, cast: Cast, task_id: uuid.UUID, confirm: bool) -> None:
    """The department reports back; staff confirm (the last confirmation closes the report)."""
    task = await session.get_one(InstructionTask, task_id)
    handler = next(a for a in cast.handlers.values() if a.department_id == task.department_id)
    task = await queries.get_task(session, handler, task_id)
    feedback = s.InstructionTaskMove(action="feedback", text="已按批示要求制定方案并推进落实。")
    await commands.move_task(session, handler, task, feedback)
    if confirm:
        task = await queries.get_task(session, cast.staff, task_id)
        await commands.move_task(session, cast.staff, task, s.InstructionTaskMove(action="confirm"))


async def _campaign_reports(session: AsyncSession, cast: Cast, held: Held) -> None:
    """One report per campaign topic (7), each instructed by a principal leader."""
    by_topic = sorted(held.campaign, key=lambda item: list(CAMPAIGN_TOPICS).index(item[1]))
    for index, (topic, group) in enumerate(groupby(by_topic, key=lambda item: item[1])):
        sources = [consultation.id for consultation, _, _ in group]
        report = await _report(session, cast, "research_report", f"关于{topic}的调研报告", sources)
        await _submit(session, cast, report, date(YEAR, 8, 15 + index))
        departments = [CAMPAIGN_TOPICS[topic]] + (["区发改局"] if index == 6 else [])
        leader = (PRINCIPALS[index % 2], "principal")
        tasks = await _instruct(
            session, cast, report, leader, date(YEAR, 8, 25 + index), departments
        )
        for task_id in tasks if index < 6 else []:  # the last report's tasks are still open
            await _follow(session, cast, task_id, confirm=index < 5)
    summary = await _report(
        session,
        cast,
        "consultation_summary",
        "“民生议事助首善”专题协商活动综述",
        [consultation.id for consultation, _, _ in held.campaign],
    )
    await _submit(session, cast, summary, date(YEAR, 8, 31))
    await _instruct(session, cast, summary, (DEPUTY, "other"), date(YEAR, 9, 8), ["区民政局"])


async def _special_reports(
    session: AsyncSession, cast: Cast, held: Held, waiting: list[Suggestion]
) -> None:
    """20 政协专报 over the year; every third one instructed by a principal leader."""
    sources = list(held.district.values())
    converted = {title: suggestion for title, suggestion in _by_title(waiting, held)}
    for index, title in enumerate(SPECIAL_REPORTS):
        source = sources[index % len(sources)]
        report = await _report(session, cast, "special_report", title, [source.id])
        for suggestion in [converted[title]] if title in converted else []:
            move = s.SuggestionMove(action="convert", report_id=report.id, comment="转为政协专报")
            await suggestion_commands.move_suggestion(session, cast.staff, suggestion, move)
        on = date(YEAR, 1 + index * 11 // len(SPECIAL_REPORTS), 10 + index % 15)
        await _submit(session, cast, report, on)
        if index % 3 == 0:
            leader = (PRINCIPALS[index % 2], "principal")
        elif index % 3 == 1:
            leader = (DEPUTY, "other")
        else:
            continue
        department = ("区发改局", "区经信局", "区住建局", "区教育局")[index % 4]
        tasks = await _instruct(session, cast, report, leader, on.replace(day=28), [department])
        for task_id in tasks if index < 12 else []:
            await _follow(session, cast, task_id, confirm=True)
    draft = s.ReportCreate(kind="special_report", title="关于2024年度协商计划的建议（起草中）")
    await commands.create_report(session, cast.staff, draft)


def _by_title(waiting: list[Suggestion], held: Held) -> list[tuple[str, Suggestion]]:
    """The suggestions kept back from the district sessions go into the matching 专报."""
    titles = {consultation.id: title for title, consultation in held.district.items()}
    pairs = []
    for suggestion in waiting:
        topic = titles[suggestion.consultation_id].split("：")[-1]
        pairs += [(t, suggestion) for t in SPECIAL_REPORTS if topic[:4] in t]
    return pairs
