"""Site build time against a one-page Pelican build, and every page's weight against the 100 KB aim."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parents[2]
PAGE_BUDGET = 100 * 1024


def _build(settings_file: Path, path: Path, output: Path, **override) -> float:
    settings = read_settings(str(settings_file), override={"PATH": str(path), "OUTPUT_PATH": str(output),
                                                           "CACHE_PATH": str(output / ".cache"), **override})
    started = time.perf_counter()
    Pelican(settings).run()
    return time.perf_counter() - started


def _baseline(workdir: Path) -> float:
    """Pelican's own simple theme, one Markdown page, no plugins: the floor of any Pelican build."""
    content = workdir / "baseline-content" / "pages"
    content.mkdir(parents=True)
    (content / "one.md").write_text("Title: One\n\nOne page.\n")
    conf = workdir / "baseline.py"
    conf.write_text("SITENAME='baseline'\nTIMEZONE='Europe/Amsterdam'\nPAGE_PATHS=['pages']\nARTICLE_PATHS=[]\nDIRECT_TEMPLATES=[]\n"
                    "FEED_ALL_ATOM=None\nCATEGORY_FEED_ATOM=None\nAUTHOR_FEED_ATOM=None\nAUTHOR_FEED_RSS=None\n"
                    "TRANSLATION_FEED_ATOM=None\nPLUGINS=[]\n")
    return _build(conf, content.parent, workdir / "baseline-output")


def page_weight(site: Path, page: Path) -> int:
    """HTML plus every stylesheet and script it loads from this site, in bytes."""
    html = page.read_text(encoding="utf-8")
    total = len(html.encode("utf-8"))
    # Every script or stylesheet of this site the page names, also one it loads only when used
    # (the search page's Pagefind script).
    for asset in sorted(set(re.findall(r'"(/[^"]+\.(?:css|js))"', html))):
        total += (site / asset.lstrip("/")).stat().st_size
    return total


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        baseline = min(_baseline(workdir / f"b{i}") for i in range(3) if not (workdir / f"b{i}").mkdir())
        output = workdir / "site"
        full = _build(ROOT / "pelicanconf.py", ROOT / "content", output, THEME=str(ROOT / "theme"))
        pages = sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)
        print(f"site build ({len(pages)} pages, regulation PDF, search index): {full:.2f} s")
        print(f"baseline (one-page Pelican build, best of 3): {baseline:.2f} s")
        print(f"ratio: {full / baseline:.1f}x the baseline")
        print(f"\n{'page':45} {'bytes':>8} {'of 100 KB':>10}")
        heaviest = 0
        for page in pages:
            weight = page_weight(output, page)
            heaviest = max(heaviest, weight)
            flag = "" if weight <= PAGE_BUDGET else "  over budget"
            print(f"/{str(page.relative_to(output)):44} {weight:>8} {weight / PAGE_BUDGET:>9.2f}x{flag}")
        print(f"heaviest page: {heaviest} bytes = {heaviest / PAGE_BUDGET:.2f}x the 100 KB aim (the regulation PDF is not a page)")
