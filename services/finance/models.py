"""Tables of the finance service's own database."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from libs.common.db import BigId, Timestamped, UTCDateTime, new_metadata, utcnow
from libs.readmodels.credit import credit_table
from libs.readmodels.enterprises import enterprise_table


class Base(DeclarativeBase):
    metadata = new_metadata()


Money = Numeric(18, 2)

#: The local read model of enterprises (fed by ipp.enterprise.events).
known_enterprises = enterprise_table(Base.metadata)
#: The local read model of the credit register (fed by the credit events on ipp.enterprise.events).
known_credit = credit_table(Base.metadata)


class PledgeLoan(Timestamped, Base):
    """A pledge-financing loan 知识产权质押融资 as registered (one row per loan contract)."""

    __tablename__ = "pledge_loans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The enterprise's city and ownership when the loan was registered (stamped from the read model).
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    ownership: Mapped[str] = mapped_column(String(10), nullable=False)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
    lender_bank: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    lender_name: Mapped[str] = mapped_column(String(200), nullable=False)
    contract_no: Mapped[str] = mapped_column(String(64), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    registration_date: Mapped[date] = mapped_column(Date, nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    maturity_date: Mapped[date] = mapped_column(Date, nullable=False)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(7, 3), nullable=False)
    risk_sharing: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="registered")
    status_date: Mapped[date | None] = mapped_column(Date)
    status_note: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    registered_by_role: Mapped[str] = mapped_column(String(30), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    items: Mapped[list[PledgedItem]] = relationship(back_populates="loan", lazy="selectin",
                                                      order_by="PledgedItem.position")

    __table_args__ = (
        UniqueConstraint("lender_bank", "contract_no", name="uq_pledge_loans_contract"),
        Index("ix_pledge_loans_city_date", "city", "registration_date"),
    )


class PledgedItem(Base):
    """One patent / trademark / geographical indication pledged under a loan."""

    __tablename__ = "pledged_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(BigId, ForeignKey("pledge_loans.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    #: Denormalised from the loan: while True the item is under a registered pledge.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    loan: Mapped[PledgeLoan] = relationship(back_populates="items")

    __table_args__ = (
        UniqueConstraint("loan_id", "kind", "number", name="uq_pledged_items_item"),
        Index("ix_pledged_items_number", "kind", "number"),
        #: An item is under at most one registered pledge at a time (专利权质押登记办法: an item
        #: already pledged is not registered again); the service checks first, this is the guard.
        Index("uq_pledged_items_active", "kind", "number", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )


class WhitelistVersion(Base):
    """A published 授信企业白名单: numbered, dated and immutable (append-only in the database)."""

    __tablename__ = "whitelist_versions"

    number: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    published_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_credit_line: Mapped[Decimal] = mapped_column(Money, nullable=False)
    published_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class WhitelistEntry(Base):
    __tablename__ = "whitelist_entries"

    version: Mapped[int] = mapped_column(BigId, ForeignKey("whitelist_versions.number"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
    suggested_credit_line: Mapped[Decimal] = mapped_column(Money, nullable=False)


class FinancingActivity(Timestamped, Base):
    """A matchmaking event 质押融资对接活动 or an 一月一链 roadshow that has taken place."""

    __tablename__ = "financing_activities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    chain: Mapped[str | None] = mapped_column(String(10))
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_count: Mapped[int] = mapped_column(Integer, nullable=False)
    private_enterprise_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    institution_count: Mapped[int] = mapped_column(Integer, nullable=False)
    enterprises: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    intended_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    intended_deals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="held")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (
        UniqueConstraint("kind", "title", "held_on", name="uq_financing_activities_title"),
        Index("ix_financing_activities_held", "kind", "held_on"),
    )
