"""``create_app(settings)``: the enterprise service (registry and tiers)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from services.enterprise.api import router
from services.enterprise.config import EnterpriseSettings
from services.enterprise.events import TOPIC


def create_app(settings: EnterpriseSettings | None = None) -> FastAPI:
    settings = settings or EnterpriseSettings()
    return build_service_app(
        settings, title="企业服务 Enterprise service",
        description="企业知识产权“百千万”梯队与企业库（鄂知发〔2022〕9号）。Registry, tiers and their history.",
        topic=TOPIC, routers=[router], database_url=settings.database_url)
