"""Proposals over HTTP: drafting, co-signing, submitting, filing, refusals; role and row rules."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.proposal.conftest import (
    PROPOSALS,
    act,
    add_member,
    draft_body,
    filed,
    make_proposal,
    ok,
)
from tests.supervision.conftest import event_types

pytestmark = pytest.mark.asyncio


async def test_member_drafts_with_co_signers_who_confirm_before_submit(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    li = await add_member(engine, world, "li", "李委员")
    wang = await add_member(engine, world, "wang", "王委员")
    proposal = await make_proposal(client, world, signer_member_ids=[li, wang])
    pid = proposal["id"]
    assert proposal["state"] == "draft" and proposal["lead_member_id"] == str(world.member_id)
    assert proposal["proposer_kind"] == "member" and proposal["number"] is None
    assert [(s["member_id"], s["order"], s["status"]) for s in proposal["signers"]] == [
        (li, 1, "pending"),
        (wang, 2, "pending"),
    ]
    # A co-signer sees the draft; submit waits for every answer.
    assert (await client.get(f"{PROPOSALS}/{pid}", headers=world.auth("li"))).status_code == 200
    assert_problem(await act(client, world, "member", pid, "submit"), 409, "conflict")
    signed = await client.post(
        f"{PROPOSALS}/{pid}/signatures", json={"decision": "confirm"}, headers=world.auth("li")
    )
    assert signed.status_code == 200, signed.text
    assert [s["status"] for s in signed.json()["signers"]] == ["confirmed", "pending"]
    assert_problem(await act(client, world, "member", pid, "submit"), 409, "conflict")
    await client.post(
        f"{PROPOSALS}/{pid}/signatures", json={"decision": "decline"}, headers=world.auth("wang")
    )
    # A co-signer cannot submit for the lead signer.
    assert_problem(await act(client, world, "li", pid, "submit"), 403, "forbidden")
    submitted = await ok(client, world, "member", pid, "submit")
    assert submitted["state"] == "submitted" and submitted["submitted_at"] is not None
    # Signatures are answered on drafts only.
    late = await client.post(
        f"{PROPOSALS}/{pid}/signatures", json={"decision": "confirm"}, headers=world.auth("wang")
    )
    assert_problem(late, 409, "conflict")
    assert await event_types(engine, pid) == ["proposal.created", "proposal.submitted"]


async def test_signature_refusals(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    li = await add_member(engine, world, "li", "李委员")
    await add_member(engine, world, "zhao", "赵委员")
    pid = (await make_proposal(client, world, signer_member_ids=[li]))["id"]
    url = f"{PROPOSALS}/{pid}/signatures"
    # Not a signer: the draft is not even visible to them.
    assert_problem(
        await client.post(url, json={"decision": "confirm"}, headers=world.auth("zhao")),
        404,
        "not_found",
    )
    # The lead signer is not a co-signer.
    assert_problem(
        await client.post(url, json={"decision": "confirm"}, headers=world.auth("member")),
        403,
        "forbidden",
    )
    for role in ("staff", "department", "leader"):
        assert_problem(
            await client.post(url, json={"decision": "confirm"}, headers=world.auth(role)),
            403,
            "forbidden",
        )
    assert_problem(
        await client.post(url, json={"decision": "maybe"}, headers=world.auth("li")),
        422,
        "validation_error",
    )


async def test_filing_numbers_per_organisation_without_gaps(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    first = await filed(client, world)
    second = await filed(client, world)
    elsewhere = await filed(client, other_world)
    year = first["year"]
    assert (first["number"], second["number"]) == (f"{year}-001", f"{year}-002")
    assert elsewhere["number"] == f"{year}-001"
    assert first["state"] == "filed" and first["filed_on"] is not None
    # A proposal not filed takes no number, so the next filing follows on.
    rejected = await make_proposal(client, world)
    await ok(client, world, "member", rejected["id"], "submit")
    not_filed = await ok(client, world, "staff", rejected["id"], "reject")
    assert (not_filed["state"], not_filed["number"]) == ("not_filed", None)
    assert (not_filed["not_filed_reason"], not_filed["conversion"]) == (
        "属于具体事务，不宜作为提案",
        "social_information",
    )
    assert (await filed(client, world))["number"] == f"{year}-003"


async def test_staff_enter_collective_and_paper_proposals(
    client: httpx.AsyncClient, world: World
) -> None:
    committee = await make_proposal(
        client, world, "staff", proposer_kind="committee", proposer_name="经济委员会"
    )
    assert (committee["lead_member_id"], committee["proposer_name"]) == (None, "经济委员会")
    paper = await make_proposal(client, world, "staff", lead_member_id=str(world.member_id))
    assert paper["lead_member_id"] == str(world.member_id)
    # Staff submit a paper proposal on the member's behalf; the member sees it as their own.
    await ok(client, world, "staff", paper["id"], "submit")
    mine = await client.get(PROPOSALS, headers=world.auth("member"))
    assert paper["id"] in [p["id"] for p in mine.json()["items"]]
    assert committee["id"] not in [p["id"] for p in mine.json()["items"]]


async def test_create_refusals(client: httpx.AsyncClient, world: World, other_world: World) -> None:
    for role in ("leader", "department", "auditor", "admin"):
        response = await client.post(PROPOSALS, json=draft_body(), headers=world.auth(role))
        assert_problem(response, 403, "forbidden")
    collective = draft_body(proposer_kind="party", proposer_name="民盟")
    assert_problem(
        await client.post(PROPOSALS, json=collective, headers=world.auth("member")),
        403,
        "forbidden",
    )
    someone_else = draft_body(lead_member_id=str(other_world.member_id))
    assert_problem(
        await client.post(PROPOSALS, json=someone_else, headers=world.auth("member")),
        403,
        "forbidden",
    )
    bad = [
        draft_body(category="sports"),
        draft_body(title=""),
        draft_body(proposer_kind="sector"),  # no proposer_name
        draft_body(signer_member_ids=[str(world.member_id)]),  # the lead signs as lead
        draft_body(signer_member_ids=[str(other_world.member_id)]),  # another organisation's
        draft_body(unknown=1),
    ]
    for body in bad:
        response = await client.post(PROPOSALS, json=body, headers=world.auth("member"))
        assert_problem(response, 422, "validation_error")
    # Staff must name the member of a paper member proposal, from their own organisation.
    for body in (draft_body(), draft_body(lead_member_id=str(other_world.member_id))):
        response = await client.post(PROPOSALS, json=body, headers=world.auth("staff"))
        assert_problem(response, 422, "validation_error")


async def test_return_withdraw_merge(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal = await make_proposal(client, world)
    pid = proposal["id"]
    await ok(client, world, "member", pid, "submit")
    back = await ok(client, world, "staff", pid, "return_for_edit", comment="请补充调研数据")
    assert back["state"] == "draft"
    await ok(client, world, "member", pid, "submit")
    assert (await ok(client, world, "member", pid, "withdraw"))["state"] == "withdrawn"
    assert_problem(await act(client, world, "member", pid, "submit"), 409, "invalid_transition")

    target = await filed(client, world)
    twin = await make_proposal(client, world)
    await ok(client, world, "member", twin["id"], "submit")
    for into in (twin["id"], pid, "00000000-0000-0000-0000-000000000000"):
        assert_problem(
            await act(client, world, "staff", twin["id"], "merge", into_id=into),
            422,
            "validation_error",
        )
    merged = await ok(client, world, "staff", twin["id"], "merge", into_id=target["id"])
    assert (merged["state"], merged["merged_into_id"]) == ("merged", target["id"])
    assert (await event_types(engine, twin["id"]))[-1] == "proposal.merged"
    timeline = await client.get(f"{PROPOSALS}/{pid}/timeline", headers=world.auth("member"))
    assert [e["action"] for e in timeline.json()] == [
        "created",
        "submit",
        "return_for_edit",
        "submit",
        "withdraw",
    ]


async def test_move_refusals(client: httpx.AsyncClient, world: World, other_world: World) -> None:
    proposal = await make_proposal(client, world)
    pid = proposal["id"]
    # Wrong role: 403 whatever the state.
    for role, action in (("member", "file"), ("leader", "submit"), ("leader", "withdraw")):
        assert_problem(await act(client, world, role, pid, action), 403, "forbidden")
    # A department sees no unassigned proposal: not found before any role question.
    assert_problem(await act(client, world, "department", pid, "withdraw"), 404, "not_found")
    assert_problem(await act(client, world, "auditor", pid, "submit"), 403, "forbidden")
    # Wrong state: 409 naming what is open.
    body = assert_problem(await act(client, world, "staff", pid, "file"), 409, "invalid_transition")
    assert body["state"] == "draft"
    # Bad input: 422.
    await ok(client, world, "member", pid, "submit")
    for fields in ({"conversion": "other"}, {"reason": ""}):
        assert_problem(
            await act(client, world, "staff", pid, "reject", **fields), 422, "validation_error"
        )
    assert_problem(await act(client, world, "staff", pid, "fly"), 422, "validation_error")
    # Another organisation: 404.
    assert_problem(await act(client, other_world, "staff", pid, "file"), 404, "not_found")


async def test_row_rules_and_filters(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    await add_member(engine, world, "zhao", "赵委员")
    draft = await make_proposal(client, world, category="economy", kind="interim")
    numbered = await filed(client, world)
    url = f"{PROPOSALS}/{draft['id']}"
    # Another member sees filed proposals, never someone else's draft.
    assert_problem(await client.get(url, headers=world.auth("zhao")), 404, "not_found")
    seen = await client.get(PROPOSALS, headers=world.auth("zhao"))
    assert [p["id"] for p in seen.json()["items"]] == [numbered["id"]]
    # A department sees only what is assigned to it (nothing yet).
    assert_problem(await client.get(url, headers=world.auth("department")), 404, "not_found")
    assert (await client.get(PROPOSALS, headers=world.auth("department"))).json()["items"] == []
    for role in ("staff", "member"):
        assert_problem(await client.get(url, headers=other_world.auth(role)), 404, "not_found")
    staff = world.auth("staff")

    async def ids(**params: object) -> list[str]:
        response = await client.get(PROPOSALS, params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert await ids(state="filed") == [numbered["id"]]
    assert await ids(category="economy", kind="interim") == [draft["id"]]
    assert await ids(year=draft["year"]) == [draft["id"], numbered["id"]]
    assert await ids(member_id=str(world.member_id)) == [draft["id"], numbered["id"]]
    assert await ids(q=numbered["number"]) == [numbered["id"]]
    assert await ids(q="污水", is_key=False, overdue=False) == [draft["id"], numbered["id"]]
    assert await ids(reply_class="A") == []
    assert await ids(department_id=str(world.departments[0])) == []
    bad = await client.get(PROPOSALS, params={"state": "lost"}, headers=staff)
    assert_problem(bad, 422, "validation_error")
