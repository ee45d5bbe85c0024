"""Hubei administrative divisions (GB/T 2260) and the city roll-up.

The platform's organisation hierarchy is province (420000) → 17 city-level units.
County-level codes roll up to their city by their first four digits + ``00``; the four
province-administered units (429004 仙桃市, 429005 潜江市, 429006 天门市, 429021
神农架林区) are cities in their own right, and 429000 is only a grouping code.
Historical codes are mapped to current ones through :data:`RENAMED`.
"""

from __future__ import annotations

import re

from libs.common.identifiers import IdentifierError, uscc_division

__all__ = [
    "PROVINCE_CODE",
    "PROVINCE_NAME",
    "CITIES",
    "CITY_NAMES_EN",
    "COUNTIES",
    "RENAMED",
    "HISTORICAL_NAMES",
    "city_of",
    "validate_city",
    "city_name",
    "division_name",
    "is_hubei",
    "default_city_for_uscc",
]

PROVINCE_CODE = "420000"
PROVINCE_NAME = "湖北省"

CITIES: dict[str, str] = {
    "420100": "武汉市",
    "420200": "黄石市",
    "420300": "十堰市",
    "420500": "宜昌市",
    "420600": "襄阳市",
    "420700": "鄂州市",
    "420800": "荆门市",
    "420900": "孝感市",
    "421000": "荆州市",
    "421100": "黄冈市",
    "421200": "咸宁市",
    "421300": "随州市",
    "422800": "恩施土家族苗族自治州",
    "429004": "仙桃市",
    "429005": "潜江市",
    "429006": "天门市",
    "429021": "神农架林区",
}

CITY_NAMES_EN: dict[str, str] = {
    "420100": "Wuhan",
    "420200": "Huangshi",
    "420300": "Shiyan",
    "420500": "Yichang",
    "420600": "Xiangyang",
    "420700": "Ezhou",
    "420800": "Jingmen",
    "420900": "Xiaogan",
    "421000": "Jingzhou",
    "421100": "Huanggang",
    "421200": "Xianning",
    "421300": "Suizhou",
    "422800": "Enshi",
    "429004": "Xiantao",
    "429005": "Qianjiang",
    "429006": "Tianmen",
    "429021": "Shennongjia",
}

#: Current county-level units (districts, counties, county-level cities, the forest
#: district): 103 codes. The four 429xxx units appear here too, as county-level units
#: that are also their own city.
COUNTIES: dict[str, str] = {
    # 武汉市
    "420102": "江岸区",
    "420103": "江汉区",
    "420104": "硚口区",
    "420105": "汉阳区",
    "420106": "武昌区",
    "420107": "青山区",
    "420111": "洪山区",
    "420112": "东西湖区",
    "420113": "汉南区",
    "420114": "蔡甸区",
    "420115": "江夏区",
    "420116": "黄陂区",
    "420117": "新洲区",
    # 黄石市
    "420202": "黄石港区",
    "420203": "西塞山区",
    "420204": "下陆区",
    "420205": "铁山区",
    "420222": "阳新县",
    "420281": "大冶市",
    # 十堰市
    "420302": "茅箭区",
    "420303": "张湾区",
    "420304": "郧阳区",
    "420322": "郧西县",
    "420323": "竹山县",
    "420324": "竹溪县",
    "420325": "房县",
    "420381": "丹江口市",
    # 宜昌市
    "420502": "西陵区",
    "420503": "伍家岗区",
    "420504": "点军区",
    "420505": "猇亭区",
    "420506": "夷陵区",
    "420525": "远安县",
    "420526": "兴山县",
    "420527": "秭归县",
    "420528": "长阳土家族自治县",
    "420529": "五峰土家族自治县",
    "420581": "宜都市",
    "420582": "当阳市",
    "420583": "枝江市",
    # 襄阳市
    "420602": "襄城区",
    "420606": "樊城区",
    "420607": "襄州区",
    "420624": "南漳县",
    "420625": "谷城县",
    "420626": "保康县",
    "420682": "老河口市",
    "420683": "枣阳市",
    "420684": "宜城市",
    # 鄂州市
    "420702": "梁子湖区",
    "420703": "华容区",
    "420704": "鄂城区",
    # 荆门市
    "420802": "东宝区",
    "420804": "掇刀区",
    "420822": "沙洋县",
    "420881": "钟祥市",
    "420882": "京山市",
    # 孝感市
    "420902": "孝南区",
    "420921": "孝昌县",
    "420922": "大悟县",
    "420923": "云梦县",
    "420981": "应城市",
    "420982": "安陆市",
    "420984": "汉川市",
    # 荆州市
    "421002": "沙市区",
    "421003": "荆州区",
    "421022": "公安县",
    "421024": "江陵县",
    "421081": "石首市",
    "421083": "洪湖市",
    "421087": "松滋市",
    "421088": "监利市",
    # 黄冈市
    "421102": "黄州区",
    "421121": "团风县",
    "421122": "红安县",
    "421123": "罗田县",
    "421124": "英山县",
    "421125": "浠水县",
    "421126": "蕲春县",
    "421127": "黄梅县",
    "421181": "麻城市",
    "421182": "武穴市",
    # 咸宁市
    "421202": "咸安区",
    "421221": "嘉鱼县",
    "421222": "通城县",
    "421223": "崇阳县",
    "421224": "通山县",
    "421281": "赤壁市",
    # 随州市
    "421303": "曾都区",
    "421321": "随县",
    "421381": "广水市",
    # 恩施土家族苗族自治州
    "422801": "恩施市",
    "422802": "利川市",
    "422822": "建始县",
    "422823": "巴东县",
    "422825": "宣恩县",
    "422826": "咸丰县",
    "422827": "来凤县",
    "422828": "鹤峰县",
    # 省直辖县级行政单位
    "429004": "仙桃市",
    "429005": "潜江市",
    "429006": "天门市",
    "429021": "神农架林区",
}

#: Historical county-level code -> current code (still found in old USCCs and records).
RENAMED: dict[str, str] = {
    "421023": "421088",  # 监利县 → 监利市 (2020)
    "420821": "420882",  # 京山县 → 京山市 (2018)
    "420321": "420304",  # 郧县 → 郧阳区 (2014)
    "420621": "420607",  # 襄阳县 → 襄州区 (2010)
    "421302": "421303",  # 曾都区 recoded (2009)
    "420983": "421381",  # 广水市 moved from 孝感市 to 随州市 (2000)
}

#: Names of the historical codes in :data:`RENAMED`.
HISTORICAL_NAMES: dict[str, str] = {
    "421023": "监利县",
    "420821": "京山县",
    "420321": "郧县",
    "420621": "襄阳县",
    "421302": "曾都区",
    "420983": "广水市",
}

_GROUPING_CODE = "429000"
_CODE_RE = re.compile(r"[0-9]{6}")


def _check_format(code: object) -> str:
    """Return ``code`` stripped; raise ``division.format`` unless it is 6 ASCII digits."""
    text = code.strip() if isinstance(code, str) else code
    if not isinstance(text, str) or not _CODE_RE.fullmatch(text):
        raise IdentifierError("division.format", f"行政区划代码应为6位数字，实际为“{code}”")
    return text


def _check_hubei(code: str) -> str:
    """Format check plus ``division.not_hubei`` for codes outside Hubei (not 42xxxx)."""
    code = _check_format(code)
    if not code.startswith("42"):
        raise IdentifierError("division.not_hubei", f"行政区划代码{code}不属于湖北省")
    return code


def _unknown(code: str) -> IdentifierError:
    if code == _GROUPING_CODE:
        return IdentifierError(
            "division.unknown",
            f"{code}是“省直辖县级行政区划”的归类代码，不是市州，请填写429004、429005、429006或429021",
        )
    return IdentifierError("division.unknown", f"行政区划代码{code}不是湖北省现行的行政区划代码")


def _province_error(code: str) -> IdentifierError:
    return IdentifierError("division.not_city", f"{code}是湖北省省级代码，不是市州代码")


def city_of(code: str) -> str:
    """Return the city-level code that a Hubei city or county code belongs to.

    City codes map to themselves, county codes roll up by their first four digits +
    ``00`` (429004/429005/429006/429021 are their own city) and historical codes are
    first mapped through :data:`RENAMED`. Raises ``IdentifierError`` with rule
    ``division.format``, ``division.not_hubei``, ``division.not_city`` (the province
    code 420000) or ``division.unknown`` (e.g. 420400, 429000, invented codes).
    """
    code = _check_hubei(code)
    code = RENAMED.get(code, code)
    if code in CITIES:
        return code
    if code in COUNTIES:
        return code[:4] + "00"
    if code == PROVINCE_CODE:
        raise _province_error(code)
    raise _unknown(code)


def validate_city(code: str) -> str:
    """Return ``code`` if it is exactly one of the 17 city-level codes, else raise.

    Rules: ``division.format``, ``division.not_hubei``, ``division.not_city`` (province
    or county code; the message names the county's city) or ``division.unknown``.
    """
    code = _check_hubei(code)
    if code in CITIES:
        return code
    if code == PROVINCE_CODE:
        raise _province_error(code)
    if code in COUNTIES or code in RENAMED:
        city = city_of(code)
        raise IdentifierError(
            "division.not_city",
            f"{code}（{division_name(code)}）是县级行政区划代码，属于{city}（{CITIES[city]}），"
            "此处应填写市州代码",
        )
    raise _unknown(code)


def city_name(code: str) -> str:
    """Chinese name of a city-level code (raises like :func:`validate_city`)."""
    return CITIES[validate_city(code)]


def division_name(code: str) -> str:
    """Chinese name of any known Hubei code: province, city, county or historical county."""
    code = _check_hubei(code)
    if code == PROVINCE_CODE:
        return PROVINCE_NAME
    name = CITIES.get(code) or COUNTIES.get(code) or HISTORICAL_NAMES.get(code)
    if name is None:
        raise _unknown(code)
    return name


def is_hubei(code: str) -> bool:
    """True if ``code`` is a 6-digit code in Hubei's range (``42xxxx``).

    This is a prefix test: it does not check that the code exists (use :func:`city_of`).
    """
    try:
        _check_hubei(code)
    except IdentifierError:
        return False
    return True


def default_city_for_uscc(uscc: str) -> str | None:
    """Default city for an enterprise from its USCC's registering division (positions 3-8).

    Returns the city when that division is a known Hubei city or county code (historical
    codes mapped via :data:`RENAMED`), else ``None`` (non-Hubei, province-level or unknown
    registration). Raises ``IdentifierError`` if ``uscc`` itself is not a valid USCC.
    """
    try:
        return city_of(uscc_division(uscc))
    except IdentifierError as err:
        if err.rule.startswith("division."):
            return None
        raise
