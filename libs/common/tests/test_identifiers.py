"""Unit tests for libs.common.identifiers (USCC and patent application numbers)."""

from __future__ import annotations

import pickle
import re

import pytest

from libs.common.identifiers import (
    USCC_ALPHABET,
    IdentifierError,
    PatentNumber,
    normalize_uscc,
    parse_patent_number,
    patent_check_char,
    uscc_check_char,
    uscc_division,
    validate_patent_number,
    validate_uscc,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_rule(exc: pytest.ExceptionInfo[IdentifierError], rule: str) -> None:
    """The error carries the expected rule code and a Chinese message."""
    assert exc.value.rule == rule
    assert _CJK.search(exc.value.message), exc.value.message
    assert str(exc.value) == exc.value.message
    assert isinstance(exc.value, ValueError)


# --------------------------------------------------------------------------- USCC

VALID_USCC = [
    "91110000600037341L",  # the published example (Beijing registration)
    "91420106MA4K00010G",  # Wuhan 武昌区
    "91420000707000000H",  # Hubei province-level registration
    "91421023MA49AAAA09",  # historical 监利县 division code
    "Y1420100MA4K000003",  # letter in position 1 (registering authority Y)
    "N2421023MA4B12340G",  # letter in position 1 (registering authority N)
    "A1420100MA4K00000" + uscc_check_char("A1420100MA4K00000"),
    "9N420100MA4K00000" + uscc_check_char("9N420100MA4K00000"),  # letter in position 2
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_uscc(code: str) -> None:
    assert validate_uscc(code) == code


def test_alphabet() -> None:
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


def test_check_char_of_published_example() -> None:
    assert uscc_check_char("91110000600037341") == "L"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341l", "91110000600037341L"),
        ("  91110000600037341L\n", "91110000600037341L"),
        ("y1420100ma4k000003", "Y1420100MA4K000003"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full-width
    ],
)
def test_uscc_normalized(raw: str, expected: str) -> None:
    assert normalize_uscc(raw) == expected
    assert validate_uscc(raw) == expected


@pytest.mark.parametrize(
    "code",
    ["", "9111000060003734", "91110000600037341", "91110000600037341L0", "91110000600037341LXX"],
)
def test_uscc_wrong_length(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(code)
    assert_rule(exc, "uscc.length")


def test_uscc_length_message() -> None:
    with pytest.raises(IdentifierError) as exc:
        normalize_uscc("91110000600037341")
    assert exc.value.message == "统一社会信用代码应为18位，实际为17位"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341I",
        "9111000060003734OL",
        "S1110000600037341L",
        "9V110000600037341L",
        "91110000Z00037341L",
        "91110000-00037341L",
        "9111000060003734 L",
    ],
)
def test_uscc_bad_charset(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(code)
    assert_rule(exc, "uscc.charset")


@pytest.mark.parametrize("code", ["91A10000600037341L", "9111000X600037341L", "9142010AMA4K00010G"])
def test_uscc_letters_in_division_part(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(code)
    assert_rule(exc, "uscc.charset")
    assert "第3至8位" in exc.value.message


@pytest.mark.parametrize(
    "code",
    ["91110000600037341M", "911100006000373410", "91420106MA4K00010H", "Y1420100MA4K000004"],
)
def test_uscc_wrong_check_char(code: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(code)
    assert_rule(exc, "uscc.check_digit")


def test_uscc_not_a_string() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(91110000600037341)  # type: ignore[arg-type]
    assert_rule(exc, "uscc.format")


@pytest.mark.parametrize("bad", ["9111000060003734", "91110000600037341L", "9111000060003734O"])
def test_uscc_check_char_input_checked(bad: str) -> None:
    with pytest.raises(IdentifierError):
        uscc_check_char(bad)


@pytest.mark.parametrize(
    ("code", "division"),
    [("91110000600037341L", "110000"), ("91420106MA4K00010G", "420106"), ("y1420100ma4k000003", "420100")],
)
def test_uscc_division(code: str, division: str) -> None:
    assert uscc_division(code) == division


def test_uscc_division_validates() -> None:
    with pytest.raises(IdentifierError) as exc:
        uscc_division("91110000600037341M")
    assert_rule(exc, "uscc.check_digit")


# ------------------------------------------------------------------------ patents


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("200710308494", "X"),
        ("97101765", "4"),
        ("201320012345", "X"),
        ("202330123456", "7"),
        ("200810000001", "0"),
        ("02100001", "8"),
        ("88100123", "6"),
    ],
)
def test_patent_check_char(digits: str, check: str) -> None:
    assert patent_check_char(digits) == check


@pytest.mark.parametrize("bad", ["", "2007103084a4", "97101765.4", None])
def test_patent_check_char_rejects_non_digits(bad: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        patent_check_char(bad)
    assert_rule(exc, "patent.format")


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("200710308494.X", "200710308494.X"),
        ("200710308494.x", "200710308494.X"),
        ("200710308494X", "200710308494.X"),
        ("ZL200710308494.X", "200710308494.X"),
        ("zl 200710308494.x", "200710308494.X"),
        ("CN200710308494.X", "200710308494.X"),
        ("CN 2007 1030 8494.X", "200710308494.X"),
        (" 202330123456.7 ", "202330123456.7"),
        ("2023301234567", "202330123456.7"),
        ("97101765.4", "97101765.4"),
        ("971017654", "97101765.4"),
        ("CN 97101765.4", "97101765.4"),
        ("ZL97101765.4", "97101765.4"),
        ("cn97101765.4", "97101765.4"),
        ("02100001.8", "02100001.8"),
        ("ＺＬ２００７１０３０８４９４．Ｘ", "200710308494.X"),  # full-width
    ],
)
def test_valid_patent_numbers(raw: str, normalized: str) -> None:
    assert validate_patent_number(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ZL200710308494.X", PatentNumber(2007, 1, "0308494", "X", "200710308494.X")),
        ("CN 97101765.4", PatentNumber(1997, 1, "01765", "4", "97101765.4")),
        ("02100001.8", PatentNumber(2002, 1, "00001", "8", "02100001.8")),
        ("88100123.6", PatentNumber(1988, 1, "00123", "6", "88100123.6")),
    ],
)
def test_parse_patent_number(raw: str, expected: PatentNumber) -> None:
    assert parse_patent_number(raw) == expected


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (1, "invention"),
        (2, "utility_model"),
        (3, "design"),
        (8, "pct_invention"),
        (9, "pct_utility_model"),
    ],
)
def test_patent_kinds(kind: int, name: str) -> None:
    digits = f"2021{kind}0012345"
    parsed = parse_patent_number(digits + patent_check_char(digits))
    assert parsed.kind == kind
    assert parsed.kind_name == name
    assert parsed.year == 2021
    assert parsed.serial == "0012345"


@pytest.mark.parametrize("kind", [0, 4, 5, 6, 7])
def test_patent_bad_kind(kind: int) -> None:
    digits = f"2021{kind}0012345"
    with pytest.raises(IdentifierError) as exc:
        parse_patent_number(f"{digits}.{patent_check_char(digits)}")
    assert_rule(exc, "patent.format")
    assert "专利类型" in exc.value.message


def test_patent_bad_kind_old_form() -> None:
    digits = "97401765"
    with pytest.raises(IdentifierError) as exc:
        parse_patent_number(f"{digits}.{patent_check_char(digits)}")
    assert_rule(exc, "patent.format")


@pytest.mark.parametrize(
    "raw",
    ["200710308494.1", "200710308494.0", "2007103084940", "97101765.5", "97101765.X", "CN 202330123456.8"],
)
def test_patent_wrong_check(raw: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_patent_number(raw)
    assert_rule(exc, "patent.check_digit")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ZL",
        "hello",
        "20071030849.X",  # 11 digits
        "2007103084941.X",  # 13 digits
        "9710176.4",  # 7 digits
        "971017651.4",  # 9 digits
        "200710308494.",  # missing check
        "200710308494",  # ambiguous: 12 digits, no check
        "200710308494..X",
        "200710308494.XX",
        "200710308494-X",
        "US200710308494.X",
        "CNZL200710308494.X",
        "200710308494.A",
        "１２３",
        "199910308494.3",  # 12-digit form did not exist before 2003
        "10101765.8",  # 8-digit form ended in 2003
    ],
)
def test_patent_bad_format(raw: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_patent_number(raw)
    assert_rule(exc, "patent.format")


def test_patent_not_a_string() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_patent_number(2007103084941)  # type: ignore[arg-type]
    assert_rule(exc, "patent.format")


def test_patent_number_is_frozen() -> None:
    parsed = parse_patent_number("200710308494.X")
    with pytest.raises(AttributeError):
        parsed.year = 2008  # type: ignore[misc]


def test_identifier_error_pickles() -> None:
    err = pickle.loads(pickle.dumps(IdentifierError("uscc.length", "统一社会信用代码应为18位，实际为17位")))
    assert (err.rule, err.message) == ("uscc.length", "统一社会信用代码应为18位，实际为17位")
