"""No JavaScript or CSS inside a Python string in viz: the front end lives in .js/.css files.

Every string literal of every viz .py file (docstrings and f-strings included) is searched for
what only JavaScript or CSS looks like; the detector itself is checked on samples of both, and
on Python strings it must let pass. An inline `style` attribute of markup that Python writes
for a notebook's text/html output (which no stylesheet reaches) is markup, not a stylesheet.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.kernel import ROOT

TELLTALES = {
    "a JS function": re.compile(r"\bfunction\b\s*[\w$]*\s*\("),
    "a JS arrow function": re.compile(r"=>"),
    "a JS declaration": re.compile(r"\b(?:const|let|var)\s+[\w$]+\s*="),
    "a DOM call": re.compile(
        r"\b(?:addEventListener|querySelector(?:All)?|getElementById|createElement)\s*\("
    ),
    "a JS module export": re.compile(
        r"\bexport\s+(?:default\s*[{(\w]|function\s+[\w$]+\s*\(|const\s+[\w$]+\s*=)"
    ),
    "a CSS rule": re.compile(r"\{\s*[a-z][a-z-]{2,}\s*:\s*[^{};]+;"),
}


# The bundler writes the glue that gives each module it inlines a scope of its own:
# `const __viz_module_0 = (() => { <module> return { <exports> }; })();`, and nothing else.
GLUE = {("viz/frontend.py", "a JS arrow function"), ("viz/frontend.py", "a JS declaration")}


def telltales(text: str) -> list[str]:
    """What in `text` looks like JavaScript or CSS (names of the telltales found)."""
    return [name for name, pattern in TELLTALES.items() if pattern.search(text)]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string literal in the Python file; an f-string's fields read `x`."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for part in node.values}  # fmt: skip
    for node in ast.walk(tree):
        if id(node) in parts:
            continue  # read with its f-string
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value if isinstance(part, ast.Constant) else "x" for part in node.values
            )
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize(
    "text",
    [
        'function vizJoin(parts, names) {\n  var text = "";',
        "const render = ({ model, el }) => { el.textContent = 'x'; };",
        'root.addEventListener("keydown", onKey);',
        "export default { render };",
        ".viz-root { font-family: Helvetica, Arial, sans-serif; color: #222; }",
        ".viz-error:empty { display: none; }",
        "body { margin: 10px; }\nh1 { font-size: 17px; }",
    ],
)
def test_the_detector_finds_javascript_and_css(text: str) -> None:
    assert telltales(text) != []


@pytest.mark.parametrize(
    "text",
    [
        "explain_backward: the graph has {boxes} boxes, more than max_nodes={max_nodes}",
        "{name}: {value: >10}",
        'node [shape=record, style="filled,rounded", fontname="Helvetica"]',
        "Returns (min, max, step) -> a slider's range; let x be the input.",
        "The page's script and stylesheet are inlined; see viz/explain/static/page.js.",
        '<img alt="run" style="max-width:100%" src="data:image/png;base64,AAAA">',
    ],
)
def test_the_detector_lets_python_strings_pass(text: str) -> None:
    assert telltales(text) == []


def test_no_viz_python_file_holds_javascript_or_css() -> None:
    files = sorted((ROOT / "viz").rglob("*.py"))
    assert len(files) > 10
    found = [
        f"{rel(path)}:{line}: {', '.join(names)}: {text.strip()[:80]!r}"
        for path in files
        for line, text in string_literals(path)
        if (names := [n for n in telltales(text) if (rel(path), n) not in GLUE])
    ]
    assert found == [], "JavaScript or CSS in Python strings (move it to a .js/.css file):\n" + (
        "\n".join(found)
    )
