"""The audit log refuses updates and deletes at the database level (both backends)."""
import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from libs.common.audit import audit_table
from services.enterprise.tests.helpers import audit_rows, create


async def test_audit_rows_cannot_be_changed_or_deleted(api, runtime):
    created = await create(api)
    assert len(await audit_rows(runtime, created["uscc"])) == 1
    for statement in (update(audit_table).values(actor="someone-else"), delete(audit_table)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.sessions() as session, session.begin():
                await session.execute(statement)
    rows = await audit_rows(runtime, created["uscc"])
    assert len(rows) == 1 and rows[0]["actor"] != "someone-else"
