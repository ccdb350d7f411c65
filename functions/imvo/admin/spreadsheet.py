"""CSV files for the officers' spreadsheets, safe to open: every cell quoted, and a cell that a spreadsheet would
run as a formula (it starts with =, +, -, @, a tab or a carriage return) prefixed with a quote (OWASP, "CSV
Injection"). The JSON and PDF beside them keep the text as it was received."""

from __future__ import annotations

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows({name: neutralised(row.get(name)) for name in columns} for row in rows)
    return buffer.getvalue().encode("utf-8")
