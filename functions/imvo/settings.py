"""The environment variables the functions read, in one place, with their local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# functions/imvo/settings.py -> repository root. In the Lambda build the same layout is copied
# (see the Makefile's build-* targets), so these defaults hold there too.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Every variable the code reads. tests/unit/test_template.py checks that infra/template.yaml sets
# exactly these on the functions, so a renamed variable cannot drift silently.
ENV_SUBMISSIONS_BUCKET = "IMVO_SUBMISSIONS_BUCKET"
ENV_DATA_DIR = "IMVO_DATA_DIR"
ENV_SCHEMA_DIR = "IMVO_SCHEMA_DIR"
ENV_EXTRA_OPENINGS = "IMVO_EXTRA_OPENINGS_FILE"
ENV_MAX_BODY_BYTES = "IMVO_MAX_BODY_BYTES"

FUNCTION_ENV_VARS = frozenset(
    {ENV_SUBMISSIONS_BUCKET, ENV_DATA_DIR, ENV_SCHEMA_DIR, ENV_EXTRA_OPENINGS, ENV_MAX_BODY_BYTES}
)


@dataclass(frozen=True)
class Settings:
    submissions_bucket: str
    data_dir: Path
    schema_dir: Path
    extra_openings_file: Path | None
    max_body_bytes: int


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    env = os.environ if environ is None else environ
    extra = env.get(ENV_EXTRA_OPENINGS) or None
    return Settings(
        submissions_bucket=env.get(ENV_SUBMISSIONS_BUCKET, "imvo-submissions-local"),
        data_dir=Path(env.get(ENV_DATA_DIR) or PROJECT_ROOT / "content" / "data"),
        schema_dir=Path(env.get(ENV_SCHEMA_DIR) or PROJECT_ROOT / "schemas"),
        extra_openings_file=Path(extra) if extra else None,
        max_body_bytes=int(env.get(ENV_MAX_BODY_BYTES) or 1_000_000),
    )
