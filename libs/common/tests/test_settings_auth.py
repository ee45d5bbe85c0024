"""Settings safety and tokens."""
import time

import jwt
import pytest
from pydantic import ValidationError

from libs.common.auth import Role, Unauthorized, decode_token, issue_token
from libs.common.config import DEV_JWT_SECRET, CommonSettings


def test_production_refuses_the_development_key(monkeypatch):
    monkeypatch.setenv("IPP_ENV", "production")
    monkeypatch.delenv("IPP_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="IPP_JWT_SECRET"):
        CommonSettings()
    monkeypatch.setenv("IPP_JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="32 characters"):
        CommonSettings()
    monkeypatch.setenv("IPP_JWT_SECRET", "x" * 40)
    assert CommonSettings().env == "production"


def test_development_uses_the_development_key(monkeypatch):
    monkeypatch.delenv("IPP_ENV", raising=False)
    monkeypatch.delenv("IPP_JWT_SECRET", raising=False)
    assert CommonSettings().jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_kafka_bootstrap_comes_from_the_standard_variable(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert CommonSettings().kafka_bootstrap_servers == "kafka:9092"


def test_token_round_trip_and_claims():
    token = issue_token(DEV_JWT_SECRET, role="city-officer", sub="u1", city="420500", name="张三")
    p = decode_token(DEV_JWT_SECRET, token)
    assert (p.sub, p.role, p.city, p.name) == ("u1", Role.CITY_OFFICER, "420500", "张三")
    assert p.may_access_city("420500") and not p.may_access_city("420100")


@pytest.mark.parametrize("kwargs", [{"role": "city-officer", "sub": "x"}, {"role": "bank", "sub": "x"}])
def test_scoped_roles_need_their_scope(kwargs):
    with pytest.raises(ValueError):
        issue_token(DEV_JWT_SECRET, **kwargs)


def test_bad_tokens_are_401():
    expired = jwt.encode({"sub": "u", "role": "viewer", "iss": "ipp", "exp": int(time.time()) - 5}, DEV_JWT_SECRET)
    with pytest.raises(Unauthorized, match="过期"):
        decode_token(DEV_JWT_SECRET, expired)
    forged = issue_token("another-key-another-key-another-key!", role="viewer", sub="u")
    with pytest.raises(Unauthorized):
        decode_token(DEV_JWT_SECRET, forged)
    unknown_role = jwt.encode({"sub": "u", "role": "root", "iss": "ipp", "exp": int(time.time()) + 60}, DEV_JWT_SECRET)
    with pytest.raises(Unauthorized, match="角色"):
        decode_token(DEV_JWT_SECRET, unknown_role)
