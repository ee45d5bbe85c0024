"""Tables of the pool programme (in the enterprise service's database, migration 0002)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import BigId, Timestamped, UTCDateTime, utcnow
from services.enterprise.models import Base

Rate = Numeric(5, 2)


class PoolMembership(Timestamped, Base):
    """One application and, if admitted, the membership that follows it: applied → admitted →
    graduated | removed, or applied → rejected. An enterprise has at most one open (applied or
    admitted) membership; its history is in :class:`PoolHistory`."""

    __tablename__ = "pool_memberships"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    applied_on: Mapped[date] = mapped_column(Date, nullable=False)
    applied_by: Mapped[str] = mapped_column(String(200), nullable=False)
    application_reason: Mapped[str] = mapped_column(Text, nullable=False)
    declarations: Mapped[dict] = mapped_column(JSON, nullable=False)
    evaluation_year: Mapped[int] = mapped_column(Integer, nullable=False)
    evaluation: Mapped[list] = mapped_column(JSON, nullable=False)
    failed_criteria: Mapped[list] = mapped_column(JSON, nullable=False)
    unknown_criteria: Mapped[list] = mapped_column(JSON, nullable=False)
    decided_on: Mapped[date | None] = mapped_column(Date)  # admission or rejection
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    admitted_on: Mapped[date | None] = mapped_column(Date, index=True)
    admission_rate: Mapped[Decimal | None] = mapped_column(Rate)
    ended_on: Mapped[date | None] = mapped_column(Date)  # graduation or removal
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)
    removal_reason: Mapped[str | None] = mapped_column(String(40))
    graduation_evidence: Mapped[dict | None] = mapped_column(JSON)
    last_progress_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # at most one open membership per enterprise, whatever the race
        Index("uq_pool_memberships_open_uscc", "uscc", unique=True,
              sqlite_where=text("status IN ('applied', 'admitted')"),
              postgresql_where=text("status IN ('applied', 'admitted')")),
        Index("ix_pool_memberships_city_status", "city", "status"),
    )


class PoolHistory(Base):
    """Append-only history of every membership: who did what, when (effective date) and why."""

    __tablename__ = "pool_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    membership_id: Mapped[int] = mapped_column(BigId, ForeignKey("pool_memberships.id"), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[dict | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(50), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_pool_history_city_action", "city", "action", "effective_date"),)
