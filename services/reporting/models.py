"""Tables of the reporting service's own database."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import Timestamped, new_base

Base = new_base()


class IndicatorDelta(Base):
    """Net change of an indicator for one city in one year (see indicators.py)."""

    __tablename__ = "indicator_deltas"

    indicator: Mapped[str] = mapped_column(String(50), primary_key=True)
    city: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2), nullable=False, default=Decimal(0))


class Target(Timestamped, Base):
    """A year's target for an indicator, for the province (420000) or one city. Data, not code."""

    __tablename__ = "targets"

    indicator: Mapped[str] = mapped_column(String(50), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 2), nullable=False)
    source: Mapped[str | None] = mapped_column(String(200))
