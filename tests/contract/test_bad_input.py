"""Bad input on every write endpoint of every service answers a 4xx problem document, never a 500.

For each POST / PUT / PATCH operation in a service's own OpenAPI document, with a province-admin
token, against the service on a freshly migrated SQLite database: an empty object, a body of the
wrong JSON type, wrong types for every declared field, and text that is not JSON at all."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ipp.registry import SERVICES
from libs.common.testing import app_client, auth, fresh_database, migrate, random_uscc

ROOT = Path(__file__).resolve().parents[2]
WRITE = ("post", "put", "patch")


def path_value(name: str) -> str:
    if "uscc" in name:
        return random_uscc("420100")
    if name == "year":
        return "2025"
    if name == "day":
        return "2025-05-01"
    return "1"


def bodies(schema: dict | None) -> list:
    """Bad bodies for a request schema: {}, wrong top-level type, every field of the wrong type."""
    out: list = [{}, [1, 2], "text", 17]
    props = (schema or {}).get("properties", {})
    if props:
        out.append({name: {"wrong": ["type"]} for name in props})
        out.append({name: "" for name in props})
        out.append({name: -1 for name in props})
        out.append({name: 10**30 for name in props})
    return out


@pytest.mark.parametrize("service", list(SERVICES))
async def test_bad_bodies_get_4xx_problem_documents(service, tmp_path):
    spec = SERVICES[service]
    async with fresh_database("sqlite", tmp_path, service) as url:
        await migrate(spec.migrations, url)
        settings = spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url})
        app = spec.create_app(settings)
        headers = auth("province-admin")
        async with app_client(app) as api:
            doc = app.openapi()
            schemas = doc.get("components", {}).get("schemas", {})
            tried = judged = 0
            for path, ops in doc["paths"].items():
                for method, op in ops.items():
                    if method not in WRITE:
                        continue
                    url_path = re.sub(r"\{(\w+)\}", lambda m: path_value(m.group(1)), path)
                    ref = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                           .get("schema", {}).get("$ref", ""))
                    schema = schemas.get(ref.rsplit("/", 1)[-1]) if ref else None
                    cases = [("json", b) for b in bodies(schema)] + [("raw", b"{not json")]
                    if "{" in path:  # ids no database can hold, with an empty body
                        huge = re.sub(r"\{(\w+)\}", "9" * 30, path)
                        resp = await api.request(method.upper(), huge, json={}, headers=headers)
                        assert resp.status_code < 500, (service, method, huge, resp.text[:300])
                    for kind, body in cases:
                        if kind == "json":
                            resp = await api.request(method.upper(), url_path, json=body, headers=headers)
                        else:
                            resp = await api.request(method.upper(), url_path, content=body,
                                                     headers={**headers, "content-type": "application/json"})
                        tried += 1
                        judged += resp.status_code == 422
                        assert resp.status_code < 500, (service, method, path, body, resp.text[:500])
                        if resp.status_code >= 400:
                            assert resp.headers["content-type"].startswith("application/problem+json"), \
                                (service, method, path, resp.text[:200])
    # the bodies were judged by the service's own validation (422), not all stopped before it
    assert judged > 5, (service, tried, judged)



@pytest.mark.parametrize("service", list(SERVICES))
async def test_bad_query_and_path_values_get_4xx_not_500(service, tmp_path):
    """Every GET with garbage in each query parameter and each path parameter: never a 500."""
    spec = SERVICES[service]
    async with fresh_database("sqlite", tmp_path, service) as url:
        await migrate(spec.migrations, url)
        settings = spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url})
        app = spec.create_app(settings)
        headers = auth("province-admin")
        async with app_client(app) as api:
            for path, ops in app.openapi()["paths"].items():
                op = ops.get("get")
                if op is None or path.endswith("/stream"):
                    continue
                params = [p for p in op.get("parameters", []) if p["in"] == "query"]
                for garbage in ("x", "-1", "9" * 30, "2025-13-45", "%00"):
                    url_path = re.sub(r"\{(\w+)\}", garbage if garbage != "%00" else "0", path)
                    query = {p["name"]: garbage for p in params}
                    resp = await api.get(url_path, params=query, headers=headers)
                    assert resp.status_code < 500, (service, path, query, resp.text[:300])
