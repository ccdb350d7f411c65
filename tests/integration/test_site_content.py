"""The programme site's content, from a real Pelican build, checked against the regulation's text."""

import re
import sys
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from imvo.settings import PROJECT_ROOT

SOURCE_DIR = PROJECT_ROOT / "content" / "source"
REGULATION_TEXT = (SOURCE_DIR / "beleidsregels-sectorale-samenwerking-imvo-2022-2025.txt").read_text(encoding="utf-8")


class Page(HTMLParser):
    """Headings, ids, links, text and <html lang> of one built page."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.headings, self.ids, self.links, self.text_parts = [], set(), [], []
        self.lang, self._heading = None, None
        self.feed(path.read_text(encoding="utf-8"))
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._heading is not None:
            self._heading.append(data)


def source_headings() -> list[str]:
    """Every article and section heading of the regulation's text."""
    found = []
    for line in REGULATION_TEXT.splitlines():
        line = line.strip()
        if re.fullmatch(r"Artikel \d+", line) or line in ("Bijlage", "Basisactiviteiten", "Extra activiteiten"):
            found.append(line)
        elif re.match(r"^(I|II|III)\.(\d+\.)*\s", line) and len(line) < 90:
            found.append(line)
        elif line.startswith("Annex I") or re.match(r"^Stap \d – ", line):
            found.append(line)
    return found


def test_every_article_and_section_heading_of_the_source_is_a_heading_on_the_regulation_page(built_site):
    headings = Page(built_site / "regeling" / "index.html").headings
    expected = source_headings()
    assert len(expected) == 57  # 5 articles, Bijlage, 42 sections of I–III, 2 activity kinds, Annex I, 6 steps
    missing = [h for h in expected if h not in headings]
    assert missing == []


def test_sections_have_stable_anchors(built_site):
    ids = Page(built_site / "regeling" / "index.html").ids
    for anchor in ["artikel-1", "artikel-4", "i-4-1", "ii-1-3", "ii-1-6", "ii-2-2", "iii-1-6", "iii-3-1", "annex-i"]:
        assert anchor in ids


def test_footnotes_are_links_and_all_26_are_there(built_site):
    page = Page(built_site / "regeling" / "index.html")
    references = [link for link in page.links if link.startswith("#fn:")]
    assert sorted({int(r[4:]) for r in references}) == list(range(1, 27))
    assert "https://www.rvo.nl/sectorale-samenwerking" in page.links


def test_indicator_tables_of_annex_i_are_real_tables(built_site):
    html = (built_site / "annex-i" / "index.html").read_text()
    assert html.count("<table>") == 2
    assert "<th>Indicator (# = aantal)</th>" in html
    assert "Klachtenmechanisme met verschillende mogelijkheden" in html


def test_regulation_text_is_complete(built_site):
    """Every paragraph of the source text appears on the page, word for word.

    Compared on letters only: footnote numbers became links and list markers became HTML."""
    text = _letters(Page(built_site / "regeling" / "index.html").text)
    start = REGULATION_TEXT.index("Besluit van de Minister")
    end = REGULATION_TEXT.index("  1. https://www.rvo.nl")
    paragraphs = [_letters(p) for p in REGULATION_TEXT[start:end].split("\n")]
    paragraphs = [p for p in paragraphs if len(p) > 3]
    assert len(paragraphs) > 250
    missing = [p[:80] for p in paragraphs if p not in text]
    assert missing == []


def _letters(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+|\d+|_", " ", text).split())


def test_annex_i_page_has_all_six_steps(built_site):
    headings = Page(built_site / "annex-i" / "index.html").headings
    for step in range(1, 7):
        assert any(h.startswith(f"Stap {step} – ") for h in headings), step


def test_the_four_criteria_of_iii_3_1_are_on_the_regulation_page(built_site):
    text = Page(built_site / "regeling" / "index.html").text
    for start in ["a. (i) De activiteiten waarvoor subsidie wordt aangevraagd",
                  "b. De voorgestelde medewerkers",
                  "c. (i) De voorgestelde activiteiten zijn haalbaar",
                  "d. Er bestaat een logische rolverdeling"]:
        assert start in text


@pytest.mark.parametrize("path, expected", [
    ("kerngegevens/index.html", ["€ 87,50", "26 september 2023, 12.00 uur Nederlandse tijd", "10 oktober 2022",
                                 "€ 9.000.000", "€ 6.000.000", "€ 3.000.000", "€ 2.300.000", "50%",
                                 "€ 200.000", "100%", "€ 100.000", "€ 150.000", "31 augustus 2028",
                                 "31 december 2025", "maximaal 3 subsidies per sector", "loting", "10%"]),
    ("en/key-facts/index.html", ["€87.50", "26 September 2023, 12:00 Dutch time", "€9,000,000", "€6,000,000",
                                 "€3,000,000", "€2,300,000", "€200,000", "€100,000", "€150,000",
                                 "31 August 2028", "at most 3 grants per sector", "lottery"]),
])
def test_key_facts_appear_where_they_belong(built_site, path, expected):
    text = Page(built_site / path).text
    for fact in expected:
        assert fact in text, fact


def test_key_facts_come_from_the_data_file(built_site):
    import json

    facts = json.loads((PROJECT_ROOT / "content" / "data" / "programme.json").read_text())
    assert facts["costs"]["hourly_rate_max"]["value"] == "87.50"
    assert facts["ceilings"]["pillar2"] == 2300000


@pytest.mark.parametrize("path, lang", [("sectoren/index.html", "nl"), ("en/sectors/index.html", "en")])
def test_all_twelve_sectors_of_ii_2_1(built_site, path, lang):
    import json

    sectors = json.loads((PROJECT_ROOT / "content" / "data" / "programme.json").read_text())["sectors"]["items"]
    html = (built_site / path).read_text()
    assert len(sectors) == 12
    assert html.count('<li id="') == 12
    for sector in sectors:
        assert sector[lang].replace("&", "&amp;") in html


def test_faq_has_twenty_answers_each_linking_to_a_section(built_site):
    for path in ("veelgestelde-vragen/index.html", "en/faq/index.html"):
        html = (built_site / path).read_text()
        answers = re.split(r"<h2 id=", html)[1:]
        assert len(answers) >= 20, path
        for answer in answers:
            assert "/regeling/#" in answer, answer[:80]


def test_evaluation_outcomes_are_marked_as_such(built_site):
    for path, marker in (("veelgestelde-vragen/index.html", "Uitkomst van de evaluatie"),
                         ("en/faq/index.html", "Evaluation outcome")):
        html = (built_site / path).read_text()
        for figure in ("47%", "20%", "33%"):
            paragraph = next(p for p in html.split("<p") if figure in p)
            assert 'class="evaluation"' in paragraph and marker in paragraph


@pytest.mark.parametrize("nl, en", [
    ("aanvragen/index.html", "en/how-to-apply/index.html"),
    ("aanvragen/pijler-1/index.html", "en/how-to-apply/pillar-1/index.html"),
    ("aanvragen/pijler-2/index.html", "en/how-to-apply/pillar-2/index.html"),
    ("veelgestelde-vragen/index.html", "en/faq/index.html"),
    ("sectoren/index.html", "en/sectors/index.html"),
    ("kerngegevens/index.html", "en/key-facts/index.html"),
    ("regeling/index.html", "en/regulation/index.html"),
])
def test_english_versions_are_linked_with_hreflang(built_site, nl, en):
    nl_html, en_html = (built_site / nl).read_text(), (built_site / en).read_text()
    assert Page(built_site / nl).lang == "nl" and Page(built_site / en).lang == "en"
    assert f'hreflang="en" href="/{en.removesuffix("index.html")}"' in nl_html
    assert f'hreflang="nl" href="/{nl.removesuffix("index.html")}"' in en_html


def test_how_to_apply_names_the_attachments_and_herstel(built_site):
    p1 = Page(built_site / "aanvragen" / "pijler-1" / "index.html").text
    for item in ("de-minimisverklaring per onderneming", "samenwerkingsovereenkomst", "plan van aanpak",
                 "in het Engels", "Als datum en tijd van ontvangst van de aanvraag zal vervolgens gelden de datum en tijd waarop de aanvulling is ontvangen"):
        assert item in p1
    p2 = Page(built_site / "en" / "how-to-apply" / "pillar-2" / "index.html").text
    for item in ("CVs", "activity plan", "budget", "supported by all constituent groups of the agreement", "becomes the time of receipt"):
        assert item in p2


def test_every_internal_link_and_anchor_resolves(built_site):
    pages = {path: Page(path) for path in built_site.rglob("*.html") if "pagefind" not in path.parts}
    problems = []
    for path, page in pages.items():
        for href in page.links:
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target_path, _, anchor = href.partition("#")
            if target_path:
                target = built_site / target_path.lstrip("/")
                target = target / "index.html" if target.is_dir() else target
            else:
                target = path
            if not target.exists():
                problems.append(f"{path.relative_to(built_site)} → {href}: no such page")
            elif anchor and target.suffix == ".html" and anchor not in pages[target].ids:
                problems.append(f"{path.relative_to(built_site)} → {href}: no such anchor")
    assert problems == []


def test_sitemap_robots_and_404(built_site):
    sitemap = (built_site / "sitemap.xml").read_text()
    assert "<loc>/regeling/</loc>" in sitemap and "<loc>/en/faq/</loc>" in sitemap
    assert "404.html" not in sitemap
    assert "Sitemap:" in (built_site / "robots.txt").read_text()
    assert (built_site / "404.html").exists()


def test_no_page_refers_to_another_host_for_assets(built_site):
    for path in built_site.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), path


def test_search_index_is_built_per_language(built_site):
    entry = (built_site / "pagefind" / "pagefind-entry.json").read_text()
    assert '"nl"' in entry and '"en"' in entry


def test_regulation_pdf_is_generated_and_linked(built_site):
    pdf = built_site / "regeling" / "beleidsregels-sectorale-samenwerking-imvo-2022-2025.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf.read_bytes())).pages)
    for heading in ("Artikel 4", "II.1.3. Wie kunnen in aanmerking komen voor een subsidie", "Annex I"):
        assert heading in text
    assert "beleidsregels-sectorale-samenwerking-imvo-2022-2025.pdf" in (built_site / "regeling" / "index.html").read_text()
    assert "Inhoudsopgave" not in text


def test_regulation_page_is_what_the_converter_makes_of_the_source(tmp_path):
    sys.path.insert(0, str(SOURCE_DIR))
    import regulation_to_markdown

    regulation = regulation_to_markdown.convert(REGULATION_TEXT)
    assert regulation == (PROJECT_ROOT / "content" / "pages" / "regeling.md").read_text(encoding="utf-8")
    assert regulation_to_markdown.annex(regulation) == (PROJECT_ROOT / "content" / "pages" / "annex-i.md").read_text(encoding="utf-8")


def test_the_form_script_is_es_modules_by_concern_small_and_minified(built_site):
    """Issue 15: the form's script is split by concern into ES modules that the browser loads natively
    (no bundler), each small enough to read at once, and minified in the build."""
    sources = sorted((PROJECT_ROOT / "theme" / "static" / "js" / "form").glob("*.js"))
    names = {p.stem for p in sources}
    assert {"main", "context", "steps", "fields", "findings", "rows", "uploads", "drafts", "check-page", "submit"} <= names
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 150, source.name
        assert text.startswith("// "), f"{source.name} says what it is for in its first line"
        built = (built_site / "theme" / "js" / "form" / source.name).read_text(encoding="utf-8")
        assert len(built) < len(text) and "\n// " not in built  # minified: comments and indentation gone
    page = (built_site / "en" / "apply" / "pillar-1" / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="/theme/js/form/main.js"></script>' in page
    assert not (built_site / "theme" / "js" / "form.js").exists()
