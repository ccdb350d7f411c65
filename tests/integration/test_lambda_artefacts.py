"""The zip functions as `sam build` makes them: built for the runtime, carrying only what they import,
and starting from the artefact alone under the runtime's Python (issue 10, defect 2)."""

import glob
import shutil
import subprocess

import pytest

from imvo_local import lambda_build
from imvo_local.sam_template import load_template
from tests.conftest import EVENTS

ZIP_FUNCTIONS = sorted(name for name, resource in load_template()["Resources"].items()
                       if resource["Type"] == "AWS::Serverless::Function"
                       and resource.get("Metadata", {}).get("BuildMethod") == "makefile")
LOCAL_TOOLING = {"imvo_local", "devserver.py", "embedded_s3.py", "sam_template.py", "admin_cli.py"}


def runtime_python() -> str | None:
    """An interpreter of the runtime's version (pyenv has one on our machines)."""
    found = shutil.which(f"python{lambda_build.RUNTIME_PYTHON}")
    candidates = ([found] if found else []) + sorted(glob.glob(f"/root/.pyenv/versions/{lambda_build.RUNTIME_PYTHON}*/bin/python3"))
    for candidate in candidates:
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def dependencies(tmp_path_factory):
    target = tmp_path_factory.mktemp("lambda-deps")
    lambda_build.install_dependencies(target)
    return target


@pytest.fixture(scope="module")
def artefacts(dependencies, tmp_path_factory):
    root = tmp_path_factory.mktemp("artefacts")
    return {function: lambda_build.build(function, root / function, dependencies) for function in ZIP_FUNCTIONS}


def test_the_template_builds_nine_zip_functions_with_the_makefile():
    assert ZIP_FUNCTIONS == ["AdminFunction", "BudgetFunction", "CheckFunction", "ReceiptLogFunction", "RecordFunction",
                             "SequencerFunction", "SubmitFunction", "SupplementFunction", "UploadsFunction"]
    makefile = (lambda_build.ROOT / "Makefile").read_text()
    for function in ZIP_FUNCTIONS:
        assert f"build-{function}:" in makefile


def test_every_compiled_extension_is_for_the_runtime(artefacts):
    for function, folder in artefacts.items():
        extensions = sorted(folder.rglob("*.so"))
        assert extensions, function  # rpds (jsonschema) at least
        for extension in extensions:
            assert "cpython-312-x86_64-linux-gnu" in extension.name or ".abi3." in extension.name, extension


def test_no_local_tooling_and_only_the_imported_domain_modules(artefacts):
    for function, folder in artefacts.items():
        names = {path.name for path in folder.rglob("*")}
        assert not names & LOCAL_TOOLING, function
        # Issue 24: no bytecode of the build machine's Python, no console scripts
        assert not (folder / "bin").exists() and not any(folder.rglob("*.pyc")), function
        shipped = {p.relative_to(folder).as_posix() for p in (folder / "imvo").rglob("*.py")}
        assert "imvo/intake/storage.py" in shipped or function == "CheckFunction"
        assert not any(p.startswith("imvo/documents/") for p in shipped), (function, shipped)  # no WeasyPrint
        # The admin function starts and follows jobs; building bundles is the job function's.
        admin_modules = {
            "AdminFunction": {"imvo/admin/__init__.py", "imvo/admin/jobs.py", "imvo/admin/decisions.py",
                              "imvo/admin/casefile.py", "imvo/admin/overview.py", "imvo/admin/signin.py",
                              "imvo/admin/allocation.py"},  # the revealed seed against its commitment (issue 23)
            "BudgetFunction": {"imvo/admin/__init__.py", "imvo/admin/budget.py", "imvo/admin/allocation.py"},
        }.get(function, set())
        assert {p for p in shipped if p.startswith("imvo/admin/")} == admin_modules, (function, shipped)
        assert "imvo/telemetry.py" in shipped
        # Issue 23: the functions that sign or keep the log carry its modules; none carries the verifier
        # (cryptography), which is for the admin command line and the tests.
        assert "imvo/transparency/verification.py" not in shipped and "imvo/transparency/audit.py" not in shipped
        if function in ("SubmitFunction", "SupplementFunction", "SequencerFunction"):
            assert "imvo/transparency/signed_receipt.py" in shipped and (folder / "rfc8785").is_dir(), function
    check = {p.relative_to(artefacts["CheckFunction"]).as_posix() for p in (artefacts["CheckFunction"] / "imvo").rglob("*.py")}
    assert "imvo/programme/rules.py" in check


def test_each_handler_imports_from_its_artefact_alone_under_the_runtime_python(artefacts):
    python = runtime_python()
    if python is None:
        pytest.skip(f"no Python {lambda_build.RUNTIME_PYTHON} on this machine; the tags above still hold")
    event = (EVENTS / "check-pillar1-valid.json").read_text()
    for function, folder in artefacts.items():
        module = lambda_build.handler_of(function).split(".")[0].replace("/", ".")
        # -I -S: no user or site packages, no PYTHONPATH: the standard library and the artefact only.
        script = (f"import sys, json; sys.path[:0] = [{str(folder)!r}]; import {module} as app; "
                  "import imvo; assert imvo.__file__.startswith(sys.path[0]), imvo.__file__; ")
        if function == "CheckFunction":
            script += f"r = app.handler(json.loads({event!r})); print(r['statusCode'])"
        result = subprocess.run([python, "-I", "-S", "-c", script], capture_output=True, text=True,
                                env={"IMVO_DATA_DIR": str(folder / "data"), "IMVO_SCHEMA_DIR": str(folder / "schemas"),
                                     "AWS_DEFAULT_REGION": "eu-west-1"})
        assert result.returncode == 0, (function, result.stderr[-2000:])
        if function == "CheckFunction":
            assert result.stdout.split()[-1] == "200", result.stdout
