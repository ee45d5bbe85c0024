"""Validation of the identifiers the platform accepts from users.

* 统一社会信用代码 Unified Social Credit Code (USCC, GB 32100-2015);
* Chinese patent application numbers (专利申请号), both the 12-digit form used since
  October 2003 and the older 8-digit form.

Every function is pure (no I/O, standard library only). Invalid input raises
:class:`IdentifierError`, a ``ValueError`` carrying a stable machine ``rule`` code and a
human message in Chinese, so that API layers can turn it into a clear 422.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "IdentifierError",
    "USCC_ALPHABET",
    "normalize_uscc",
    "uscc_check_char",
    "validate_uscc",
    "uscc_division",
    "PatentNumber",
    "parse_patent_number",
    "validate_patent_number",
    "patent_check_char",
]


class IdentifierError(ValueError):
    """An identifier failed validation.

    ``rule`` is a stable machine code (e.g. ``"uscc.check_digit"``); ``message`` is a
    human explanation in Chinese (zh-CN). ``str(err)`` is the message.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str]]:
        return (type(self), (self.rule, self.message))

    def __repr__(self) -> str:
        return f"IdentifierError(rule={self.rule!r}, message={self.message!r})"


def _text(value: object, label: str, rule: str) -> str:
    """NFKC-normalise (full-width → ASCII), strip and uppercase a string input."""
    if not isinstance(value, str):
        raise IdentifierError(rule, f"{label}必须是字符串")
    return unicodedata.normalize("NFKC", value).strip().upper()


# --------------------------------------------------------------------------- USCC

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_LABEL = "统一社会信用代码"


def normalize_uscc(value: str) -> str:
    """Strip and uppercase a USCC; raise ``uscc.length`` unless it has 18 characters.

    Full-width characters are folded to ASCII first. Only the length is checked here;
    use :func:`validate_uscc` for full validation.
    """
    code = _text(value, _USCC_LABEL, "uscc.format")
    if len(code) != 18:
        raise IdentifierError("uscc.length", f"{_USCC_LABEL}应为18位，实际为{len(code)}位")
    return code


def _check_uscc_chars(code: str) -> None:
    """Raise ``uscc.charset`` for characters outside the alphabet or non-digits in 3-8."""
    for pos, ch in enumerate(code, start=1):
        if ch not in _USCC_VALUES:
            raise IdentifierError(
                "uscc.charset",
                f"{_USCC_LABEL}第{pos}位字符“{ch}”不合法"
                "（只能是数字或除I、O、S、V、Z以外的大写字母）",
            )
    for pos in range(3, 9):
        ch = code[pos - 1]
        if not ch.isdigit():
            raise IdentifierError(
                "uscc.charset",
                f"{_USCC_LABEL}第3至8位为登记管理机关行政区划码，应为数字，第{pos}位为“{ch}”",
            )


def uscc_check_char(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters of a USCC."""
    code = _text(first17, _USCC_LABEL, "uscc.format")
    if len(code) != 17:
        raise IdentifierError(
            "uscc.length", f"计算校验码需要{_USCC_LABEL}前17位，实际为{len(code)}位"
        )
    _check_uscc_chars(code)
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(code, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Fully validate a USCC and return its normalised (uppercase) form.

    Checks the length (18), the alphabet (no I, O, S, V, Z; letters *are* allowed in
    positions 1-2 and 9-18), digits in positions 3-8 and the check character.
    """
    code = normalize_uscc(value)
    _check_uscc_chars(code)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            "uscc.check_digit",
            f"{_USCC_LABEL}校验码错误：第18位应为“{expected}”，实际为“{code[17]}”",
        )
    return code


def uscc_division(uscc: str) -> str:
    """Return positions 3-8 of a (fully validated) USCC: the registering division code."""
    return validate_uscc(uscc)[2:8]


# ------------------------------------------------------------------------ patents

_PATENT_LABEL = "专利申请号"
_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_PATENT_KINDS = {
    1: "invention",
    2: "utility_model",
    3: "design",
    8: "pct_invention",
    9: "pct_utility_model",
}
_PATENT_KIND_ZH = "1（发明）、2（实用新型）、3（外观设计）、8或9（PCT国际申请进入中国国家阶段）"
_PATENT_RE = re.compile(r"(?:CN|ZL)?([0-9]{12}|[0-9]{8})\.?([0-9X])")
_NEW_FORM_FIRST_YEAR = 2003  # the 12-digit form was introduced on 1 October 2003


@dataclass(frozen=True)
class PatentNumber:
    """A parsed, validated Chinese patent application number."""

    year: int
    kind: int
    serial: str
    check: str
    normalized: str

    @property
    def kind_name(self) -> str:
        """English name of the kind: invention, utility_model, design, pct_*."""
        return _PATENT_KINDS[self.kind]


def patent_check_char(digits: str) -> str:
    """Return the check character (``0``-``9`` or ``X``) for the digits before the dot."""
    if not isinstance(digits, str) or not re.fullmatch(r"[0-9]+", digits):
        raise IdentifierError("patent.format", f"计算校验位需要{_PATENT_LABEL}的数字部分")
    total = sum(int(d) * _PATENT_WEIGHTS[i % 8] for i, d in enumerate(digits))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def parse_patent_number(value: str) -> PatentNumber:
    """Parse and validate a patent application number.

    Accepts ``YYYYKNNNNNNN.C`` (since Oct 2003) and ``YYKNNNNN.C`` (earlier), with an
    optional ``CN``/``ZL`` prefix (any case), optional spaces and an optional dot before
    the check character (``x`` accepted for ``X``).
    """
    text = re.sub(r"\s+", "", _text(value, _PATENT_LABEL, "patent.format"))
    m = _PATENT_RE.fullmatch(text)
    if not m:
        raise IdentifierError(
            "patent.format",
            f"{_PATENT_LABEL}“{value}”格式不正确，应为“年份4位+类型1位+流水号7位.校验位”"
            "（如200710308494.X）或旧式“年份2位+类型1位+流水号5位.校验位”（如97101765.4）",
        )
    digits, check = m.groups()
    if len(digits) == 12:
        year = int(digits[:4])
        kind, serial = int(digits[4]), digits[5:]
        if year < _NEW_FORM_FIRST_YEAR:
            raise IdentifierError(
                "patent.format",
                f"{_PATENT_LABEL}年份{year}不合法：12位申请号自2003年10月起使用",
            )
    else:
        yy = int(digits[:2])
        year = 1900 + yy if yy >= 85 else 2000 + yy
        kind, serial = int(digits[2]), digits[3:]
        if year > _NEW_FORM_FIRST_YEAR:
            raise IdentifierError(
                "patent.format",
                f"{_PATENT_LABEL}年份{year}不合法：8位旧式申请号只用于2003年10月以前",
            )
    if kind not in _PATENT_KINDS:
        raise IdentifierError(
            "patent.format", f"{_PATENT_LABEL}的专利类型位为{kind}，应为{_PATENT_KIND_ZH}"
        )
    expected = patent_check_char(digits)
    if check != expected:
        raise IdentifierError(
            "patent.check_digit",
            f"{_PATENT_LABEL}校验位错误：{digits}的校验位应为“{expected}”，实际为“{check}”",
        )
    return PatentNumber(year, kind, serial, check, f"{digits}.{check}")


def validate_patent_number(value: str) -> str:
    """Validate a patent application number and return its normalised form."""
    return parse_patent_number(value).normalized
