"""Settings of the protection service (env prefix ``IPP_PROTECTION_``).

The case time limits ("fast to respond, fast to handle, fast to report back", 鄂知发〔2019〕1号 第4条)
are settings, not code: ``IPP_PROTECTION_ACCEPT_DAYS`` (received → accepted),
``IPP_PROTECTION_START_DAYS`` (accepted → handling) and ``IPP_PROTECTION_CLOSE_DAYS`` (handling →
closed, per case kind, JSON such as ``{"adjudication": 90}``; kinds left out keep their default).
"""
from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from libs.common.config import ServiceSettings

#: Days from the start of handling to closing, per case kind (defaults).
DEFAULT_CLOSE_DAYS: dict[str, int] = {
    "assistance": 30,     # 维权援助
    "adjudication": 90,   # 专利侵权纠纷行政裁决
    "mediation": 30,      # 调解
    "arbitration": 120,   # 仲裁
    "overseas": 60,       # 海外纠纷应对指导
}


class ProtectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_PROTECTION_", extra="ignore", populate_by_name=True)

    service_name: str = "protection"
    accept_days: int = Field(3, ge=1, le=365, description="受理时限：登记接收至受理（天）")
    start_days: int = Field(5, ge=1, le=365, description="处理时限：受理至开始办理（天）")
    close_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CLOSE_DAYS),
                                       description="办结时限：开始办理至结案（天），按案件类型")

    @field_validator("close_days")
    @classmethod
    def _complete_close_days(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(DEFAULT_CLOSE_DAYS))
        if unknown:
            raise ValueError(f"unknown case kinds in close_days: {unknown}")
        if any(not 1 <= v <= 3650 for v in value.values()):
            raise ValueError("close_days values must be between 1 and 3650")
        return {**DEFAULT_CLOSE_DAYS, **value}
