from __future__ import annotations

from decimal import Decimal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from libs.common.config import ServiceSettings

DEV_PERSON_KEY_SECRET = "ipp-training-person-key-development-only"


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_TRAINING_", extra="ignore", populate_by_name=True)

    service_name: str = "training"
    #: Exam score needed to pass the assessed track (千名专员（考核）).
    pass_mark: Decimal = Field(Decimal(60), ge=0, le=100)
    #: Share of a class's session days a trainee must attend to complete it (结业), in percent.
    completion_percent: int = Field(80, ge=1, le=100)
    #: Key of the pseudonymous person key (HMAC of the ID number). Changing it splits every person's
    #: history: set it once per deployment.
    person_key_secret: SecretStr = SecretStr(DEV_PERSON_KEY_SECRET)

    @model_validator(mode="after")
    def _refuse_dev_person_key_in_production(self) -> TrainingSettings:
        if self.env == "production" and self.person_key_secret.get_secret_value() == DEV_PERSON_KEY_SECRET:
            raise ValueError("IPP_TRAINING_PERSON_KEY_SECRET must be set when IPP_ENV=production")
        return self
