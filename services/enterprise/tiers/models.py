"""Tables of the published tier lists: numbered, dated and immutable (append-only in the database)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import BigId, UTCDateTime, utcnow
from services.enterprise.models import Base


class TierListVersion(Base):
    """One published list of the enterprises holding a tier (定期向社会发布)."""

    __tablename__ = "tier_list_versions"

    number: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    published_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False)
    advantage_count: Mapped[int] = mapped_column(Integer, nullable=False)
    seed_count: Mapped[int] = mapped_column(Integer, nullable=False)
    growth_count: Mapped[int] = mapped_column(Integer, nullable=False)
    published_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class TierListEntry(Base):
    """An enterprise as the list published it: its name, city and tier on that day."""

    __tablename__ = "tier_list_entries"

    version: Mapped[int] = mapped_column(BigId, ForeignKey("tier_list_versions.number"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    tier: Mapped[str] = mapped_column(String(10), nullable=False)
    since: Mapped[date] = mapped_column(Date, nullable=False)
