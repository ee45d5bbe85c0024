"""Every service's OpenAPI document: it renders, every operation needs a token except health and
metrics, and the examples integrators copy from it are valid — against their own schema, and for
the identifiers in them (USCC check character, patent check digit, Hubei division codes)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from ipp.registry import SERVICES
from libs.common.divisions import validate_city
from libs.common.identifiers import IdentifierError, validate_patent_number, validate_uscc

USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")
PATENT_SHAPE = re.compile(r"^(?:CN|ZL)?(?:\d{12}|\d{8})\.[\dX]$")
CITY_FIELDS = {"city", "host_city"}


def openapi(service: str) -> dict:
    spec = SERVICES[service]
    settings = spec.load_settings().model_copy(update={"kafka_enabled": False})
    return spec.create_app(settings).openapi()


@pytest.fixture(scope="module", params=list(SERVICES))
def doc(request) -> tuple[str, dict]:
    return request.param, openapi(request.param)


def schema_examples(doc: dict) -> Iterator[tuple[str, dict, Any]]:
    """(component name, component schema, example) for every model-level example."""
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        for example in schema.get("examples", []) or []:
            yield name, schema, example


def strings(value: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)
    elif isinstance(value, str):
        yield key, value


def test_every_api_operation_needs_a_token(doc):
    service, spec = doc
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if path in ("/healthz", "/readyz", "/dashboard"):
                continue  # probes, and the dashboard page, which holds no data (docs/dashboard.md)
            responses = op.get("responses", {})
            params = {p["name"] for p in op.get("parameters", [])}
            # our CurrentPrincipal dependency declares the bearer scheme (or the SSE access_token)
            assert op.get("security") or "access_token" in params or "401" in responses, (service, method, path)


def test_model_examples_validate_against_their_schema(doc):
    service, spec = doc
    checked = 0
    for name, schema, example in schema_examples(spec):
        validator = jsonschema.Draft202012Validator({**spec, **schema, "$schema": "https://json-schema.org/draft/2020-12/schema"})
        errors = [e.message for e in validator.iter_errors(example)]
        assert errors == [], (service, name, errors)
        checked += 1
    assert checked or service == "reporting", f"{service}: no model examples in its OpenAPI"


def test_identifiers_in_examples_are_valid(doc):
    service, spec = doc
    for name, _, example in schema_examples(spec):
        for key, value in strings(example):
            try:
                if key and "uscc" in key and USCC_SHAPE.match(value):
                    validate_uscc(value)
                elif PATENT_SHAPE.match(value):
                    validate_patent_number(value)
                elif key in CITY_FIELDS and re.fullmatch(r"\d{6}", value):
                    validate_city(value)
            except (IdentifierError, ValueError) as exc:
                pytest.fail(f"{service} {name}: example {key}={value!r} is invalid: {exc}")
