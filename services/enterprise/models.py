"""Tables of the enterprise service's own database."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db import BigId, Timestamped, UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


Money = Numeric(18, 2)


class Enterprise(Timestamped, Base):
    __tablename__ = "enterprises"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    county: Mapped[str | None] = mapped_column(String(6))
    registered_division: Mapped[str] = mapped_column(String(6), nullable=False)
    industry: Mapped[str] = mapped_column(String(10), nullable=False)
    size_class: Mapped[str] = mapped_column(String(10), nullable=False)
    ownership: Mapped[str] = mapped_column(String(10), nullable=False)
    qualifications: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    ip_management_certified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    own_brand: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    patent_product_filed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tier: Mapped[str | None] = mapped_column(String(10), index=True)
    tier_since: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (Index("ix_enterprises_city_tier", "city", "tier"),)


class YearFigures(Timestamped, Base):
    __tablename__ = "enterprise_year_figures"

    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    rd_spend: Mapped[Decimal | None] = mapped_column(Money)
    staff: Mapped[int | None] = mapped_column(Integer)
    rd_staff: Mapped[int | None] = mapped_column(Integer)
    invention_patents: Mapped[int | None] = mapped_column(Integer)
    industrialisation_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class TierRecommendation(Timestamped, Base):
    __tablename__ = "tier_recommendations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    tier: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending", index=True)
    recommended_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)


class TierDecision(Base):
    """The dated, reasoned history of an enterprise's tier (append-only)."""

    __tablename__ = "tier_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False, index=True)
    change: Mapped[str] = mapped_column(String(12), nullable=False)
    from_tier: Mapped[str | None] = mapped_column(String(10))
    to_tier: Mapped[str | None] = mapped_column(String(10))
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    recommendation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tier_recommendations.id"))
    decided_by: Mapped[str] = mapped_column(String(200), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("recommendation_id", name="uq_tier_decisions_recommendation"),)
