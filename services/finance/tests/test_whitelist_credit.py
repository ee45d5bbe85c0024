"""The credit white-list refuses an enterprise under an active credit-register entry (鄂知发〔2019〕1号
§ 5 “对严重失信主体开展联合惩戒”; 鄂知发〔2025〕2号 § 16): finance knows the entries only from the
enterprise service's events (its read model), and judges them on the publication date."""
from __future__ import annotations

from datetime import date, timedelta

from libs.common.testing import china_today
from libs.readmodels.testing import seed_credit_entry
from services.finance.models import known_credit
from services.finance.tests.helpers import WUHAN, admin, assert_problem, known, mark, nothing_written

_ids = iter(range(9_000, 10_000))


def body(usccs: list[str], published_on: date, title: str = "2025年信用测试批") -> dict:
    return {"title": title, "published_on": published_on.isoformat(),
            "entries": [{"uscc": u, "suggested_credit_line": "1000000"} for u in usccs]}


async def test_an_enterprise_under_an_active_entry_is_refused_naming_its_line(api, runtime):
    clean, punished = await known(runtime, WUHAN), await known(runtime, WUHAN)
    on = china_today() - timedelta(days=5)
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), punished, WUHAN, on - timedelta(days=30),
                            on + timedelta(days=300))
    since = await mark(runtime)
    r = await api.post("/api/v1/whitelists", json=body([clean, punished], on), headers=admin())
    problem = assert_problem(r, 422, "entries.1.uscc", "whitelist.credit_entry")
    message = problem["errors"][0]["message"]
    assert "知识产权严重违法失信" in message and "湖北省知识产权局" in message
    assert await nothing_written(runtime, since)


async def test_the_publication_date_decides_first_and_last_day_and_lifting(api, runtime):
    a, b, c = await known(runtime, WUHAN), await known(runtime, WUHAN), await known(runtime, WUHAN)
    on = china_today() - timedelta(days=3)
    # a: ended the day before; b: starts the day after; c: lifted on the publication date
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), a, WUHAN, on - timedelta(days=90),
                            on - timedelta(days=1))
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), b, WUHAN, on + timedelta(days=1), None)
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), c, WUHAN, on - timedelta(days=90), None,
                            lifted_on=on, lifted=True)
    r = await api.post("/api/v1/whitelists", json=body([a, b, c], on), headers=admin())
    assert r.status_code == 201, r.text
    # the last day of effect is still in effect
    d = await known(runtime, WUHAN)
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), d, WUHAN, on - timedelta(days=90), on,
                            kind="abnormal_patent_application")
    r = await api.post("/api/v1/whitelists", json=body([d], on, "2025年信用测试第二批"), headers=admin())
    assert_problem(r, 422, "entries.0.uscc", "whitelist.credit_entry")
    assert "非正常专利申请" in r.json()["errors"][0]["message"]


async def test_the_known_credit_entries_of_an_enterprise(api, runtime):
    from libs.common.testing import auth, random_uscc

    uscc = await known(runtime, WUHAN)
    await seed_credit_entry(runtime.sessions, known_credit, next(_ids), uscc, WUHAN, china_today(), None)
    url = f"/api/v1/known-credit-entries/{uscc}"
    seen = (await api.get(url, headers=admin())).json()
    assert [(e["uscc"], e["kind"], e["lifted_on"]) for e in seen] == [(uscc, "serious_dishonesty", None)]
    assert len((await api.get(url, headers=auth("city-officer", city=WUHAN))).json()) == 1
    assert (await api.get(url, headers=auth("city-officer", city="420500"))).json() == []
    assert (await api.get(url, headers=auth("bank", org="ICBC-HB"))).status_code == 403
    assert (await api.get(f"/api/v1/known-credit-entries/{random_uscc()}", headers=admin())).json() == []
    assert (await api.get("/api/v1/known-credit-entries/nope", headers=admin())).status_code == 422
