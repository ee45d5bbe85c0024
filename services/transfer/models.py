"""Tables of the transfer service's own database."""
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

#: The local read model of enterprises (fed by ``ipp.enterprise.events``).
known_enterprises = enterprise_table(Base.metadata)


class TransferRecord(Timestamped, Base):
    """One transfer or licence 专利转让/许可 (several patents, two parties), as registered."""

    __tablename__ = "transfer_records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    patents: Mapped[list] = mapped_column(JSON, nullable=False)
    patent_count: Mapped[int] = mapped_column(Integer, nullable=False)
    from_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    from_name: Mapped[str] = mapped_column(String(200), nullable=False)
    from_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    from_city: Mapped[str | None] = mapped_column(String(6))
    from_region: Mapped[str] = mapped_column(String(16), nullable=False)
    from_is_private: Mapped[bool | None] = mapped_column(Boolean)
    to_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    to_name: Mapped[str] = mapped_column(String(200), nullable=False)
    to_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    to_city: Mapped[str | None] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(16), nullable=False)
    to_is_private: Mapped[bool | None] = mapped_column(Boolean)
    university_origin: Mapped[bool] = mapped_column(Boolean, nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    payment: Mapped[str | None] = mapped_column(String(24))
    contract_date: Mapped[date] = mapped_column(Date, nullable=False)
    term_end: Mapped[date | None] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="registered")
    open_licence_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("open_licences.id"))
    library_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("library_entries.id"))
    matching_event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("matching_events.id"))
    note: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[str | None] = mapped_column(String(32), index=True)
    registered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_transfer_records_city_year", "city", "year"),)


class TransferPatent(Base):
    """Which records a patent appears in (lookup by patent number)."""

    __tablename__ = "transfer_patents"

    record_id: Mapped[str] = mapped_column(ForeignKey("transfer_records.id"), primary_key=True)
    patent_number: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class OpenLicence(Timestamped, Base):
    """An open-licence declaration 专利开放许可 (003 § 9): anyone may take a licence on the terms."""

    __tablename__ = "open_licences"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patents: Mapped[list] = mapped_column(JSON, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    licensor_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    licensor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    licensor_uscc: Mapped[str | None] = mapped_column(String(18))
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    fee_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    fee_amount: Mapped[Decimal | None] = mapped_column(Money)
    royalty_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="active", index=True)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class LibraryEntry(Timestamped, Base):
    """An entry of the convertible patent library 可转化专利资源库 (003 § 10)."""

    __tablename__ = "library_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    patents: Mapped[list] = mapped_column(JSON, nullable=False)
    ipc_classes: Mapped[list] = mapped_column(JSON, nullable=False)
    keywords: Mapped[list] = mapped_column(JSON, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    owner_name: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_uscc: Mapped[str | None] = mapped_column(String(18))
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    use_first_pay_later: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    terms: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="available", index=True)
    deals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: title, keywords and description, lower-cased: what the keyword filter searches.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class EnterpriseNeed(Timestamped, Base):
    """A technology need of an enterprise 企业需求库, matched against the library."""

    __tablename__ = "enterprise_needs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
    size_class: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    ipc_classes: Mapped[list] = mapped_column(JSON, nullable=False)
    keywords: Mapped[list] = mapped_column(JSON, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open", index=True)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class MatchingEvent(Timestamped, Base):
    """A supply–demand matching event 专利技术供需对接活动 (004 § 二(一)2: ≥ 4 a year)."""

    __tablename__ = "matching_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    planned_date: Mapped[date] = mapped_column(Date, nullable=False)
    held_on: Mapped[date | None] = mapped_column(Date)
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    field: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="planned", index=True)
    participants_enterprises: Mapped[int | None] = mapped_column(Integer)
    participants_institutions: Mapped[int | None] = mapped_column(Integer)
    deals_intended: Mapped[int | None] = mapped_column(Integer)
    amount_intended: Mapped[Decimal | None] = mapped_column(Money)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Carrier(Timestamped, Base):
    """An innovation carrier or base 创新载体/基地 (003 §§ 5, 7, 9, 11, 22): one register of every kind."""

    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    host_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    host_name: Mapped[str] = mapped_column(String(200), nullable=False)
    host_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    field: Mapped[str | None] = mapped_column(String(100))
    approved_on: Mapped[date] = mapped_column(Date, nullable=False)
    established_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="approved", index=True)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (UniqueConstraint("kind", "name", name="uq_carriers_kind_name"),)


class CarrierReview(Timestamped, Base):
    """A yearly review result of a carrier 年度评价 (优秀 / 合格 / 不合格): one per carrier and year."""

    __tablename__ = "carrier_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    carrier_id: Mapped[int] = mapped_column(BigId, ForeignKey("carriers.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    result: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (UniqueConstraint("carrier_id", "year", name="uq_carrier_reviews_carrier_year"),)
