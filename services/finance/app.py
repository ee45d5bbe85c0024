"""``create_app(settings)``: the finance service (pledge financing, credit white-list, matchmaking)."""
from __future__ import annotations

from fastapi import FastAPI

from libs.common.app import build_service_app
from libs.readmodels.credit import known_credit_router, start_credit_consumer
from libs.readmodels.enterprises import known_enterprises_router, start_enterprise_consumer
from services.finance.api import router
from services.finance.config import FinanceSettings
from services.finance.events import TOPIC
from services.finance.models import known_credit, known_enterprises

DESCRIPTION = """知识产权质押融资（鄂知发〔2019〕1号 § 7–9、鄂知发〔2025〕2号 § 12、\
专利产业化促进中小企业成长计划 § 二(三)5）。

* 质押贷款：银行登记本行贷款，市州可代为登记本市州企业的贷款；已登记 → 解除质押 / 违约，错误登记可撤销。
* 授信企业白名单：省局按期发布编号、日期固定、不可修改的版本；可查看现行版、历史版及两版差异；\
  发布日有在效信用记录（严重违法失信、非正常专利申请等）的企业不能列入。
* 质押融资对接活动与“一月一链”投融资路演。

Pledge loans, the credit white-list and financing activities; events on `ipp.finance.events`."""


def create_app(settings: FinanceSettings | None = None) -> FastAPI:
    settings = settings or FinanceSettings()
    return build_service_app(
        settings, title="金融服务 Finance service", description=DESCRIPTION, topic=TOPIC,
        routers=[router, known_enterprises_router(known_enterprises), known_credit_router(known_credit)],
        database_url=settings.database_url,
        on_start=[start_enterprise_consumer(known_enterprises), start_credit_consumer(known_credit)])
