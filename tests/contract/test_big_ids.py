"""Ids beyond 32 bits: a 4xx, never a 500, on every backend; and such ids can be stored.

The API accepts record ids 1 … 2**63 - 1 (``libs.common.fields.RecordId``). For every service, on
each backend of ``backends()`` (SQLite, and PostgreSQL when IPP_TEST_POSTGRES_URL is set), against a
freshly migrated, empty database: every operation of the service's OpenAPI document with an
integer id in its path (or an id query parameter) is called with 3000000000 and 2**63 - 1, with a
body that passes request validation, so the id reaches the database. Nothing exists, so an id in the
path is a problem document "not found" (an id in the query: an empty listing or a 4xx decided by the
service); only an operation that documents a smaller id range refuses the id in request parsing (422).
Then: rows with ids above 2**31 (and Kafka offsets above 2**31 in the inbox) are written and read
back on PostgreSQL.
"""
from __future__ import annotations

import os
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from ipp.registry import SERVICES
from libs.common.events import CloudEvent
from libs.common.inbox import IdempotentProcessor, Incoming, inbox_table
from libs.common.testing import (
    POSTGRES_ENV,
    PROBLEM,
    app_client,
    auth,
    backends,
    china_today,
    fresh_database,
    migrate,
    random_uscc,
)

BIG_IDS = (3_000_000_000, 2**63 - 1)
MAX_ID = 2**63 - 1
#: Integer path parameters that are not record ids.
NOT_IDS = {"year"}
WUHAN = "420100"
PAST_DAY = "2025-05-04"
PAST_TIME = "2025-05-04T10:00:00+08:00"
#: How a 422 of request parsing (not of the service's own checks) begins (libs.common.errors).
PARSE_ERROR = "以下字段不合法"


# ------------------------------------------------------------------------------------ valid bodies

def _resolve(schema: dict, schemas: dict) -> dict:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sample(schema: dict, schemas: dict, name: str = "") -> Any:
    """A value that passes ``schema`` (its first example, else built from the declared constraints);
    integers named like ids are a big id, so they too reach the database."""
    schema = _resolve(schema, schemas)
    if "examples" in schema and schema.get("type") == "object":
        return _big_ids_in(schema["examples"][0])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, schemas).get("type") != "null"]
            return sample(options[0], schemas, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample(props[k], schemas, k) for k in schema.get("required", [])}
    if kind == "array":
        return [sample(schema.get("items", {}), schemas, name) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "integer":
        if name.endswith("_id"):
            return BIG_IDS[0]
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return PAST_DAY
        if fmt == "date-time":
            return PAST_TIME
        if "uscc" in name:
            return random_uscc(WUHAN)
        if name == "id_number":
            return person_id()
        value = "大额编号测试说明"
        return value[: schema.get("maxLength", len(value))].ljust(schema.get("minLength", 0), "测")
    raise AssertionError(f"no sample for {name}: {schema}")


def _big_ids_in(value: Any) -> Any:
    """An example with its ids made big and its identifiers made valid and fresh."""
    if isinstance(value, dict):
        fresh = {"uscc": lambda: random_uscc(WUHAN), "id_number": person_id}
        return {k: (BIG_IDS[0] if k.endswith("_id") and isinstance(v, int) else
                    fresh[k]() if k in fresh and isinstance(v, str) else _big_ids_in(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_big_ids_in(v) for v in value]
    return value


def person_id() -> str:
    """A valid 18-character resident id number (GB 11643 check character)."""
    body = f"42010619900307{random.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return body + "10X98765432"[total % 11]


def path_value(param: dict, big: int) -> str:
    name = param["name"]
    if param["schema"].get("type") == "integer":
        return str(big) if name not in NOT_IDS else "2025"
    if "uscc" in name:
        return random_uscc(WUHAN)
    if name == "day":
        return PAST_DAY
    raise AssertionError(f"no value for path parameter {name}")


def id_operations(doc: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation with an integer id in its path or query."""
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            if any(_is_id(p) for p in params):
                out.append((method, path, op))
    return out


def _is_id(param: dict) -> bool:
    schema = param.get("schema", {})
    types = [schema] + schema.get("anyOf", [])
    if not any(t.get("type") == "integer" for t in types):
        return False
    if param["in"] == "path":
        return param["name"] not in NOT_IDS
    return param["in"] == "query" and any(t.get("maximum") == MAX_ID for t in types)


def _request(method: str, path: str, op: dict, schemas: dict, big: int) -> tuple[str, dict, Any]:
    params = op.get("parameters", [])
    values = {p["name"]: path_value(p, big) for p in params if p["in"] == "path"}
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    query = {p["name"]: str(big if _is_id(p) else 1) for p in params if p["in"] == "query"
             and (p.get("required") or _is_id(p))}
    body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    body = sample(body_schema, schemas) if body_schema else None
    return url, query, body


# ------------------------------------------------------------------------------------ the API checks

@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("service", list(SERVICES))
async def test_big_ids_are_4xx_never_5xx(service, backend, tmp_path):
    spec = SERVICES[service]
    async with fresh_database(backend, tmp_path, f"bigid_{service}") as url:
        await migrate(spec.migrations, url)
        settings = spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url})
        app = spec.create_app(settings)
        async with app_client(app) as api:
            doc = app.openapi()
            schemas = doc.get("components", {}).get("schemas", {})
            operations = id_operations(doc)
            if service != "reporting":  # reporting has no integer record ids of its own
                assert operations, service
            for method, path, op in operations:
                for big in BIG_IDS:
                    url_path, query, body = _request(method, path, op, schemas, big)
                    kwargs = {"params": query} | ({"json": body} if body is not None else {})
                    # province admin first; the role a write needs (e.g. a city officer) if refused
                    for headers in (auth("province-admin"), auth("city-officer", WUHAN)):
                        resp = await api.request(method.upper(), url_path, headers=headers, **kwargs)
                        if resp.status_code != 403:
                            break
                    where = (service, backend, method.upper(), url_path, query, body)
                    assert resp.status_code < 500, (where, resp.text[:500])
                    if resp.status_code == 200:  # a listing filtered by an id nobody has
                        assert method == "get" and not _is_id_in_path(op), (where, resp.text[:300])
                        continue
                    assert resp.status_code in (404, 409, 422), (where, resp.status_code, resp.text[:500])
                    assert resp.headers["content-type"] == PROBLEM, where
                    problem = resp.json()
                    passed_parsing = not problem.get("detail", "").startswith(PARSE_ERROR)
                    if _declared_max(op) < big:  # the operation documents a smaller id range: refused as such
                        assert resp.status_code == 422 and not passed_parsing, (where, problem)
                    elif _is_id_in_path(op):  # the id was looked up in the empty database
                        assert resp.status_code == 404 and problem["type"] == "urn:ipp:problem:not-found", \
                            (where, problem)
                    else:  # an id in the query: the service answered, not request parsing
                        assert passed_parsing, (where, problem)


def _declared_max(op: dict) -> int:
    """The smallest ``maximum`` the operation declares for its id parameters."""
    return min((t.get("maximum", MAX_ID) for p in op.get("parameters", []) if _is_id(p)
                for t in [p["schema"]] + p["schema"].get("anyOf", []) if t.get("type") == "integer"), default=MAX_ID)


def _is_id_in_path(op: dict) -> bool:
    return any(p["in"] == "path" and _is_id(p) for p in op.get("parameters", []))


@pytest.mark.parametrize("backend", backends())
async def test_links_to_big_ids_in_a_body_are_422_not_500(backend, tmp_path):
    """A transfer record naming an open licence / library entry / matching event by a big id: the
    service looks it up and answers that it does not exist."""
    spec = SERVICES["transfer"]
    async with fresh_database(backend, tmp_path, "bigid_links") as url:
        await migrate(spec.migrations, url)
        app = spec.create_app(spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url}))
        async with app_client(app) as api:
            for big in BIG_IDS:
                body = {"ref": f"T-{uuid.uuid4().hex[:12]}", "kind": "open_licence", "patents": ["202310123456.6"],
                        "from": {"kind": "university", "name": "华中科技大学", "city": WUHAN},
                        "to": {"kind": "other_enterprise", "name": "深圳某某科技有限公司", "region": "other_province"},
                        "contract_date": "2025-03-18", "term_end": "2030-03-17", "amount": "1000.00",
                        "open_licence_id": big, "library_entry_id": big, "matching_event_id": big}
                resp = await api.post("/api/v1/transfers", json=body, headers=auth("province-admin"))
                assert resp.status_code == 422, (backend, big, resp.text[:500])
                rules = {e["rule"] for e in resp.json()["errors"]}
                assert {"open_licence.unknown", "library_entry.unknown", "matching_event.unknown"} <= rules, rules


# ------------------------------------------------------------------------------------ storing big ids

postgres_only = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set")


#: Every integer column that is a table's own single-column key, draws from a sequence, or refers to
#: another row (PostgreSQL catalogue), with its type.
ID_COLUMNS = """
    SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.data_type IN ('smallint', 'integer', 'bigint') AND (
        c.column_default LIKE 'nextval(%%' OR c.is_identity = 'YES'
        OR EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                   JOIN information_schema.table_constraints t USING (constraint_schema, constraint_name)
                   WHERE k.table_name = c.table_name AND k.column_name = c.column_name AND (
                       t.constraint_type = 'FOREIGN KEY'
                       OR (t.constraint_type = 'PRIMARY KEY' AND (
                           SELECT count(*) FROM information_schema.key_column_usage k2
                           WHERE k2.constraint_schema = k.constraint_schema
                             AND k2.constraint_name = k.constraint_name) = 1))))
    ORDER BY 1, 2"""


@postgres_only
@pytest.mark.parametrize("service", list(SERVICES))
async def test_id_columns_and_sequences_are_bigint_on_postgres(service, tmp_path):
    """After the migrations, no integer key, reference or sequence of the service is 32-bit (a table
    added later with an INTEGER id fails here), and Kafka offsets are 64-bit."""
    import asyncpg
    from sqlalchemy.engine import make_url

    async with fresh_database("postgres", tmp_path, f"bigid_cols_{service}") as url:
        await migrate(SERVICES[service].migrations, url)
        conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            columns = await conn.fetch(ID_COLUMNS.replace("%%", "%"))
            sequences = await conn.fetch("SELECT sequencename, data_type::text AS data_type FROM pg_sequences")
            offset = await conn.fetchval("SELECT data_type FROM information_schema.columns"
                                         " WHERE table_name = 'inbox' AND column_name = 'offset'")
        finally:
            await conn.close()
    assert ("outbox", "id", "bigint") in [tuple(r) for r in columns]
    narrow = [tuple(r) for r in columns if r["data_type"] != "bigint"]
    assert narrow == [], narrow
    assert [tuple(r) for r in sequences if r["data_type"] != "bigint"] == []
    assert offset == "bigint"


@postgres_only
async def test_rows_with_ids_above_2_31_are_written_and_read_on_postgres(tmp_path):
    """Training: the class and enrolment sequences past 2**31; a class, an enrolment referring to it
    and an attendance mark referring to that are written and read back through the API."""
    from libs.readmodels.testing import seed_known_enterprise
    from services.training.models import known_enterprises

    spec = SERVICES["training"]
    first = 2**31 + 5
    async with fresh_database("postgres", tmp_path, "bigid_rows") as url:
        await migrate(spec.migrations, url)
        app = spec.create_app(spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url}))
        async with app_client(app) as api:
            rt = app.state.runtime
            async with rt.sessions.write() as session:
                for table in ("training_classes", "enrolments", "certificates"):
                    await session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :v, false)"),
                                          {"v": first})
            uscc = random_uscc(WUHAN)
            await seed_known_enterprise(rt.sessions, known_enterprises, uscc, WUHAN, "private")
            headers = auth("province-admin")
            start = china_today() - timedelta(days=10)
            r = await api.post("/api/v1/classes", headers=headers, json={
                "track": "private", "title": "民营企业知识产权实务培训班", "city": WUHAN,
                "organiser": "湖北省知识产权培训基地", "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=1)).isoformat(), "capacity": 50})
            assert r.status_code == 201, r.text
            cls = r.json()
            assert cls["id"] == first
            r = await api.post(f"/api/v1/classes/{first}/open", headers=headers)
            assert r.status_code == 200, r.text
            r = await api.post(f"/api/v1/classes/{first}/enrolments", headers=headers,
                               json={"name": "张晓明", "id_number": person_id(), "uscc": uscc})
            assert r.status_code == 201, r.text
            enrolment = r.json()
            assert enrolment["id"] == first and enrolment["class_id"] == first
            day = cls["session_dates"][0]
            r = await api.put(f"/api/v1/classes/{first}/attendance/{day}", headers=headers,
                              json={"records": [{"enrolment_id": first, "present": True}]})
            assert r.status_code == 200, r.text
            assert (await api.get(f"/api/v1/classes/{first}", headers=headers)).json()["enrolled"] == 1
            r = await api.get(f"/api/v1/enrolments/{first}", headers=headers)
            assert r.status_code == 200 and r.json()["class_id"] == first, r.text
            r = await api.get(f"/api/v1/classes/{first}/attendance", headers=headers)
            assert r.status_code == 200 and [a["enrolment_id"] for a in r.json()] == [first], r.text
            # and the largest id the API accepts fits the columns too
            async with rt.sessions.write() as session:
                await session.execute(text(
                    "INSERT INTO training_classes (id, code, track, title, city, organiser, start_date, end_date,"
                    " session_dates, capacity, status, enrolled, created_by, version, created_at, updated_at)"
                    " SELECT :id, 'MAX-ID', track, title, city, organiser, start_date, end_date, session_dates,"
                    " capacity, status, 0, created_by, 1, created_at, updated_at"
                    " FROM training_classes WHERE id = :src"), {"id": MAX_ID, "src": first})
            r = await api.get(f"/api/v1/classes/{MAX_ID}", headers=headers)
            assert r.status_code == 200 and r.json()["id"] == MAX_ID, r.text


@postgres_only
async def test_kafka_offsets_above_2_31_are_recorded_in_the_inbox_on_postgres(tmp_path):
    spec = SERVICES["reporting"]
    async with fresh_database("postgres", tmp_path, "bigid_inbox") as url:
        await migrate(spec.migrations, url)
        app = spec.create_app(spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url}))
        async with app_client(app):
            rt = app.state.runtime
            failures: list[BaseException] = []

            async def handler(session, records):
                return None

            async def dead_letter(rec, exc):
                failures.append(exc)

            processor = IdempotentProcessor("reporting", "big-offsets", rt.sessions, handler, dead_letter)
            offset = 2**40 + 7
            event = CloudEvent(id=str(uuid.uuid4()), source="/services/test", type="ipp.test.big-offset.v1",
                               subject="x", data={}, time=datetime.now(UTC))
            await processor.process([Incoming("ipp.test", 3, offset, b"x", None, [], event=event)])
            assert failures == []
            async with rt.sessions() as session:
                stored = await session.scalar(select(inbox_table.c.offset).where(
                    inbox_table.c.consumer == "big-offsets"))
            assert stored == offset
