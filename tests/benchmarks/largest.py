"""The largest application the schemas accept (issue 25, item 4): its receipt PDF and its application PDF must
render within their functions' time with room to spare. Baseline in the same run: the complete fixture's PDFs."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

from tests.benchmarks.figures import REPEATS, ratio_line

ROOT = Path(__file__).resolve().parents[2]
TEXT = ("Wij brengen de risico's in de keten in kaart en pakken ze samen met onze partners aan; "
        "we monitoren de voortgang en communiceren erover. ")
RECEIPT_TIMEOUT_SECONDS = 25  # the receipt function's timeout (infra/template.yaml, Globals)
PDF_TIMEOUT_SECONDS = 60  # the PDF function's


def _text(length: int) -> str:
    return (TEXT * (length // len(TEXT) + 1))[:length]


def filled(value, schema: dict):
    """`value` with every free text at its maximum length and every list at its maximum number of rows (rows
    copied from the first), guided by the resolved schema."""
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: filled(item, properties.get(key, {})) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        rows = [filled(item, items) for item in value]
        if rows and schema.get("maxItems") and not schema.get("uniqueItems"):
            rows += [copy.deepcopy(rows[0]) for _ in range(schema["maxItems"] - len(rows))]
        return rows
    if isinstance(value, str) and schema.get("maxLength") and not ({"pattern", "format", "enum"} & set(schema)):
        return _text(schema["maxLength"])
    return value


def largest_application(max_body: int) -> dict:
    """The pillar-1 fixture at every maximum, with as many distinct partners as fit the API's body limit."""
    from imvo.intake.validation import resolved_schema
    from tests.conftest import load_fixture

    schema = resolved_schema(ROOT / "schemas", 1)
    document = filled(load_fixture("pillar1-complete.json"), schema)
    partners = document["partners"]
    while True:
        for index, partner in enumerate(partners):
            partner["registrationNumber"] = f"{20000000 + index}"
        if len(json.dumps(document).encode()) <= max_body:
            return document
        partners.pop()


def stored_as(document: dict, model: dict, findings: list) -> dict:
    return model | {"application": document, "findings": [f.as_dict() for f in findings]}


def run() -> None:
    from tests.benchmarks.world import intake_world

    with intake_world() as (client, module):
        from imvo.documents.application_document import application_html
        from imvo.documents.receipt_document import receipt_pdf
        from imvo.documents.render import html_to_pdf
        from imvo.intake.applications import Intake
        from imvo.intake.receipt import Receipt
        from imvo.intake.storage import ApplicationStore
        from tests.conftest import BUCKET, load_event, load_fixture

        intake = Intake.from_environment()
        event = load_event("submit-pillar1-valid.json")
        event["body"] = json.dumps(load_fixture("pillar1-complete.json"))
        assert module.handler(event)["statusCode"] == 201
        (model,) = ApplicationStore(client, BUCKET).applications_of_day("2023-03-15")
        largest = largest_application(intake.settings.max_body_bytes)
        receipt = Receipt(1678871730250, "bench-largest")
        findings, _ = intake.assess(largest, 1, receipt)
        assert not [f for f in findings if f.rule.startswith("schema:")], "the largest application must be valid"
        big = stored_as(largest, model, findings)
        name = json.loads((ROOT / "content" / "data" / "programme.json").read_text())["name"]["nl"]
        data_dir = ROOT / "content" / "data"

        receipt_pdf(model, model, data_dir)  # warm: fonts and styles loaded once, as in a warm container
        figures = {"receipt": [], "application": []}
        seconds = {"receipt": [], "application": []}
        for _ in range(REPEATS):
            for kind, render in (("receipt", lambda s: receipt_pdf(s, s, data_dir)),
                                 ("application", lambda s: html_to_pdf(application_html(s, name))[0])):
                started = time.perf_counter()
                render(model)
                baseline = time.perf_counter() - started
                started = time.perf_counter()
                render(big)
                ours = time.perf_counter() - started
                figures[kind].append(ours / baseline)
                seconds[kind].append(ours)
    size = len(json.dumps(largest).encode())
    print(f"the largest valid pillar-1 application: {size / 1000:.0f} kB, {len(largest['partners'])} partners, "
          f"against the complete fixture in the same run")
    print(ratio_line("receipt PDF, largest / fixture", figures["receipt"]))
    print(ratio_line("application PDF, largest / fixture", figures["application"]))
    for kind, timeout in (("receipt", RECEIPT_TIMEOUT_SECONDS), ("application", PDF_TIMEOUT_SECONDS)):
        worst = max(seconds[kind])
        print(f"  {kind} PDF of the largest: slowest {worst:5.1f} s of the function's {timeout} s "
              f"({worst / timeout:.0%}; aim: at most half)")
