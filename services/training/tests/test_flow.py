"""A whole programme through HTTP: plan → open → enrol → attend → finish → exam → certificate,
with the events reporting folds (person-times, commissioners) checked on the outbox."""
from __future__ import annotations

from libs.common.testing import auth
from services.training.models import Commissioner
from services.training.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    YICHANG,
    assert_problem,
    attend,
    enrol,
    enterprise,
    events_since,
    finish,
    mark,
    open_class,
    trainee,
)


async def test_private_class_counts_person_times_once_per_trainee(api, runtime):
    uscc = await enterprise(runtime)
    cls = await open_class(api, track="private", days=3)
    a, b, c = await enrol(api, cls["id"], [trainee(uscc, "甲某某"), trainee(uscc, "乙某某"), trainee(uscc, "丙某某")])
    since = await mark(runtime)
    await attend(api, cls, 0, {a["id"]: True, b["id"]: True, c["id"]: False})
    await attend(api, cls, 1, {a["id"]: True, b["id"]: False})  # a first "absent" changes no count
    await attend(api, cls, 0, {b["id"]: False})  # correction: b was not there after all
    evs = await events_since(runtime, since, "ipp.training.attendance.recorded.v1")
    assert [(e["payload"]["enrolment_id"], e["payload"]["person_time_delta"]) for e in evs] == [
        (a["id"], 1), (b["id"], 1), (a["id"], 0), (b["id"], -1)]
    assert all(e["payload"]["is_private"] and e["payload"]["city"] == WUHAN and e["key"] == str(cls["id"])
               for e in evs)
    assert all("id_number" not in e["payload"] for e in evs)
    done = await finish(api, cls["id"])
    assert done["status"] == "finished"
    (fin,) = await events_since(runtime, since, "ipp.training.class.finished.v1")
    assert {k: fin["payload"][k] for k in ("enrolled", "person_times", "private_person_times", "completed",
                                           "track", "year")} == {
        "enrolled": 3, "person_times": 1, "private_person_times": 1, "completed": 0, "track": "private",
        "year": int(cls["start_date"][:4])}


async def test_preparatory_completion_qualifies_once_and_corrections_move_the_count(api, runtime):
    uscc = await enterprise(runtime, city=YICHANG, ownership="state")
    person = trainee(uscc)
    first = await open_class(api, track="preparatory", days=5, city=WUHAN)
    (e1,) = await enrol(api, first["id"], [person])
    for day in range(4):  # 4 of 5 days = 80 %: completes
        await attend(api, first, day, {e1["id"]: True})
    since = await mark(runtime)
    await finish(api, first["id"])
    (q,) = await events_since(runtime, since, "ipp.training.commissioner.qualified.v1")
    assert (q["payload"]["enterprise_city"], q["payload"]["city"], q["key"]) == (YICHANG, WUHAN, e1["person_key"])

    # the same person completes a second preparatory class: still one commissioner
    second = await open_class(api, track="preparatory", days=1, city=YICHANG)
    (e2,) = await enrol(api, second["id"], [person])
    assert e2["person_key"] == e1["person_key"]
    await attend(api, second, 0, {e2["id"]: True})
    since = await mark(runtime)
    await finish(api, second["id"])
    assert await events_since(runtime, since, "ipp.training.commissioner.qualified.v1") == []

    # correcting the first class below 80 % moves the count to the second class
    since = await mark(runtime)
    await attend(api, first, 3, {e1["id"]: False})
    evs = await events_since(runtime, since)
    assert [e["event_type"] for e in evs] == ["ipp.training.attendance.recorded.v1",
                                              "ipp.training.commissioner.withdrawn.v1",
                                              "ipp.training.commissioner.qualified.v1"]
    assert evs[1]["payload"]["class_id"] == first["id"] and evs[2]["payload"]["class_id"] == second["id"]
    async with runtime.sessions() as session:
        row = await session.get(Commissioner, (e1["person_key"], "preparatory"))
    assert row.class_id == second["id"]


async def test_assessed_certificate_needs_pass_and_is_issued_once_per_person(api, runtime):
    uscc = await enterprise(runtime)
    person = trainee(uscc)
    cls = await open_class(api, track="assessed", days=1)
    (e,) = await enrol(api, cls["id"], [person])
    await attend(api, cls, 0, {e["id"]: True})
    await finish(api, cls["id"])
    r = await api.post(f"/api/v1/enrolments/{e['id']}/certificate", headers=auth(ADMIN))
    assert_problem(r, 409, slug="certificate.exam-not-passed")
    r = await api.put(f"/api/v1/enrolments/{e['id']}/exam", json={"score": "59.9", "exam_date": cls["end_date"]},
                      headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["exam_passed"] is False
    r = await api.put(f"/api/v1/enrolments/{e['id']}/exam", json={"score": "60", "exam_date": cls["end_date"]},
                      headers=auth(ADMIN))
    assert r.json()["exam_passed"] is True
    since = await mark(runtime)
    r = await api.post(f"/api/v1/enrolments/{e['id']}/certificate", headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert number.startswith("HBIPT-A-") and number.endswith("-00001")
    (issued,) = await events_since(runtime, since, "ipp.training.certificate.issued.v1")
    assert issued["key"] == number and issued["payload"]["enterprise_city"] == WUHAN

    # a second assessed class for the same person: the certificate is refused with 409
    other = await open_class(api, track="assessed", days=1)
    (e2,) = await enrol(api, other["id"], [person])
    await attend(api, other, 0, {e2["id"]: True})
    await finish(api, other["id"])
    await api.put(f"/api/v1/enrolments/{e2['id']}/exam", json={"score": "90", "exam_date": other["end_date"]},
                  headers=auth(ADMIN))
    since = await mark(runtime)
    r = await api.post(f"/api/v1/enrolments/{e2['id']}/certificate", headers=auth(ADMIN))
    body = assert_problem(r, 409, slug="certificate.exists")
    assert number in body["detail"]
    assert await events_since(runtime, since) == []
    # attendance and exam of the certified enrolment are locked
    r = await api.put(f"/api/v1/classes/{cls['id']}/attendance/{cls['session_dates'][0]}",
                      json={"records": [{"enrolment_id": e["id"], "present": False}]}, headers=auth(ADMIN))
    assert_problem(r, 409, slug="attendance.certified")
