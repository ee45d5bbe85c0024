"""List filters in SQL: equality on the optional parameters, and substring search where the user's text is
matched literally, never as a LIKE pattern."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement

#: The escape character of every pattern built here (pass it to ``ilike``/``like`` as ``escape``).
ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards ``%`` and ``_`` and the escape character itself escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain ``text`` literally."""
    return f"%{escape_like(text)}%"


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text`` literally, ignoring case (``ILIKE … ESCAPE '\\'``)."""
    pattern = contains_pattern(text)
    return or_(*(column.ilike(pattern, escape=ESCAPE) for column in columns))


def where_equal(stmt: Any, model: Any, **values: Any) -> Any:
    """``stmt`` limited to the rows whose columns equal the given values; ``None`` or ``""`` filters nothing
    (a list's optional query parameters: ``where_equal(select(Loan), Loan, city=city, status=status)``)."""
    for name, value in values.items():
        if value is not None and value != "":
            stmt = stmt.where(getattr(model, name) == value)
    return stmt

