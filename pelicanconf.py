"""Pelican settings of the programme site; the key facts come from the same file the functions read."""

import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "functions"))

from imvo.programme.facts import load_facts, load_openings  # noqa: E402
from imvo.settings import ENV_EXTRA_OPENINGS  # noqa: E402
from imvo.intake.attachments import MAX_ATTACHMENT_BYTES  # noqa: E402
from imvo.programme.texts import format_date, format_euro, format_percentage  # noqa: E402
from imvo.intake.validation import available_pillars, resolved_schema  # noqa: E402

SITENAME = "Subsidieprogramma Sectorale Samenwerking IMVO 2022–2025"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANG = "nl"
DEFAULT_DATE = "fs"

# A site of pages: no blog, feeds, authors, tags or categories.
DIRECT_TEMPLATES = []
ARTICLE_PATHS = []
PAGE_PATHS = ["pages"]
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
AUTHOR_SAVE_AS = CATEGORY_SAVE_AS = TAG_SAVE_AS = ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = TAGS_SAVE_AS = INDEX_SAVE_AS = ""
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
SLUGIFY_SOURCE = "basename"
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False, "toc_depth": "2-4"},
        "markdown.extensions.attr_list": {},
    },
    "output_format": "html5",
}

# The main menu per language: (title, URL as Pelican writes it).
MENU = {
    "nl": [("Home", ""), ("Regeling", "regeling/"), ("Kerngegevens", "kerngegevens/"), ("Sectoren", "sectoren/"),
           ("Aanvragen", "aanvragen/"), ("Veelgestelde vragen", "veelgestelde-vragen/"), ("Zoeken", "zoeken/")],
    "en": [("Home", "en/"), ("Regulation (summary)", "en/regulation/"), ("Key facts", "en/key-facts/"),
           ("Sectors", "en/sectors/"), ("How to apply", "en/how-to-apply/"), ("FAQ", "en/faq/"),
           ("Search", "en/search/")],
}

# Plugins: the XML sitemap (pelican-sitemap), the regulation as PDF, the Pagefind search index, and
# our scripts minified.
PLUGIN_PATHS = [str(ROOT / "plugins")]
PLUGINS = ["pelican.plugins.sitemap", "regulation_pdf", "search_index", "minify_assets", "api_description"]
SITEMAP = {"format": "xml", "exclude": ["404.html", "^beheer/"],
           "priorities": {"articles": 0.5, "indexes": 0.5, "pages": 0.5},
           "changefreqs": {"articles": "monthly", "indexes": "monthly", "pages": "monthly"}}
STATIC_PATHS = ["extra/robots.txt", "extra/herbereken-loting.py"]
EXTRA_PATH_METADATA = {"extra/robots.txt": {"path": "robots.txt"},
                       "extra/herbereken-loting.py": {"path": "downloads/herbereken-loting.py"}}

# The key facts and the application schemas, for the templates (see theme/templates/).
DATA_DIR = ROOT / "content" / "data"
PROGRAMME = load_facts(DATA_DIR)
SCHEMAS = {pillar: resolved_schema(ROOT / "schemas", pillar) for pillar in available_pillars(ROOT / "schemas")}

UPLOAD_MAX_BYTES = MAX_ATTACHMENT_BYTES

# The API description, for the page that explains the intake to organisations that integrate with it.
OPENAPI = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text(encoding="utf-8"))

# `make run` sets IMVO_EXTRA_OPENINGS_FILE to the demo opening: the site then shows a banner for it.
_extra = os.environ.get(ENV_EXTRA_OPENINGS)
DEMO_OPENINGS = [o for o in load_openings(DATA_DIR, Path(_extra)) if o.demo] if _extra else []

# Escape everything by default (Markdown output is marked |safe where it is placed).
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

JINJA_FILTERS = {"euro": format_euro, "date_text": format_date, "percentage": format_percentage,
                 "dict_without": lambda d, key: {k: v for k, v in d.items() if k != key}}
