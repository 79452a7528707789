"""The printable scorecard in a real headless Chromium (Debian's ``chromium``): it renders to PDF
and PNG, and the figures are in the rendered page."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI, World

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if IN_CI:
            pytest.fail("chromium is not installed (make test installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    return found


async def _run(*args: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "HOME": os.environ.get("TMPDIR", "/tmp")},
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, f"{args[0]} exited {process.returncode}"
    return out


async def test_scorecard_page_renders_in_chromium(
    client: httpx.AsyncClient, year_of_data: World, tmp_path: Path
) -> None:
    if "sqlite" not in year_of_data.settings.database_url:
        pytest.skip("the page is the same on both databases; one browser run is enough")
    chromium = _chromium()
    page = await client.get("/api/v1/scorecards/2023.html", headers=year_of_data.auth("staff"))
    html = tmp_path / "scorecard.html"
    html.write_text(page.text, encoding="utf-8")
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    url = html.as_uri()
    dom = (await _run(chromium, *FLAGS, *profile, "--dump-dom", url)).decode()
    for figure in ("2023年履职成绩单", "民生议事助首善", "100余人次", "20.0%", "<svg"):
        assert figure in dom
    pdf, png = tmp_path / "scorecard.pdf", tmp_path / "scorecard.png"
    await _run(chromium, *FLAGS, *profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    await _run(chromium, *FLAGS, *profile, "--window-size=1240,1754", f"--screenshot={png}", url)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
    if keep := os.environ.get("TONGXIN_KEEP_SCORECARD_PNG"):
        shutil.copy(png, keep)
