from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import ServiceSettings


class TransferSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_TRANSFER_", extra="ignore", populate_by_name=True)

    service_name: str = "transfer"
    #: Most rows one bulk request may carry.
    bulk_max_rows: int = 10000
