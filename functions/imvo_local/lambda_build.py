"""Build one zip function's artefact for the Lambda runtime: its handler, only the imvo modules it
imports, the schemas and programme data, and wheels for the runtime's Python and platform.

`sam build` calls this through the Makefile's build-<Function> targets. Whatever Python runs the
build, pip is told the runtime's (`--python-version 3.12 --platform manylinux2014_x86_64`), so a
compiled extension in the zip is one the runtime can load. Standard library only: it runs before
any virtualenv exists.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
RUNTIME_PYTHON = "3.12"
RUNTIME_PLATFORM = "manylinux2014_x86_64"  # the template's Architectures: [x86_64]
DOMAIN_PACKAGE = "imvo"


def _imported_modules(path: Path) -> set[str]:
    """Absolute imports of one source file, including those inside functions (imported on first use)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _module_file(name: str) -> Path | None:
    base = FUNCTIONS / name.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def domain_modules(handler_file: Path) -> list[Path]:
    """The files of the imvo package that the handler needs, following imports transitively."""
    wanted, queue = set(), [handler_file]
    while queue:
        for name in _imported_modules(queue.pop()):
            if name.split(".")[0] != DOMAIN_PACKAGE:
                continue
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # every package on the way needs its __init__
                found = _module_file(".".join(parts[:depth]))
                if found and found not in wanted:
                    wanted.add(found)
                    queue.append(found)
    return sorted(wanted)


def handler_of(function: str) -> str:
    """The template's Handler of a zip function, e.g. submit/app.handler."""
    from imvo_local.sam_template import load_template

    return load_template()["Resources"][function]["Properties"]["Handler"]


def install_dependencies(target: Path, requirements: Path = ROOT / "requirements-lambda.txt") -> None:
    """The wheels for the runtime, without bytecode of this machine's Python (useless on the runtime's, and bytes
    in every zip) and without the console scripts pip puts in bin/ (nothing in a Lambda runs them)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                    "--platform", RUNTIME_PLATFORM, "--python-version", RUNTIME_PYTHON, "--implementation", "cp",
                    "--only-binary=:all:", "--target", str(target), "-r", str(requirements)], check=True)
    shutil.rmtree(target / "bin", ignore_errors=True)


def build(function: str, out: Path, dependencies: Path | None = None) -> Path:
    """Write the artefact of `function` (a logical id) into `out`; dependencies copied from a folder
    made by install_dependencies, or installed afresh."""
    out.mkdir(parents=True, exist_ok=True)
    handler_dir = handler_of(function).split("/")[0]
    handler_file = FUNCTIONS / handler_dir / "app.py"
    shutil.copytree(FUNCTIONS / handler_dir, out / handler_dir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for module in domain_modules(handler_file):
        target = out / module.relative_to(FUNCTIONS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(module, target)
        templates = module.parent / "templates"
        if module.name == "render.py" and templates.is_dir():
            shutil.copytree(templates, target.parent / "templates", dirs_exist_ok=True)
    shutil.copytree(ROOT / "schemas", out / "schemas", dirs_exist_ok=True)
    shutil.copytree(ROOT / "content" / "data", out / "data", dirs_exist_ok=True)
    if dependencies is not None:
        shutil.copytree(dependencies, out, dirs_exist_ok=True)
    else:
        install_dependencies(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda_build", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id in infra/template.yaml, e.g. SubmitFunction")
    parser.add_argument("out", type=Path, help="the artefact folder (sam build's ARTIFACTS_DIR)")
    args = parser.parse_args(argv)
    build(args.function, args.out)
    print(f"{args.function}: {args.out} (Python {RUNTIME_PYTHON}, {RUNTIME_PLATFORM})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(FUNCTIONS))
    raise SystemExit(main())
