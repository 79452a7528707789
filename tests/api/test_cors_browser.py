"""CORS in a real browser: Debian's headless Chromium loads a page from one loopback origin that
logs in to the API on another, creates and reads a sector (reading ``Location`` and ``ETag``),
PATCHes it with ``If-Match`` (a preflighted request) and reports what it could read in the
DOM; a page from an origin not in ``TONGXIN_CORS_ORIGINS`` is refused by the browser."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from tests.conftest import IN_CI, PASSWORD, World, test_settings
from tests.scorecard.test_page_in_chromium import FLAGS, _chromium, _run
from tests.webhooks.conftest import free_port

pytestmark = pytest.mark.asyncio

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

# Runs in the page: every step's status and the headers a cross-origin script may read.
ALLOWED_PAGE = """<!doctype html><meta charset="utf-8"><pre id="results">pending</pre><script>
const root = "%(api)s", out = {};
async function main() {
  let r = await fetch(root + "/api/v1/auth/token", {method: "POST",
    body: new URLSearchParams({username: "%(username)s", password: "%(password)s"})});
  out.login = r.status;
  const auth = {"Authorization": "Bearer " + (await r.json()).access_token};
  const json = {...auth, "Content-Type": "application/json"};
  r = await fetch(root + "/api/v1/sectors", {method: "POST",
    headers: {...json, "Idempotency-Key": "from-the-browser"},
    body: JSON.stringify({name: "浏览器界别"})});
  out.create = {status: r.status, location: r.headers.get("Location"),
                request_id: r.headers.get("X-Request-ID")};
  r = await fetch(root + out.create.location, {headers: auth});
  out.read = {status: r.status, etag: r.headers.get("ETag")};
  r = await fetch(root + out.create.location, {method: "PATCH",
    headers: {...json, "If-Match": out.read.etag}, body: JSON.stringify({name: "改过的界别"})});
  out.patch = {status: r.status, etag: r.headers.get("ETag"), name: (await r.json()).name};
  r = await fetch(root + out.create.location, {method: "PATCH",
    headers: {...json, "If-Match": out.read.etag}, body: JSON.stringify({name: "旧版本"})});
  out.stale = {status: r.status, code: (await r.json()).code};
}
main().catch(e => { out.error = String(e); }).finally(() => {
  document.getElementById("results").textContent = JSON.stringify(out); });
</script>"""

REFUSED_PAGE = """<!doctype html><meta charset="utf-8"><pre id="results">pending</pre><script>
const root = "%(api)s", out = {};
async function attempt(name, path, init) {
  try { const r = await fetch(root + path, init); out[name] = "read " + r.status; }
  catch (e) { out[name] = "refused: " + e.name; }
}
(async () => {
  await attempt("login", "/api/v1/auth/token", {method: "POST",
    body: new URLSearchParams({username: "%(username)s", password: "%(password)s"})});
  await attempt("me", "/api/v1/me", {headers: {"Authorization": "Bearer %(token)s"}});
})().finally(() => {
  document.getElementById("results").textContent = JSON.stringify(out); });
</script>"""


def _browser() -> str:
    if shutil.which("chromium") is None and not IN_CI:
        print("\n!!!!! CHROMIUM IS NOT INSTALLED: the CORS browser test is SKIPPED !!!!!\n")
    return _chromium()


class Recorder:
    """The API with a log of what reached it: (method, path, Origin, preflight headers)."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.seen: list[tuple[str, str, str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            wanted = headers.get("access-control-request-headers", "")
            self.seen.append((scope["method"], scope["path"], headers.get("origin", ""), wanted))
        await self.app(scope, receive, send)


def _page(html: str) -> ASGI:
    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": html.encode()})

    return serve


@pytest.fixture
async def servers() -> AsyncIterator[Callable[[ASGI, int], Awaitable[None]]]:
    """Starts ASGI apps on loopback ports (uvicorn, in this event loop); stops them after."""
    running: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(app: ASGI, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
        server = uvicorn.Server(config)
        running.append((server, asyncio.create_task(server.serve())))
        while not server.started:  # noqa: ASYNC110  (uvicorn offers no event for this)
            await asyncio.sleep(0.01)

    yield start
    for server, _ in running:
        server.should_exit = True
    await asyncio.gather(*(task for _, task in running))


async def _results(chromium: str, url: str, profile: Path) -> dict[str, Any]:
    # The virtual time budget lets the page's fetches finish before the DOM is dumped.
    args = [*FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=60000", "--dump-dom"]
    dom = (await _run(chromium, *args, url)).decode()
    text = dom.split('<pre id="results">', 1)[1].split("</pre>", 1)[0]
    assert text != "pending", dom
    found: dict[str, Any] = json.loads(text)
    return found


async def test_a_frontend_on_an_allowed_origin_works_and_others_are_refused(
    database_url: str,
    engine: AsyncEngine,
    world: World,
    servers: Callable[[ASGI, int], Awaitable[None]],
    tmp_path: Path,
) -> None:
    if "sqlite" not in database_url:
        pytest.skip("CORS is the same on both databases; one browser run is enough")
    chromium = _browser()
    api_port, page_port, other_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    frontend = f"http://127.0.0.1:{page_port}"
    settings = test_settings(database_url, cors_origins=[frontend])
    recorder = Recorder(create_app(settings, engine=engine))
    page = {"api": api, "username": world.usernames["admin"], "password": PASSWORD}
    await servers(recorder, api_port)
    await servers(_page(ALLOWED_PAGE % page), page_port)
    await servers(_page(REFUSED_PAGE % {**page, "token": world.token("admin")}), other_port)

    out = await _results(chromium, f"{frontend}/", tmp_path / "allowed")
    assert "error" not in out, out
    assert out["login"] == 200
    assert out["create"]["status"] == 201 and out["create"]["location"].startswith("/api/v1/")
    assert len(out["create"]["request_id"]) >= 16
    assert out["read"] == {"status": 200, "etag": '"1"'}
    assert out["patch"] == {"status": 200, "etag": '"2"', "name": "改过的界别"}
    assert out["stale"] == {"status": 412, "code": "version_mismatch"}
    preflights = [s for s in recorder.seen if s[0] == "OPTIONS" and s[2] == frontend]
    assert any("if-match" in wanted for _, _, _, wanted in preflights), recorder.seen

    elsewhere = f"http://127.0.0.1:{other_port}"
    refused = await _results(chromium, f"{elsewhere}/", tmp_path / "refused")
    assert refused == {"login": "refused: TypeError", "me": "refused: TypeError"}
    # The bearer request itself never left the browser: its preflight was refused.
    from_elsewhere = [
        (method, path) for method, path, origin, _ in recorder.seen if origin == elsewhere
    ]
    assert ("OPTIONS", "/api/v1/me") in from_elsewhere
    assert ("GET", "/api/v1/me") not in from_elsewhere
