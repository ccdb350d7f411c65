"""Turns the regulation's text (beleidsregels-….txt) into the Markdown of the regulation page.

Run from the repository root: python content/source/regulation_to_markdown.py. The page must stay
faithful to the text, so tests/integration/test_regulation_page.py checks that running this again
gives exactly content/pages/regeling.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SOURCE = Path(__file__).with_name("beleidsregels-sectorale-samenwerking-imvo-2022-2025.txt")
TARGET = Path(__file__).resolve().parents[1] / "pages" / "regeling.md"
ANNEX_TARGET = Path(__file__).resolve().parents[1] / "pages" / "annex-i.md"

HEADER = """Title: Beleidsregels Sectorale Samenwerking IMVO 2022–2025
Slug: regeling
Lang: nl
URL: regeling/
Save_as: regeling/index.html
Template: regulation
Summary: De volledige tekst van het besluit en de beleidsregels, met de bijlage en Annex I.

<nav class="toc" aria-labelledby="inhoudsopgave" markdown="1">
<p class="toc-title" id="inhoudsopgave">Inhoudsopgave</p>

[TOC]

</nav>

"""

SECTION = re.compile(r"^(?P<num>(?:I|II|III)\.(?:\d+\.)*)\s+(?P<title>.+)$")
FOOTNOTE_LINE = re.compile(r"^\s+(\d+)\.\s+(.*?)\s+\^\s+\[\d+\]$")


def anchor(number: str) -> str:
    return number.rstrip(".").lower().replace(".", "-")


def link_urls(text: str) -> str:
    return re.sub(r"(https?://[^\s)]+?)(\.?)(?=\s|$)", r"<\1>\2", text)


def footnotes(lines: list[str]) -> dict[int, str]:
    notes = {}
    for line in lines:
        found = FOOTNOTE_LINE.match(line)
        if found:
            notes[int(found.group(1))] = link_urls(found.group(2))
    return notes


# The text right before each footnote number in the source. Footnote numbers stand glued to a word
# ("IMVO-beleid2") or after a space ("Conduct’; 5"), so a pattern alone would also take "artikel 2".
FOOTNOTE_AFTER = {
    1: "vermelde bescheiden.", 2: "IMVO-beleid", 3: "(FVO)", 4: "IMVO-convenanten.",
    5: "Responsible Business Conduct’; ", 6: "worden aangeboden; ", 7: "voorkomen en mitigeren ",
    8: "als zodanig geregistreerd; ", 9: "gedefinieerd en uitgewerkt; ", 10: "wordt gefinancierd; ",
    11: "(OESO); ", 12: "grensoverschrijdend niveau; ", 13: "definitie OESO-richtlijnen); ",
    14: "UN Guiding Principles ", 15: "Reisregeling buitenland.", 16: "gepaste zorgvuldigheid",
    17: "toekomstige wet", 18: "due diligence handreiking", 19: "Fonds Bestrijding Kinderarbeid",
    20: "binnen de OESO", 21: "voor dialoog’,", 22: "in lijn met de OESO-richtlijnen.",
    23: "UN Guiding Principles.", 24: "maatschappelijke organisaties", 25: "maatschappelijke organisaties",
    26: "eerdere evaluaties",
}


def mark_footnotes(body: str, count: int) -> str:
    """Replace footnote number N by a Markdown footnote reference, in order, each after the last."""
    position = 0
    for number in range(1, count + 1):
        pattern = re.compile(re.escape(FOOTNOTE_AFTER[number]) + rf"{number}(?!\d)")
        found = pattern.search(body, position)
        if not found:
            raise SystemExit(f"footnote {number} not found after position {position}")
        at = found.end() - len(str(number))
        body = body[:at] + f"[^{number}]" + body[found.end():]
        position = at
    return body


def table(rows: list[tuple[str, str, list[str]]], headers: tuple[str, str, str]) -> list[str]:
    out = [f"| {headers[0]} | {headers[1]} | {headers[2]} |", "| --- | --- | --- |"]
    for first, second, indicators in rows:
        cell = "<br>".join(i.lstrip("–- ").strip() for i in indicators)
        out.append(f"| {first} | {second} | {cell} |")
    return out + [""]


def outputs_table(block: list[str]) -> list[str]:
    rows, step = [], None
    for line in block:
        if line in ("Output", "Indicator (# = aantal)"):
            continue
        if re.fullmatch(r"Stap \d", line):
            step = line
            rows.append([step, None, []])
        elif rows and rows[-1][1] is None:
            rows[-1][1] = line
        elif rows:
            rows[-1][2].append(line)
    return table([tuple(r) for r in rows], ("Stap", "Output", "Indicator (# = aantal)"))


def outcomes_table(block: list[str]) -> list[str]:
    rows, term = [], ""
    for line in block:
        if line in ("Outcome", "Indicator"):
            continue
        if line in ("Korte termijn", "Middellange termijn", "Lange termijn"):
            term = line
            continue
        if re.fullmatch(r"Stap \d", line):
            rows.append([f"{term}, {line.lower()}", None, []])
        elif line.startswith(("–", "-", "#")) and rows and rows[-1][1] is not None:
            rows[-1][2].append(line)
        elif rows and rows[-1][1] is None:
            rows[-1][1] = line
        else:
            rows.append([term, line, []])
    return table([tuple(r) for r in rows], ("Termijn", "Outcome", "Indicator"))


STATUS_LINES = re.compile(r"^(\[Regeling vervalt per .*\]|Geraadpleegd op .*|Geldend van .*)$")


def status(lines: list[str]) -> str:
    """The source's status lines (in force since, lapses on, consulted on), verbatim, above the text."""
    found = [line.strip() for line in lines if STATUS_LINES.match(line.strip())]
    items = "\n".join(f"- {line}" for line in found)
    return ('<aside class="notice regulation-status" aria-labelledby="status-van-de-tekst" markdown="1">\n'
            '<p id="status-van-de-tekst"><strong>Status van deze tekst</strong>, zoals de bron die vermeldt:</p>\n\n'
            f"{items}\n\n"
            "Het besluit \"vervalt met ingang van 1 januari 2026, met dien verstande dat het besluit van toepassing "
            "blijft op subsidies die voor die datum zijn verleend\" ([Artikel 5](#artikel-5)).\n\n"
            "</aside>\n\n")


def convert(text: str) -> str:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Besluit van de Minister"))
    end = next(i for i, line in enumerate(lines) if FOOTNOTE_LINE.match(line))
    notes = footnotes(lines[end:])
    body_lines = [line.replace("\u00a0", " ").rstrip() for line in lines[start:end]]
    out: list[str] = []
    in_annex = False
    i = 0
    while i < len(body_lines):
        line = body_lines[i]
        stripped = line.strip()
        if stripped in ("Outputs", "Outcomes") and in_annex:
            out += [f"### {stripped} {{#annex-i-{stripped.lower()}}}", ""]
            j = i + 1
            while j < len(body_lines) and body_lines[j].strip() not in ("Output", "Outcome"):
                if body_lines[j].strip():
                    out += [body_lines[j].strip(), ""]
                j += 1
            k = j
            stop = "Outcomes" if stripped == "Outputs" else "Impact"
            while k < len(body_lines) and body_lines[k].strip() != stop:
                k += 1
            block = [b.strip() for b in body_lines[j:k] if b.strip()]
            out += outputs_table(block) if stripped == "Outputs" else outcomes_table(block)
            i = k
            continue
        if not stripped:
            if out and out[-1] != "":
                out.append("")
        elif re.fullmatch(r"Artikel \d+", stripped):
            out += [f"## {stripped} {{#artikel-{stripped.split()[1]}}}", ""]
        elif stripped == "Bijlage":
            out += ["## Bijlage {#bijlage}", ""]
        elif stripped.startswith("Annex I"):
            in_annex = True
            out += [f"## {stripped} {{#annex-i}}", ""]
        elif in_annex and re.match(r"Stap \d – ", stripped):
            out += [f"### {stripped} {{#annex-i-stap-{stripped.split()[1]}}}", ""]
        elif in_annex and stripped == "Impact":
            out += ["### Impact {#annex-i-impact}", ""]
        elif stripped in ("Basisactiviteiten", "Extra activiteiten"):
            out += [f"###### {stripped} {{#iii-1-4-{stripped.split()[0].lower()}}}", ""]
        elif (found := SECTION.match(stripped)) and len(stripped) < 90:
            level = min(2 + found.group("num").count("."), 5)
            out += [f"{'#' * level} {stripped} {{#{anchor(found.group('num'))}}}", ""]
        elif line.startswith("    • "):
            out.append("    - " + line[6:].strip())
        elif line.startswith("  • "):
            item = line[4:].strip()
            lid = re.match(r"^(\d+) (.*)$", item)
            out.append(f"- **{lid.group(1)}** {lid.group(2)}" if lid else f"- {item}")
        else:
            out += [stripped, ""]
        i += 1
    body = "\n".join(out)
    body = re.sub(r"\n(- .*)\n\n(?=- |    - )", r"\n\1\n", body)
    body = re.sub(r"\n(    - .*)\n\n(?=- |    - )", r"\n\1\n", body)
    body = mark_footnotes(body, len(notes))
    body = link_urls(body)
    notes_md = "\n".join(f"[^{n}]: {notes[n]}" for n in sorted(notes))
    return HEADER.replace("<nav class=\"toc\"", status(lines[:start]) + "<nav class=\"toc\"", 1) + body.strip() + "\n\n" + notes_md + "\n"


ANNEX_HEADER = """Title: Annex I – Voorbeelden van subsidiabele activiteiten
Slug: annex-i
Lang: nl
URL: annex-i/
Save_as: annex-i/index.html
Summary: Voorbeelden van subsidiabele activiteiten per stap van gepaste zorgvuldigheid, met outputs en outcomes.

"""


def annex(regulation_markdown: str) -> str:
    """Annex I as a page of its own: the same text as on the regulation page, one heading level up."""
    body, _, notes = regulation_markdown.partition("\n[^1]:")
    section = body[body.index("## Annex I"):].split("\n", 1)[1]
    section = re.sub(r"^#(#+) ", r"\1 ", section, flags=re.M)
    used = sorted(set(int(n) for n in re.findall(r"\[\^(\d+)\]", section)))
    definitions = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", "[^1]:" + notes, flags=re.M))
    intro = ("Deze voorbeelden komen uit Annex I bij de [beleidsregels](/regeling/#annex-i). "
             "De lijst is niet uitputtend; de activiteiten horen bij de zes stappen van gepaste "
             "zorgvuldigheid (II.1.1, II.1.4).\n\n")
    return (ANNEX_HEADER + intro + section.strip() + "\n\n"
            + "\n".join(f"[^{n}]: {definitions[str(n)]}" for n in used) + "\n")


if __name__ == "__main__":
    regulation = convert(SOURCE.read_text(encoding="utf-8"))
    TARGET.write_text(regulation, encoding="utf-8")
    ANNEX_TARGET.write_text(annex(regulation), encoding="utf-8")
    print(f"wrote {TARGET} and {ANNEX_TARGET}", file=sys.stderr)
