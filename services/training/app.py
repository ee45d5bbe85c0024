"""``create_app(settings)``: the training service (IP commissioner classes, trainees, certificates)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from libs.readmodels.enterprises import known_enterprises_router, start_enterprise_consumer
from services.training.api import router
from services.training.config import TrainingSettings
from services.training.events import TOPIC
from services.training.models import known_enterprises

TAGS = [
    {"name": "培训班 classes",
     "description": "班次：预科、考核、民营企业、其他；计划中 → 报名/培训中 → 已结束（或已取消）"},
    {"name": "学员 trainees", "description": "报名（容量在事务内检查）、签到、考试成绩、跨班次学员记录"},
    {"name": "证书 certificates", "description": "编号证书，每人每类别一次"},
    {"name": "服务活动 service activities",
     "description": "面向企业的服务活动：特派员、费减宣讲、现场服务、审查员代理师走访、重点企业联系、面对面、代理援助"
                    "（鄂知发〔2019〕1号 第12、16、19、20条；鄂知发〔2022〕9号 二.8）"},
]


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    settings = settings or TrainingSettings()
    return build_service_app(
        settings, title="培训服务 Training service",
        description="企业知识产权专员培训：万名专员（预科）、千名专员（考核）（鄂知发〔2022〕9号 二.9）与民营企业培训"
                    "（鄂知发〔2019〕1号 22）。Classes, enrolments, attendance, exams, certificates, commissioners.",
        topic=TOPIC, routers=[router, known_enterprises_router(known_enterprises)],
        database_url=settings.database_url, on_start=[start_enterprise_consumer(known_enterprises)],
        openapi_tags=TAGS)
