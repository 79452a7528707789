"""Problems in Chinese for ``Accept-Language: zh…`` (title, detail, validation messages) and in
English by default (api.md, "Errors"; issue 11)."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import httpx
import pytest

from services.api import i18n
from services.api.i18n_zh import TITLES
from services.api.problems import ERROR_RESPONSES
from shared import errors
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.studio.factories import API, CENTRE, make_studio

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def _subclasses(cls: type[errors.DomainError]) -> list[type[errors.DomainError]]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _subclasses(sub))]


def _problem_codes() -> set[str]:
    """The catalogue: every domain error's code, every code documented on the routes, and every
    code a ``problem(status, "code", …)`` call or ``_http``'s table gives."""
    codes = {cls.code for cls in _subclasses(errors.DomainError)}
    for response in ERROR_RESPONSES.values():
        codes |= set(re.findall(r"`([a-z_]+)`", response["description"]))
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "problem":
                code = node.args[1] if len(node.args) > 1 else None
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    codes.add(code.value)
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and str(first.value).endswith("_not_allowed"):
                    codes.add(first.value)
    return codes


def _raised_messages() -> list[str]:
    """Every literal message given to a domain error in the code, its parameters as ``x``."""
    names = {cls.__name__ for cls in _subclasses(errors.DomainError)}
    found = []
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            message = node.args[0]
            if name not in names:
                continue
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                found.append(message.value)
            elif isinstance(message, ast.JoinedStr):
                found.append(
                    "".join(
                        str(part.value) if isinstance(part, ast.Constant) else "x"
                        for part in message.values
                    )
                )
    return found


async def test_every_problem_code_has_a_chinese_title() -> None:
    codes = _problem_codes()
    assert {"validation_error", "not_found", "invalid_transition", "malformed_json"} <= codes
    missing = sorted(code for code in codes if code not in TITLES)
    assert missing == []
    assert all(CJK.search(TITLES[code]) for code in codes)


async def test_every_message_the_code_raises_has_a_chinese_template() -> None:
    untranslated = [m for m in _raised_messages() if i18n.translate(m) is None]
    assert untranslated == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN", "zh"),
        ("zh", "zh"),
        ("zh-Hans", "zh"),
        ("zh-Hans-CN,zh;q=0.9", "zh"),
        ("en;q=0.5, zh-CN;q=0.8", "zh"),
        ("zh;q=0.3, en;q=0.7", "en"),
        ("fr-FR, zh;q=0.2", "zh"),
        ("zh;q=0", "en"),
        ("*", "en"),
        ("zh;q=bogus", "en"),
    ],
)
async def test_language_negotiation(header: str | None, language: str) -> None:
    assert i18n.negotiate(header) == language


async def test_a_validation_error_in_chinese(client: httpx.AsyncClient, world: World) -> None:
    body = {"kind": "museum", "name": "", "lat": 91, "lon": 1}
    response = await client.post(f"{API}/studios", json=body, headers={**world.auth("staff"), **ZH})
    problem = assert_problem(response, 422, "validation_error")
    assert problem["title"] == "输入无效"
    assert response.headers["content-language"] == "zh-CN"
    messages = {tuple(e["loc"]): e["msg"] for e in problem["errors"]}
    assert messages[("body", "kind")] == "应为 'studio', 'parlour' 或 'post' 之一"
    assert messages[("body", "name")] == "至少应有 1 个字符"
    assert messages[("body", "lat")] == "应小于或等于 90"
    assert CJK.search(problem["detail"]) and "Input should" not in problem["detail"]
    missing = await client.post(f"{API}/studios", json={}, headers={**world.auth("staff"), **ZH})
    assert {e["msg"] for e in missing.json()["errors"]} == {"必填字段"}


async def test_not_found_names_the_id_in_chinese(client: httpx.AsyncClient, world: World) -> None:
    unknown = uuid.uuid4()
    response = await client.get(f"{API}/studios/{unknown}", headers={**world.auth("staff"), **ZH})
    problem = assert_problem(response, 404, "not_found")
    assert problem["title"] == "未找到"
    assert problem["detail"] == f"未找到 id 为 {unknown} 的工作室。"
    no_route = await client.get(f"{API}/no-such-thing", headers=ZH)
    assert (
        assert_problem(no_route, 404, "not_found")["detail"] == f"{API}/no-such-thing 处没有资源。"
    )


async def test_invalid_transition_and_forbidden_in_chinese(
    client: httpx.AsyncClient, world: World
) -> None:
    studio = await make_studio(client, world, CENTRE, convener_member_id=str(world.member_id))
    created = await client.post(
        f"{API}/studios/{studio['id']}/ratings", json={"year": 2024}, headers=world.auth("member")
    )
    assert created.status_code == 201, created.text
    moved = await client.post(
        f"{API}/studio-ratings/{created.json()['id']}/transitions",
        json={"action": "recommend"},
        headers={**world.auth("staff"), **ZH},
    )
    problem = assert_problem(moved, 409, "invalid_transition")
    assert problem["title"] == "当前状态下不允许此操作"
    assert CJK.search(problem["detail"]) and "draft" in problem["detail"]
    assert problem["state"] == "draft"  # the machine-readable members stay as they are
    refused = await client.post(
        f"{API}/studios",
        json={"kind": "post", "name": "驿站", "lat": 1, "lon": 2},
        headers={**world.auth("member"), **ZH},
    )
    problem = assert_problem(refused, 403, "forbidden")
    assert (problem["title"], problem["detail"]) == ("无权执行此操作", "委员角色无权执行此操作。")
    anonymous = await client.get(f"{API}/studios", headers={"Accept-Language": "zh-Hans"})
    assert assert_problem(anonymous, 401, "unauthenticated")["title"] == "需要登录认证"


async def test_english_stays_the_default(client: httpx.AsyncClient, world: World) -> None:
    unknown = uuid.uuid4()
    for headers in ({}, {"Accept-Language": "en-GB"}, {"Accept-Language": "en, zh;q=0.5"}):
        response = await client.get(
            f"{API}/studios/{unknown}", headers={**world.auth("staff"), **headers}
        )
        problem = assert_problem(response, 404, "not_found")
        assert (problem["title"], problem["detail"]) == (
            "Not found",
            f"No studio with id {unknown}.",
        )
        assert response.headers["content-language"] == "en"
        assert "accept-language" in response.headers["vary"].lower()
    bad = await client.post(f"{API}/studios", json={}, headers=world.auth("staff"))
    assert {e["msg"] for e in bad.json()["errors"]} == {"Field required"}
