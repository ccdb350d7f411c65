"""Issue 13: what an attacker or a careless client sends gets a clear 4xx that names the problem and leaves
nothing stored, on every JSON route: deep nesting, numbers of thousands of digits, NaN and Infinity, lone
surrogates, lists where text is expected, and a reversed date range."""

import json

import pytest

from tests.conftest import BUCKET, UPLOADS_BUCKET, _keys, handler_module, load_event, load_fixture

REFERENCE = "IMVO-20230315-ABCDEFGH"
VALID = json.dumps(load_fixture("pillar1-complete.json"))
RATE = '"hourlyRate": 87.5'
assert RATE in VALID

# route → (handler, event file, path parameters)
ROUTES = {
    "submit": ("submit", "submit-pillar1-valid.json", None),
    "check": ("check", "check-pillar1-valid.json", None),
    "supplement": ("supplement", "submit-pillar1-valid.json", {"reference": REFERENCE}),
    "receipt": ("receipt", "submit-pillar1-valid.json", {"reference": REFERENCE}),
    "uploads": ("uploads", "submit-pillar1-valid.json", None),
    "verify": ("uploads", "submit-pillar1-valid.json", None),
    "session": ("admin", "admin-start-bundle.json", None),
    "bundles": ("admin", "admin-start-bundle.json", None),
    "allocation": ("admin", "admin-start-allocation.json", None),
    "decision": ("admin", "admin-start-bundle.json", {"reference": REFERENCE}),
    "supplement-request": ("admin", "admin-start-bundle.json", {"reference": REFERENCE}),
    "completeness": ("admin", "admin-start-bundle.json", {"reference": REFERENCE}),
}
PATHS = {"submit": "POST /api/applications", "check": "POST /api/applications/check",
         "supplement": "POST /api/applications/{reference}/supplements", "receipt": "POST /api/applications/{reference}/receipt",
         "uploads": "POST /api/uploads", "verify": "POST /api/uploads/verify", "session": "POST /api/admin/session",
         "bundles": "POST /api/admin/bundles", "allocation": "POST /api/admin/allocation",
         "decision": "POST /api/admin/applications/{reference}/decision",
         "supplement-request": "POST /api/admin/applications/{reference}/supplement-requests",
         "completeness": "POST /api/admin/applications/{reference}/completeness"}

HOSTILE = {
    "nested ten thousand deep": ("[" * 10_000 + "]" * 10_000, "nested too deep"),
    "nested objects": ('{"a":' * 10_000 + "1" + "}" * 10_000, "nested too deep"),
    "an integer of 5000 digits": ('{"pillar": 1' + "0" * 5000 + "}", "not a usable number"),
    "NaN": ('{"pillar": NaN}', "not a usable number"),
    "Infinity": ('{"size": Infinity, "pillar": 1}', "not a usable number"),
    "-Infinity": ('{"size": -Infinity}', "not a usable number"),
    "a lone surrogate": ('{"token": "\\ud800", "key": "attachments/\\udfff.pdf", "username": "\\ud800"}', "lone surrogate"),
    "not UTF-8": (b'{"token": "\xff\xfe"}', "utf-8"),
}


def call(route: str, body) -> tuple[int, dict]:
    function, event_file, parameters = ROUTES[route]
    event = load_event(event_file)
    event["routeKey"] = event["requestContext"]["routeKey"] = PATHS[route]
    path = PATHS[route].split(" ", 1)[1].replace("{reference}", REFERENCE)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = parameters
    if isinstance(body, bytes):
        import base64

        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body, False
    response = handler_module(function).handler(event)
    return response["statusCode"], json.loads(response["body"])


def stored(s3) -> list[str]:
    return _keys(s3, BUCKET) + [k for k in _keys(s3, UPLOADS_BUCKET) if not k.startswith("attachments/fixture-")]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_every_json_route_answers_hostile_json_with_a_4xx_that_says_what_and_stores_nothing(s3, kind):
    body, words = HOSTILE[kind]
    before = stored(s3)
    for route in ROUTES:
        status, answer = call(route, body)
        assert 400 <= status < 500, (route, kind, answer)
        error = answer["error"]
        assert error["code"] in ("invalid_json", "invalid") and error["message"]["nl"] and error["message"]["en"]
        described = (error["message"]["en"] + " " + " ".join(f["message"]["en"] for f in error["findings"])).lower()
        assert words in described, (route, kind, error)
    assert stored(s3) == before


def test_a_number_that_is_not_finite_is_refused_at_the_field_it_is_in(s3):
    status, answer = call("check", VALID.replace(RATE, '"hourlyRate": NaN', 1))
    assert status == 400
    assert [f["path"] for f in answer["error"]["findings"]] == ["$.penvoerder.budget[0].hourlyRate"]
    status, answer = call("submit", VALID.replace(RATE, '"hourlyRate": 1e999', 1))
    assert status == 400 and answer["error"]["findings"][0]["path"] == "$.penvoerder.budget[0].hourlyRate"


def test_a_lone_surrogate_in_a_name_is_refused_at_that_field(s3):
    name = json.dumps(load_fixture("pillar1-complete.json")["penvoerder"]["name"])
    status, answer = call("submit", VALID.replace(name, '"Van Dijk \\ud800 B.V."', 1))
    assert status == 400 and answer["error"]["findings"][0]["path"] == "$.penvoerder.name"


@pytest.mark.parametrize("route, body, field", [
    ("uploads", {"draftId": ["x"], "filename": "a.pdf", "contentType": "application/pdf", "size": 5, "sha256": "0" * 64}, "$.draftId"),
    ("uploads", {"draftId": "abcdefabcdefabcd", "filename": ["a.pdf"], "contentType": "application/pdf", "size": 5,
                 "sha256": "0" * 64}, "$.filename"),
    ("uploads", {"draftId": "abcdefabcdefabcd", "filename": "a.pdf", "contentType": "application/pdf", "size": "5",
                 "sha256": "0" * 64}, "$.size"),
    ("verify", {"key": ["attachments/x.pdf"]}, "$.key"),
    ("session", {"username": ["beheerder"], "password": "x"}, "$.username"),
    ("decision", {"decision": "rejected", "section": "II.1.3", "reason": {"text": "x"}}, "$.reason"),
    ("decision", {"decision": "revoked"}, "$.decision"),
    ("supplement-request", {"items": "all of it", "term": "2023-03-31"}, "$.items"),
    ("supplement-request", {"items": ["x"], "term": "2023-02-30"}, "$.term"),
    ("completeness", {"outcome": True}, "$.outcome"),
    ("allocation", {"seed": 12345}, "$.seed"),
    ("bundles", {"day": ["2023-03-15"]}, "$.day"),
    ("bundles", {"from": "2023-03-20", "to": "2023-03-10"}, "$.to"),
    ("bundles", {"from": "2023-02-30", "to": "2023-03-10"}, "$.from"),
])
def test_a_wrong_type_or_an_impossible_range_is_a_400_naming_the_field(s3, route, body, field):
    status, answer = call(route, json.dumps(body))
    assert status == 400, answer
    assert field in [f["path"] for f in answer["error"]["findings"]], answer


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_csv_the_system_writes_neutralises_a_formula_and_the_json_keeps_the_text(s3, submit, start):
    """Issue 25 (OWASP, CSV injection): a penvoerder named like a formula runs nothing in the officers' spreadsheets:
    the bundle's manifest.csv and the allocation's CSV quote every cell and prefix such a cell with a quote."""
    import csv
    import io
    import zipfile

    from imvo.admin.actions import allocation_files
    from imvo.admin.bundle import build_bundle
    from imvo.intake.storage import ApplicationStore
    from imvo.settings import load_settings
    from tests.integration.test_intake import post

    name = f'{start}HYPERLINK("https://phish.example","Klik")'
    document = load_fixture("pillar2-complete.json")
    document["penvoerder"]["name"] = name
    code, receipt = post(submit, document)
    assert code == 201
    store, settings = ApplicationStore(s3, BUCKET), load_settings()
    target = io.BytesIO()
    build_bundle(store, [receipt["dutchDay"]], settings.data_dir, target)
    archive = zipfile.ZipFile(target)
    manifest = archive.read("manifest.csv").decode()
    (row,) = list(csv.DictReader(io.StringIO(manifest)))
    assert row["penvoerder"] == "'" + name
    assert manifest.startswith('"order","reference"') and f'"\'{name[0]}HYPERLINK(' in manifest  # every cell quoted
    assert json.loads(archive.read("manifest.json"))["applications"][0]["penvoerder"] == name  # the JSON is faithful
    report = allocation_files(store, settings.data_dir, "seed", "2022-1")["verdeling-2022-1.csv"].decode()
    (line,) = [r for r in csv.DictReader(io.StringIO(report)) if r["reference"] == receipt["reference"]]
    assert line["penvoerder"] == "'" + name


# --- Issue 25, item 3: one company entered five times -------------------------------------------------------

def _ceilings(body: dict) -> dict:
    return body["calculation"]["ceilings"]


@pytest.mark.parametrize("written_as", ["12345678", "1234 5678", "12.34.56.78", "1234-5678"])
def test_one_company_entered_five_times_counts_once_for_ii_1_3_and_in_the_grant(s3, written_as):
    """The tester's case: the penvoerder's own company four more times as partners passed "vijf of meer
    ondernemingen" (II.1.3) and multiplied the calculated grant, each copy with its own de minimis room. Each
    organisation is who its registration number (and country) says it is."""
    document = load_fixture("pillar1-complete.json")
    penvoerder = document["penvoerder"]
    cso = next(p for p in document["partners"] if p["kind"] == "cso")
    repeated = dict(document, partners=[dict(penvoerder, registrationNumber=written_as) for _ in range(4)] + [cso])
    alone = dict(document, partners=[cso])

    status, body = call("check", json.dumps(repeated))
    assert status == 200 and body["status"] == "rejection_expected"
    findings = {(f["path"], f["rule"]): f for f in body["findings"]}
    assert {f"$.partners[{i}].registrationNumber" for i in range(4)} == {
        path for path, rule in findings if rule == "II.1.3" and path.endswith(".registrationNumber")}
    assert "als penvoerder" in findings[("$.partners[0].registrationNumber", "II.1.3")]["message"]["nl"]
    assert "1 in Nederland gevestigde ondernemingen" in findings[("$.partners", "II.1.3")]["message"]["nl"]
    assert _ceilings(body) == _ceilings(call("check", json.dumps(alone))[1])  # the repeats add nothing


def test_the_same_number_in_another_country_is_another_organisation(s3):
    document = load_fixture("pillar1-complete.json")
    status, body = call("check", json.dumps(document))
    assert status == 200 and not [f for f in body["findings"] if f["path"].endswith(".registrationNumber")]
    foreign = dict(document["partners"][0], statutorySeatCountry="DE", dutchEstablishment=True,
                   registrationNumber=document["penvoerder"]["registrationNumber"])
    status, body = call("check", json.dumps(dict(document, partners=[foreign] + document["partners"][1:])))
    assert not [f for f in body["findings"] if f["path"].endswith(".registrationNumber")]


# --- Issue 25, item 6: a draft's uploads are its holder's alone ----------------------------------------------

def _upload_request(**extra) -> str:
    return json.dumps({"filename": "plan.pdf", "contentType": "application/pdf", "size": 1000, "sha256": "ab" * 32} | extra)


def test_adding_to_a_draft_takes_its_token_and_another_drafts_token_does_not_do(s3):
    status, first = call("uploads", _upload_request())
    assert status == 201 and first["draftId"] and first["draftToken"]
    status, other = call("uploads", _upload_request())
    assert other["draftId"] != first["draftId"]
    for token in (None, "", other["draftToken"], first["draftToken"][:-1] + "x"):
        status, body = call("uploads", _upload_request(draftId=first["draftId"], draftToken=token))
        assert status == 400 and body["error"]["findings"][0]["path"] == "$.draftToken", token
    status, again = call("uploads", _upload_request(draftId=first["draftId"], draftToken=first["draftToken"]))
    assert status == 201 and again["key"].startswith(f"attachments/{first['draftId']}/")
    assert stored(s3) == []  # a presigned POST writes nothing itself
