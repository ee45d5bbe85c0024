"""Async SQLAlchemy engines and sessions for SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Numeric, event, text
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Tables every service database carries: outbox, inbox, audit log.
infra_metadata = MetaData(naming_convention=NAMING)


#: A record id, or a column referring to one: BIGINT on PostgreSQL, so every id the API accepts
#: (1 … 2**63 - 1, see ``libs.common.fields.RecordId``) fits; INTEGER on SQLite, which stores 64 bits
#: anyway and keeps an ``INTEGER PRIMARY KEY`` the autoincrementing rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal column whose sums computed in SQL stay exact, for amounts the database adds up
    (``amount = amount + excluded.amount``).

    PostgreSQL: ``NUMERIC(precision, scale)``. SQLite has no exact decimal: a NUMERIC value with a
    fraction is stored as a binary float, so every addition could drift (742843.54 became
    742843.539999999). There the column holds the value × 10^scale as an integer, which SQLite adds
    exactly (up to 2^63, i.e. 9.2 × 10^16 yuan at scale 2); values are rounded half-up to the scale."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale)
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int(Decimal(value).scaleb(self.scale).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name != "sqlite":
            return Decimal(value)
        return Decimal(int(value)).scaleb(-self.scale)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Timestamped:
    """created_at / updated_at on every row."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


def new_metadata() -> MetaData:
    """The metadata of a service's declarative base, with the shared naming convention (one per service)::

        class Base(DeclarativeBase):
            metadata = new_metadata()
    """
    return MetaData(naming_convention=NAMING)


def is_sqlite(url_or_engine: AsyncEngine | URL | str) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, AsyncEngine) else make_url(str(url_or_engine))
    return url.get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if is_sqlite(url):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - trivial
            # Take transaction control from pysqlite so that "begin" below is the only BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Connection) -> None:
            # Write transactions take the write lock up front (no failing lock upgrade later);
            # reads begin deferred and, in WAL mode, never wait for a writer.
            write = conn.get_execution_options().get("ipp_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_async_engine(url, **kwargs)


class Sessions:
    """Sessions of one database: ``sessions()`` for reading, ``sessions.write()`` for writing.

    On SQLite (one writer at a time) writers queue on an in-process FIFO lock before taking the
    database's write lock, instead of sleeping and retrying in SQLite's busy handler, which lets
    waiting requests miss free windows and starves the outbox relay. PostgreSQL needs neither.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        self._read = async_sessionmaker(engine, expire_on_commit=False)
        write_engine = engine.execution_options(ipp_write=True) if self.sqlite else engine
        self._write = async_sessionmaker(write_engine, expire_on_commit=False)
        self._lock = asyncio.Lock() if self.sqlite else None

    def __call__(self) -> AsyncSession:
        return self._read()

    def writer(self) -> AsyncSession:
        """A session whose transactions write (take ``write_lock`` around it on SQLite)."""
        return self._write()

    @contextlib.asynccontextmanager
    async def write_lock(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
        else:
            async with self._lock:
                yield

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back on an error."""
        async with self.write_lock():
            async with self._write() as session, session.begin():
                yield session


def session_factory(engine: AsyncEngine) -> Sessions:
    return Sessions(engine)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
