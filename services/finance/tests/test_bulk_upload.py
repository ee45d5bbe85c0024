"""A bank's monthly report as a workbook at the bulk path: pledged items in list columns, errors by
Excel row and header, dry run, the same report twice."""
from __future__ import annotations

from libs.common.testing import upload, workbook
from services.finance.models import PledgeLoan
from services.finance.sheets import PLEDGES
from services.finance.tests.helpers import (
    bank,
    count,
    days_ago,
    known,
    mark,
    new_patent,
    new_trademark,
    nothing_written,
)

URL = "/api/v1/pledges/bulk"
CODES = ["uscc", "contract_no", "amount", "registration_date", "term_months", "annual_rate", "risk_sharing",
         "patents", "trademarks"]
HEADER = [next(c.label for c in PLEDGES.columns if c.code == code) for code in CODES]


async def test_bank_report_from_a_workbook(api, runtime):
    uscc = await known(runtime)
    rows = [[uscc, "ZY-2025-0001", 5000000, days_ago(20), 12, 3.45, "风险补偿；贴息", f"{new_patent()}；{new_patent()}",
             new_trademark()],
            [uscc, "ZY-2025-0002", "3,000,000.00", days_ago(10), 6, "3.2", None, None, new_trademark()],
            [uscc, "ZY-2025-0003", 1000000, days_ago(5), 12, 3.1, None, 201910012345.0, None]]
    content = workbook([HEADER, CODES, *rows])
    since = await mark(runtime)
    dry = (await api.post(URL, params={"dry_run": "true"}, files=upload(content), headers=bank())).json()
    assert (dry["dry_run"], dry["written"], len(dry["errors"])) == (True, [], 1)
    assert await nothing_written(runtime, since)
    out = (await api.post(URL, files=upload(content), headers=bank())).json()
    assert [w["row"] for w in out["written"]] == [0, 1]
    (error,) = out["errors"]
    assert (error["sheet_row"], error["column"], error["rule"]) == (5, "质押专利号", "cell.numeric_identifier")
    again = (await api.post(URL, files=upload(content), headers=bank())).json()
    assert again["written"] == [] and {e["rule"] for e in again["errors"][:2]} == {"pledge.duplicate_contract"}
    assert await count(runtime, PledgeLoan) == 2
