"""Short-lived stream tickets: how a browser's ``EventSource`` (which cannot send headers) opens the
live stream without putting the user's long-lived bearer token in a URL.

A ticket is a JWT signed with the service key, bound to the audience ``ipp-stream`` and valid for
``ttl`` seconds; it carries the principal of the token it was exchanged for, nothing more. Because of
its audience it is refused as a bearer token by every other route (PyJWT rejects a token with an
``aud`` claim when the caller expects none), and a plain bearer token is refused as a ticket.
"""
from __future__ import annotations

import time

import jwt

from libs.common.auth import ALGORITHM, Principal, Unauthorized, decode_token

AUDIENCE = "ipp-stream"


def issue_ticket(secret: str, principal: Principal, issuer: str, ttl: int) -> str:
    now = int(time.time())
    claims = {"sub": principal.sub, "role": principal.role.value, "iss": issuer, "aud": AUDIENCE,
              "iat": now, "exp": now + ttl}
    for claim in ("city", "org", "name"):
        if getattr(principal, claim):
            claims[claim] = getattr(principal, claim)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_ticket(secret: str, ticket: str, issuer: str) -> Principal:
    """The principal of a valid ticket; :class:`Unauthorized` (401) for anything else."""
    try:
        jwt.decode(ticket, secret, algorithms=[ALGORITHM], issuer=issuer, audience=AUDIENCE,
                   options={"require": ["exp", "aud"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("推送凭证已过期，请重新获取") from None
    except jwt.PyJWTError:
        raise Unauthorized("推送凭证无效") from None
    return decode_token(secret, ticket, issuer, audience=AUDIENCE)  # the role and city checks of any token
