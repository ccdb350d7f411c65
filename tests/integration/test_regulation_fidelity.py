"""Every applicant-facing claim says what the regulation says, in Dutch and in English (issue 14).

Each claim is checked on the built site (a real Pelican build): the pages carry the regulation's words
(or their close translation) and no longer carry the looser or stricter wording they replaced. Quotes
in Dutch on the guides must appear in the regulation's text word for word. The forms never label an
item the regulation requires as optional: the rules' own "incomplete" findings tell which items those
are, and the form must mark each of them required.
"""

import copy
import html as html_text
import re
from datetime import date

import pytest

from imvo.programme.facts import load_limits
from imvo.programme.findings import INCOMPLETE
from imvo.programme.rules import judge
from imvo.intake.validation import resolved_schema
from imvo.settings import PROJECT_ROOT
from tests.conftest import load_fixture
from tests.integration.test_site_content import REGULATION_TEXT, Page

LIMITS = load_limits(PROJECT_ROOT / "content" / "data")

NL_P1, EN_P1 = "aanvragen/pijler-1/index.html", "en/how-to-apply/pillar-1/index.html"
NL_P2, EN_P2 = "aanvragen/pijler-2/index.html", "en/how-to-apply/pillar-2/index.html"
NL_APPLY, EN_APPLY = "aanvragen/index.html", "en/how-to-apply/index.html"
NL_FAQ, EN_FAQ = "veelgestelde-vragen/index.html", "en/faq/index.html"
NL_FACTS, EN_FACTS = "kerngegevens/index.html", "en/key-facts/index.html"
SUMMARY = "en/regulation/index.html"
FORMS = {"p1-en": "en/apply/pillar-1/index.html", "p2-nl": "aanvragen/pijler-2/formulier/index.html",
         "p2-en": "en/apply/pillar-2/index.html"}
RVO_PAGE = "https://www.rvo.nl/sectorale-samenwerking"


def text_of(site, path: str) -> str:
    return " ".join(Page(site / path).text.replace("\u2019", "'").split())


# (claim, pages, words that must be there, words that must be gone)
CLAIMS = [
    ("channel: the form is the means of Art 2(3), II.2.1, III.2.1",
     [NL_APPLY, NL_P1, NL_P2], ["met gebruikmaking van een daartoe op www.rvo.nl/sectorale-samenwerking beschikbaar gesteld middel",
                                "bedoeld als dat middel"], []),
    ("channel (English)", [EN_APPLY, EN_P1, EN_P2],
     ["using a means made available for that purpose on www.rvo.nl/sectorale-samenwerking", "meant to be that means"], []),
    ("which clock counts", [NL_APPLY, NL_P1, NL_P2], ["het tijdstip waarop onze server uw aanvraag ontvangt", "de klok van uw eigen computer telt niet"], []),
    ("which clock counts (English)", [EN_APPLY, EN_P1, EN_P2], ["the time our server receives your application", "computer does not"], []),
    ("milliseconds do not beat the lottery (Art 4)", [NL_APPLY],
     ["de milliseconde beslist niet altijd",
      "Indien het subsidieplafond op enige dag dreigt te worden overschreden, bepaalt de Minister de volgorde van behandeling van deze aanvragen door middel van loting",
      "volgorde van behandeling"], ["tot op de milliseconde, in Nederlandse tijd;"]),
    ("milliseconds do not beat the lottery (English)", [EN_APPLY],
     ["the millisecond does not always decide", "the Minister decides the order of treatment of these applications by lottery",
      "order of treatment"], ["to the millisecond, in Dutch time;"]),
    ("order of receipt is order of treatment; criteria still apply (II.3.1)", [NL_P1, NL_P2, NL_FACTS],
     ["volgorde van behandeling", "moet daarna nog aan de vereisten"], []),
    ("order of treatment (English)", [EN_P1, EN_P2, EN_FACTS], ["order of treatment", "must then still meet the requirements"], []),
    ("the lottery orders that day's complete applications (FAQ)", [NL_FAQ], ["niet de milliseconde maar het lot"], []),
    ("the lottery (FAQ, English)", [EN_FAQ], ["not the millisecond but the lottery"], []),
    ("alle geledingen van het convenant (III.1.4, III.2.1)", [NL_P2, NL_FAQ, FORMS["p2-nl"]],
     ["alle geledingen"], ["alle partijen bij het convenant"]),
    ("geledingen, translated faithfully", [EN_P2, EN_FAQ, SUMMARY, FORMS["p2-en"]],
     ["all constituent groups"], ["all parties to the agreement"]),
    ("integrity policy may still be drawn up in phase A (II.1.3)", [NL_P1],
     ["moet dit onderdeel uitmaken van de activiteiten in fase A"], ["elke partner heeft rechtspersoonlijkheid en een integriteitsbeleid"]),
    ("integrity policy in phase A (English)", [EN_P1, SUMMARY],
     ["phase A"], ["every partner has legal personality and an integrity policy", "everyone has an integrity policy"]),
    ("consultancy companies kunnen geen partner zijn (II.1.3)", [NL_P1, NL_FAQ, NL_FACTS],
     ["kunnen geen partner zijn"], ["niet hoofdzakelijk advieswerk", "ook een onderneming die hoofdzakelijk advies geeft niet"]),
    ("consultancy companies cannot be partners (English)", [EN_P1, EN_FAQ, EN_FACTS, SUMMARY],
     ["cannot be partners"], ["not mainly consultancy", "nor does a company that mainly gives advice"]),
    ("pillar 2: €150,000 op jaarbasis per convenant for the remaining period (III.1.6)", [NL_P2, NL_FAQ, NL_FACTS],
     ["op jaarbasis aan inzet per IMVO-convenant voor de resterende programmaperiode"], ["€ 150.000 per jaar,"]),
    ("pillar 2: €150,000 a year (English)", [EN_P2, EN_FAQ, EN_FACTS, SUMMARY],
     ["a year of effort per RBC agreement for the remaining programme period"], ["€150,000 per year,"]),
    ("pillar 2: within 3 years unless the covenant is shorter (III.1.5)", [NL_P2, NL_FACTS],
     ["tenzij de looptijd van het IMVO-convenant korter is"], []),
    ("pillar 2 duration (English)", [EN_P2, EN_FACTS, SUMMARY], ["unless the"], []),
    ("pillar 2: the penvoerder's annual budget, one way (III.1.3)", [NL_P2, NL_FAQ, NL_FACTS],
     ["jaarbegroting van minstens € 500.000 in elk van de afgelopen 2 jaar"], ["minstens € 0,5 miljoen over de afgelopen twee jaar"]),
    ("the penvoerder's annual budget (English)", [EN_P2, EN_FAQ, EN_FACTS, SUMMARY],
     ["at least €500,000 in each of the last 2 years"], ["at least €0.5 million over the last two years"]),
    ("pillar 2: the institutional-subsidy exclusion with its period (III.1.3)", [NL_P2, NL_FAQ],
     ["voor een looptijd die het tijdvak van de gevraagde subsidie (deels) beslaat"], []),
    ("institutional subsidy with its period (English)", [EN_P2, EN_FAQ, SUMMARY], ["(partly) cover"], []),
    ("de minimis applies to pillar 2 too (III.1.7)", [NL_P2, NL_FAQ, NL_FACTS], ["III.1.7", "economische activiteiten"], []),
    ("de minimis in pillar 2 (English)", [EN_P2, EN_FAQ, EN_FACTS, SUMMARY], ["III.1.7"], []),
    ("required items are required; the Minister *may* ask; refusal possible (II.2.2)", [NL_P1, NL_P2],
     ["bevat in ieder geval", "kan de Minister", "het tijdstip van de aanvulling", "afwijzing"], []),
    ("required items (English)", [EN_P1, EN_P2], ["contains in any case", "the Minister may ask for a supplement",
                                                 "the time of the supplement", "refused"], []),
    ("herstel in the FAQ", [NL_FAQ], ["De Minister kan om een aanvulling vragen", "kan ook worden afgewezen"], ["RVO kan om een aanvulling vragen"]),
    ("herstel in the FAQ (English)", [EN_FAQ], ["The Minister may ask for a supplement", "may also be refused"], ["RVO may ask for a supplement"]),
    ("II.1.3: the Dutch companies' value chain and market", [NL_P1],
     ["een waardeketen die een link heeft met de Nederlandse markt", "hoofdzakelijk uit in of gericht op Nederland",
      "Brancheorganisaties kunnen niet namens ondernemingen deelnemen", "toegevoegde waarde"], []),
    ("II.1.3 conditions (English)", [EN_P1], ["a value chain that has a link with the Dutch market", "mainly in or aimed at the Netherlands",
                                             "cannot take part in a partnership on behalf of companies", "add value"], []),
    ("II.1.6: own contribution not from Foreign Affairs funds", [NL_P1], ["ten laste van de begroting van het Ministerie van Buitenlandse Zaken"], []),
    ("own contribution (English)", [EN_P1, SUMMARY], ["charged to the budget of the Ministry of Foreign Affairs"], []),
    ("II.1.4: what is not eligible", [NL_P1], ["Niet subsidiabel", "activiteiten gericht op het schrijven van een aanvraag",
                                              "Fonds Bestrijding Kinderarbeid"], []),
    ("II.1.4 not eligible (English)", [EN_P1], ["Not eligible", "activities aimed at writing an application"], []),
    ("II.1.4: what the phase A plan must cover", [NL_P1], ["sociale dialoog", "genderperspectief", "nulmeting", "artikel 30 van de UN Guiding Principles"], []),
    ("phase A plan (English)", [EN_P1], ["social dialogue", "gender perspective", "baseline", "article 30 of the UN Guiding Principles"], []),
    ("I.3: the definitions that decide who counts as what", [NL_P1],
     ["een rechtspersoon, niet zijnde een maatschappelijke organisatie, die economische activiteiten uitvoert",
      "een niet over rechtspersoonlijkheid beschikkend contractueel samenwerkingsverband", "volledig aanspreekbaar en verantwoordelijk jegens de Minister"], []),
    ("I.3 definitions (English)", [EN_P1], ["a legal person, not being a civil-society organisation", "fully accountable and responsible to the Minister"], []),
    ("I.6, I.7: what follows a grant", [NL_P1, NL_P2], ["meldplicht", "steekproefsgewijs"], []),
    ("I.6, I.7 (English)", [EN_P1, EN_P2, SUMMARY], ["duty to notify", "random sample"], []),
    ("III.1.4: what basic and extra activities are", [NL_P2], ["activiteiten gericht op het behalen van de doelstellingen van het IMVO-convenant",
                                                               "direct gelinkt zijn aan een concrete afspraak (conform een artikel) in het convenant"], []),
    ("III.1.4 (English)", [EN_P2], ["activities aimed at achieving the objectives of the RBC agreement", "directly linked to a concrete arrangement"], []),
    ("I.4.2: travel outside the Netherlands, economy class", [NL_P1, NL_FACTS], ["interlokale reiskosten buiten Nederland op basis van economy class"], []),
    ("travel (English)", [EN_P1, EN_FACTS, SUMMARY], ["interlocal travel", "economy class"], []),
    ("the accessibility statement says what needs JavaScript", ["toegankelijkheid/index.html"],
     ["Waarvoor JavaScript nodig is", "zoeken", "de aanvraagformulieren"], ["werken zonder JavaScript, behalve het versturen van het aanvraagformulier"]),
    ("no invented promise of another way to apply", list(FORMS.values()),
     [], ["neem dan contact op met RVO", "contact RVO (which runs this programme, I.2) for another way to apply"]),
]


@pytest.mark.parametrize("claim, pages, present, absent", CLAIMS, ids=[c[0] for c in CLAIMS])
def test_each_page_says_what_the_regulation_says(built_site, claim, pages, present, absent):
    for path in pages:
        text = text_of(built_site, path)
        for words in present:
            assert words in text, f"{path}: missing {words!r}"
        for words in absent:
            assert words not in text, f"{path}: still says {words!r}"


def test_no_built_page_calls_the_geledingen_all_parties(built_site):
    for path in built_site.rglob("*.html"):
        assert "all parties to the agreement" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("path", [NL_APPLY, NL_P1, NL_P2, EN_APPLY, EN_P1, EN_P2] + list(FORMS.values()))
def test_the_application_pages_link_rvos_page_with_the_models(built_site, path):
    assert RVO_PAGE in Page(built_site / path).links


@pytest.mark.parametrize("path", [NL_P1, NL_P2, NL_APPLY, NL_FAQ])
def test_dutch_quotes_on_the_guides_are_the_regulation_word_for_word(built_site, path):
    """A quote of 30 characters or more, cut only at […], appears in the regulation's text."""
    html = (built_site / path).read_text(encoding="utf-8")
    quotes = [q for q in quotes_in(html[html.index("<main"):html.index("</main>")]) if len(q) >= 30]
    assert quotes, path
    assert not_in_the_regulation(quotes) == [], path


def plain(text: str) -> str:
    """Text as compared with the regulation: one kind of apostrophe and of space."""
    return " ".join(text.replace("\u2019", "'").replace("\u00a0", " ").split())


def quotes_in(html: str) -> list[str]:
    """What stands between double quotes in a piece of a page, as text."""
    return re.findall(r'"([^"]*)"', plain(html_text.unescape(re.sub(r"<[^>]+>", "", html))))


def not_in_the_regulation(quotes: list[str]) -> list[str]:
    """The fragments of these quotes (cut only at […]) that are not word for word in the regulation."""
    source = plain(REGULATION_TEXT)
    return [fragment for quote in quotes for fragment in quote.split("[…]") if plain(fragment).strip(" ,") not in source]


def test_the_regulation_page_shows_the_sources_status_lines(built_site):
    text = Page(built_site / "regeling" / "index.html").text
    for line in ("Geldend van 30-09-2022 t/m heden", "[Regeling vervalt per 01-01-2026.]", "Geraadpleegd op 29-03-2024."):
        assert line in REGULATION_TEXT and line in text, line
    assert "vervalt met ingang van 1 januari 2026" in text


def test_the_rules_speak_as_the_pages_do():
    """The rule messages use the same words: geledingen, consultancy companies, the annual budget."""
    document = load_fixture("pillar2-extra-without-statement.json")
    messages = {f.path: f for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings}
    statement = messages["$.attachments.statementOfSupport"]
    assert "alle geledingen van het convenant" in statement.message_nl
    assert "all constituent groups (geledingen) of the agreement" in statement.message_en
    document = load_fixture("pillar1-rejected-four-companies.json")
    five = next(f for f in judge(document, date(2023, 5, 1), limits=LIMITS).findings if f.path == "$.partners")
    assert "kunnen geen partner zijn" in five.message_nl and "cannot be partners" in five.message_en


# --- Required items are never labelled optional ------------------------------------------------------

def _only_required(value, schema):
    """The document with every property the schema does not require taken out, recursively."""
    if isinstance(value, dict) and schema.get("type") == "object" and "properties" in schema:
        return {k: _only_required(v, schema["properties"][k]) for k, v in value.items() if k in schema.get("required", [])}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_only_required(v, schema["items"]) for v in value]
    return value


def _incomplete_paths(pillar: int) -> set[str]:
    """Where the rules find an application incomplete, for the barest schema-valid application
    (with the conditions that make conditional items required switched on)."""
    schema = resolved_schema(PROJECT_ROOT / "schemas", pillar)
    document = copy.deepcopy(load_fixture(f"pillar{pillar}-complete.json"))
    if pillar == 1:
        document["sector"] = "other"
    else:
        document["activityTypes"] = ["extra"]
        document["penvoerder"]["economicActivity"] = True
    bare = _only_required(document, schema)
    findings = judge(bare, date(2023, 5, 1), limits=LIMITS).findings
    return {re.sub(r"\[\d+\]", "[]", f.path) for f in findings if f.severity == INCOMPLETE}


def _schema_at(schema: dict, path: str) -> dict:
    node = schema
    for part in path.removeprefix("$.").split("."):
        key = part.removesuffix("[]")
        node = node["properties"][key]
        if part.endswith("[]"):
            node = node["items"]
    return node


def _field_id(path: str) -> str:
    """The form field's id in the page: the penvoerder is built from the partner rows' template."""
    name = path.removeprefix("$.").replace("penvoerder.", "partners[].", 1) if path.startswith("$.penvoerder") else path.removeprefix("$.")
    return "f-" + name.replace("[]", ".__i0__").replace(".", "-")


def _label_of(html: str, field_id: str) -> str:
    """The text of the field's label (a <label for>), or of its group's legend or heading."""
    label = re.search(rf'<label for="{re.escape(field_id)}">(.*?)</label>', html, re.S)
    if label:
        return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", label.group(1))).split())
    start = html.index(f'id="{field_id}"')
    end = re.search(r"</(label|legend|h3)>", html[start:]).end() + start
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", html[start:end])).split())


@pytest.mark.parametrize("pillar, form", [(1, "p1-en"), (2, "p2-nl"), (2, "p2-en")])
def test_no_item_the_regulation_requires_is_labelled_optional(built_site, pillar, form):
    paths = _incomplete_paths(pillar)
    expected = ({"$.attachments.partnerForms", "$.attachments.planOfApproach", "$.attachments.budget",
                 "$.attachments.cooperationAgreement", "$.sectorJustification", "$.partners[].ownContribution",
                 "$.partners[].deMinimis.declaration", "$.penvoerder.ownContribution", "$.penvoerder.deMinimis.declaration"}
                if pillar == 1 else
                {"$.attachments.cvs", "$.attachments.activityPlan", "$.attachments.budget", "$.attachments.annualReport",
                 "$.attachments.statementOfSupport", "$.covenant.article", "$.penvoerder.deMinimis.declaration"})
    assert expected <= paths, expected - paths
    schema = resolved_schema(PROJECT_ROOT / "schemas", pillar)
    html = (built_site / FORMS[form]).read_text(encoding="utf-8")
    required_word, optional_word = ("verplicht", "optioneel") if form.endswith("nl") else ("required", "optional")
    for path in paths:
        # the rules' finding may name the item or a part of it (an organisation's own contribution as a whole)
        node_path = path.removesuffix(".declaration") if path.endswith("deMinimis.declaration") else path
        assert _schema_at(schema, node_path).get("x-needed"), path
        label = _label_of(html, _field_id(node_path))
        assert f"({required_word}" in label and optional_word not in label, f"{path}: {label!r}"
    # and no attachment on the form says optional
    for found in re.finditer(r'data-kind="attachment(-list)?"', html):
        block = html[found.start():html.index("</label>", found.start())]
        assert optional_word not in block and required_word in block


def test_the_form_says_what_leaving_a_required_item_out_costs(built_site):
    for form, words in (("p2-nl", ["bevat in ieder geval", "kan dan om een aanvulling vragen", "afgewezen"]),
                        ("p1-en", ["contains in any case", "may then ask for a supplement", "refused"])):
        text = text_of(built_site, FORMS[form])
        for word in words:
            assert word in text, (form, word)
