"""The trace context of the request that made a change is stored with its event (outbox row)."""
from libs.common.testing import random_uscc
from services.enterprise.tests.helpers import enterprise_body, headers, outbox_rows

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_incoming_traceparent_is_stored_in_the_outbox_row(api, runtime):
    uscc = random_uscc("420100")
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc),
                       headers={**headers("province-admin"), "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"})
    assert r.status_code == 201, r.text
    rows = await outbox_rows(runtime, uscc)
    assert len(rows) == 1
    version, trace_id, span_id, flags = rows[0]["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert span_id != "00f067aa0ba902b7"  # the service's own span, a child of the caller's


async def test_without_a_caller_trace_the_service_starts_one(api, runtime):
    uscc = random_uscc("420100")
    assert (await api.post("/api/v1/enterprises", json=enterprise_body(uscc),
                           headers=headers("province-admin"))).status_code == 201
    traceparent = (await outbox_rows(runtime, uscc))[0]["traceparent"]
    assert traceparent and len(traceparent.split("-")[1]) == 32 and traceparent.split("-")[1] != "0" * 32
