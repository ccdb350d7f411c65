"""Schema validation (II.2.1 asks for these parts): findings name the field in Dutch and English."""

import json

from imvo.programme.facts import sector_ids
from imvo.settings import PROJECT_ROOT
from imvo.intake.validation import schema_findings

from tests.conftest import load_fixture

SCHEMAS = PROJECT_ROOT / "schemas"


def test_valid_minimal_application_has_no_findings():
    assert schema_findings(SCHEMAS, 1, load_fixture("pillar1-complete.json")) == []


def test_missing_field_is_named_with_its_json_path():
    document = load_fixture("pillar1-complete.json")
    del document["penvoerder"]["contact"]["email"]
    (finding,) = schema_findings(SCHEMAS, 1, document)
    assert finding.path == "$.penvoerder.contact.email"
    assert finding.rule == "schema:required"
    assert (finding.message_nl, finding.message_en) == ("Vul 'E-mailadres' in.", "Fill in 'Email address'.")


def test_a_missing_choice_asks_to_choose_and_a_missing_group_names_each_of_its_fields():
    """Issue 15: messages fit the kind of question, and an empty group on the form (which arrives as no group)
    names every field of it at once (the form lists them in page order), instead of the group."""
    document = load_fixture("pillar1-complete.json")
    del document["penvoerder"]["integrityPolicy"]
    del document["plan"]["independentExpert"]
    findings = {f.path: f for f in schema_findings(SCHEMAS, 1, document)}
    assert findings["$.penvoerder.integrityPolicy"].message_nl == "Kies een antwoord bij 'Integriteitsbeleid'."
    assert findings["$.penvoerder.integrityPolicy"].message_en == "Choose an answer for 'Integrity policy'."
    assert "$.plan.independentExpert" not in findings
    assert {p for p in findings if p.startswith("$.plan")} == {"$.plan.independentExpert.name", "$.plan.independentExpert.expertise"}
    assert findings["$.plan.independentExpert.name"].message_en == "Fill in 'Name'."


def test_every_problem_is_reported_not_only_the_first():
    document = load_fixture("pillar1-complete.json")
    document["penvoerder"]["registrationNumber"] = "1!"
    document["penvoerder"]["contact"]["email"] = "not-an-email"
    document["partners"][3]["budget"][1]["hourlyRate"] = 87.555
    document["sector"] = "space"
    paths = [f.path for f in schema_findings(SCHEMAS, 1, document)]
    assert paths == ["$.partners[3].budget[1].hourlyRate", "$.penvoerder.contact.email",
                     "$.penvoerder.registrationNumber", "$.sector"]


def test_unknown_field_in_a_partner_is_named():
    document = load_fixture("pillar1-complete.json")
    document["partners"][0]["shoeSize"] = 44
    (finding,) = schema_findings(SCHEMAS, 1, document)
    assert finding.path == "$.partners[0]" and finding.rule == "schema:additionalProperties"


def test_example_fixtures_are_valid_or_invalid_as_named():
    from tests.conftest import FIXTURES

    for path in sorted(FIXTURES.glob("pillar*.json")):
        document = json.loads(path.read_text())
        findings = schema_findings(SCHEMAS, document["pillar"], document)
        assert bool(findings) == ("invalid-schema" in path.name), path.name


def test_ii_2_1_sector_list_in_schema_is_the_data_file_list():
    schema = json.loads((SCHEMAS / "pillar-1.schema.json").read_text())
    data_sectors = sector_ids(PROJECT_ROOT / "content" / "data")
    assert len(data_sectors) == 12
    assert schema["properties"]["sector"]["enum"] == data_sectors + ["other"]


def test_an_amount_in_cents_is_two_decimals_as_people_count_them():
    """0.07 is a multiple of 0.01 in decimal arithmetic (binary floats say 7.000000000000001, which refused
    amounts such as EUR 0.07 an hour); 0.001 is three decimals."""
    document = load_fixture("pillar2-complete.json")
    for rate, expected in ((0.07, []), (87.07, []), (12.34, []), (0.001, ["schema:multipleOf"])):
        document["penvoerder"]["budget"][0]["hourlyRate"] = rate
        assert [f.rule for f in schema_findings(SCHEMAS, 2, document)] == expected, rate


def _mutations(document, path=()):
    """Each value of the document replaced by what breaks a schema in a different way, one at a time."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield path + (key,), None  # removed
            yield from _mutations(value, path + (key,))
    elif isinstance(document, list):
        yield path, []
        for index, value in enumerate(document):
            yield from _mutations(value, path + (index,))
    else:
        for wrong in ("", "x" * 5000, -1, 10**12, 0.001, True, "2023-02-30", "geen-e-mail", [], {}):
            yield path, wrong


def _applied(document, path, value):
    document = json.loads(json.dumps(document))
    target = document
    for part in path[:-1]:
        target = target[part]
    if value is None and isinstance(target, dict):
        del target[path[-1]]
    elif path:
        target[path[-1]] = value
    return document


def test_the_fast_gate_never_accepts_what_jsonschema_refuses():
    """jsonschema-rs decides "valid" alone; so each of some thousands of broken documents it calls valid must
    be valid to jsonschema too (the explaining validator, which has the last word)."""
    from imvo.intake.validation import gate_for, validator_for

    checked = 0
    for pillar, name in ((1, "pillar1-complete.json"), (2, "pillar2-complete.json")):
        document = load_fixture(name)
        gate, explainer = gate_for(SCHEMAS, pillar), validator_for(SCHEMAS, pillar)
        for path, value in _mutations(document):
            mutated = _applied(document, path, value)
            if gate.is_valid(mutated):
                assert not list(explainer.iter_errors(mutated)), (path, value)
            checked += 1
    assert checked > 2000


def test_every_free_text_and_every_list_in_the_schemas_is_bounded():
    """Issue 25, item 4: a valid application of 969 KB took 34 s to render as a receipt, past the function's
    25 s. Each text has a maximum length (or a pattern, a format, a fixed set of values) and each list a maximum
    number of rows (or a fixed set of distinct values); `make bench largest` renders the largest one."""
    import json

    from imvo.settings import PROJECT_ROOT

    unbounded = []

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"maxLength", "pattern", "format", "enum", "const"} & set(node):
                unbounded.append(path)
            if node.get("type") == "array" and "maxItems" not in node:
                items = node.get("items", {})
                if not (node.get("uniqueItems") and ("enum" in items or {"minimum", "maximum"} <= set(items))):
                    unbounded.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    for schema in sorted((PROJECT_ROOT / "schemas").glob("*.schema.json")):
        walk(json.loads(schema.read_text()), schema.name)
    assert unbounded == []
    common = json.loads((PROJECT_ROOT / "schemas" / "common.schema.json").read_text())["$defs"]
    assert common["costYear"]["properties"]["otherCosts"]["maxItems"] <= 10
    assert common["deMinimis"]["properties"]["previousAid"]["maxItems"] <= 10
