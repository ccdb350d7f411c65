"""Pelican plugin: our own scripts (the form's ES modules included) minified in the output (rjsmin), so pages stay light without a JS toolchain or bundler."""

from __future__ import annotations

from pathlib import Path

import rjsmin
from pelican import signals


def minify_scripts(pelican) -> None:
    for script in (Path(pelican.output_path) / "theme" / "js").rglob("*.js"):  # the form's ES modules too
        script.write_text(rjsmin.jsmin(script.read_text(encoding="utf-8"), keep_bang_comments=False), encoding="utf-8")


def register():
    signals.finalized.connect(minify_scripts)
