"""Unit tests for libs.common.divisions (Hubei divisions and the city roll-up)."""

from __future__ import annotations

import re

import pytest

from libs.common.divisions import (
    CITIES,
    CITY_NAMES_EN,
    COUNTIES,
    HISTORICAL_NAMES,
    PROVINCE_CODE,
    PROVINCE_NAME,
    RENAMED,
    city_name,
    city_of,
    default_city_for_uscc,
    division_name,
    is_hubei,
    validate_city,
)
from libs.common.identifiers import IdentifierError, uscc_check_char

_CJK = re.compile(r"[\u4e00-\u9fff]")

EXPECTED_CITIES = {
    "420100": ("武汉市", "Wuhan"),
    "420200": ("黄石市", "Huangshi"),
    "420300": ("十堰市", "Shiyan"),
    "420500": ("宜昌市", "Yichang"),
    "420600": ("襄阳市", "Xiangyang"),
    "420700": ("鄂州市", "Ezhou"),
    "420800": ("荆门市", "Jingmen"),
    "420900": ("孝感市", "Xiaogan"),
    "421000": ("荆州市", "Jingzhou"),
    "421100": ("黄冈市", "Huanggang"),
    "421200": ("咸宁市", "Xianning"),
    "421300": ("随州市", "Suizhou"),
    "422800": ("恩施土家族苗族自治州", "Enshi"),
    "429004": ("仙桃市", "Xiantao"),
    "429005": ("潜江市", "Qianjiang"),
    "429006": ("天门市", "Tianmen"),
    "429021": ("神农架林区", "Shennongjia"),
}


def uscc(first17: str) -> str:
    """A valid USCC from its first 17 characters."""
    return first17 + uscc_check_char(first17)


def assert_rule(exc: pytest.ExceptionInfo[IdentifierError], rule: str) -> None:
    assert exc.value.rule == rule
    assert _CJK.search(exc.value.message), exc.value.message


# ------------------------------------------------------------------------- tables


def test_province() -> None:
    assert (PROVINCE_CODE, PROVINCE_NAME) == ("420000", "湖北省")


def test_city_tables() -> None:
    assert len(CITIES) == 17
    assert {c: (CITIES[c], CITY_NAMES_EN[c]) for c in CITIES} == EXPECTED_CITIES
    assert CITY_NAMES_EN.keys() == CITIES.keys()


def test_county_table_is_consistent() -> None:
    assert len(COUNTIES) == 103
    for code in COUNTIES:
        assert re.fullmatch(r"42[0-9]{4}", code)
        assert code in CITIES or code[:4] + "00" in CITIES, code
    assert COUNTIES["421088"] == "监利市"
    assert COUNTIES["420106"] == "武昌区"


def test_renamed_table_is_consistent() -> None:
    assert RENAMED["421023"] == "421088"
    assert HISTORICAL_NAMES.keys() == RENAMED.keys()
    for old, new in RENAMED.items():
        assert old not in COUNTIES and old not in CITIES
        assert new in COUNTIES


# ------------------------------------------------------------------------ city_of


@pytest.mark.parametrize("code", sorted(EXPECTED_CITIES))
def test_each_city_is_its_own_city(code: str) -> None:
    assert city_of(code) == code
    assert validate_city(code) == code
    assert city_name(code) == EXPECTED_CITIES[code][0]
    assert is_hubei(code)


@pytest.mark.parametrize(
    ("code", "city"),
    [
        ("420106", "420100"),  # 武昌区
        ("420117", "420100"),  # 新洲区
        ("420281", "420200"),  # 大冶市
        ("420304", "420300"),  # 郧阳区
        ("420528", "420500"),  # 长阳土家族自治县
        ("420607", "420600"),  # 襄州区
        ("420704", "420700"),  # 鄂城区
        ("420882", "420800"),  # 京山市
        ("420984", "420900"),  # 汉川市
        ("421088", "421000"),  # 监利市
        ("421182", "421100"),  # 武穴市
        ("421281", "421200"),  # 赤壁市
        ("421381", "421300"),  # 广水市
        ("422801", "422800"),  # 恩施市
        ("429004", "429004"),  # 仙桃市
        ("429005", "429005"),
        ("429006", "429006"),
        ("429021", "429021"),
        (" 420106 ", "420100"),
    ],
)
def test_county_roll_up(code: str, city: str) -> None:
    assert city_of(code) == city


@pytest.mark.parametrize("code", sorted(COUNTIES))
def test_every_county_rolls_up(code: str) -> None:
    assert city_of(code) in CITIES


@pytest.mark.parametrize(
    ("old", "city"),
    [
        ("421023", "421000"),  # 监利县 → 监利市 → 荆州市
        ("420821", "420800"),  # 京山县 → 京山市
        ("420321", "420300"),  # 郧县 → 郧阳区
        ("420621", "420600"),  # 襄阳县 → 襄州区
        ("421302", "421300"),  # 曾都区 (old code)
        ("420983", "421300"),  # 广水市 moved from 孝感 to 随州
    ],
)
def test_historical_codes(old: str, city: str) -> None:
    assert city_of(old) == city


def test_jianli_chain() -> None:
    assert RENAMED["421023"] == "421088"
    assert city_of("421088") == "421000"
    assert city_of("421023") == "421000"
    assert division_name("421023") == "监利县"


@pytest.mark.parametrize(
    "code",
    ["429000", "420400", "420199", "421400", "422900", "429001", "429999"],
)
def test_city_of_unknown(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        city_of(code)
    assert_rule(exc, "division.unknown")


def test_grouping_code_message() -> None:
    with pytest.raises(IdentifierError) as exc:
        city_of("429000")
    assert "429004" in exc.value.message


def test_city_of_province_code() -> None:
    with pytest.raises(IdentifierError) as exc:
        city_of("420000")
    assert_rule(exc, "division.not_city")


@pytest.mark.parametrize("code", ["110000", "110105", "310000", "430100", "000000", "999999"])
def test_city_of_not_hubei(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        city_of(code)
    assert_rule(exc, "division.not_hubei")
    assert not is_hubei(code)


@pytest.mark.parametrize("code", ["", "4201", "42010", "4201000", "42010A", "武汉市", "４２０１００", None, 420100])
def test_city_of_bad_format(code: object) -> None:
    with pytest.raises(IdentifierError) as exc:
        city_of(code)  # type: ignore[arg-type]
    assert_rule(exc, "division.format")
    assert not is_hubei(code)  # type: ignore[arg-type]


# ------------------------------------------------------------------- validate_city


@pytest.mark.parametrize(
    ("code", "city"), [("420106", "420100"), ("421088", "421000"), ("421023", "421000"), ("422802", "422800")]
)
def test_validate_city_rejects_counties(code: str, city: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_city(code)
    assert_rule(exc, "division.not_city")
    assert city in exc.value.message
    assert CITIES[city] in exc.value.message


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("420000", "division.not_city"),
        ("429000", "division.unknown"),
        ("420400", "division.unknown"),
        ("110000", "division.not_hubei"),
        ("42010", "division.format"),
    ],
)
def test_validate_city_errors(code: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_city(code)
    assert_rule(exc, rule)
    with pytest.raises(IdentifierError) as exc:
        city_name(code)
    assert_rule(exc, rule)


def test_division_name() -> None:
    assert division_name("420000") == "湖北省"
    assert division_name("420100") == "武汉市"
    assert division_name("420106") == "武昌区"
    with pytest.raises(IdentifierError) as exc:
        division_name("420199")
    assert_rule(exc, "division.unknown")


@pytest.mark.parametrize("code", ["420000", "420106", "429000", "420400"])
def test_is_hubei_is_a_prefix_test(code: str) -> None:
    assert is_hubei(code)


# -------------------------------------------------------------- default city (USCC)


@pytest.mark.parametrize(
    ("code", "city"),
    [
        (uscc("91420106MA4K00010"), "420100"),  # 武昌区 → 武汉市
        (uscc("91420100MA4K00010"), "420100"),  # registered at city level
        (uscc("91421023MA49AAAA0"), "421000"),  # historical 监利县
        (uscc("91429004MA4K00010"), "429004"),  # 仙桃市
        (uscc("Y1422801MA4K00000"), "422800"),  # letter in position 1, 恩施市
        ("91110000600037341L", None),  # Beijing
        (uscc("91420000707000000"), None),  # province-level registration
        (uscc("91429000MA4K00010"), None),  # grouping code
        (uscc("91420199MA4K00010"), None),  # unknown Hubei code
    ],
)
def test_default_city_for_uscc(code: str, city: str | None) -> None:
    assert default_city_for_uscc(code) == city


def test_default_city_for_uscc_lowercase() -> None:
    assert default_city_for_uscc(uscc("91420106MA4K00010").lower()) == "420100"


@pytest.mark.parametrize(
    ("code", "rule"),
    [("91110000600037341M", "uscc.check_digit"), ("9142010", "uscc.length"), ("91A20106MA4K00010G", "uscc.charset")],
)
def test_default_city_for_invalid_uscc(code: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        default_city_for_uscc(code)
    assert_rule(exc, rule)
