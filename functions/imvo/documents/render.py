"""HTML to tagged PDF (PDF/UA-1) with WeasyPrint, safely: escaped user text and a fetcher that refuses every URL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _refusing_fetcher_class():
    from weasyprint.urls import URLFetcher

    class _Refusing(URLFetcher):
        """Fetch nothing: no file:, http:, data: or any other URL. Our documents carry their CSS inline.

        User text could smuggle in <img src="file:///etc/passwd"> (escaped by Jinja anyway) or a CSS
        url(); whatever WeasyPrint is asked to fetch is refused here and noted in `refused`.
        """

        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.refused.append(url)
            raise ValueError(f"fetching is not allowed: {url}")

    return _Refusing


@lru_cache(maxsize=1)
def templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


def render_html(template_name: str, **context) -> str:
    return templates().get_template(template_name).render(**context)


def html_to_pdf(html: str, cache: dict | None = None, attachments: dict[str, bytes] | None = None) -> tuple[bytes, list[str]]:
    """The PDF bytes and the URLs that rendering tried to fetch (all refused); `attachments` are embedded files
    (name: content), such as a receipt's signed form for machines."""
    import io

    import weasyprint  # ~0.4 s to import: kept off the submit path

    fetcher = _refusing_fetcher_class()()
    document = weasyprint.HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    embedded = [weasyprint.Attachment(file_obj=io.BytesIO(content), name=name, url_fetcher=fetcher,
                                      description="Ondertekend ontvangstbewijs / signed receipt")
                for name, content in (attachments or {}).items()]
    # PDF/UA-1: a tagged PDF (headings, paragraphs, tables in a structure tree) with the document's
    # language from <html lang> and its title from <title>, so screen readers can read it.
    pdf = document.write_pdf(cache=cache if cache is not None else {}, uncompressed_pdf=False, pdf_variant="pdf/ua-1",
                             attachments=embedded)
    return pdf, fetcher.refused
