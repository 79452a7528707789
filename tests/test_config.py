"""Settings: typed, validated at start, and a bad value stops ``tongxin`` with a one-line reason."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.config import Settings

GOOD_SECRET = "s" * 32


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what each test sets: the machine's own TONGXIN_* variables stay out."""
    for name in list(os.environ):
        if name.startswith("TONGXIN_"):
            monkeypatch.delenv(name)


def refused(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    return str(caught.value)


def test_defaults_are_for_development() -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///var/tongxin.db"
    assert settings.redis_url is None and settings.is_sqlite
    assert settings.timezone == "Asia/Shanghai"
    assert settings.sweep_interval == timedelta(seconds=15)
    assert len(settings.secret) >= 32  # the development key, never used in production


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGXIN_ENV", "production")
    monkeypatch.setenv("TONGXIN_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("TONGXIN_DATABASE_URL", "postgresql+asyncpg://tongxin@db/tongxin")
    monkeypatch.setenv("TONGXIN_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("TONGXIN_SWEEP_INTERVAL", "PT2S")
    monkeypatch.setenv("TONGXIN_TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("TONGXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    settings = Settings()
    assert settings.env == "production" and settings.secret == GOOD_SECRET
    assert not settings.is_sqlite and settings.redis_url == "redis://redis:6379/0"
    assert settings.sweep_interval == timedelta(seconds=2)
    assert settings.timezone == "Asia/Urumqi" and settings.webhook_allow_private_targets


def test_production_needs_a_secret() -> None:
    assert "TONGXIN_SECRET_KEY" in refused(env="production")
    assert Settings(env="production", secret_key=GOOD_SECRET).secret == GOOD_SECRET


@pytest.mark.parametrize("env", ["development", "test", "production"])
def test_short_secret_is_refused_everywhere(env: str) -> None:
    assert "at least 32" in refused(env=env, secret_key="too-short")
    assert "at least 32" in refused(env=env, secret_key="")


def test_the_secret_is_not_printed() -> None:
    settings = Settings(secret_key=GOOD_SECRET)
    assert GOOD_SECRET not in repr(settings) and GOOD_SECRET not in str(settings)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "/etc/passwd", "Asia", "Asia/../UTC"])
def test_bad_timezone(zone: str) -> None:
    assert "timezone" in refused(timezone=zone)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@localhost/tongxin",
        "mysql+aiomysql://root@localhost/tongxin",
        "sqlite:///var/tongxin.db",
        "not a url",
    ],
)
def test_bad_database_url(url: str) -> None:
    assert "database_url" in refused(database_url=url)


@pytest.mark.parametrize("interval", ["PT0S", "-PT5S", "soon", 0])
def test_sweep_interval_must_be_positive(interval: Any) -> None:
    assert "sweep_interval" in refused(sweep_interval=interval)


@pytest.mark.parametrize(
    "values",
    [
        {"env": "staging"},
        {"access_token_ttl": "PT0S"},
        {"refresh_token_ttl": "-P1D"},
        {"login_failure_window": "PT0S"},
        {"login_max_failures": 0},
        {"max_body_bytes": 0},
        {"log_level": "CHATTY"},
    ],
)
def test_other_bad_values(values: dict[str, Any]) -> None:
    assert next(iter(values)) in refused(**values)


# --- the command line ------------------------------------------------------------------------


def tongxin(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with only these TONGXIN_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "tongxin"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_refuses_production_without_secret() -> None:
    result = tongxin("check", TONGXIN_ENV="production")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "TONGXIN_SECRET_KEY" in lines[0]


def test_each_bad_setting_gets_one_line() -> None:
    result = tongxin(
        "check",
        TONGXIN_TIMEZONE="Mars/Olympus",
        TONGXIN_SWEEP_INTERVAL="PT0S",
        TONGXIN_DATABASE_URL="mysql://x",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 3, output
    for name in ("TONGXIN_TIMEZONE", "TONGXIN_SWEEP_INTERVAL", "TONGXIN_DATABASE_URL"):
        assert sum(name in line for line in lines) == 1, output


def test_check_passes_on_a_good_database(tmp_path: Path) -> None:
    result = tongxin("check", TONGXIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database: ok" in result.stdout
