"""Pydantic field types for validated identifiers: a bad value is a 422 naming the field and rule."""
from __future__ import annotations

from typing import Annotated, Callable

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator
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


def _strip(value):
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


def parse_uscc(value: str) -> str:
    """Validate a USCC from a path parameter; raises a 422 problem naming ``uscc``."""
    from libs.common.errors import FieldInvalid

    try:
        return identifiers.validate_uscc(value)
    except IdentifierError as exc:
        raise FieldInvalid("uscc", exc.rule, exc.message) from None
