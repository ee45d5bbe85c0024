"""The training service through HTTP: classes, enrolment rules, roles and city scoping, problems,
and nothing written on failure."""
from __future__ import annotations

from datetime import timedelta

import pytest

from libs.common.testing import auth, random_uscc
from services.training.models import Enrolment, TrainingClass
from services.training.tests.helpers import (
    ADMIN,
    AGENCY,
    OFFICER,
    VIEWER,
    WUHAN,
    YICHANG,
    assert_problem,
    attend,
    china_today,
    class_body,
    enrol,
    enterprise,
    events_since,
    finish,
    id_number,
    mark,
    nothing_written,
    open_class,
    trainee,
    written_since,
)

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])


# ============================================================================ classes

async def test_city_officer_plans_a_class_in_own_city(api, runtime):
    since = await mark(runtime)
    r = await api.post("/api/v1/classes", json=class_body(city=WUHAN, code="2025-WH-MY-01"),
                       headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/classes/{body['id']}"
    assert (body["status"], body["track_name"], body["city_name"], body["enrolled"], body["seats_left"],
            body["required_days"]) == ("planned", "民营企业知识产权培训", "武汉市", 0, 50, 2)
    (e,) = await events_since(runtime, since)
    assert (e["event_type"], e["key"], e["topic"]) == ("ipp.training.class.planned.v1", str(body["id"]),
                                                      "ipp.training.events")
    assert e["payload"]["year"] == int(body["start_date"][:4]) and e["payload"]["code"] == "2025-WH-MY-01"


async def test_code_is_generated_and_duplicates_are_a_conflict(api, runtime):
    r = await api.post("/api/v1/classes", json=class_body(), headers=auth(ADMIN))
    assert r.json()["code"].startswith("TC")
    r = await api.post("/api/v1/classes", json=class_body(code="DUP-1"), headers=auth(ADMIN))
    assert r.status_code == 201
    since = await mark(runtime)
    r = await api.post("/api/v1/classes", json=class_body(code="DUP-1"), headers=auth(ADMIN))
    assert_problem(r, 409, slug="class.exists")
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"track": "vip"}, "track", "enum"),
    ({"city": "110000"}, "city", "division.not_hubei"),
    ({"city": "420106"}, "city", "division.not_city"),
    ({"capacity": 0}, "capacity", "greater_than_equal"),
    ({"title": ...}, "title", "missing"),
    ({"start_date": "2025-02-30"}, "start_date", "date_from_datetime_parsing"),
    ({"end_date": "2020-01-01"}, "end_date", "class.dates.order"),
    ({"session_dates": ["2019-01-01"]}, "session_dates", "class.session_dates.outside"),
    ({"code": "含中文"}, "code", "string_pattern_mismatch"),
    ({"extra": 1}, "extra", "extra_forbidden"),
])
async def test_bad_class_input_is_a_422_naming_the_field(api, runtime, overrides, field, rule):
    since = await mark(runtime)
    r = await api.post("/api/v1/classes", json=class_body(**overrides), headers=auth(ADMIN))
    assert_problem(r, 422, field, rule, slug="validation-error")
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
async def test_no_token_is_401_and_bad_token_is_401(api, runtime):
    r = await api.post("/api/v1/classes", json=class_body())
    assert_problem(r, 401, slug="unauthorized")
    r = await api.get("/api/v1/classes", headers={"Authorization": "Bearer not-a-jwt"})
    assert_problem(r, 401, slug="unauthorized")


@SQLITE_ONLY
@pytest.mark.parametrize("hdrs", [auth(VIEWER), auth("bank", org="bank-1"), auth("integration")],
                         ids=["viewer", "bank", "integration"])
async def test_read_only_roles_cannot_plan(api, runtime, hdrs):
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/classes", json=class_body(), headers=hdrs), 403, slug="forbidden")
    assert await nothing_written(runtime, since)


async def test_city_officer_cannot_plan_or_manage_in_another_city(api, runtime):
    since = await mark(runtime)
    r = await api.post("/api/v1/classes", json=class_body(city=YICHANG), headers=auth(OFFICER, city=WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since)
    r = await api.post("/api/v1/classes", json=class_body(city=YICHANG), headers=auth(ADMIN))
    cid = r.json()["id"]
    for call in (api.post(f"/api/v1/classes/{cid}/open", headers=auth(OFFICER, city=WUHAN)),
                 api.patch(f"/api/v1/classes/{cid}", json={"capacity": 9}, headers=auth(OFFICER, city=WUHAN)),
                 api.get(f"/api/v1/classes/{cid}", headers=auth(OFFICER, city=WUHAN))):
        assert_problem(await call, 403, slug="forbidden-city")
    r = await api.get("/api/v1/classes", headers=auth(OFFICER, city=WUHAN), params={"city": YICHANG})
    assert_problem(r, 403, slug="forbidden-city")


async def test_lists_are_scoped_to_what_the_role_may_read(api, runtime):
    for city in (WUHAN, YICHANG):
        await api.post("/api/v1/classes", json=class_body(city=city), headers=auth(ADMIN))
    await api.post("/api/v1/classes", json=class_body(city=YICHANG), headers=auth(AGENCY, org="base-9"))
    wuhan = (await api.get("/api/v1/classes", headers=auth(OFFICER, city=WUHAN))).json()
    assert wuhan["total"] == 1 and {c["city"] for c in wuhan["items"]} == {WUHAN}
    everything = (await api.get("/api/v1/classes", headers=auth(VIEWER))).json()
    assert everything["total"] == 3
    base = (await api.get("/api/v1/classes", headers=auth(AGENCY, org="base-9"))).json()
    assert base["total"] == 1 and base["items"][0]["organiser_org"] == "base-9"
    assert_problem(await api.get("/api/v1/classes", headers=auth("bank", org="b")), 403, slug="forbidden")


async def test_agency_manages_only_the_classes_it_organises(api, runtime):
    r = await api.post("/api/v1/classes", json=class_body(city=YICHANG, organiser_org="other-base"),
                       headers=auth(AGENCY, org="base-1"))
    assert_problem(r, 403, slug="forbidden")
    r = await api.post("/api/v1/classes", json=class_body(city=YICHANG), headers=auth(AGENCY, org="base-1"))
    assert r.status_code == 201 and r.json()["organiser_org"] == "base-1"
    cid = r.json()["id"]
    r = await api.post(f"/api/v1/classes/{cid}/open", headers=auth(AGENCY, org="base-1"))
    assert r.status_code == 200 and r.json()["status"] == "open"
    # another base may neither manage nor read it; the city's officer may manage it
    assert_problem(await api.post(f"/api/v1/classes/{cid}/cancel", json={"reason": "测试取消"},
                                  headers=auth(AGENCY, org="base-2")), 403, slug="forbidden")
    assert_problem(await api.get(f"/api/v1/classes/{cid}", headers=auth(AGENCY, org="base-2")), 403)
    r = await api.patch(f"/api/v1/classes/{cid}", json={"capacity": 80}, headers=auth(OFFICER, city=YICHANG))
    assert r.status_code == 200 and r.json()["capacity"] == 80


async def test_lifecycle_conflicts_are_409_and_write_nothing(api, runtime):
    r = await api.post("/api/v1/classes", json=class_body(start=china_today() + timedelta(days=5)),
                       headers=auth(ADMIN))
    cid = r.json()["id"]
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/classes/{cid}/finish", headers=auth(ADMIN)), 409,
                   slug="class.finish.illegal")
    await api.post(f"/api/v1/classes/{cid}/open", headers=auth(ADMIN))
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/classes/{cid}/finish", headers=auth(ADMIN)), 409,
                   slug="class.finish.before-end")
    assert_problem(await api.post(f"/api/v1/classes/{cid}/open", headers=auth(ADMIN)), 409,
                   slug="class.open.illegal")
    assert_problem(await api.patch(f"/api/v1/classes/{cid}", json={"start_date": china_today().isoformat()},
                                   headers=auth(ADMIN)), 409, slug="class.dates.locked")
    assert await nothing_written(runtime, since)
    r = await api.post(f"/api/v1/classes/{cid}/cancel", json={"reason": "报名人数不足"}, headers=auth(ADMIN))
    assert r.status_code == 200 and (r.json()["status"], r.json()["cancel_reason"]) == ("cancelled", "报名人数不足")
    assert_problem(await api.patch(f"/api/v1/classes/{cid}", json={"capacity": 5}, headers=auth(ADMIN)), 409,
                   slug="class.closed")


async def test_class_with_attendance_cannot_be_cancelled(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api)
    (e,) = await enrol(api, cls["id"], [trainee(uscc)])
    await attend(api, cls, 0, {e["id"]: True})
    r = await api.post(f"/api/v1/classes/{cls['id']}/cancel", json={"reason": "测试取消"}, headers=auth(ADMIN))
    assert_problem(r, 409, slug="class.cancel.attended")


async def test_update_dates_while_planned_recomputes_session_days(api, runtime):
    r = await api.post("/api/v1/classes", json=class_body(days=2), headers=auth(ADMIN))
    cid, start = r.json()["id"], china_today() + timedelta(days=30)
    r = await api.patch(f"/api/v1/classes/{cid}", json={"start_date": start.isoformat(),
                                                         "end_date": (start + timedelta(days=4)).isoformat()},
                        headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert len(r.json()["session_dates"]) == 5 and r.json()["required_days"] == 4 and r.json()["version"] == 2
    assert_problem(await api.patch(f"/api/v1/classes/{cid}", json={}, headers=auth(ADMIN)), 422, "body",
                   "update.empty")


# ============================================================================ enrolment

async def test_enrol_stores_no_raw_id_number_and_stamps_the_enterprise(api, runtime):
    uscc = await enterprise(runtime, city=YICHANG)
    cls = await open_class(api)
    number = id_number()
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments",
                       json={"name": "李四维", "id_number": number, "uscc": uscc}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id_masked"] == number[:6] + "********" + number[-4:]
    assert (body["enterprise_city"], body["is_private"], body["status"]) == (YICHANG, True, "enrolled")
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.training.enrolment.enrolled.v1"]
    assert number not in str(events) and number not in str(audits)
    assert [(a["action"], a["actor_role"], a["actor_city"], a["entity_id"]) for a in audits] == [
        ("enrolment.enrol", "city-officer", WUHAN, str(body["id"]))]
    assert audits[0]["after"]["id_masked"] == body["id_masked"]
    async with runtime.sessions() as session:
        row = await session.get(Enrolment, body["id"])
        cls_row = await session.get(TrainingClass, cls["id"])
    assert number not in str(row.__dict__) and cls_row.enrolled == 1


async def test_unknown_enterprise_is_a_clear_422(api, runtime):
    cls = await open_class(api)
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(random_uscc()), headers=auth(ADMIN))
    assert_problem(r, 422, "uscc", "enterprise-registered", slug="validation-error")
    assert await nothing_written(runtime, since)


@pytest.mark.parametrize("track", ["preparatory", "assessed", "private"])
async def test_enterprise_is_required_for_commissioner_and_private_tracks(api, runtime, track):
    cls = await open_class(api, track=track)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(None), headers=auth(ADMIN))
    assert_problem(r, 422, "uscc", "uscc.required")


async def test_other_track_takes_trainees_without_enterprise(api, runtime):
    cls = await open_class(api, track="other")
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(None), headers=auth(ADMIN))
    assert r.status_code == 201 and r.json()["is_private"] is False


async def test_private_track_refuses_a_state_owned_enterprise(api, runtime):
    uscc = await enterprise(runtime, ownership="state")
    cls = await open_class(api, track="private")
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(uscc), headers=auth(ADMIN))
    assert_problem(r, 422, "uscc", "enterprise.not-private")


@SQLITE_ONLY
@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"id_number": "110105194912310021"}, "id_number", "id_number.check_digit"),
    ({"id_number": "123"}, "id_number", "id_number.length"),
    ({"id_number": None}, "id_number", "string_type"),
    ({"uscc": "91420100ABC"}, "uscc", "uscc.length"),
    ({"name": "张"}, "name", "string_too_short"),
])
async def test_bad_trainee_input_names_the_field(api, runtime, overrides, field, rule):
    cls = await open_class(api, track="other")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json={**trainee(None), **overrides},
                       headers=auth(ADMIN))
    assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_batch_is_all_or_nothing_and_names_the_item(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api)
    dup = id_number()
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments/batch", json={"items": [
        trainee(uscc, id_number=dup), trainee(random_uscc()), trainee(uscc, id_number=dup)]}, headers=auth(ADMIN))
    body = assert_problem(r, 422, "items.1.uscc", "enterprise-registered")
    assert {"field": "items.2.id_number", "rule": "id_number.duplicate"} in [
        {"field": e["field"], "rule": e["rule"]} for e in body["errors"]]
    assert await nothing_written(runtime, since)


async def test_capacity_is_enforced(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, capacity=2)
    await enrol(api, cls["id"], [trainee(uscc)])
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments/batch",
                       json={"items": [trainee(uscc), trainee(uscc)]}, headers=auth(ADMIN))
    body = assert_problem(r, 409, slug="class.full")
    assert (body["capacity"], body["enrolled"]) == (2, 1)
    assert await nothing_written(runtime, since)
    await enrol(api, cls["id"], [trainee(uscc)])  # exactly at capacity is fine
    assert (await api.get(f"/api/v1/classes/{cls['id']}", headers=auth(ADMIN))).json()["seats_left"] == 0
    r = await api.patch(f"/api/v1/classes/{cls['id']}", json={"capacity": 1}, headers=auth(ADMIN))
    assert_problem(r, 422, "capacity", "capacity.below-enrolled")


async def test_concurrent_enrolments_never_exceed_capacity(api, runtime):
    import asyncio

    uscc = await enterprise(runtime)
    cls = await open_class(api, capacity=5)
    results = await asyncio.gather(*[
        api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(uscc), headers=auth(ADMIN))
        for _ in range(12)])
    assert sorted(r.status_code for r in results) == [201] * 5 + [409] * 7
    async with runtime.sessions() as session:
        from sqlalchemy import func, select
        n = await session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.class_id == cls["id"]))
    assert n == 5


async def test_same_person_twice_in_a_class_is_a_conflict_and_withdrawal_frees_the_seat(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, capacity=1)
    person = trainee(uscc)
    (e,) = await enrol(api, cls["id"], [person])
    assert_problem(await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=person, headers=auth(ADMIN)),
                   409, slug="enrolment.exists")
    r = await api.post(f"/api/v1/enrolments/{e['id']}/withdraw", json={"reason": "工作冲突"}, headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    (again,) = await enrol(api, cls["id"], [person])  # reinstated on the same row
    assert again["id"] == e["id"] and again["status"] == "enrolled"


async def test_enrolment_needs_an_open_class(api, runtime):
    uscc = await enterprise(runtime)
    r = await api.post("/api/v1/classes", json=class_body(), headers=auth(ADMIN))
    resp = await api.post(f"/api/v1/classes/{r.json()['id']}/enrolments", json=trainee(uscc), headers=auth(ADMIN))
    assert_problem(resp, 409, slug="class.not-open")


async def test_wrong_city_officer_cannot_enrol_or_read_trainees(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, city=YICHANG)
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(uscc),
                       headers=auth(OFFICER, city=WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    assert_problem(await api.get(f"/api/v1/classes/{cls['id']}/enrolments", headers=auth(OFFICER, city=WUHAN)), 403)
    assert await nothing_written(runtime, since)
    assert (await api.get(f"/api/v1/classes/{cls['id']}/enrolments", headers=auth(VIEWER))).status_code == 200


@SQLITE_ONLY
async def test_viewer_cannot_enrol(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments", json=trainee(uscc), headers=auth(VIEWER))
    assert_problem(r, 403, slug="forbidden")


# ============================================================================ attendance and exams

async def test_attendance_rules(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, start=china_today() - timedelta(days=1), days=3)  # yesterday … tomorrow
    other = await open_class(api)
    (e,) = await enrol(api, cls["id"], [trainee(uscc)])
    (x,) = await enrol(api, other["id"], [trainee(uscc)])
    url = f"/api/v1/classes/{cls['id']}/attendance"
    since = await mark(runtime)
    r = await api.put(f"{url}/{cls['session_dates'][2]}",
                      json={"records": [{"enrolment_id": e["id"], "present": True}]},
                      headers=auth(ADMIN))
    assert_problem(r, 422, "day", "attendance.future")
    r = await api.put(f"{url}/2001-01-01", json={"records": [{"enrolment_id": e["id"], "present": True}]},
                      headers=auth(ADMIN))
    assert_problem(r, 422, "day", "attendance.not-session-day")
    r = await api.put(f"{url}/{cls['session_dates'][0]}", json={"records": [
        {"enrolment_id": e["id"], "present": True}, {"enrolment_id": x["id"], "present": True}]}, headers=auth(ADMIN))
    assert_problem(r, 422, "records.1.enrolment_id", "enrolment.unknown")
    r = await api.put(f"{url}/{cls['session_dates'][0]}", json={"records": []}, headers=auth(ADMIN))
    assert_problem(r, 422, "records", "too_short")
    assert await nothing_written(runtime, since)
    sheet = await attend(api, cls, 0, {e["id"]: True})
    assert sheet["changed"] == 1
    again = await attend(api, cls, 0, {e["id"]: True})  # the same sheet twice changes nothing
    assert again["changed"] == 0
    assert (await api.get(f"/api/v1/enrolments/{e['id']}", headers=auth(ADMIN))).json()["attended_days"] == 1
    r = await api.post(f"/api/v1/enrolments/{e['id']}/withdraw", json={"reason": "测试退出"}, headers=auth(ADMIN))
    assert_problem(r, 409, slug="enrolment.attended")


async def test_exam_only_for_the_assessed_track_and_within_dates(api, runtime):
    uscc = await enterprise(runtime)
    private = await open_class(api, track="private")
    (p,) = await enrol(api, private["id"], [trainee(uscc)])
    r = await api.put(f"/api/v1/enrolments/{p['id']}/exam", json={"score": "80", "exam_date": private["end_date"]},
                      headers=auth(ADMIN))
    assert_problem(r, 409, slug="exam.not-assessed-track")
    assessed = await open_class(api, track="assessed")
    (a,) = await enrol(api, assessed["id"], [trainee(uscc)])
    url = f"/api/v1/enrolments/{a['id']}/exam"
    for body, field, rule in [({"score": "100.5", "exam_date": assessed["end_date"]}, "score", "less_than_equal"),
                              ({"score": "-1", "exam_date": assessed["end_date"]}, "score", "greater_than_equal"),
                              ({"score": "70.25", "exam_date": assessed["end_date"]}, "score", "decimal_max_places"),
                              ({"score": "70", "exam_date": "2001-01-01"}, "exam_date", "exam_date.before-class"),
                              ({"score": "70", "exam_date": (china_today() + timedelta(days=1)).isoformat()},
                               "exam_date", "exam_date.future")]:
        assert_problem(await api.put(url, json=body, headers=auth(ADMIN)), 422, field, rule)
    r = await api.put(url, json={"score": "72.5", "exam_date": assessed["end_date"]}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200 and (r.json()["exam_score"], r.json()["exam_passed"]) == ("72.5", True)
    assert_problem(await api.put(url, json={"score": "72.5", "exam_date": assessed["end_date"]},
                                 headers=auth(OFFICER, city=YICHANG)), 403, slug="forbidden-city")


async def test_class_certificates_issue_to_the_eligible_and_list_the_rest(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, track="preparatory", days=5)
    a, b = await enrol(api, cls["id"], [trainee(uscc, "完成者"), trainee(uscc, "缺勤者")])
    for day in range(5):
        await attend(api, cls, day, {a["id"]: True, b["id"]: day < 3})
    r = await api.post(f"/api/v1/classes/{cls['id']}/certificates", headers=auth(ADMIN))
    assert_problem(r, 409, slug="certificate.class-not-finished")
    await finish(api, cls["id"])
    r = await api.post(f"/api/v1/classes/{cls['id']}/certificates", json={}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["enrolment_id"] for c in body["issued"]] == [a["id"]]
    assert body["skipped"] == [{"enrolment_id": b["id"], "rule": "certificate.not-completed",
                                "message": body["skipped"][0]["message"]}]
    number = body["issued"][0]["number"]
    assert (await api.get(f"/api/v1/certificates/{number}", headers=auth(VIEWER))).json()["name"] == "完成者"
    assert_problem(await api.get(f"/api/v1/certificates/{number}", headers=auth(OFFICER, city=YICHANG)), 403)
    assert_problem(await api.get("/api/v1/certificates/HBIPT-P-1999-00001", headers=auth(ADMIN)), 404)
    listed = (await api.get("/api/v1/certificates", params={"class_id": cls["id"]}, headers=auth(ADMIN))).json()
    assert listed["total"] == 1
    r = await api.post(f"/api/v1/classes/{cls['id']}/certificates", headers=auth(ADMIN))  # again: nothing new
    assert r.json()["issued"] == [] and {s["rule"] for s in r.json()["skipped"]} == {
        "certificate.exists", "certificate.not-completed"}


async def test_trainee_lookup_follows_a_person_across_classes(api, runtime):
    uscc = await enterprise(runtime)
    person = trainee(uscc)
    first = await open_class(api, track="preparatory", days=1)
    second = await open_class(api, track="private", city=YICHANG)
    (e1,) = await enrol(api, first["id"], [person])
    await enrol(api, second["id"], [person])
    await attend(api, first, 0, {e1["id"]: True})
    await finish(api, first["id"])
    r = await api.post("/api/v1/trainees/lookup", json={"id_number": person["id_number"]}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["enrolments"]) == 2 and body["commissioner"] == {"preparatory": True, "assessed": False}
    r = await api.post("/api/v1/trainees/lookup", json={"id_number": person["id_number"]},
                       headers=auth(OFFICER, city=YICHANG))
    assert [e["class_id"] for e in r.json()["enrolments"]] == [second["id"]]
    assert_problem(await api.post("/api/v1/trainees/lookup", json={"id_number": "1"}, headers=auth(ADMIN)), 422,
                   "id_number", "id_number.length")


async def test_known_enterprise_endpoint(api, runtime):
    uscc = await enterprise(runtime, city=YICHANG)
    r = await api.get(f"/api/v1/known-enterprises/{uscc}", headers=auth(VIEWER))
    assert r.status_code == 200 and r.json()["city"] == YICHANG
    assert_problem(await api.get(f"/api/v1/known-enterprises/{random_uscc()}", headers=auth(VIEWER)), 404)


@SQLITE_ONLY
async def test_openapi_has_examples_and_every_route(api, runtime):
    spec = (await api.get("/openapi.json")).json()
    assert "/api/v1/classes/{class_id}/attendance/{day}" in spec["paths"]
    assert spec["components"]["schemas"]["ClassCreate"]["examples"][0]["track"] == "private"


async def test_summary_counts_the_year_within_the_readers_scope(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, track="private", days=2)
    a, b = await enrol(api, cls["id"], [trainee(uscc), trainee(uscc)])
    await attend(api, cls, 0, {a["id"]: True, b["id"]: False})
    await finish(api, cls["id"])
    await open_class(api, track="private", city=YICHANG)
    year = int(cls["start_date"][:4])
    r = await api.get("/api/v1/summary", params={"year": year}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200, r.text
    body = r.json()
    private = body["tracks"]["private"]
    assert (body["city"], body["private_classes_finished"], body["private_person_times"]) == (WUHAN, 1, 1)
    assert (private["classes"]["finished"], private["classes"]["open"], private["enrolled"],
            private["person_times"]) == (1, 0, 2, 1)
    province = (await api.get("/api/v1/summary", params={"year": year}, headers=auth(VIEWER))).json()
    assert province["tracks"]["private"]["classes"] == {"planned": 0, "open": 1, "finished": 1, "cancelled": 0}
    assert_problem(await api.get("/api/v1/summary", params={"year": year, "city": YICHANG},
                                 headers=auth(OFFICER, city=WUHAN)), 403, slug="forbidden-city")
    assert_problem(await api.get("/api/v1/summary", headers=auth(VIEWER)), 422, "year", "missing")
