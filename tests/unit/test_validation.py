"""Schema validation (II.2.1 asks for these parts): findings name the field in Dutch and English."""

import json

from imvo.programme import sector_ids
from imvo.settings import PROJECT_ROOT
from imvo.validation import schema_findings

from tests.conftest import load_fixture

SCHEMAS = PROJECT_ROOT / "schemas"


def test_valid_minimal_application_has_no_findings():
    assert schema_findings(SCHEMAS, 1, load_fixture("pillar1-minimal-valid.json")) == []


def test_missing_field_is_named_with_its_json_path():
    document = load_fixture("pillar1-minimal-valid.json")
    del document["penvoerder"]["email"]
    (finding,) = schema_findings(SCHEMAS, 1, document)
    assert finding.path == "$.penvoerder.email"
    assert finding.rule == "schema:required"
    assert "verplicht" in finding.message_nl and "required" in finding.message_en


def test_every_problem_is_reported_not_only_the_first():
    document = load_fixture("pillar1-minimal-valid.json")
    document["penvoerder"]["registrationNumber"] = "1234"
    document["penvoerder"]["email"] = "not-an-email"
    document["sector"] = "space"
    paths = [f.path for f in schema_findings(SCHEMAS, 1, document)]
    assert paths == ["$.penvoerder.email", "$.penvoerder.registrationNumber", "$.sector"]


def test_ii_2_1_sector_list_in_schema_is_the_data_file_list():
    schema = json.loads((SCHEMAS / "pillar-1.schema.json").read_text())
    data_sectors = sector_ids(PROJECT_ROOT / "content" / "data")
    assert len(data_sectors) == 12
    assert schema["properties"]["sector"]["enum"] == data_sectors + ["other"]
