"""The forms ask only what applies, and say what each question means (issue 15): consultancy is asked of
companies only (II.1.3), pillar 2 does not ask the kind of organisation (III.1.3), basic or extra is one
choice (III.1.6), the due-diligence steps are named (II.1.1), a project year explains itself, and date
fields say their format. Checked on the real Pelican build and against the schema."""

import copy
import re
from datetime import date

from imvo.intake.validation import resolved_schema, schema_findings
from imvo.programme.rules import judge
from imvo.settings import PROJECT_ROOT
from tests.conftest import load_fixture
from tests.integration.test_regulation_fidelity import FORMS, LIMITS


def form_html(site, form: str) -> str:
    return (site / FORMS[form]).read_text(encoding="utf-8")


def test_consultancy_is_asked_of_companies_only(built_site):
    html = form_html(built_site, "p1-en")
    wrapper = re.search(r'<div data-ask-if="kind" data-ask-if-values="company">\s*<fieldset[^>]*id="f-partners-__i0__-mainlyConsultancy"', html)
    assert wrapper, "the consultancy question is not tied to the kind of partner"
    document = load_fixture("pillar1-complete.json")
    cso = copy.deepcopy(document["partners"][0]) | {"kind": "cso"}
    cso.pop("mainlyConsultancy")
    document["partners"].append(cso)
    schemas = PROJECT_ROOT / "schemas"
    assert schema_findings(schemas, 1, document) == []  # a civil-society organisation is not asked
    del document["partners"][0]["mainlyConsultancy"]
    missing = schema_findings(schemas, 1, document)
    assert [(f.path, f.rule) for f in missing] == [("$.partners[0].mainlyConsultancy", "schema:required")]
    assert "Does the business mainly consist of consultancy?" in missing[0].message_en


def test_pillar_2_does_not_ask_the_kind_of_organisation(built_site):
    for form in ("p2-nl", "p2-en"):
        html = form_html(built_site, form)
        assert 'name="partners.__i0__.kind" value="cso"' in html
        assert 'id="f-partners-__i0__-kind"' not in html  # no select to choose from
    assert "alleen uit maatschappelijke organisaties (III.1.3)" in form_html(built_site, "p2-nl")


def test_basic_or_extra_is_one_choice(built_site):
    html = form_html(built_site, "p2-nl")
    assert re.findall(r'<input type="(\w+)" id="f-activityTypes-(basic|extra)"', html) == [("radio", "basic"), ("radio", "extra")]
    # the API still takes a list, and still refuses both (III.1.4, III.1.6)
    document = load_fixture("pillar2-complete.json") | {"activityTypes": ["basic", "extra"]}
    assert "III.1.6" in {f.rule for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings}


def test_the_due_diligence_steps_are_named(built_site):
    html = form_html(built_site, "p1-en")
    for step in ("1. Embed responsible business conduct", "3. Cease, prevent or mitigate adverse impacts",
                 "6. Provide for or cooperate in remediation"):
        assert step in html
    schema = resolved_schema(PROJECT_ROOT / "schemas", 1)
    assert set(schema["properties"]["plan"]["properties"]["phaseA"]["properties"]["steps"]["x-item-titles"]) == {"1", "2", "3", "4", "5", "6"}


def test_a_project_year_explains_itself_and_dates_say_their_format(built_site):
    for form, year_words, date_words in (("p1-en", "Not a calendar year", "day, month and year"),
                                         ("p2-nl", "Geen kalenderjaar", "dag, maand en jaar")):
        html = form_html(built_site, form)
        assert year_words in html
        start = re.search(r'<input id="f-project-startDate"[^>]*>', html).group(0)
        assert "f-project-startDate-format" in start and date_words in html
