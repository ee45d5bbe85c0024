"""``create_app(settings)``: the transfer service (transfers, licences, open licences, library, needs, matching)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from libs.readmodels.enterprises import known_enterprises_router, start_enterprise_consumer
from services.transfer.api import router
from services.transfer.config import TransferSettings
from services.transfer.events import TOPIC
from services.transfer.models import known_enterprises


def create_app(settings: TransferSettings | None = None) -> FastAPI:
    settings = settings or TransferSettings()
    return build_service_app(
        settings, title="运营服务 Transfer service",
        description="专利转让许可登记与批量导入、专利开放许可（鄂知发〔2025〕2号 第9条）、"
                    "可转化专利资源库与先使用后付费"
                    "（第10条）、企业需求库与匹配、专利技术供需对接活动"
                    "（专利产业化促进中小企业成长计划 二(一)2：每年4场以上）。",
        topic=TOPIC, routers=[router, known_enterprises_router(known_enterprises)], database_url=settings.database_url,
        on_start=[start_enterprise_consumer(known_enterprises)])
