"""The field error of a problem document (``{"field", "rule", "message"}``), without the web framework:
domain rules build them too."""
from __future__ import annotations


def field_error(field: str, rule: str, message: str) -> dict[str, str]:
    return {"field": field, "rule": rule, "message": message}
