"""Rules of official statistics without I/O: validating one submitted value."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from libs.common.divisions import CITIES
from services.reporting import periods
from services.reporting.indicators import PROVINCE
from services.reporting.statistics.catalogue import ELEMENTS

MAX_VALUE = Decimal("1e19")


class RowProblem(ValueError):
    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule, self.message = field, rule, message


def check_org_unit(org_unit: str) -> str:
    code = str(org_unit).strip()
    if code != PROVINCE and code not in CITIES:
        raise RowProblem("org_unit", "org_unit.unknown",
                         f"组织机构 {code!r} 不是湖北省（420000）或17个市州之一")
    return code


def check_period(code: str) -> periods.Period:
    try:
        return periods.parse(code)
    except periods.PeriodError as exc:
        raise RowProblem("period", exc.rule, exc.message) from None


def check_value(element: str, raw: object) -> tuple[str, Decimal]:
    """(element code, value) or :class:`RowProblem` naming the field and the rule."""
    el = ELEMENTS.get(str(element).strip())
    if el is None:
        raise RowProblem("element", "element.unknown",
                         f"未知数据元素 {element!r}（见 GET /api/v1/statistics/elements）")
    text = "" if raw is None else str(raw).strip().replace(",", "")
    if text == "":
        raise RowProblem("value", "value.required", f"{el.name} 的数值不能为空")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowProblem("value", "value.number", f"{el.name} 的数值 {raw!r} 不是数字") from None
    if not value.is_finite() or abs(value) >= MAX_VALUE:
        raise RowProblem("value", "value.range", f"{el.name} 的数值 {raw!r} 超出范围")
    if value < 0:
        raise RowProblem("value", "value.negative", f"{el.name} 的数值不能为负数（{text}）")
    if el.value_type == "integer" and value != value.to_integral_value():
        raise RowProblem("value", "value.integer", f"{el.name} 应为整数（{text}）")
    exponent = value.as_tuple().exponent  # an int: the value is finite
    if isinstance(exponent, int) and exponent < -4:
        raise RowProblem("value", "value.scale", f"{el.name} 最多保留4位小数（{text}）")
    if el.min is not None and value < el.min:
        raise RowProblem("value", "value.min", f"{el.name} 不应小于 {el.min}（{text}）")
    if el.max is not None and value > el.max:
        raise RowProblem("value", "value.max", f"{el.name} 不应大于 {el.max}（{text}）")
    return el.code, value
