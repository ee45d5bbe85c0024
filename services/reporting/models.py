"""Tables of the reporting service's own database."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db import ExactDecimal, Timestamped, UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class IndicatorDelta(Base):
    """Net change of an indicator for one city in one month (see indicators/core.py). Written by the
    stream worker only."""

    __tablename__ = "indicator_deltas"

    indicator: Mapped[str] = mapped_column(String(50), primary_key=True)
    city: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(24, 2), nullable=False, default=Decimal(0))


class Target(Timestamped, Base):
    """A year's target for an indicator, for the province (420000) or one city. Data, not code."""

    __tablename__ = "targets"

    indicator: Mapped[str] = mapped_column(String(50), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 2), nullable=False)
    source: Mapped[str | None] = mapped_column(String(200))
    #: Optional monthly profile: 12 comma-separated non-negative weights (expected progress by month).
    profile: Mapped[str | None] = mapped_column(String(200))


class StatValue(Timestamped, Base):
    """A submitted official statistic (data element, org unit, period), and what was last approved."""

    __tablename__ = "stat_values"

    element: Mapped[str] = mapped_column(String(50), primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 4), nullable=False)
    #: The value as of the last approval of (period, org unit); what the indicators show.
    approved_value: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    source_system: Mapped[str | None] = mapped_column(String(100))
    submitted_by: Mapped[str] = mapped_column(String(100), nullable=False)


class StatApproval(Timestamped, Base):
    """Approval state of one (period, org unit): ``approved`` locks its values; ``reopened`` lets
    them change again until the next approval. ``version`` counts approvals."""

    __tablename__ = "stat_approvals"

    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(6), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class StatFolded(Base):
    """Approved statistics as folded from ``statistics.approved`` events by the stream worker: the
    sum of (new − previous) per (element, org unit, period), and how many approvals hold a value."""

    __tablename__ = "stat_folded"

    element: Mapped[str] = mapped_column(String(50), primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(24, 4), nullable=False, default=Decimal(0))
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
