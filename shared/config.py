"""Settings: one typed object read once at start (environment variables prefixed ``TONGXIN_``)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.schemas import Duration, Within

_SECOND, _MINUTE, _DAY = timedelta(seconds=1), timedelta(minutes=1), timedelta(days=1)
# Durations read from ISO 8601 (``PT15S``) like every duration of the API, each within bounds.
Timeout = Annotated[Duration, Within(_SECOND, 10 * _MINUTE)]
Interval = Annotated[Duration, Within(_SECOND, _DAY)]
LongInterval = Annotated[Duration, Within(_SECOND, 365 * _DAY)]

# Used only when TONGXIN_ENV is development or test; production refuses to start without a key.
_DEVELOPMENT_KEY = "tongxin-development-key-not-for-production-use"


def known_timezone(value: str) -> str:
    """``value`` if it names an IANA time zone, else ValueError (for validators)."""
    try:
        ZoneInfo(value)
    # A region folder such as "Asia" is a directory in the zone database: OSError, not NotFound.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


# What a browser sends as ``Origin``: scheme, host and port, nothing more (no path, no slash).
_ORIGIN = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[^\s/:?#\[\]]+)(:[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TONGXIN_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///var/tongxin.db"
    redis_url: str | None = None
    queue_name: str = "tongxin:queue"
    secret_key: SecretStr | None = None
    webhook_allow_private_targets: bool = False
    # Standard Webhooks: success is a 2xx within 15 s, connecting within 5 s. A claimed delivery's
    # lease must outlive the longest send, or a second worker could send the same attempt.
    webhook_timeout: Timeout = timedelta(seconds=15)
    webhook_connect_timeout: Timeout = timedelta(seconds=5)
    webhook_lease: Interval = timedelta(seconds=60)
    worker_metrics_port: int | None = None
    timezone: str = "Asia/Shanghai"
    sweep_interval: Interval = timedelta(seconds=15)
    access_token_ttl: Interval = timedelta(minutes=15)
    refresh_token_ttl: LongInterval = timedelta(days=7)
    max_body_bytes: int = 1_048_576
    login_max_failures: int = 5
    login_failure_window: Interval = timedelta(minutes=15)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # PostgreSQL connections the API keeps open: at least the expected concurrent requests.
    db_pool_size: int = 20
    # Web frontends on other origins that may call the API from a browser (CORS); a JSON list.
    cors_origins: Annotated[list[str], NoDecode] = []

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins_as_json(cls, value: Any) -> Any:
        # Parsed here rather than by pydantic-settings, whose error for bad JSON is a traceback
        # instead of the one-line reason every other setting gives.
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError('must be a JSON list such as ["https://app.example.org"]') from exc
        return value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme, host and optional port, no path or "
                    "trailing slash (browsers compare them exactly)"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("max_body_bytes", "login_max_failures")
    @classmethod
    def _positive_count(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> Settings:
        if self.webhook_lease < self.webhook_timeout + timedelta(seconds=1):
            raise ValueError("TONGXIN_WEBHOOK_LEASE must exceed TONGXIN_WEBHOOK_TIMEOUT by 1 s")
        return self

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if self.secret_key is None:
            if self.env == "production":
                raise ValueError("TONGXIN_SECRET_KEY is required when TONGXIN_ENV=production")
            self.secret_key = SecretStr(_DEVELOPMENT_KEY)
        elif len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TONGXIN_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def secret(self) -> str:
        assert self.secret_key is not None  # set by the validator above
        return self.secret_key.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
