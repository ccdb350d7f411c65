"""The allocation report: CSV for the spreadsheet, HTML and PDF for people, with a chart per ceiling."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from imvo.admin.allocation import CEILING_NAMES, STATUS_TEXT, Line, report_rows, seed_commitment, totals
from imvo.admin.spreadsheet import csv_bytes
from imvo.documents.render import html_to_pdf, render_html
from imvo.programme.texts import format_euro


def report_csv(lines: list[Line]) -> bytes:
    rows = report_rows(lines)
    return csv_bytes(list(rows[0]), rows) if rows else b""


def chart_svg(lines: list[Line], ceiling_name: str, ceiling: Decimal, width: int = 640, height: int = 220) -> str:
    """The cumulative amount within the ceiling after each treated application in order of treatment, against
    the ceiling."""
    left, right, top, bottom = 70, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    treated = [line for line in lines if line.cumulative]
    points = [(0, Decimal(0))] + [(i + 1, line.cumulative.get(ceiling_name, Decimal(0))) for i, line in enumerate(treated)]
    top_value = max([ceiling] + [value for _, value in points]) or Decimal(1)
    count = max(1, len(points) - 1)

    def x(i):
        return left + plot_w * i / count

    def y(value):
        return top + plot_h - float(value / top_value) * plot_h

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in points)
    title = CEILING_NAMES[ceiling_name][0]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: cumulatief bedrag tegen het plafond van {escape(format_euro(ceiling))}">'
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f4f7fa" stroke="#999"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y(ceiling):.1f}" y2="{y(ceiling):.1f}" stroke="#b00020" stroke-dasharray="6 4"/>'
        f'<text x="{left - 4}" y="{y(ceiling) + 4:.1f}" font-size="10" text-anchor="end" fill="#b00020">{escape(format_euro(ceiling))}</text>'
        f'<text x="{left - 4}" y="{top + plot_h + 4}" font-size="10" text-anchor="end">€ 0</text>'
        f'<path d="{path}" fill="none" stroke="#154273" stroke-width="2"/>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" font-size="10" text-anchor="middle">behandelde aanvragen in volgorde van behandeling · treated applications in order of treatment</text>'
        f"</svg>"
    )


def report_html(lines: list[Line], ceilings: dict[str, Decimal], seed: str, opening: str,
                commitment: str | None = None, lottery_days: list[dict] | None = None) -> str:
    """`commitment`: the SHA-256 of the seed published before the opening (None: none was); `lottery_days`: the
    receipt log's signed checkpoint of the end of each day a lottery was held (issue 23)."""
    rows = report_rows(lines)
    counted = totals(lines)
    return render_html(
        "allocation.html",
        rows=rows, seed=seed, opening=opening, commitment=commitment, lottery_days=lottery_days or [],
        seed_matches=commitment is None or seed_commitment(seed) == commitment,
        ceilings=[{"name": name, "title": CEILING_NAMES[name], "ceiling": format_euro(amount),
                   "used": format_euro(counted.get(name, Decimal(0))), "chart": chart_svg(lines, name, amount)}
                  for name, amount in ceilings.items()],
        status_text=STATUS_TEXT,
        euro=lambda value: format_euro(Decimal(value)),
    )


def report_pdf(html: str) -> bytes:
    pdf, _refused = html_to_pdf(html)
    return pdf
