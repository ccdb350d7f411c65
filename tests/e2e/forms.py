"""Filling in the application forms as an applicant would: helpers for the browser tests."""

from __future__ import annotations

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF + name.encode()}


def fill_organisation(page, prefix: str, org: dict, pillar: int) -> None:
    """prefix: 'penvoerder' or 'partners.0'; fills the fields of one organisation and its first budget year."""
    base = "#f-" + prefix.replace(".", "-")
    page.fill(f"{base}-name", org["name"])
    page.fill(f"{base}-legalForm", org["legalForm"])
    page.fill(f"{base}-registrationNumber", org["registrationNumber"])
    page.fill(f"{base}-statutorySeatCountry", org["statutorySeatCountry"])
    if pillar == 1:
        page.select_option(f"{base}-kind", org["kind"])
        page.check(f"{base}-dutchEstablishment-{'true' if org['dutchEstablishment'] else 'false'}")
        if org["kind"] == "company":  # asked of companies only (II.1.3)
            page.check(f"{base}-mainlyConsultancy-{'true' if org['mainlyConsultancy'] else 'false'}")
        else:
            assert page.is_hidden(f"{base}-mainlyConsultancy")
        page.select_option(f"{base}-integrityPolicy", org["integrityPolicy"])
    else:
        # pillar 2 has only civil-society organisations (III.1.3): the form says so and does not ask
        assert page.input_value(f"[name='{prefix}.kind']") == "cso" and org["kind"] == "cso"
        page.check(f"{base}-partyToCovenant-{'true' if org['partyToCovenant'] else 'false'}")
        page.check(f"{base}-institutionalSubsidy-{'true' if org['institutionalSubsidy'] else 'false'}")
        page.check(f"{base}-economicActivity-{'true' if org['economicActivity'] else 'false'}")
    year = org["budget"][0]
    page.fill(f"{base}-budget-0-year", str(year["year"]))
    page.fill(f"{base}-budget-0-hours", str(year["hours"]))
    page.fill(f"{base}-budget-0-hourlyRate", str(year["hourlyRate"]))
    page.fill(f"{base}-budget-0-travelCosts", str(year["travelCosts"]))


def company(name: str, number: str) -> dict:
    return {"name": name, "legalForm": "B.V.", "registrationNumber": number, "statutorySeatCountry": "NL",
            "dutchEstablishment": True, "kind": "company", "mainlyConsultancy": False, "integrityPolicy": "in-place",
            "budget": [{"year": 1, "hours": 400, "hourlyRate": 87.5, "travelCosts": 1000}]}


def cso(name: str, number: str) -> dict:
    return {"name": name, "legalForm": "stichting", "registrationNumber": number, "statutorySeatCountry": "NL",
            "kind": "cso", "partyToCovenant": True, "institutionalSubsidy": False, "economicActivity": False,
            "budget": [{"year": 1, "hours": 600, "hourlyRate": 80, "travelCosts": 1500}]}


def next_step(page, check=None) -> None:
    """Save and continue; `check(page)` first looks at the step as it stands (e.g. axe)."""
    if check:
        check(page)
    page.locator("section.step:not([hidden]) [data-go=next]").click()
