"""Pelican plugin: a Pagefind search index over the built site (the binary ships in the pagefind wheel)."""

from __future__ import annotations

import subprocess
import sys

from pelican import signals


def build_search_index(pelican) -> None:
    # One index per <html lang>: Dutch and English pages are searched separately.
    subprocess.run([sys.executable, "-m", "pagefind", "--site", pelican.output_path, "--silent"], check=True)


def register():
    signals.finalized.connect(build_search_index)
