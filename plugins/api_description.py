"""Pelican plugin: the API description (schemas/openapi.yaml) published with the site as /openapi.json,
self-contained: the application schemas it refers to are put in whole (their references resolved)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pelican import signals

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "schemas" / "openapi.yaml"
PUBLISHED_AS = "openapi.json"  # not under /api/: CloudFront sends /api/* to the API, not to the site


def bundled_description() -> dict:
    from imvo.intake.validation import resolved_schema

    description = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    schemas = description["components"]["schemas"]
    for pillar in (1, 2):
        resolved = resolved_schema(ROOT / "schemas", pillar)
        resolved.pop("$id", None)
        schemas[f"Pillar{pillar}Application"] = resolved
    schemas["Application"]["oneOf"] = [{"$ref": f"#/components/schemas/Pillar{pillar}Application"} for pillar in (1, 2)]
    return description


def publish(pelican) -> None:
    target = Path(pelican.output_path) / PUBLISHED_AS
    target.write_text(json.dumps(bundled_description(), ensure_ascii=False, indent=1), encoding="utf-8")


def register():
    signals.finalized.connect(publish)
