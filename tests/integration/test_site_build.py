"""A real Pelican build of the site: pages, facts from the data file, the form from the schema."""

import json
from html.parser import HTMLParser

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


def test_pillar_1_form_has_a_field_for_every_schema_leaf(built_site):
    schema = json.loads((PROJECT_ROOT / "schemas" / "pillar-1.schema.json").read_text())

    def leaves(node, prefix=""):
        for key, sub in node["properties"].items():
            name = f"{prefix}{key}"
            if sub.get("type") == "object":
                yield from leaves(sub, name + ".")
            else:
                yield name

    form = parse(built_site / "en" / "apply" / "pillar-1" / "index.html")
    assert form.html_lang == "en"
    assert sorted(form.names) == sorted(leaves(schema))


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
