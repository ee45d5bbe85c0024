"""Classes and certificates as workbooks: the same rows, filters and scoping as the JSON lists."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, list_and_export, read_sheet
from libs.common.testing import auth
from services.training.exports import CERTIFICATES, CLASSES, ENROLMENTS
from services.training.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    YICHANG,
    attend,
    enrol,
    enterprise,
    finish,
    open_class,
    trainee,
)


async def test_class_and_certificate_exports_equal_the_json_lists(api, runtime):
    for city in (WUHAN, YICHANG):
        cls = await open_class(api, city=city, days=1)
        people = await enrol(api, cls["id"], [trainee(await enterprise(runtime, city), name=f"学员{n}")
                                              for n in range(2)])
        await attend(api, cls, 0, {p["id"]: True for p in people})
        await finish(api, cls["id"])
        r = await api.post(f"/api/v1/classes/{cls['id']}/certificates", json={}, headers=auth(ADMIN))
        assert r.status_code in (200, 201), r.text
    await open_class(api, city=WUHAN, track="assessed")
    for params, who in (({}, auth(ADMIN)), ({"city": YICHANG}, auth(ADMIN)), ({"status": "open"}, auth(ADMIN)),
                        ({}, auth(OFFICER, city=WUHAN))):
        items, exported = await list_and_export(api, "/api/v1/classes", params, who)
        assert items
        assert_export_matches(exported, CLASSES, items)
    for params, who in (({}, auth(ADMIN)), ({"city": WUHAN}, auth(ADMIN)), ({}, auth(OFFICER, city=YICHANG))):
        items, exported = await list_and_export(api, "/api/v1/certificates", params, who)
        assert items
        assert_export_matches(exported, CERTIFICATES, items)
    for who in (auth(ADMIN), auth(OFFICER, city=YICHANG)):
        classes = (await api.get("/api/v1/classes", params={"city": YICHANG}, headers=who)).json()["items"]
        path = f"/api/v1/classes/{classes[0]['id']}/enrolments"
        listed = (await api.get(path, headers=who)).json()
        assert len(listed) == 2
        assert_export_matches(await api.get(path, params={"format": "xlsx"}, headers=who), ENROLMENTS, listed)
    _, exported = await list_and_export(api, "/api/v1/certificates", {}, auth(OFFICER, city=YICHANG))
    _, codes, data = read_sheet(exported.content)
    assert len(data) == 2 and {row[codes.index("city")] for row in data} == {YICHANG}
