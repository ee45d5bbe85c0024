"""JWT bearer authentication, roles and city scoping."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libs.common.errors import ProblemError

ALGORITHM = "HS256"


class Role(StrEnum):
    PROVINCE_ADMIN = "province-admin"
    CITY_OFFICER = "city-officer"
    BANK = "bank"
    AGENCY = "agency"
    VIEWER = "viewer"
    INTEGRATION = "integration"


#: Roles that see every city's records.
PROVINCE_WIDE = frozenset({Role.PROVINCE_ADMIN, Role.VIEWER, Role.INTEGRATION})


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    city: str | None = None
    org: str | None = None
    name: str | None = None

    def sees_all_cities(self) -> bool:
        return self.role in PROVINCE_WIDE

    def may_access_city(self, city: str) -> bool:
        return self.sees_all_cities() or (self.role == Role.CITY_OFFICER and self.city == city)


class Unauthorized(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(401, "unauthorized", "未认证", detail, headers={"WWW-Authenticate": "Bearer"})


def issue_token(secret: str, *, role: Role | str, sub: str, city: str | None = None, org: str | None = None,
                name: str | None = None, issuer: str = "ipp", ttl_seconds: int = 12 * 3600) -> str:
    role = Role(role)
    if role == Role.CITY_OFFICER and not city:
        raise ValueError("a city-officer token needs a city")
    if role == Role.BANK and not org:
        raise ValueError("a bank token needs an org")
    now = int(time.time())
    claims = {"sub": sub, "role": role.value, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    if city:
        claims["city"] = city
    if org:
        claims["org"] = org
    if name:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


#: Fixed texts for what can be wrong with a token: a 401 never echoes the JWT library's own words.
_TOKEN_ERRORS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "令牌已过期"),
    (jwt.InvalidSignatureError, "令牌无效：签名不正确"),
    (jwt.InvalidAlgorithmError, "令牌无效：签名算法不受支持"),
    (jwt.DecodeError, "令牌无效：格式错误"),
    (jwt.InvalidIssuerError, "令牌无效：签发者不正确"),
    (jwt.ImmatureSignatureError, "令牌无效：尚未生效"),
    (jwt.InvalidIssuedAtError, "令牌无效：签发时间不正确"),
)
_TOKEN_CLAIMS = ("exp", "sub", "role", "iss")


def _token_error(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        claim = exc.claim if exc.claim in _TOKEN_CLAIMS else "必要声明"
        return f"令牌无效：缺少 {claim}"
    for kind, text in _TOKEN_ERRORS:
        if isinstance(exc, kind):
            return text
    return "令牌无效"


def decode_token(secret: str, token: str, issuer: str = "ipp", audience: str | None = None) -> Principal:
    """The principal of a valid token; ``audience``: the token must be bound to it (a token bound to
    an audience is refused where none is expected)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer, audience=audience,
                            options={"require": ["exp", "sub", "role"]})
    except jwt.PyJWTError as exc:
        raise Unauthorized(_token_error(exc)) from exc
    try:
        role = Role(claims["role"])
    except (ValueError, TypeError) as exc:
        raise Unauthorized(f"令牌中的角色无效（应为：{'、'.join(r.value for r in Role)}）") from exc
    for claim in ("sub", "city", "org", "name"):
        if claims.get(claim) is not None and not isinstance(claims[claim], str):
            raise Unauthorized(f"令牌无效：{claim} 应为字符串")
    if role == Role.CITY_OFFICER and not claims.get("city"):
        raise Unauthorized("市州用户令牌缺少 city")
    if role == Role.BANK and not claims.get("org"):
        raise Unauthorized("银行用户令牌缺少 org（所属银行）")
    return Principal(sub=claims["sub"], role=role, city=claims.get("city"), org=claims.get("org"),
                     name=claims.get("name"))


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("缺少 Bearer 令牌")
    settings = request.app.state.settings
    return decode_token(settings.jwt_secret.get_secret_value(), credentials.credentials, settings.jwt_issuer)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def _dep(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise ProblemError(403, "forbidden", "无权执行此操作",
                               f"角色 {principal.role.value} 无权执行此操作（需要：{', '.join(sorted(allowed))}）")
        return principal

    return _dep


def ensure_city_access(principal: Principal, city: str) -> None:
    if not principal.may_access_city(city):
        raise ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                           f"用户所属市州 {principal.city or '无'} 无权访问市州 {city} 的数据")


def ensure_enterprise_access(principal: Principal, city: str) -> None:
    """Who may read an enterprise's profile (registered in ``city``): the enterprise registry's rule,
    applied by the enterprise service and by every programme service's read model of it alike.

    Province-wide roles (province admin, viewer, integration) read every enterprise, a city officer
    those of their own city; bank and agency tokens read none. Refused: 403 ``forbidden-city``. An
    enterprise that does not exist is a 404 for everyone, checked before this rule.
    """
    ensure_city_access(principal, city)

