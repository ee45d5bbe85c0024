"""Event contracts across services: types, subjects, envelope, payloads, and the generated catalogue.

The catalogue in ``docs/events/`` is generated from the event classes (``python -m ipp.eventdocs``);
these tests fail when it drifts from the code, and check that real payloads validate against it and
fold in the reporting service.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ipp import eventdocs
from libs.common.events import CloudEvent, EventData, dumps
from services.enterprise import events as ent
from services.reporting import events as rep
from services.reporting.indicators import Delta, fold

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "events"
TYPE_RE = re.compile(r"^ipp\.[a-z]+\.[a-z-]+\.[a-z-]+\.v[0-9]+$")
CATALOGUE = {e.cls: e for e in eventdocs.catalogue()}
ALL_CLASSES: list[type[EventData]] = list(CATALOGUE)
TIER_CLASSES: list[type[EventData]] = [ent.TierDesignated, ent.TierPromoted, ent.TierDemoted, ent.TierRevoked]
USCC = "91420100MA4K2B3C4X"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

#: One realistic instance per event (a new event needs one here: see test_every_event_has_an_example).
EXAMPLES: dict[type[EventData], EventData] = {
    ent.EnterpriseRegistered: ent.EnterpriseRegistered(
        uscc=USCC, name="武汉光谷示例科技有限公司", city="420100", county="420111", industry="C39", size_class="small",
        ownership="private", is_private=True, qualifications=["high_tech", "srdi_provincial"],
        registered_on=date(2025, 3, 1)),
    ent.EnterpriseUpdated: ent.EnterpriseUpdated(
        uscc=USCC, name="武汉光谷示例科技有限公司", city="420500", previous_city="420100", ownership="private",
        is_private=True, tier="seed", changed_fields=["city", "county"], updated_on=date(2025, 9, 1)),
    ent.FiguresReported: ent.FiguresReported(
        uscc=USCC, city="420100", year=2024, revenue="12500000.00", rd_spend="980000.50", staff=120, rd_staff=35,
        invention_patents=6, industrialisation_rate="62.5"),
    ent.TierRecommended: ent.TierRecommended(
        uscc=USCC, city="420100", recommendation_id=17, tier="advantage", current_tier="seed",
        reason="发明专利 ≥ 5 件且研发投入占比达标"),
    ent.TierRecommendationRejected: ent.TierRecommendationRejected(
        uscc=USCC, city="420100", recommendation_id=17, tier="advantage", reason="材料不全"),
    ent.TierDesignated: ent.TierDesignated(
        uscc=USCC, city="420100", is_private=True, from_tier=None, to_tier="seed", effective_date=date(2024, 6, 30),
        year=2024, reason="认定为种子企业", recommendation_id=11),
    ent.TierPromoted: ent.TierPromoted(
        uscc=USCC, city="420100", is_private=True, from_tier="seed", to_tier="advantage",
        effective_date=date(2025, 6, 30), year=2025, reason="晋级", recommendation_id=17),
    ent.TierDemoted: ent.TierDemoted(
        uscc=USCC, city="420500", is_private=False, from_tier="advantage", to_tier="growth",
        effective_date=date(2026, 1, 15), year=2026, reason="复核降级"),
    ent.TierRevoked: ent.TierRevoked(
        uscc=USCC, city="420500", is_private=False, from_tier="growth", to_tier=None,
        effective_date=date(2026, 12, 31), year=2026, reason="撤销"),
    ent.TierListPublished: ent.TierListPublished(
        version_id="3", number=3, title="湖北省企业知识产权“百千万”梯队企业名单（第3版，2026年06月30日）",
        published_on=date(2026, 6, 30), year=2026, entry_count=5,
        counts=ent.TierCounts(advantage=1, seed=1, growth=3),
        by_city=[ent.CityTierCounts(city="420100", advantage=1, seed=1, growth=1),
                 ent.CityTierCounts(city="420500", advantage=0, seed=0, growth=2)],
        added=2, removed=1, tier_changed=1),
    ent.PoolApplied: ent.PoolApplied(
        uscc=USCC, membership_id=42, city="420100", is_private=True, applied_on=date(2025, 3, 10), year=2025,
        evaluation_year=2024, passed=["hubei_sme", "qualification", "patent_intensive_industry", "core_patents_filed",
                                      "industrialisation_rate", "rd_staff", "own_brand", "ip_management"],
        failed=["rd_spend"], unknown=["clean_record"]),
    ent.PoolApplicationRejected: ent.PoolApplicationRejected(
        uscc=USCC, membership_id=42, city="420100", is_private=True, rejected_on=date(2025, 6, 20), year=2025,
        reason="研发投入未达标准"),
    ent.PoolAdmitted: ent.PoolAdmitted(
        uscc=USCC, membership_id=42, city="420100", is_private=True, admitted_on=date(2025, 6, 30), year=2025,
        members_after=137, failed=["rd_spend"], reason="专家评审通过"),
    ent.PoolGraduated: ent.PoolGraduated(
        uscc=USCC, membership_id=42, city="420100", is_private=True, admitted_on=date(2025, 6, 30),
        graduated_on=date(2026, 12, 20), year=2026, industrialisation_rate_before="58.00",
        industrialisation_rate_after="71.50", new_patent_intensive_products=1, sales_growth_pct="35.00",
        profit_growth_pct="22.50", reason="专利产业化率明显提升，新增专利密集型产品1件"),
    ent.PoolRemoved: ent.PoolRemoved(
        uscc=USCC, membership_id=43, city="420500", is_private=False, admitted_on=date(2024, 10, 15),
        removed_on=date(2026, 11, 4), year=2026, removal_reason="no_progress", reason="入库满2年未取得实质性进展"),
    ent.PoolProgressRecorded: ent.PoolProgressRecorded(
        uscc=USCC, membership_id=42, city="420100", is_private=True, recorded_on=date(2026, 3, 1), year=2026,
        industrialisation_rate="64.00", description="专利产品新产线投产"),
    ent.CreditRecorded: ent.CreditRecorded(
        entry_id=7, uscc=USCC, city="420100", is_private=True, kind="abnormal_patent_application",
        authority="湖北省知识产权局", document_no="鄂知管〔2025〕12号", decided_on=date(2025, 3, 10),
        effective_from=date(2025, 3, 10), effective_until=date(2026, 3, 9), lifted_on=None, year=2025),
    ent.CreditLifted: ent.CreditLifted(
        entry_id=7, uscc=USCC, city="420100", is_private=True, kind="abnormal_patent_application",
        authority="湖北省知识产权局", document_no="鄂知管〔2025〕12号", decided_on=date(2025, 3, 10),
        effective_from=date(2025, 3, 10), effective_until=date(2026, 3, 9), lifted_on=date(2025, 9, 1), year=2025,
        reason="信用修复"),
    rep.KpiUpdated: rep.KpiUpdated(
        key="tier_seed:420000:2025", indicator="tier_seed", name="知识产权种子企业", unit="家", city="420000",
        year=2025, value="500", target="1000", progress="50", met=False),
}


def example(cls: type[EventData]) -> EventData:
    """The hand-written example, or (for the programme services' events) one built from the class by
    polyfactory with a fixed seed: valid by the class's own types and constraints."""
    if cls in EXAMPLES:
        return EXAMPLES[cls]
    from polyfactory.factories.pydantic_factory import ModelFactory

    factory = ModelFactory.create_factory(cls)
    factory.seed_random(hash(cls.event_type) % 10_000)
    return factory.build()


def generated_schema(cls: type[EventData]) -> dict:
    return json.loads((DOCS / f"{cls.event_type}.json").read_text(encoding="utf-8"))


def validator(cls: type[EventData]) -> jsonschema.Draft202012Validator:
    schema = generated_schema(cls)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def as_json(event: EventData) -> dict:
    """The data exactly as a consumer reads it off Kafka."""
    return json.loads(dumps(event.model_dump(mode="json")))


# --- the catalogue cannot drift from the code ----------------------------------------------------

def test_committed_docs_are_what_the_code_generates(tmp_path):
    written = eventdocs.generate(tmp_path)
    expected = {p.name: p.read_text(encoding="utf-8") for p in written}
    committed = {p.name: p.read_text(encoding="utf-8")
                 for p in [*DOCS.glob("*.json"), *DOCS.glob("*.yaml")]} if DOCS.is_dir() else {}
    hint = "docs/events/ is out of date with the event classes: run python -m ipp.eventdocs"
    assert sorted(committed) == sorted(expected), hint
    for name, content in expected.items():
        assert committed[name] == content, f"{name}: {hint}"


def test_generator_writes_one_schema_per_event_and_the_asyncapi_document(tmp_path):
    (tmp_path / "ipp.enterprise.tier.abolished.v1.json").write_text("{}")  # an event that no longer exists
    (tmp_path / "README.md").write_text("kept")
    written = eventdocs.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted([f"{c.event_type}.json" for c in ALL_CLASSES] + ["asyncapi.yaml"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{c.event_type}.json" for c in ALL_CLASSES] + ["asyncapi.yaml", "README.md"])
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    eventdocs.generate(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first  # deterministic, rerunnable


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.event_type)
def test_each_schema_names_its_event_topic_and_key(cls):
    schema = generated_schema(cls)
    topic = CATALOGUE[cls].topic
    assert schema["$id"] == cls.event_type
    assert schema["title"] == cls.__name__
    assert schema["x-topic"] == topic
    assert schema["x-key"] == cls.subject_field
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(cls.model_fields)
    assert cls.event_type in schema["description"]


# --- event types and subjects --------------------------------------------------------------------

@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_event_type_is_versioned_and_names_its_service(cls):
    assert TYPE_RE.match(cls.event_type), cls.event_type
    service = cls.event_type.split(".")[1]
    topic = CATALOGUE[cls].topic
    assert CATALOGUE[cls].source == f"/services/{service}"
    assert topic.startswith(f"ipp.{service}."), (cls.event_type, topic)


def test_event_types_are_unique():
    types = [c.event_type for c in ALL_CLASSES]
    assert len(types) == len(set(types))
    assert {ent.TierDesignated.event_type, rep.KpiUpdated.event_type} <= set(types)


@pytest.mark.parametrize("bad", ["ipp.enterprise.tier.designated", "ipp.Enterprise.tier.designated.v1",
                                 "ipp.enterprise.tier_x.designated.v1", "enterprise.tier.designated.v1",
                                 "ipp.enterprise.tier.designated.v1.x", "ipp.enterprise.tier.designated.va"])
def test_type_pattern_rejects_malformed_types(bad):
    assert not TYPE_RE.match(bad)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_subject_field_exists_is_required_and_is_the_subject(cls):
    field = cls.model_fields.get(cls.subject_field)
    assert field is not None, f"{cls.__name__}.subject_field = {cls.subject_field!r} is not a field"
    assert field.is_required() and field.annotation in (str, int)  # the aggregate id: a code or a number
    ex = example(cls)
    assert ex.subject() == str(getattr(ex, cls.subject_field)) != ""


def test_every_enterprise_and_reporting_event_has_a_hand_written_example():
    assert set(EXAMPLES) == {c for c, e in CATALOGUE.items() if e.topic in (ent.TOPIC, rep.TOPIC)}


# --- the envelope --------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_cloudevent_round_trip_through_kafka_headers(cls):
    example_ = example(cls)
    source = CATALOGUE[cls].source
    sent = CloudEvent(type=cls.event_type, source=source, subject=example_.subject(),
                      data=example_.model_dump(mode="json"), traceparent=TRACEPARENT,
                      time=datetime(2025, 6, 30, 16, 5, 9, 123456, tzinfo=timezone(timedelta(hours=8))))
    headers = sent.kafka_headers()
    assert [k for k, _ in headers] == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
                                       "content-type", "traceparent"]
    assert all(isinstance(v, bytes) for _, v in headers)
    assert dict(headers)["content-type"] == b"application/json"
    got = CloudEvent.from_kafka(headers, dumps(sent.data))
    assert (got.id, got.type, got.source, got.subject, got.time, got.data, got.traceparent) == (
        sent.id, cls.event_type, source, example_.subject(), sent.time, example_.model_dump(mode="json"), TRACEPARENT)
    assert got.time.utcoffset() == timedelta(hours=8)
    assert cls.model_validate(got.data) == example_  # the consumer gets the same fact back


def test_envelope_without_traceparent_has_no_such_header():
    ce = CloudEvent(type=ent.TierDesignated.event_type, source="/services/enterprise", subject=USCC, data={})
    assert "traceparent" not in dict(ce.kafka_headers())
    assert CloudEvent.from_kafka(ce.kafka_headers(), b"").traceparent is None


@pytest.mark.parametrize("missing", ["ce_id", "ce_type", "ce_source"])
def test_record_without_required_cloudevent_header_is_rejected(missing):
    ce = CloudEvent(type=ent.TierDesignated.event_type, source="/services/enterprise", subject=USCC, data={"a": 1})
    headers = [(k, v) for k, v in ce.kafka_headers() if k != missing]
    with pytest.raises(ValueError, match=missing):
        CloudEvent.from_kafka(headers, b'{"a": 1}')


# --- payloads carry what consumers need ----------------------------------------------------------

@pytest.mark.parametrize("cls", TIER_CLASSES, ids=lambda c: c.__name__)
def test_tier_change_carries_city_ownership_and_year(cls):
    for name, annotation in (("city", str), ("is_private", bool), ("year", int)):
        field = cls.model_fields[name]
        assert field.is_required() and field.annotation is annotation, (cls.__name__, name)
    schema = generated_schema(cls)
    assert {"city", "is_private", "year", "from_tier", "to_tier", "effective_date"} <= set(schema["required"])


def test_enterprise_updated_carries_what_a_move_needs():
    schema = generated_schema(ent.EnterpriseUpdated)
    assert {"city", "previous_city", "tier", "updated_on", "is_private"} <= set(schema["required"])


@pytest.mark.parametrize("cls", TIER_CLASSES, ids=lambda c: c.__name__)
def test_reporting_folds_each_tier_change_as_published(cls):
    example: Any = EXAMPLES[cls]  # one of the tier events
    deltas = fold(cls.event_type, as_json(example))
    expected = []
    if example.from_tier:
        expected.append(Delta(f"tier_{example.from_tier}", example.city, example.year, Decimal(-1),
                              example.effective_date.month))
    if example.to_tier:
        expected.append(Delta(f"tier_{example.to_tier}", example.city, example.year, Decimal(1),
                              example.effective_date.month))
    assert deltas == expected and deltas


def test_reporting_folds_a_published_move():
    example = EXAMPLES[ent.EnterpriseUpdated]
    assert isinstance(example, ent.EnterpriseUpdated)
    assert fold(ent.EnterpriseUpdated.event_type, as_json(example)) == [
        Delta("tier_seed", "420100", 2025, Decimal(-1), example.updated_on.month),
        Delta("tier_seed", "420500", 2025, Decimal(1), example.updated_on.month)]


def test_kpi_updated_values_are_exact_decimal_strings():
    for name in ("value", "target", "progress"):
        assert generated_schema(rep.KpiUpdated)["properties"][name] != {"type": "number"}
    assert as_json(EXAMPLES[rep.KpiUpdated])["value"] == "500"


# --- examples validate against the generated schemas ---------------------------------------------

@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_example_validates_against_its_schema(cls):
    errors = sorted(validator(cls).iter_errors(as_json(example(cls))), key=str)
    assert errors == []


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_schema_rejects_missing_required_and_unknown_fields(cls):
    v = validator(cls)
    data = as_json(example(cls))
    missing = {k: val for k, val in data.items() if k != cls.subject_field}
    assert not v.is_valid(missing)
    assert not v.is_valid({**data, "unexpected": 1})


@pytest.mark.parametrize("cls", TIER_CLASSES, ids=lambda c: c.__name__)
def test_tier_schema_rejects_bad_values(cls):
    v = validator(cls)
    data = as_json(EXAMPLES[cls])
    assert not v.is_valid({**data, "to_tier": "platinum"})
    assert not v.is_valid({**data, "year": "2025"})
    assert not v.is_valid({**data, "is_private": "yes"})
    assert not v.is_valid({**data, "effective_date": "30/06/2025"})
    assert v.is_valid({**data, "recommendation_id": None})


# --- the AsyncAPI document -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def asyncapi() -> dict:
    return yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_asyncapi_channels_are_the_topics(asyncapi):
    assert asyncapi["asyncapi"] == "3.0.0" and asyncapi["info"]["title"] and asyncapi["info"]["version"]
    assert {c["address"] for c in asyncapi["channels"].values()} == {
        *(e.topic for e in CATALOGUE.values()), "ipp.dlq"}
    by_address = {c["address"]: c for c in asyncapi["channels"].values()}

    def names(channel: dict) -> set[str]:
        return {resolve(asyncapi, m["$ref"])["name"] for m in channel["messages"].values()}

    assert names(by_address["ipp.enterprise.events"]) == {c.event_type for c in ent.ALL_EVENTS}
    assert names(by_address["ipp.reporting.kpi-updates"]) == {rep.KpiUpdated.event_type}
    for topic in {e.topic for e in CATALOGUE.values()}:
        assert names(by_address[topic]) == {c.event_type for c, e in CATALOGUE.items() if e.topic == topic}
    assert names(by_address["ipp.dlq"]) == {"dead-letter"}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_asyncapi_message_references_its_schema_file_and_cloudevent_headers(asyncapi, cls):
    message = asyncapi["components"]["messages"][cls.__name__]
    assert message["name"] == cls.event_type and message["contentType"] == "application/json"
    payload_file = DOCS / message["payload"]["$ref"]
    assert payload_file.is_file() and json.loads(payload_file.read_text(encoding="utf-8"))["$id"] == cls.event_type
    base, own = message["headers"]["allOf"]
    headers = resolve(asyncapi, base["$ref"])
    assert {"ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type", "traceparent"} <= set(
        headers["properties"])
    assert set(headers["required"]) >= {"ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"}
    assert "traceparent" not in headers["required"]
    assert own["properties"]["ce_type"] == {"const": cls.event_type}
    assert message["bindings"]["kafka"]["key"]["type"] == "string"


def test_asyncapi_headers_schema_accepts_real_headers(asyncapi):
    example = EXAMPLES[ent.TierDesignated]
    ce = CloudEvent(type=ent.TierDesignated.event_type, source="/services/enterprise", subject=example.subject(),
                    data=as_json(example), traceparent=TRACEPARENT)
    headers = {k: v.decode() for k, v in ce.kafka_headers()}
    message = asyncapi["components"]["messages"]["TierDesignated"]
    schema = {"allOf": [resolve(asyncapi, message["headers"]["allOf"][0]["$ref"]), message["headers"]["allOf"][1]]}
    v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert list(v.iter_errors(headers)) == []
    assert not v.is_valid({**headers, "ce_type": ent.TierPromoted.event_type})
    assert not v.is_valid({k: val for k, val in headers.items() if k != "ce_id"})


def test_asyncapi_operations_enterprise_sends_reporting_receives_and_sends(asyncapi):
    ops = {(op["action"], resolve(asyncapi, op["channel"]["$ref"])["address"])
           for op in asyncapi["operations"].values()}
    assert {("send", "ipp.enterprise.events"), ("receive", "ipp.enterprise.events"),
            ("send", "ipp.reporting.kpi-updates"), ("send", "ipp.dlq")} <= ops
    for op in asyncapi["operations"].values():
        channel_ref = op["channel"]["$ref"]
        for m in op["messages"]:  # AsyncAPI 3: an operation's messages are its channel's messages
            assert m["$ref"].startswith(channel_ref + "/messages/"), (op, m)
            resolve(asyncapi, m["$ref"])
    folds = asyncapi["operations"]["reportingFoldsEnterpriseEvents"]
    assert folds["action"] == "receive" and folds["channel"]["$ref"] == "#/channels/enterpriseEvents"
    folded = {resolve(asyncapi, resolve(asyncapi, m["$ref"])["$ref"])["name"] for m in folds["messages"]}
    moves: list[type[EventData]] = [ent.EnterpriseUpdated, *TIER_CLASSES]
    assert {c.event_type for c in moves} <= folded
    # and those are exactly the enterprise events whose published payload changes an indicator
    assert {c.event_type for c in ent.ALL_EVENTS if fold(c.event_type, as_json(EXAMPLES[c]))} == folded
    # every topic's fold operation lists exactly the types the indicator modules declare
    for op_id, op in asyncapi["operations"].items():
        if op_id.startswith("reportingFolds"):
            names = {resolve(asyncapi, resolve(asyncapi, m["$ref"])["$ref"])["name"] for m in op["messages"]}
            topic = resolve(asyncapi, op["channel"]["$ref"])["address"]
            assert names == {c.event_type for c, e in CATALOGUE.items()
                             if e.topic == topic and c.event_type in eventdocs.REPORTING_FOLDS}
