from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import CommonSettings


class ReportingSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_REPORTING_", extra="ignore", populate_by_name=True)

    service_name: str = "reporting"
    database_url: str = ""
    port: int = 8006
    worker_metrics_port: int = 8106
    #: Domain topics the stream worker folds into indicators.
    source_topics: list[str] = [f"ipp.{s}.events" for s in ("enterprise", "finance", "protection", "transfer", "training",
                                                            "reporting")]
    #: Batching of the stream worker: at most this many events, or whatever arrived within this time.
    batch_max: int = 1000
    batch_within: float = 0.02
    #: Longest a fetch may wait at the broker when nothing is there (faust's own default is 1500 ms).
    fetch_max_wait_ms: int = 50

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.sqlite_url("reporting")
