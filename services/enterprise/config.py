from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import CommonSettings


class EnterpriseSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_ENTERPRISE_", extra="ignore", populate_by_name=True)

    service_name: str = "enterprise"
    database_url: str = ""
    port: int = 8001

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.sqlite_url("enterprise")
