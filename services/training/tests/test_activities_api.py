"""Service activities over HTTP (鄂知发〔2019〕1号 §§ 12, 16, 19, 20; 鄂知发〔2022〕9号 § 二.8): record,
correct, cancel, list and export, bulk import from JSON and a workbook; bad input is a 422 naming the
field and rule with nothing written, roles and city scoping are 403s, a cancelled activity is a 409."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from libs.common.export_testing import assert_export_matches, list_and_export
from libs.common.testing import auth, random_uscc, upload, workbook
from services.training.exports import ACTIVITIES
from services.training.models import Activity, ActivityEnterprise
from services.training.tests.helpers import (
    ADMIN,
    AGENCY,
    OFFICER,
    VIEWER,
    WUHAN,
    YICHANG,
    assert_problem,
    china_today,
    enterprise,
    mark,
    nothing_written,
    written_since,
)

URL = "/api/v1/activities"


def body(usccs: list[str], **overrides: Any) -> dict[str, Any]:
    b: dict[str, Any] = {"kind": "examiner_visit", "title": "“千家民企面对面”走访", "held_on": "2025-05-16",
                         "organiser": "专利审查协作湖北中心", "city": WUHAN, "enterprises": usccs,
                         "staff_person_times": 6}
    b.update(overrides)
    return {k: v for k, v in b.items() if v is not ...}


async def activities_count(runtime) -> tuple[int, int]:
    async with runtime.sessions() as s:
        return (int(await s.scalar(select(func.count()).select_from(Activity)) or 0),
                int(await s.scalar(select(func.count()).select_from(ActivityEnterprise)) or 0))


async def test_record_stamps_enterprises_and_publishes_the_figures(api, runtime):
    private, state = await enterprise(runtime, WUHAN), await enterprise(runtime, YICHANG, ownership="state")
    since = await mark(runtime)
    r = await api.post(URL, json=body([private, state]), headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201, r.text
    a = r.json()
    assert r.headers["Location"] == f"{URL}/{a['id']}"
    assert (a["kind_name"], a["city_name"], a["year"], a["enterprise_count"], a["private_count"], a["status"]) == \
        ("审查员代理师走访", "武汉市", 2025, 2, 1, "recorded")
    assert [(e["uscc"], e["enterprise_city"], e["is_private"]) for e in a["enterprises"]] == \
        [(private, WUHAN, True), (state, YICHANG, False)]
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.training.activity.recorded.v1"]
    p = events[0]["payload"]
    assert (p["kind"], p["city"], p["year"], p["held_on"], p["staff_person_times"], p["enterprises"],
            p["private_enterprises"], p["usccs"]) == ("examiner_visit", WUHAN, 2025, "2025-05-16", 6, 2, 1,
                                                      [private, state])
    assert [x["action"] for x in audits] == ["activity.record"]


async def test_onsite_service_names_its_sub_kind_and_only_it(api, runtime):
    """002 § 19: 上门为民营企业提供专利优先审查、专利权质押登记、实施许可合同备案等服务."""
    u = await enterprise(runtime)
    since = await mark(runtime)
    assert_problem(await api.post(URL, json=body([u], kind="onsite_service"), headers=auth(ADMIN)),
                   422, "sub_kind", "activity.sub_kind.required")
    assert_problem(await api.post(URL, json=body([u], sub_kind="pledge_registration"), headers=auth(ADMIN)),
                   422, "sub_kind", "activity.sub_kind.not_allowed")
    assert_problem(await api.post(URL, json=body([u], kind="onsite_service", sub_kind="trademark"),
                                  headers=auth(ADMIN)), 422, "sub_kind", "enum")
    assert await nothing_written(runtime, since) and await activities_count(runtime) == (0, 0)
    r = await api.post(URL, json=body([u], kind="onsite_service", sub_kind="pledge_registration"), headers=auth(ADMIN))
    assert r.status_code == 201 and r.json()["sub_kind_name"] == "质押登记", r.text


async def test_bad_input_names_field_and_rule_and_writes_nothing(api, runtime):
    private, state = await enterprise(runtime), await enterprise(runtime, ownership="state")
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    cases = [
        (body([private], held_on=tomorrow), "held_on", "activity.held_on.future"),
        (body([private], held_on="2025-02-30"), "held_on", "date_from_datetime_parsing"),
        (body([]), "enterprises", "too_short"),
        (body([private, private]), "enterprises.1", "activity.enterprises.duplicate"),
        (body([private, random_uscc(WUHAN)]), "enterprises.1", "enterprise-registered"),
        (body(["91420100MA4K0000X0"]), "enterprises.0", "uscc.check_digit"),
        (body([private], staff_person_times=0), "staff_person_times", "greater_than_equal"),
        (body([private], city="110000"), "city", "division.not_hubei"),
        (body([private], kind="tea_party"), "kind", "enum"),
        (body([private], title=...), "title", "missing"),
        # 002 § 20 走访民营企业: an examiner visit to no private enterprise is not a § 20 visit
        (body([state]), "enterprises", "activity.private_enterprise.required"),
        (body([state], kind="fee_briefing"), "enterprises", "activity.private_enterprise.required"),
    ]
    since = await mark(runtime)
    for b, field, rule in cases:
        r = await api.post(URL, json=b, headers=auth(ADMIN))
        if r.status_code == 422 and rule == "date_from_datetime_parsing":
            rule = r.json()["errors"][0]["rule"]  # pydantic's name of an impossible date
        assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since) and await activities_count(runtime) == (0, 0)
    # the kinds of 000 § 二.8 serve any enterprise; today is not the future
    r = await api.post(URL, json=body([state], kind="key_enterprise_contact", held_on=china_today().isoformat()),
                       headers=auth(ADMIN))
    assert r.status_code == 201, r.text


async def test_roles_and_city_scoping(api, runtime):
    u = await enterprise(runtime, WUHAN)
    since = await mark(runtime)
    for who in (auth(OFFICER, city=YICHANG), auth(VIEWER), auth(AGENCY, org="hbipt-base"), auth("bank", org="ICBC")):
        assert_problem(await api.post(URL, json=body([u]), headers=who), 403)
    assert await nothing_written(runtime, since)
    a = (await api.post(URL, json=body([u]), headers=auth(OFFICER, city=WUHAN))).json()
    path = f"{URL}/{a['id']}"
    since = await mark(runtime)
    assert_problem(await api.get(path, headers=auth(OFFICER, city=YICHANG)), 403)
    assert_problem(await api.get(path, headers=auth(AGENCY, org="hbipt-base")), 403)
    assert_problem(await api.get(URL, headers=auth("bank", org="ICBC")), 403)
    assert_problem(await api.get(URL, params={"city": WUHAN}, headers=auth(OFFICER, city=YICHANG)), 403)
    assert_problem(await api.patch(path, json={"staff_person_times": 9, "reason": "录入错误"},
                                   headers=auth(OFFICER, city=YICHANG)), 403)
    # the Wuhan officer may not move the activity to Yichang
    assert_problem(await api.patch(path, json={"city": YICHANG, "reason": "录入错误"},
                                   headers=auth(OFFICER, city=WUHAN)), 403)
    assert_problem(await api.post(f"{path}/cancel", json={"reason": "录入错误"}, headers=auth(VIEWER)), 403)
    assert await nothing_written(runtime, since)
    assert (await api.get(path, headers=auth(VIEWER))).status_code == 200
    listed = (await api.get(URL, headers=auth(OFFICER, city=YICHANG))).json()
    assert listed["items"] == [] and listed["total"] == 0


async def test_correction_publishes_before_and_after_and_cancel_takes_back(api, runtime):
    private, other = await enterprise(runtime), await enterprise(runtime, YICHANG)
    a = (await api.post(URL, json=body([private]), headers=auth(ADMIN))).json()
    path = f"{URL}/{a['id']}"
    since = await mark(runtime)
    r = await api.patch(path, json={"staff_person_times": 16, "held_on": "2025-06-02", "enterprises": [private, other],
                                    "reason": "人次和日期录入错误"}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200, r.text
    assert (r.json()["staff_person_times"], r.json()["enterprise_count"], r.json()["version"]) == (16, 2, 2)
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.training.activity.corrected.v1"]
    p = events[0]["payload"]
    assert (p["before"]["staff_person_times"], p["before"]["held_on"], p["before"]["enterprises"]) == \
        (6, "2025-05-16", 1)
    assert (p["after"]["staff_person_times"], p["after"]["held_on"], p["after"]["enterprises"],
            p["after"]["private_enterprises"]) == (16, "2025-06-02", 2, 2)
    assert p["changed_fields"] == ["held_on", "enterprises", "staff_person_times"]
    assert audits[0]["action"] == "activity.correct"

    # the same values again change nothing; an empty correction is a 422
    since = await mark(runtime)
    r = await api.patch(path, json={"staff_person_times": 16, "reason": "再次确认"}, headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["version"] == 2
    assert_problem(await api.patch(path, json={"reason": "再次确认"}, headers=auth(ADMIN)), 422, "body", "update.empty")
    assert_problem(await api.patch(path, json={"title": None, "reason": "置空"}, headers=auth(ADMIN)),
                   422, "title", "not_nullable")
    assert await nothing_written(runtime, since)

    # an on-site service corrected to a briefing drops its sub-kind
    r = await api.patch(path, json={"kind": "onsite_service", "sub_kind": "licence_filing", "reason": "类型错误"},
                        headers=auth(ADMIN))
    assert r.json()["sub_kind"] == "licence_filing", r.text
    r = await api.patch(path, json={"kind": "fee_briefing", "reason": "类型错误"}, headers=auth(ADMIN))
    assert (r.json()["kind"], r.json()["sub_kind"]) == ("fee_briefing", None), r.text

    since = await mark(runtime)
    r = await api.post(f"{path}/cancel", json={"reason": "重复登记"}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    events, _ = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.training.activity.cancelled.v1"]
    f = events[0]["payload"]["figures"]
    assert (f["kind"], f["staff_person_times"], f["enterprises"], f["held_on"]) == ("fee_briefing", 16, 2, "2025-06-02")
    since = await mark(runtime)
    assert_problem(await api.post(f"{path}/cancel", json={"reason": "重复登记"}, headers=auth(ADMIN)),
                   409, slug="activity.cancelled")
    assert_problem(await api.patch(path, json={"staff_person_times": 3, "reason": "更正"}, headers=auth(ADMIN)),
                   409, slug="activity.cancelled")
    assert await nothing_written(runtime, since)
    assert_problem(await api.get(f"{URL}/999999999", headers=auth(ADMIN)), 404)


async def test_list_filters_and_export(api, runtime):
    wh, yc = await enterprise(runtime, WUHAN), await enterprise(runtime, YICHANG)
    for b in (body([wh]), body([wh], kind="fee_briefing", held_on="2024-11-20"),
              body([yc], city=YICHANG, kind="onsite_service", sub_kind="priority_examination", held_on="2025-03-01")):
        assert (await api.post(URL, json=b, headers=auth(ADMIN))).status_code == 201
    admin = auth(ADMIN)

    async def ids(params: dict, who: dict = admin) -> list[tuple[str, str]]:
        r = await api.get(URL, params=params, headers=who)
        assert r.status_code == 200, r.text
        return [(a["kind"], a["city"]) for a in r.json()["items"]]

    assert len(await ids({})) == 3
    assert await ids({"year": 2024}) == [("fee_briefing", WUHAN)]
    assert await ids({"city": YICHANG}) == [("onsite_service", YICHANG)]
    assert await ids({"kind": "examiner_visit"}) == [("examiner_visit", WUHAN)]
    assert await ids({"sub_kind": "priority_examination"}) == [("onsite_service", YICHANG)]
    assert await ids({"date_from": "2025-03-01", "date_to": "2025-03-31"}) == [("onsite_service", YICHANG)]
    assert await ids({"uscc": wh}) == [("examiner_visit", WUHAN), ("fee_briefing", WUHAN)]
    assert await ids({}, auth(OFFICER, city=YICHANG)) == [("onsite_service", YICHANG)]
    assert_problem(await api.get(URL, params={"date_from": "2025-04-01", "date_to": "2025-03-01"}, headers=admin),
                   422, "date_from", "date_range.order")
    assert_problem(await api.get(URL, params={"kind": "x"}, headers=admin), 422, "kind", "enum")
    for params, who in (({}, admin), ({"city": WUHAN}, admin), ({}, auth(OFFICER, city=YICHANG))):
        items, exported = await list_and_export(api, URL, params, who)
        assert items
        assert_export_matches(exported, ACTIVITIES, items)


HEADER = ["活动类型", "服务内容", "活动名称", "活动日期", "组织单位", "举办地市州", "服务企业统一社会信用代码",
          "服务人员人次"]


async def test_bulk_workbook_writes_good_rows_and_reports_the_bad_one(api, runtime):
    wh, yc = await enterprise(runtime, WUHAN), await enterprise(runtime, YICHANG)
    template = await api.get(f"{URL}/bulk/template", headers=auth(VIEWER))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    content = workbook([
        HEADER,
        ["专利费减政策宣讲", None, "民营企业专利费减政策宣讲会", "2025-04-10", "武汉市知识产权局", "420100 武汉市",
         f"{wh}；{yc}", 3],
        ["现场服务", None, "上门质押登记服务", "2025-04-12", "武汉市知识产权局", "武汉市", wh, 2],  # no sub-kind
        ["现场服务", "优先审查", "上门优先审查服务", "2025-04-15", "武汉市知识产权局", "武汉市", wh, 1],
    ], title="2025年服务活动登记表")
    since = await mark(runtime)
    dry = await api.post(f"{URL}/bulk", params={"dry_run": "true"}, files=upload(content, "活动.xlsx"),
                         headers=auth(OFFICER, city=WUHAN))
    assert dry.status_code == 200, dry.text
    assert (dry.json()["written"], dry.json()["rejected"]) == (0, 1)
    assert await nothing_written(runtime, since) and await activities_count(runtime) == (0, 0)
    r = await api.post(f"{URL}/bulk", files=upload(content, "活动.xlsx"), headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["written"], out["rejected"]) == (3, 2, 1)
    assert out["ids"][1] is None and out["ids"][0] and out["ids"][2]
    assert [(e["row"], e["field"], e["rule"], e["sheet_row"], e["column"]) for e in out["errors"]] == \
        [(1, "sub_kind", "activity.sub_kind.required", 4, "服务内容")]
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.training.activity.recorded.v1"] * 2
    assert events[0]["payload"]["batch_id"] == out["batch_id"] and len(audits) == 2
    assert await activities_count(runtime) == (2, 3)
    listed = (await api.get(URL, params={"batch_id": out["batch_id"]}, headers=auth(ADMIN))).json()
    assert {a["kind"] for a in listed["items"]} == {"fee_briefing", "onsite_service"}


async def test_bulk_json_city_rows_atomic_and_roles(api, runtime):
    wh, yc = await enterprise(runtime, WUHAN), await enterprise(runtime, YICHANG)
    rows = [body([wh]), body([yc], city=YICHANG), {"kind": "examiner_visit"}]
    since = await mark(runtime)
    r = await api.post(f"{URL}/bulk", json={"rows": rows}, params={"atomic": "true"},
                       headers=auth(OFFICER, city=WUHAN))
    problem = assert_problem(r, 422, slug="bulk-rejected")
    assert {(e["row"], e["rule"]) for e in problem["errors"]} >= {(1, "forbidden-city"), (2, "missing")}
    assert await nothing_written(runtime, since)
    assert_problem(await api.post(f"{URL}/bulk", json={"rows": rows}, headers=auth(VIEWER)), 403)
    assert_problem(await api.post(f"{URL}/bulk", json={"rows": []}, headers=auth(ADMIN)), 422, "rows", "too_short")
    assert await nothing_written(runtime, since)
    r = await api.post(f"{URL}/bulk", json={"rows": rows}, headers=auth(OFFICER, city=WUHAN))
    assert (r.json()["written"], r.json()["rejected"]) == (1, 2), r.text
    r = await api.post(f"{URL}/bulk", json={"rows": rows[:2]}, headers=auth(ADMIN))
    assert (r.json()["written"], r.json()["rejected"]) == (2, 0), r.text
    assert await activities_count(runtime) == (3, 3)
