"""Pelican plugin: the regulation page as a PDF, rendered at build time with our safe WeasyPrint setup."""

from __future__ import annotations

import re
from pathlib import Path

from pelican import signals

from imvo.documents.render import html_to_pdf, render_html

PAGE = Path("regeling") / "index.html"
PDF_NAME = "beleidsregels-sectorale-samenwerking-imvo-2022-2025.pdf"


def regulation_pdf(pelican) -> None:
    output = Path(pelican.output_path)
    page = output / PAGE
    if not page.exists():
        return
    html = page.read_text(encoding="utf-8")
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)
    # Navigation of the web page (contents list, PDF link) has no place in the printed text.
    main = re.sub(r'<nav[^>]*class="toc"[^>]*>.*?</nav>', "", main, flags=re.S)
    main = re.sub(r'<p class="download">.*?</p>', "", main, flags=re.S)
    document = render_html("regulation-pdf.html", body=main, title=pelican.settings["SITENAME"])
    pdf, _refused = html_to_pdf(document)
    (page.parent / PDF_NAME).write_bytes(pdf)


def register():
    signals.finalized.connect(regulation_pdf)
