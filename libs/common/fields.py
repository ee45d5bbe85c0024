"""Pydantic field types for validated identifiers and plausible dates: a bad value is a 422 naming
the field and the rule.

Plausible dates (rule ``date_range``)
---------------------------------------
Every date or time a client sends is checked against a plausible range before any use case sees it
(rule ``date_range``, a 422 naming the field and the allowed range). The ranges are domain rules,
not storage limits: a pledge registered in year 1 or a matching event in 9999 is a typing mistake,
and without a range such values overflowed time-zone conversions (a 500) or landed in KPI years
nobody reports. Services keep their own, narrower rules on top (not in the future, not before the
programme started…), which answer with their own rule codes.

* Business dates (``BusinessDate``, ``BusinessDateTime``, ``BusinessMonth``): from
  1985-01-01 — the year China's Patent Law took effect (1 April 1985); no patent, pledge, licence,
  case, class or event of these programmes is older — to 31 December of next year (China time), so
  planned classes and events of the coming year are accepted.
* Establishment dates (``FoundingDate``, e.g. a protection centre's founding or closing): from
  1949-10-01, the founding of the People's Republic (no public body in the registry is older), to
  31 December of next year.
* Patent term dates (``TermDate``, the end of a licence or of an open-licence offer): from
  1985-01-01 to 31 December of the year 25 years from now — an invention patent lasts 20 years from
  filing, plus at most 5 years of term compensation (Patent Law 2020, art. 42), so no licence of a
  patent can run longer.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from libs.common import divisions, identifiers
from libs.common.identifiers import IdentifierError


def _as_pydantic(fn: Callable[[str], str]) -> Callable[[str], str]:
    def _validate(value: str) -> str:
        try:
            return fn(value)
        except IdentifierError as exc:
            raise PydanticCustomError(exc.rule, exc.message) from None

    return _validate


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


USCC = Annotated[str, BeforeValidator(_strip), AfterValidator(_as_pydantic(identifiers.validate_uscc))]
CityCode = Annotated[str, BeforeValidator(_strip), AfterValidator(_as_pydantic(divisions.validate_city))]
PatentNumber = Annotated[str, BeforeValidator(_strip), AfterValidator(_as_pydantic(identifiers.validate_patent_number))]


def _hubei_division(value: str) -> str:
    divisions.city_of(value)  # raises for non-Hubei / unknown codes
    return value


DivisionCode = Annotated[str, BeforeValidator(_strip), AfterValidator(_as_pydantic(_hubei_division))]

#: A record number in a URL path: a positive integer the databases can hold (a larger one is a 422,
#: not an overflow in the driver).
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1, description="记录编号 record id")]
#: A record number in a request body: the same bounds as ``RecordId``.
RecordRef = Annotated[int, Field(ge=1, le=2**63 - 1)]


def parse_uscc(value: str) -> str:
    """Validate a USCC from a path parameter; raises a 422 problem naming ``uscc``."""
    from libs.common.errors import FieldInvalid

    try:
        return identifiers.validate_uscc(value)
    except IdentifierError as exc:
        raise FieldInvalid("uscc", exc.rule, exc.message) from None


# --- plausible dates (see the module docstring) -------------------------------------------------

CHINA = ZoneInfo("Asia/Shanghai")
BUSINESS_FIRST = date(1985, 1, 1)
FOUNDING_FIRST = date(1949, 10, 1)
#: How many years after this one a patent term (and so a licence of it) can still run.
PATENT_TERM_YEARS = 25
DATE_RANGE = "date_range"


def china_today() -> date:
    return datetime.now(CHINA).date()


def _end_of_year(year: int) -> date:
    return date(min(year, 9999), 12, 31)


def latest_business_date(today: date | None = None) -> date:
    """31 December of next year (China time): the latest business date accepted."""
    return _end_of_year((today or china_today()).year + 1)


def latest_term_date(today: date | None = None) -> date:
    """31 December of the year :data:`PATENT_TERM_YEARS` from now: the latest patent term date."""
    return _end_of_year((today or china_today()).year + PATENT_TERM_YEARS)


def _date_range(first: date, last: Callable[[], date], what: str) -> AfterValidator:
    def _check(value: date) -> date:
        end = last()
        if not first <= value <= end:
            raise PydanticCustomError(DATE_RANGE, "{what}应在 {first} 至 {last} 之间",
                                      {"what": what, "first": first.isoformat(), "last": end.isoformat()})
        return value

    return AfterValidator(_check)


def _datetime_range(first: date, last: Callable[[], date], what: str) -> AfterValidator:
    def _check(value: datetime) -> datetime:
        end = last()
        lo = datetime.combine(first, time.min, CHINA)
        hi = datetime.combine(end, time.max, CHINA)
        # Aware datetimes with different offsets compare without conversion, so a value near year 1
        # or 9999 cannot overflow here (astimezone() would).
        probe = value if value.tzinfo is not None else value.replace(tzinfo=CHINA)
        if not lo <= probe <= hi:
            raise PydanticCustomError(DATE_RANGE, "{what}应在北京时间 {first} 至 {last}（含当日）之间",
                                      {"what": what, "first": first.isoformat(), "last": end.isoformat()})
        return value

    return AfterValidator(_check)


def _month_range(value: str) -> str:
    first, end = BUSINESS_FIRST, latest_business_date()
    if not f"{first.year:04d}-{first.month:02d}" <= value <= f"{end.year:04d}-{end.month:02d}":
        raise PydanticCustomError(DATE_RANGE, "月份应在 {first} 至 {last} 之间",
                                  {"first": f"{first.year:04d}-{first.month:02d}",
                                   "last": f"{end.year:04d}-{end.month:02d}"})
    return value


#: A business date: 1985-01-01 … 31 December of next year (China time).
BusinessDate = Annotated[date, _date_range(BUSINESS_FIRST, latest_business_date, "日期")]
#: A business instant with its time zone, whose China date is a :data:`BusinessDate`.
BusinessDateTime = Annotated[AwareDatetime, _datetime_range(BUSINESS_FIRST, latest_business_date, "时间")]
#: A business month ``YYYY-MM``: 1985-01 … December of next year.
BusinessMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), AfterValidator(_month_range)]
#: An establishment (or closing) date of a body: 1949-10-01 … 31 December of next year.
FoundingDate = Annotated[date, _date_range(FOUNDING_FIRST, latest_business_date, "日期")]
#: The end of a patent licence's term: 1985-01-01 … 31 December of the year 25 years from now.
TermDate = Annotated[date, _date_range(BUSINESS_FIRST, latest_term_date, "日期")]
