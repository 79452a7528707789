"""The data layer: one metadata, UUIDv7 keys, tenant and version mixins, engines for both databases.

PostgreSQL is production; SQLite is the embedded default. The only place the two differ is
``make_engine``: SQLite transactions start with ``BEGIN IMMEDIATE`` so writers queue instead of
failing, which is the embedded equivalent of PostgreSQL's row locks (``FOR UPDATE`` is simply not
rendered by SQLAlchemy's SQLite dialect).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from sqlalchemy import JSON, Connection, DateTime, Engine, ForeignKey, Integer, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

from shared import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): keys sort by creation, so the primary key
    index is also the keyset-pagination index."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
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


P = ParamSpec("P")
T = TypeVar("T")

# Marks a pooled PostgreSQL connection whose BEGIN waits for the first statement that is not a
# plain SELECT (see ``begin_on_first_write``); cleared when the connection goes back to the pool.
BEGIN_ON_WRITE = "tongxin_begin_on_write"

# Statements that may run outside a transaction: plain reads. ``FOR UPDATE``/``FOR SHARE`` take
# locks that only mean something inside one, so they start it like any write.
_PLAIN_SELECT = re.compile(r"\s*SELECT\b(?!.*\bFOR (?:NO KEY |KEY )?(?:UPDATE|SHARE)\b)", re.S)


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    """An engine for ``url``. PostgreSQL: ``pool_size`` connections kept open (sized to the
    expected concurrency, so connections are not opened and closed under load) and a small
    overflow for bursts. No pre-ping: it costs a round trip on every checkout, and a connection
    the server dropped fails one request and is then discarded with the rest of the pool."""
    if not url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size // 2)
        _install_begin_on_write(engine)
        return engine
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


def _install_begin_on_write(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _begin_before_writing(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The asyncpg adapter issues BEGIN lazily, just before the next statement, unless it is
        # in autocommit; leaving autocommit here therefore opens the transaction right now.
        if connection.info.get(BEGIN_ON_WRITE) and not _PLAIN_SELECT.match(statement):
            del connection.info[BEGIN_ON_WRITE]
            connection.connection.dbapi_connection.autocommit = False

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _reset(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(BEGIN_ON_WRITE, None) and dbapi_connection is not None:
            dbapi_connection.autocommit = False


def begin_on_first_write(session: AsyncSession) -> None:
    """Run the session's plain SELECTs without BEGIN/COMMIT until its first write (or locking
    read), which opens a real transaction that the session's commit ends as usual.

    Under READ COMMITTED every statement sees its own snapshot anyway, so reads lose nothing by
    running outside a transaction, and two round trips per read-only request are saved. Only on
    PostgreSQL: SQLite's transactions also give reads one consistent snapshot. Applied when the
    session takes its connection (below), so marking a session costs no round trip to the pool.
    """
    session.sync_session.info[BEGIN_ON_WRITE] = True


@event.listens_for(Session, "after_begin")
def _reads_outside_transactions(
    session: Session, _transaction: Any, connection: Connection
) -> None:
    # The asyncpg adapter sends BEGIN only before the next statement: in time to leave it out.
    if session.info.get(BEGIN_ON_WRITE) and connection.dialect.name == "postgresql":
        _begin_on_write(connection.connection)


def _begin_on_write(pooled: PoolProxiedConnection) -> None:
    pooled.info[BEGIN_ON_WRITE] = True
    pooled.dbapi_connection.autocommit = True  # type: ignore[union-attr]


def reading(
    engine: Engine,
    query: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``query(connection, ...)`` on a pooled connection of its own, its SELECTs outside any
    transaction on PostgreSQL as in ``begin_on_first_write`` (whatever else it ran would be
    rolled back: it is for reads). Synchronous: call it in a greenlet, as the asyncio layer
    does (``sqlalchemy.util.greenlet_spawn``)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            _begin_on_write(connection.connection)
        return query(connection, *args, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def serialises_writers(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """SQLite takes one writer at a time: parallel worker lanes against it only queue up on its
    lock (and, on a busy machine, can wait out the busy timeout), so callers run one lane."""
    bind = sessionmaker.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"
