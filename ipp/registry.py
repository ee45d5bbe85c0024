"""The services this platform runs: where each one's app, settings and migrations live."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    settings: str  # "module:Class"
    title: str

    @property
    def migrations(self) -> Path:
        return ROOT / "services" / self.name / "migrations"

    def load_settings(self):
        module, cls = self.settings.split(":")
        return getattr(importlib.import_module(module), cls)()

    def create_app(self, settings=None):
        return importlib.import_module(f"services.{self.name}.app").create_app(settings or self.load_settings())


SERVICES: dict[str, ServiceSpec] = {s.name: s for s in [
    ServiceSpec("enterprise", 8001, "services.enterprise.config:EnterpriseSettings", "企业服务"),
    ServiceSpec("finance", 8002, "services.finance.config:FinanceSettings", "金融服务"),
    ServiceSpec("protection", 8003, "services.protection.config:ProtectionSettings", "保护服务"),
    ServiceSpec("transfer", 8004, "services.transfer.config:TransferSettings", "专利转化服务"),
    ServiceSpec("training", 8005, "services.training.config:TrainingSettings", "培训服务"),
    ServiceSpec("reporting", 8006, "services.reporting.config:ReportingSettings", "报表服务"),
]}
#: Port of the reporting stream worker's /metrics.
WORKER_METRICS_PORT = 8106
