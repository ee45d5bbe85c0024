"""The credit register across processes: an entry recorded through the enterprise service reaches the
finance service's read model over the broker, and the credit white-list then refuses that enterprise
while listing a clean one; the pool's criterion 10 fails naming the entry; once the province lifts it,
the lifting reaches finance too and the next version lists the enterprise; the reporting worker folds
the entry and the lifting into their indicators, seen on the SSE stream and the indicators API."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from libs.common.testing import china_today, random_uscc, token
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.credit.schemas import CreditEntryIn
from services.enterprise.pool.schemas import ApplicationIn, DeclarationsIn
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import FinanceClient
from services.finance.schemas import WhitelistEntryIn, WhitelistPublish
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values
from tests.e2e.test_finance import wait_known
from tests.e2e.test_reporting import Stream
from tests.e2e.test_transfer import plus

pytestmark = pytest.mark.e2e
CITY = "420800"  # 荆门市
PROVINCE = "420000"
KIND = "abnormal_patent_application"
CODE = f"credit_recorded_{KIND}"


def wait_entry(plat, uscc: str, timeout: float = 60) -> list[dict]:
    with FinanceClient(url(plat, "finance"), ADMIN) as c:
        deadline = time.monotonic() + timeout
        while not (known := c.known_credit_entries(uscc)):
            assert time.monotonic() < deadline, f"finance never learned of the entry of {uscc}"
            time.sleep(0.2)
        return known


def test_an_entry_reaches_finance_the_pool_and_reporting(platform):
    today = china_today()
    year = today.year
    officer = token("city-officer", city=CITY)
    before = indicator_values(platform, year)
    stream = Stream(platform, year=year)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        punished, clean = (ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name=name, industry="P1", size_class="small", ownership="private")).uscc
            for name in ("荆门端到端失信测试有限公司", "荆门端到端守信测试有限公司"))
        decided = today - timedelta(days=20)
        entry = ent.record_credit_entry(CreditEntryIn(
            uscc=punished, kind=KIND, authority="荆门市知识产权局", decided_on=decided,
            document_no=f"荆知管〔{year}〕{uuid.uuid4().hex[:6]}号", effective_from=decided,
            effective_until=decided + timedelta(days=365), summary="代理提交非正常专利申请，经通报认定"))
        assert entry.active and entry.kind_name == "非正常专利申请"
        evaluation = ent.evaluate_pool(ApplicationIn(uscc=punished, declarations=DeclarationsIn(clean_record=True),
                                                     reason="端到端预评价"))
        c10 = next(c for c in evaluation.criteria if c.code == "clean_record")
        assert c10.outcome == "fail" and f"记录编号 {entry.id}" in c10.figure

    wait_known(platform, punished)
    wait_known(platform, clean)
    assert wait_entry(platform, punished)[0]["entry_id"] == entry.id
    with FinanceClient(url(platform, "finance"), ADMIN) as fin:
        title = f"{year}年信用端到端批-{uuid.uuid4().hex[:6]}"
        lines = [WhitelistEntryIn(uscc=u, suggested_credit_line=Decimal("5000000")) for u in (clean, punished)]
        with pytest.raises(ApiError) as refused:
            fin.publish_whitelist(WhitelistPublish(title=title, published_on=today, entries=lines))
        assert refused.value.status == 422
        errors = refused.value.problem["errors"]
        assert [(e["field"], e["rule"]) for e in errors] == [("entries.1.uscc", "whitelist.credit_entry")]
        published = fin.publish_whitelist(WhitelistPublish(title=title, published_on=today, entries=lines[:1]))
        assert [e.uscc for e in published.entries] == [clean]

    # the province lifts it (信用修复): the lifting reaches finance, and the next version may list the enterprise
    with EnterpriseClient(url(platform, "enterprise"), ADMIN) as admin:
        assert admin.lift_credit_entry(entry.id, today, "完成信用修复").status == "lifted"
    deadline = time.monotonic() + 60
    while wait_entry(platform, punished)[0]["lifted_on"] is None:
        assert time.monotonic() < deadline, "finance never learned of the lifting"
        time.sleep(0.2)
    with FinanceClient(url(platform, "finance"), ADMIN) as fin:
        again = fin.publish_whitelist(WhitelistPublish(title=f"{title}（修复后）", published_on=today, entries=lines))
        assert {e.uscc for e in again.entries} == {clean, punished}

    expected = {(CODE, CITY): plus(before, (CODE, CITY), 1), (CODE, PROVINCE): plus(before, (CODE, PROVINCE), 1),
                ("credit_lifted", CITY): plus(before, ("credit_lifted", CITY), 1)}
    stream.wait_values(expected, timeout=120)
    wait_for_values(platform, year, expected, timeout=60)
    time.sleep(2)  # anything counted twice would show by now
    seen = indicator_values(platform, year)
    assert {k: seen.get(k, "0") for k in expected} == expected
