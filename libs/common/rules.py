"""The one error a broken business rule raises, from domain code or a use case.

Pure Python (domain modules import neither FastAPI nor SQLAlchemy). The common problem handler
(``libs.common.errors``) renders it: a 422 naming the field when the rule is about one field of the
request, a 409 when the request conflicts with the current state. ``code`` is stable for machines
(``tier.date_before_last``), ``message`` is Chinese for people; ``extra`` members (the loan or
activity a conflict is with, the pool's numbers) go into the problem document as members of their own.
"""
from __future__ import annotations


class RuleViolation(Exception):
    def __init__(self, code: str, message: str, field: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra

    @property
    def status(self) -> int:
        return 422 if self.field else 409


__all__ = ["RuleViolation"]
