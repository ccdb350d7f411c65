"""Every built page is valid HTML by the Nu Html Checker (vnu-jar from the npm registry, on Java)."""

import json
import shutil
import subprocess

from imvo.settings import PROJECT_ROOT

VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_built_page_has_no_nu_html_checker_error(built_site):
    assert VNU_JAR.exists(), "the Nu Html Checker is missing: `make test` installs it (npm ci)"
    java = shutil.which("java")
    assert java, "Java is missing: `make test` installs it (Debian package openjdk-17-jre-headless)"
    pages = sorted(str(p) for p in built_site.rglob("*.html"))
    assert len(pages) > 25
    checked = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *pages],
                             capture_output=True, text=True, timeout=300)
    messages = json.loads(checked.stderr or checked.stdout)["messages"]
    errors = [f"{m.get('url', '').split('/site')[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors[:30])
