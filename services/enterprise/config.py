from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import ServiceSettings


class EnterpriseSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_ENTERPRISE_", extra="ignore", populate_by_name=True)

    service_name: str = "enterprise"
