"""``create_app(settings)``: the enterprise service (registry, tiers and the industrialisation pool)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from services.enterprise.api import router
from services.enterprise.config import EnterpriseSettings
from services.enterprise.credit.api import router as credit_router
from services.enterprise.events import TOPIC
from services.enterprise.pool.api import router as pool_router
from services.enterprise.tiers.api import router as tiers_router


def create_app(settings: EnterpriseSettings | None = None) -> FastAPI:
    settings = settings or EnterpriseSettings()
    return build_service_app(
        settings, title="企业服务 Enterprise service",
        description="企业知识产权“百千万”梯队与企业库（鄂知发〔2022〕9号），梯队遴选条件与定期发布的梯队名单，"
                    "专利产业化样板企业培育库（2024年专利产业化促进中小企业成长计划），"
                    "信用记录（鄂知发〔2019〕1号 § 5）。"
                    "Registry, tiers (criteria, published lists), the industrialisation pool, the credit register "
                    "and their history.",
        topic=TOPIC, routers=[router, tiers_router, pool_router, credit_router], database_url=settings.database_url)
