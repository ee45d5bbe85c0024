"""What a bad token gets: a 401 with a fixed Chinese text, never the JWT library's words."""
from __future__ import annotations

import time

import jwt
import pytest

from libs.common.auth import Role, Unauthorized, decode_token, issue_token
from libs.common.config import DEV_JWT_SECRET

# Built when the module is collected: valid for a day, so a long run on a busy machine never sees them expire.
NOW = int(time.time())


def signed(claims: dict, key: str = DEV_JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def base(**extra) -> dict:
    return {"sub": "u1", "role": "viewer", "iss": "ipp", "exp": NOW + 86400, **extra}


@pytest.mark.parametrize(("token", "detail"), [
    (signed(base(exp=NOW - 5)), "令牌已过期"),
    (signed(base(), key="another-key-another-key-another-key!"), "令牌无效：签名不正确"),
    ("not-a-jwt", "令牌无效：格式错误"),
    ("a.b.c", "令牌无效：格式错误"),
    (signed(base(iss="elsewhere")), "令牌无效：签发者不正确"),
    (signed({"sub": "u1", "role": "viewer", "exp": NOW + 86400}), "令牌无效：缺少 iss"),
    (signed({"sub": "u1", "iss": "ipp", "exp": NOW + 86400}), "令牌无效：缺少 role"),
    (signed({"role": "viewer", "iss": "ipp", "exp": NOW + 86400}), "令牌无效：缺少 sub"),
    (signed({"sub": "u1", "role": "viewer", "iss": "ipp"}), "令牌无效：缺少 exp"),
    (signed(base(), algorithm="HS384"), "令牌无效：签名算法不受支持"),
    (signed(base(nbf=NOW + 3600)), "令牌无效：尚未生效"),
    (signed(base(city=["420100"])), "令牌无效：city 应为字符串"),
])
def test_bad_tokens_have_fixed_chinese_texts(token, detail):
    with pytest.raises(Unauthorized) as info:
        decode_token(DEV_JWT_SECRET, token)
    assert info.value.status == 401
    assert info.value.detail == detail  # exactly: nothing of PyJWT's own message


def test_unknown_role_names_the_allowed_roles_not_the_claim():
    with pytest.raises(Unauthorized) as info:
        decode_token(DEV_JWT_SECRET, signed(base(role="<script>")))
    assert info.value.detail is not None
    assert "<script>" not in info.value.detail and "province-admin" in info.value.detail


def test_a_bank_token_without_org_is_401():
    with pytest.raises(Unauthorized) as info:
        decode_token(DEV_JWT_SECRET, signed(base(role="bank")))
    assert info.value.detail is not None
    assert info.value.status == 401 and "org" in info.value.detail
    with pytest.raises(Unauthorized):
        decode_token(DEV_JWT_SECRET, signed(base(role="bank", org="")))
    p = decode_token(DEV_JWT_SECRET, issue_token(DEV_JWT_SECRET, role="bank", sub="b1", org="icbc-hb"))
    assert (p.role, p.org) == (Role.BANK, "icbc-hb")


def test_a_city_officer_token_without_city_is_401():
    with pytest.raises(Unauthorized, match="city"):
        decode_token(DEV_JWT_SECRET, signed(base(role="city-officer")))
