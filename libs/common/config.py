"""Settings shared by every service (pydantic-settings).

Common fields carry explicit environment names (``IPP_ENV``, ``KAFKA_BOOTSTRAP_SERVERS``…) so a
service's own ``env_prefix`` (``IPP_ENTERPRISE_``) applies only to the fields it adds.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "ipp-development-key-not-for-production-use-0123456789"


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "ipp"
    env: Literal["development", "test", "production"] = Field("development", validation_alias=_alias("IPP_ENV"))
    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), validation_alias=_alias("IPP_JWT_SECRET"))
    jwt_issuer: str = Field("ipp", validation_alias=_alias("IPP_JWT_ISSUER"))
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=_alias("KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_BOOTSTRAP_SERVERS")
    )
    topic_partitions: int = Field(3, validation_alias=_alias("IPP_TOPIC_PARTITIONS"))
    var_dir: Path = Field(Path("var"), validation_alias=_alias("IPP_VAR_DIR"))
    outbox_poll_interval: float = Field(1.0, validation_alias=_alias("IPP_OUTBOX_POLL_INTERVAL"))
    outbox_batch_size: int = Field(500, validation_alias=_alias("IPP_OUTBOX_BATCH_SIZE"))
    replay_outbox_on_start: bool = Field(False, validation_alias=_alias("IPP_REPLAY_OUTBOX_ON_START"))
    otel_endpoint: str | None = Field(None, validation_alias=_alias("OTEL_EXPORTER_OTLP_ENDPOINT"))
    kafka_enabled: bool = Field(True, validation_alias=_alias("IPP_KAFKA_ENABLED"))
    #: Largest request body accepted, in bytes (a larger one is a 413 before it is parsed; bulk
    #: imports and uploads included).
    max_body_bytes: int = Field(20 * 1024 * 1024, ge=1, validation_alias=_alias("IPP_MAX_BODY_BYTES"))
    #: Seconds between the relay's checks that the broker still holds what it acknowledged (0: never;
    #: the relay then cannot notice a broker that lost its data and republish into it).
    broker_check_interval: float = Field(5.0, validation_alias=_alias("IPP_BROKER_CHECK_INTERVAL"))

    @model_validator(mode="after")
    def _refuse_dev_key_in_production(self) -> CommonSettings:
        if self.env == "production" and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("IPP_JWT_SECRET must be set to a real key when IPP_ENV=production")
        if self.env == "production" and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("IPP_JWT_SECRET must be at least 32 characters in production")
        return self

    def sqlite_url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{name}.db').as_posix()}"


class ServiceSettings(CommonSettings):
    """A service's settings: its name and database (a SQLite file under ``var/`` unless a URL is
    given, e.g. ``IPP_FINANCE_DATABASE_URL``). A service's class sets ``service_name`` and its
    ``env_prefix`` and adds its own fields."""

    database_url: str = ""

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = self.sqlite_url(self.service_name)
