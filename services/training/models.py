"""Tables of the training service's own database."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db import BigId, Timestamped, UTCDateTime, new_metadata, utcnow
from libs.readmodels.enterprises import enterprise_table


class Base(DeclarativeBase):
    metadata = new_metadata()


known_enterprises = enterprise_table(Base.metadata)


class TrainingClass(Timestamped, Base):
    """A class (培训班) of one track, held in one city by an organiser (a training base)."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    track: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    #: ``org`` claim of the agency (training base) that manages the class, if any.
    organiser_org: Mapped[str | None] = mapped_column(String(100), index=True)
    venue: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    session_dates: Mapped[list] = mapped_column(JSON, nullable=False)  # ISO dates
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="planned", index=True)
    enrolled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    finished_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (Index("ix_training_classes_city_year", "city", "start_date"),)

    @property
    def year(self) -> int:
        return self.start_date.year

    @property
    def days(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.session_dates]


class Enrolment(Timestamped, Base):
    """A trainee in a class. The person is known by a pseudonymous key, never the raw ID number."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_classes.id"), nullable=False, index=True)
    person_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_masked: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    position: Mapped[str | None] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_city: Mapped[str | None] = mapped_column(String(6))
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="enrolled")  # enrolled | withdrawn
    attended_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    exam_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    exam_date: Mapped[date | None] = mapped_column(Date)
    exam_passed: Mapped[bool | None] = mapped_column(Boolean)
    #: One row per person and class (a withdrawn trainee who comes back is reinstated on the same row).
    __table_args__ = (UniqueConstraint("class_id", "person_key", name="uq_enrolments_class_person"),)


class Attendance(Base):
    """Presence of one enrolment on one session day (the day's sign-in sheet)."""

    __tablename__ = "attendance"

    enrolment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enrolments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Certificate(Base):
    """A numbered certificate: at most one per person per track."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    person_key: Mapped[str] = mapped_column(String(64), nullable=False)
    track: Mapped[str] = mapped_column(String(12), nullable=False)
    enrolment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enrolments.id"), nullable=False, unique=True)
    class_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_classes.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    enterprise_city: Mapped[str | None] = mapped_column(String(6))
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("person_key", "track", name="uq_certificates_person_track"),)


class CertificateSequence(Base):
    """Last certificate number used per (track, year)."""

    __tablename__ = "certificate_sequences"

    track: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Commissioner(Base):
    """A person counted as a trained preparatory commissioner (万名专员): the first finished
    preparatory class they completed. At most one row per person and track."""

    __tablename__ = "commissioners"

    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    track: Mapped[str] = mapped_column(String(12), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(BigId, ForeignKey("enrolments.id"), nullable=False)
    class_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_classes.id"), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False)
    enterprise_city: Mapped[str] = mapped_column(String(6), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    qualified_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Activity(Timestamped, Base):
    """A service activity for enterprises 服务活动 (鄂知发〔2019〕1号 §§ 12, 16, 19, 20; 鄂知发〔2022〕9号
    § 二.8): one dated event of a kind, held by an organiser in a city for registered enterprises."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    sub_kind: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    staff_person_times: Mapped[int] = mapped_column(Integer, nullable=False)
    enterprise_count: Mapped[int] = mapped_column(Integer, nullable=False)
    private_count: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="recorded", index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    #: The bulk import that wrote it, if any.
    batch_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (Index("ix_activities_city_held_on", "city", "held_on"),)


class ActivityEnterprise(Base):
    """An enterprise an activity served, stamped from the read model when it was recorded."""

    __tablename__ = "activity_enterprises"

    activity_id: Mapped[int] = mapped_column(BigId, ForeignKey("activities.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_city: Mapped[str] = mapped_column(String(6), nullable=False)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False)
