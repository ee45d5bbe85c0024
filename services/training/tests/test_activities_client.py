"""The typed client's activity calls, in process: record, bulk import, list, correct, cancel, and a
refusal as ApiError carrying the problem document."""
from __future__ import annotations

import httpx
import pytest

from libs.common.testing import token
from services.training.client import ApiError, AsyncTrainingClient
from services.training.schemas import ActivityCorrect, ActivityCreate
from services.training.tests.helpers import WUHAN, YICHANG, enterprise


async def test_async_client_records_imports_lists_corrects_and_cancels(api, app, runtime):
    wh, yc = await enterprise(runtime, WUHAN), await enterprise(runtime, YICHANG)
    async with AsyncTrainingClient("http://test", token("city-officer", city=WUHAN),
                                   transport=httpx.ASGITransport(app=app)) as officer:
        a = await officer.record_activity(ActivityCreate(
            kind="fee_briefing", title="民营企业专利费减政策宣讲会", held_on="2025-04-10", organiser="武汉市知识产权局",
            city=WUHAN, enterprises=[wh, yc], staff_person_times=3))
        assert (a.kind_name, a.private_count) == ("专利费减政策宣讲", 2)
        out = await officer.import_activities([
            ActivityCreate(kind="onsite_service", sub_kind="priority_examination", title="上门优先审查服务",
                           held_on="2025-05-10", organiser="武汉市知识产权局", city=WUHAN, enterprises=[wh],
                           staff_person_times=1),
            {"kind": "onsite_service", "title": "缺服务内容", "held_on": "2025-05-11", "organiser": "武汉市知识产权局",
             "city": WUHAN, "enterprises": [wh], "staff_person_times": 1}])
        assert (out.written, out.rejected, out.errors[0].rule) == (1, 1, "activity.sub_kind.required")
        listed = await officer.list_activities(year=2025, kind="onsite_service")
        assert [x.sub_kind for x in listed.items] == ["priority_examination"]
        fixed = await officer.correct_activity(a.id, ActivityCorrect(staff_person_times=4, reason="人次录入错误"))
        assert (fixed.staff_person_times, fixed.version) == (4, 2)
        assert (await officer.cancel_activity(a.id, "重复登记")).status == "cancelled"
        with pytest.raises(ApiError) as err:
            await officer.cancel_activity(a.id, "重复登记")
        assert err.value.status == 409 and err.value.problem["type"].endswith("activity.cancelled")
