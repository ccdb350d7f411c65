"""A real Pelican build of the site: pages, facts from the data file, the form from the schema."""

import re
from html.parser import HTMLParser

import pytest

from imvo.settings import PROJECT_ROOT


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names, self.links, self.html_lang = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.append(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse(path):
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def test_home_pages_in_dutch_and_english_show_the_ceilings_of_artikel_3(built_site):
    home_nl = (built_site / "index.html").read_text()
    assert parse(built_site / "index.html").html_lang == "nl"
    assert "€ 6.000.000" in home_nl and "€ 3.000.000" in home_nl and "€ 2.300.000" in home_nl
    assert "26 september 2023, 12.00 uur Nederlandse tijd" in home_nl
    assert parse(built_site / "en" / "index.html").html_lang == "en"
    assert 'hreflang="en"' in home_nl


def _expected_fields(schema, prefix="", depth=0):
    """Every answer the schema asks for, named as the generated form names it (rows as __iN__)."""
    for key, sub in schema["properties"].items():
        name = prefix + key
        if "const" in sub or (sub.get("x-penvoerder-only") and name.startswith("partners.")):
            continue
        if sub.get("type") == "object" and {"key", "sha256", "filename"} <= set(sub["properties"]):
            yield from (f"{name}.{part}" for part in sub["properties"])  # key, sha256, filename, verified
        elif sub.get("type") == "object":
            yield from _expected_fields(sub, name + ".", depth)
        elif sub.get("type") == "array" and sub["items"].get("type") == "object":
            if {"key", "sha256"} <= set(sub["items"].get("properties", {})):
                yield f"upload:{name}"  # a file input; the rows are added as files are uploaded
            else:
                yield from _expected_fields(sub["items"], f"{name}.__i{depth}__.", depth + 1)
        else:
            yield name


@pytest.mark.parametrize("pillar, path", [(1, "en/apply/pillar-1/index.html"), (2, "aanvragen/pijler-2/formulier/index.html"),
                                          (2, "en/apply/pillar-2/index.html")])
def test_form_has_a_field_for_every_schema_answer(built_site, pillar, path):
    from imvo.intake.validation import resolved_schema

    html = (built_site / path).read_text()
    form = parse(built_site / path)
    names = set(form.names) | {f"upload:{m}" for m in re.findall(r'data-upload-for="([^"]+)" data-multiple', html)}
    # The penvoerder is built in the browser from the partner rows' template (one copy of the markup),
    # so its answers are the template's, under its own name.
    assert 'data-instance="penvoerder"' in html and 'data-instance-of="partners"' in html
    # (its own rows keep the template's placeholders, one level deeper than if it were written out).
    def as_penvoerder(name):
        name = name.replace("partners.__i0__.", "penvoerder.", 1)
        return re.sub(r"__i(\d)__", lambda m: f"__i{int(m.group(1)) - 1}__", name)

    names |= {as_penvoerder(n) for n in names if "partners.__i0__." in n}
    expected = set(_expected_fields(resolved_schema(PROJECT_ROOT / "schemas", pillar)))
    penvoerder_only = {"partners.__i0__." + re.sub(r"__i(\d)__", lambda m: f"__i{int(m.group(1)) + 1}__", n[len("penvoerder."):])
                       for n in expected if n.startswith("penvoerder.annualBudgets")}
    assert names == expected | penvoerder_only


def test_demo_opening_is_announced_by_a_banner(built_site):
    assert "Demo opening (local only)" in (built_site / "en" / "index.html").read_text()
    assert "Demo-openstelling (alleen lokaal)" in (built_site / "index.html").read_text()


def test_every_internal_link_resolves(built_site):
    for page in built_site.rglob("*.html"):
        for href in parse(page).links:
            if href.startswith(("http:", "https:", "mailto:", "#")):
                continue
            target = built_site / href.split("#")[0].lstrip("/")
            assert target.exists() or (target / "index.html").exists(), f"{page}: {href}"


def test_the_console_is_built_but_kept_out_of_search_engines_the_sitemap_and_the_search(built_site):
    console = (built_site / "beheer" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in console
    assert 'data-pagefind-ignore="all"' in console and 'id="sign-in-form"' in console
    assert "beheer" not in (built_site / "sitemap.xml").read_text(encoding="utf-8")
    public = [page for page in built_site.rglob("*.html") if "beheer" not in page.parts]
    assert public and not any(link.startswith("/beheer") for page in public for link in parse(page).links)


def test_the_budget_meter_is_on_the_home_and_key_facts_pages_in_both_languages(built_site):
    for path, lang in (("index.html", "nl"), ("kerngegevens/index.html", "nl"), ("en/index.html", "en"),
                       ("en/key-facts/index.html", "en")):
        html = (built_site / path).read_text(encoding="utf-8")
        assert f'data-lang="{lang}"' in html and 'data-budget="/budget.json"' in html and "budget.js" in html, path


def test_the_api_description_is_published_whole_and_explained_in_both_languages(built_site):
    import json

    from openapi_spec_validator import validate

    description = json.loads((built_site / "openapi.json").read_text(encoding="utf-8"))
    validate(description)
    text = json.dumps(description)
    assert '"$ref": "pillar-' not in text and '"$ref": "common' not in text  # self-contained: no file references
    assert description["components"]["schemas"]["Pillar1Application"]["properties"]["penvoerder"]["properties"]["contact"]
    operations = [(method, path) for path, ops in description["paths"].items() for method in ops]
    for page in ("koppelen/index.html", "en/api/index.html"):
        html = (built_site / page).read_text(encoding="utf-8")
        assert all(f"<code>{method.upper()} {path}</code>" in html for method, path in operations), page
        assert 'href="/openapi.json"' in html
