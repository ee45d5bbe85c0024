"""``create_app(settings)``: the protection service (workstations, centres, cases, visits)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from libs.readmodels.enterprises import known_enterprises_router, start_enterprise_consumer
from services.protection.api import router
from services.protection.config import ProtectionSettings
from services.protection.events import TOPIC
from services.protection.models import known_enterprises

TAGS = [
    {"name": "中心 centres", "description": "知识产权维权援助中心、保护中心、快维中心：接收案件、上门服务"},
    {"name": "保护工作站 workstations",
     "description": "企业和园区的知识产权保护工作站（鄂知发〔2022〕9号 二.6；2025年新建省级联合保护工作站50家）"},
    {"name": "案件 cases",
     "description": "维权援助、行政裁决、调解、仲裁、海外纠纷：首问负责，接收→受理→办理→结案，逐环节计时"},
    {"name": "上门服务 visits", "description": "维权援助中心每月至少一次民营企业上门服务（鄂知发〔2019〕1号 第4条）"},
]


def create_app(settings: ProtectionSettings | None = None) -> FastAPI:
    settings = settings or ProtectionSettings()
    return build_service_app(
        settings, title="保护服务 Protection service",
        description="知识产权保护工作站、维权援助中心、案件办理与民营企业上门服务。"
                    "Workstations, assistance centres, cases (first-responder, timed steps) and on-site visits.",
        topic=TOPIC, routers=[router, known_enterprises_router(known_enterprises)], database_url=settings.database_url,
        on_start=[start_enterprise_consumer(known_enterprises)], openapi_tags=TAGS)
