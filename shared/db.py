"""The data layer: one metadata, UUIDv7 keys, tenant and version mixins, engines for both databases.

PostgreSQL is production; SQLite is the embedded default. They differ in two places only:
``make_engine`` (SQLite transactions start with ``BEGIN IMMEDIATE`` so writers queue instead of
failing, the embedded equivalent of PostgreSQL's row locks; ``FOR UPDATE`` is simply not rendered
by SQLAlchemy's SQLite dialect) and ``make_read_sessionmaker`` (reads outside transactions on
PostgreSQL only).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from shared import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_last_uuid7 = 0
_uuid7_lock = threading.Lock()


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): keys sort by creation, so the primary key
    index is also the keyset-pagination index. Monotonic within a process (RFC 9562 §6.2):
    two ids made in the same millisecond would otherwise sort at random half of the time."""
    global _last_uuid7
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    with _uuid7_lock:
        if value <= _last_uuid7:
            value = _last_uuid7 + 1
        _last_uuid7 = value
    return uuid.UUID(int=value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return clock.as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else clock.as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def entity_name(model: type[Any]) -> str:
    """What a row is called in audit entries and messages: its table's name in the singular
    (``party_branches`` → ``party_branch``, ``service_activities`` → ``service_activity``)."""
    table: str = model.__tablename__
    if table.endswith("ies"):
        return table[:-3] + "y"
    if table.endswith(("ches", "shes", "sses", "xes")):
        return table[:-2]
    return table.removesuffix("s")


class Keyed:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class Versioned(Timestamped):
    """Mutable rows: ``version`` is bumped by SQLAlchemy on every UPDATE and is the ETag."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Tenant:
    """Every business row belongs to one organisation."""

    @declared_attr
    def organisation_id(cls) -> Mapped[uuid.UUID]:
        # Indexed by each table's (organisation_id, id), which keyset pages need (rule 9).
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    """An engine for ``url``. PostgreSQL: ``pool_size`` connections kept open (sized to the
    expected concurrency, so connections are not opened and closed under load) and a small
    overflow for bursts. No pre-ping: it costs a round trip on every checkout, and a connection
    the server dropped fails one request and is then discarded with the rest of the pool."""
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size // 2)
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose work is one transaction, ended by the caller's commit or rollback."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that read (GET, HEAD). On PostgreSQL each statement runs and
    commits on its own (``AUTOCOMMIT``), saving the BEGIN and COMMIT round trips of a
    transaction: under READ COMMITTED every statement sees its own snapshot anyway, so reads
    lose nothing. A write in such a session is therefore committed alone and must be one
    statement that is correct by itself (an API key's last use is). On SQLite, ordinary
    transactions: its transactions also give a request's reads one snapshot, and its
    ``BEGIN IMMEDIATE`` (above) is not skipped by SQLAlchemy's autocommit."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return make_sessionmaker(engine)


def serialises_writers(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """SQLite takes one writer at a time: parallel worker lanes against it only queue up on its
    lock (and, on a busy machine, can wait out the busy timeout), so callers run one lane."""
    bind = sessionmaker.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"
