from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import CommonSettings


class FinanceSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_FINANCE_", extra="ignore", populate_by_name=True)

    service_name: str = "finance"
    database_url: str = ""
    port: int = 8002

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.sqlite_url("finance")
