"""The form's ES modules (issue 22): no module imports one that imports it back, directly or through others;
context.js owns the state and the channel the others tell each other what happened on."""

import re

from imvo.settings import PROJECT_ROOT

FORM = PROJECT_ROOT / "theme" / "static" / "js" / "form"
IMPORT = re.compile(r"""^import\s+(?:[^"']*\sfrom\s+)?["']\./([\w-]+\.js)["']""", re.MULTILINE)


def _graph() -> dict[str, list[str]]:
    return {path.name: IMPORT.findall(path.read_text(encoding="utf-8")) for path in FORM.glob("*.js")}


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in graph.get(node, []):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_the_form_modules_import_each_other_in_no_circle():
    graph = _graph()
    assert len(graph) >= 10 and graph["main.js"], graph
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a.js": ["b.js"], "b.js": ["c.js"], "c.js": ["a.js"]}) == [["a.js", "b.js", "c.js", "a.js"]]


def test_context_is_the_leaf_every_module_shares():
    graph = _graph()
    assert [m for m in graph["context.js"] if m != "dutch-time.js"] == []
    assert all("context.js" in imports for name, imports in graph.items() if name != "context.js")
