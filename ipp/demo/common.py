"""What every demo loader shares: the enterprises loaded first, tokens, waiting for read models."""
from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from libs.common.auth import Role, issue_token
from libs.common.config import CommonSettings


class DemoError(RuntimeError):
    """A service could not be reached, or answered something the demo did not expect."""


@dataclass(frozen=True)
class DemoEnterprise:
    """An enterprise of the demo set as the programme loaders see it (after its tier steps)."""

    uscc: str
    name: str
    city: str
    industry: str
    ownership: str
    is_private: bool
    tier: str | None
    qualifications: tuple[str, ...]


def token(role: Role | str, city: str | None = None, sub: str | None = None, org: str | None = None) -> str:
    """A development token for the demo (the platform's own secret from the environment)."""
    role = Role(role)
    settings = CommonSettings()
    return issue_token(settings.jwt_secret.get_secret_value(), role=role,
                       sub=sub or f"demo-{role.value}-{city or 'province'}", city=city, org=org,
                       issuer=settings.jwt_issuer)


def admin_token() -> str:
    return token(Role.PROVINCE_ADMIN)


def wait_known(base_url: str, enterprises: list[DemoEnterprise], timeout: float = 120.0) -> None:
    """Wait until the service at ``base_url`` knows every enterprise (its read model caught up)."""
    if not enterprises:
        return
    headers = {"Authorization": f"Bearer {admin_token()}"}
    deadline = time.monotonic() + timeout
    pending = list(enterprises)
    with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=10) as http:
        while pending:
            # the last registered is the last to arrive on its partition: check from the end
            r = http.get(f"/api/v1/known-enterprises/{pending[-1].uscc}")
            if r.status_code == 200:
                pending.pop()
                continue
            if r.status_code != 404:
                raise DemoError(f"{base_url}: known-enterprises answered {r.status_code}: {r.text[:200]}")
            if time.monotonic() > deadline:
                raise DemoError(f"{base_url} 未能在 {timeout:.0f} 秒内同步企业 {pending[-1].uscc}"
                                "（read model lagging）")
            time.sleep(0.2)
