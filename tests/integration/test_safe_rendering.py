"""WeasyPrint renders user text safely: escaped, and nothing fetched (WeasyPrint ≥ 69, our refusing fetcher)."""

import io
from importlib.metadata import version

from pypdf import PdfReader

from imvo.documents.application_document import application_pdf
from imvo.documents.render import html_to_pdf

from tests.conftest import load_fixture

HOSTILE = ['<img src="file:///etc/passwd">', "<style>body { background: url(http://169.254.169.254/latest/meta-data/) }</style>",
           "x{background:url(file:///etc/shadow)}", '<link rel="attachment" href="file:///etc/hosts">']


def stored_with(text):
    application = load_fixture("pillar1-complete.json")
    application["project"]["summary"] = " ".join(HOSTILE)
    application["penvoerder"]["name"] = text
    return {"receipt": {"reference": "IMVO-20230315-TESTTEST", "receivedAt": "2023-03-15T09:15:30.250Z", "pillar": 1,
                        "opening": "2022-1", "status": "parts_present", "sha256": "0" * 64, "attachments": []},
            "application": application, "findings": []}


def test_weasyprint_is_pinned_at_a_version_with_the_fetcher_fixes():
    assert int(version("weasyprint").split(".")[0]) >= 69


def test_hostile_fields_show_as_text_and_nothing_is_fetched(monkeypatch):
    from imvo.documents import render

    fetched = []
    original = render.html_to_pdf

    def spy(html, cache=None):
        pdf, refused = original(html, cache)
        fetched.extend(refused)
        return pdf, refused

    monkeypatch.setattr("imvo.documents.application_document.html_to_pdf", spy)
    pdf = application_pdf(stored_with('<img src="file:///etc/passwd">'), "Programma")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")
    assert '<img src="file:///etc/passwd">' in text
    packed = "".join(text.split())  # long words wrap over lines in the PDF
    assert "background:url(http://169.254.169.254/latest/meta-data/)" in packed
    assert "x{background:url(file:///etc/shadow)}" in packed
    assert fetched == []
    assert b"root:x:0:0" not in pdf


def test_the_fetcher_refuses_every_scheme_even_in_our_own_markup():
    html = ('<html><body><img src="file:///etc/passwd"><img src="http://127.0.0.1:1/x.png">'
            '<div style="background: url(data:image/png;base64,iVBORw0KGgo=)">x</div>'
            '<link rel="attachment" href="file:///etc/hosts"></body></html>')
    pdf, refused = html_to_pdf(html)
    assert set(refused) >= {"file:///etc/passwd", "http://127.0.0.1:1/x.png", "file:///etc/hosts"}
    assert any(url.startswith("data:") for url in refused)
    assert b"/EmbeddedFile" not in pdf and b"localhost" not in pdf
