"""viz.frontend: the front end's ES modules joined into one (each module once, in its own scope,
after what it imports), stylesheets with their @imports inlined, and .html templates filled;
every widget and page entry of the package bundles, and the bundles run in Node."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import types
from pathlib import Path

import pytest

from tests.conftest import needs
from tests.kernel import ROOT
from viz.frontend import _contents, _follow, bundle_css, bundle_js, fill_page, widget_source

MODULES = sorted((ROOT / "viz").rglob("*.js"))
IMPORTED = {
    (path.parent / target).resolve()
    for path in MODULES
    for target in re.findall(r'^import .* from "([^"]+)";', path.read_text("utf-8"), re.M)
}
ENTRIES = [path for path in MODULES if path.resolve() not in IMPORTED]  # pages' and widgets'


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def run_module(tmp_path: Path, text: str) -> object:
    """Import `text` as an ES module in Node and return its default export's `run()`, as JSON."""
    needs(shutil.which("node") is not None, "Node.js")
    path = tmp_path / "bundle.mjs"
    path.write_text(text, encoding="utf-8")
    run = "m => console.log(JSON.stringify(m.default.run()))"
    script = f"import({json.dumps(path.as_uri())}).then({run})"
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


DIAMOND = {
    # entry imports a and b; both import c, which must run once; every module has its own `name`
    "lib/c.js": 'export const log = [];\nconst name = "c";\nlog.push(name);\n'
    "export function twice(x) {\n  return 2 * x;\n}\n",
    "a.js": 'import { log, twice } from "./lib/c.js";\nconst name = "a";\nlog.push(name);\n'
    "export const four = (x) => twice(twice(x));\n",
    "b.js": 'import { log, twice as double } from "./lib/c.js";\nconst name = "b";\n'
    "log.push(name);\nexport function six(x) {\n  return double(x) * 3;\n}\n",
    "entry.js": 'import { four } from "./a.js";\nimport {\n  log,\n  twice,\n} from "./lib/c.js";\n'
    'import { six } from "./b.js";\nconst name = "entry";\nlog.push(name);\n'
    "export default { run: () => [four(1), six(1), twice(5), log] };\n",
}


def test_each_module_runs_once_after_its_imports_in_its_own_scope(tmp_path: Path) -> None:
    write(tmp_path, DIAMOND)
    text = bundle_js(tmp_path / "entry.js")
    assert not re.search(r"^\s*import\b", text, re.M)
    assert len(re.findall(r"^export\b", text, re.M)) == 1  # the entry's own
    assert run_module(tmp_path, text) == [4, 6, 10, ["c", "a", "b", "entry"]]


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"entry.js": 'import four from "./a.js";\n', "a.js": ""}, "may only import"),
        ({"entry.js": 'import * as a from "./a.js";\n', "a.js": ""}, "may only import"),
        ({"entry.js": 'import { x } from "d3";\n'}, "may only import"),
        ({"entry.js": 'import { x } from "./a.js";\n', "a.js": "export const y = 1;\n"},
         "imports x from a.js, which does not export it"),
        ({"entry.js": 'import { x } from "./gone.js";\n'}, "has no file .*gone.js"),
        ({"entry.js": 'import { x } from "./a.js";\n',
          "a.js": 'import { y } from "./b.js";\nexport const x = 1;\n',
          "b.js": 'import { x } from "./a.js";\nexport const y = 2;\n'},
         "import cycle: a.js -> b.js -> a.js"),
        ({"entry.js": 'import { x } from "./a.js";\n',
          "a.js": "export const x = 1;\nexport default x;\n"}, "only the entry module may have a"),
        ({"entry.js": "export { a, b };\n"}, "may only import"),
        ({"entry.js": 'const html = "<script>x</script>";\n'}, "would end the page's <script>"),
    ],
)  # fmt: skip
def test_what_cannot_be_bundled_is_a_clear_error(
    tmp_path: Path, files: dict[str, str], error: str
) -> None:
    write(tmp_path, files)
    with pytest.raises((ValueError, FileNotFoundError), match=error):
        bundle_js(tmp_path / "entry.js")


def test_stylesheets_inline_their_imports_once_in_order(tmp_path: Path) -> None:
    write(tmp_path, {
        "base.css": ".a {\n  color: red;\n}\n",
        "parts/b.css": '@import "../base.css";\n.b {\n  color: blue;\n}\n',
        "page.css": '/* page */\n@import "./base.css";\n@import "./parts/b.css";\n'
        ".c {\n  color: green;\n}\n",
    })  # fmt: skip
    text = bundle_css(tmp_path / "page.css")
    assert "@import" not in text
    assert [m for m in re.findall(r"\.([abc]) \{", text)] == ["a", "b", "c"]
    write(tmp_path, {"bad.css": '@import url("https://example.org/x.css");\n'})
    with pytest.raises(ValueError, match="only @import"):
        bundle_css(tmp_path / "bad.css")


def test_a_template_takes_exactly_its_placeholders(tmp_path: Path) -> None:
    write(tmp_path, {"t.html": "<title>{{TITLE}}</title><p>{{BODY}} {{TITLE}}</p>"})
    filled = fill_page(tmp_path / "t.html", {"TITLE": "a {{BODY}}", "BODY": "b"})
    assert filled == "<title>a {{BODY}}</title><p>b a {{BODY}}</p>"  # filled once, not again
    with pytest.raises(ValueError, match=r"placeholders are \['BODY', 'TITLE'\]"):
        fill_page(tmp_path / "t.html", {"TITLE": "a"})


def test_the_package_has_entries_for_both_pages_and_both_widgets() -> None:
    assert sorted(p.relative_to(ROOT / "viz").as_posix() for p in ENTRIES) == [
        "explain/static/page.js",
        "explorer/static/widget.js",
        "training/static/page.js",
        "training/static/widget.js",
    ]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: p.parent.parent.name + "/" + p.name)
def test_every_entry_of_the_package_bundles_and_parses(entry: Path, tmp_path: Path) -> None:
    text = bundle_js(entry)
    widget = "export default" in text
    assert len(re.findall(r"^export\b", text, re.M)) == int(widget)
    needs(shutil.which("node") is not None, "Node.js")
    path = tmp_path / "bundle.mjs"
    path.write_text(text, encoding="utf-8")
    checked = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_a_widget_follows_its_files_in_development(tmp_path: Path, monkeypatch) -> None:
    """With ANYWIDGET_HMR=1, editing a module the widget imports reaches the widget's `_esm`,
    through anywidget's own live-contents signal (what its hot reload sends to the browser)."""
    import anywidget

    write(tmp_path, {
        "lib.js": 'export const word = "before";\n',
        "entry.js": 'import { word } from "./lib.js";\nexport default { word };\n',
    })  # fmt: skip
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    source = widget_source(tmp_path / "entry.js", bundle_js)

    class Widget(anywidget.AnyWidget):
        _esm = source

    widget = Widget()
    assert '"before"' in widget._esm
    (tmp_path / "lib.js").write_text('export const word = "after";\n', encoding="utf-8")
    deadline = time.monotonic() + 10
    while '"after"' not in widget._esm and time.monotonic() < deadline:
        time.sleep(0.05)
    assert '"after"' in widget._esm


def test_a_half_saved_file_keeps_what_is_shown_until_it_is_whole(tmp_path: Path) -> None:
    write(tmp_path, {"entry.js": "export const a = 1;\n"})
    live = types.SimpleNamespace(contents="first")
    seen = _contents(tmp_path / "entry.js", bundle_js)
    edits = [
        None,  # nothing changed
        "export const a = 2;\n",  # a change: joined again
        "export { a };\n",  # cannot be read: a warning, and the last good text stays
        "export const a = 3;\n",  # whole again: joined again
    ]
    shown = []

    def stop() -> bool:
        shown.append(live.contents)
        if len(shown) > len(edits):
            return True
        if edits[len(shown) - 1] is not None:
            (tmp_path / "entry.js").write_text(edits[len(shown) - 1], encoding="utf-8")
        return False

    with pytest.warns(UserWarning, match="entry.js not reloaded"):
        _follow(live, tmp_path / "entry.js", bundle_js, seen, stop, 0)  # type: ignore[arg-type]
    values = [m.group(1) if (m := re.search(r"const a = (\d)", t)) else t for t in shown]
    assert values == ["first", "first", "2", "2", "3"]
