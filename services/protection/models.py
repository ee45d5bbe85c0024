"""Tables of the protection service's own database (and its read model of enterprises)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db import BigId, Timestamped, UTCDateTime, new_metadata
from libs.readmodels.enterprises import enterprise_table


class Base(DeclarativeBase):
    metadata = new_metadata()


Money = Numeric(18, 2)

#: What this service knows of enterprises (fed by ``ipp.enterprise.events``).
known_enterprises = enterprise_table(Base.metadata)


class Centre(Timestamped, Base):
    """A rights-protection assistance / protection centre: receives cases, visits enterprises."""

    __tablename__ = "centres"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Workstation(Timestamped, Base):
    """知识产权保护工作站 hosted by an enterprise or in a park."""

    __tablename__ = "workstations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    host_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    host_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    host_name: Mapped[str] = mapped_column(String(200), nullable=False)
    host_is_private: Mapped[bool | None] = mapped_column(Boolean)
    centre_id: Mapped[str | None] = mapped_column(ForeignKey("centres.id"))
    established_on: Mapped[date] = mapped_column(Date, nullable=False)
    deregistered_on: Mapped[date | None] = mapped_column(Date)
    deregister_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (UniqueConstraint("city", "name", name="uq_workstations_city_name"),
                      Index("ix_workstations_level_established", "level", "established_on"))


class Case(Timestamped, Base):
    """A protection case owned by the centre that first received it (首问负责制)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_city: Mapped[str] = mapped_column(String(6), nullable=False)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
    ip_type: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    counterparty: Mapped[str | None] = mapped_column(String(200))
    overseas_country: Mapped[str | None] = mapped_column(String(60))
    amount_involved: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handling_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(12))
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    result_summary: Mapped[str | None] = mapped_column(Text)
    received_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class CaseStep(Base):
    """The case's timed history, one row per step (append-only)."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(50), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("case_id", "status", name="uq_case_steps_case_status"),)


class Visit(Timestamped, Base):
    """An on-site service visit of a centre to a private enterprise (上门服务)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_city: Mapped[str] = mapped_column(String(6), nullable=False)
    visit_date: Mapped[date] = mapped_column(Date, nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    services: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    staff: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    issues: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (UniqueConstraint("centre_id", "uscc", "visit_date", name="uq_visits_centre_uscc_date"),
                      Index("ix_visits_centre_month", "centre_id", "month"))
