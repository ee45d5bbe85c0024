from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import CommonSettings


class TransferSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_TRANSFER_", extra="ignore", populate_by_name=True)

    service_name: str = "transfer"
    database_url: str = ""
    port: int = 8004
    #: Most rows one bulk request may carry.
    bulk_max_rows: int = 10000

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.sqlite_url("transfer")
