"""Table of the credit register (in the enterprise service's database, migration 0004)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import BigId, Timestamped
from services.enterprise.models import Base


class CreditEntry(Timestamped, Base):
    """One decision recorded against an enterprise: kind, deciding authority, decision date, document
    and period of effect; lifting ends it early (the row is kept, with who lifted it and why)."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    document_no: Mapped[str] = mapped_column(String(200), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_until: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lifted_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("uscc", "kind", "document_no", name="uq_credit_entries_uscc_kind_document"),
        Index("ix_credit_entries_uscc_period", "uscc", "effective_from"),
    )
