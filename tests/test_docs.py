"""The first run and the documentation: the demo's files, the README's pictures, the design page's
quotes, and the documentation site built with its notebooks executed and opened in Chromium.

The site is built once per test session (`mkdocs build --strict` into a temporary folder; its
notebook pages are the copies that tests/executed.py ran, once for this module and
tests/examples/test_notebooks.py), then every page is opened from file://, as the README tells a
reader to: internal links must lead to a file and an id that exist, pictures
must have loaded, the console must hold no error, and the search must answer.
"""

from __future__ import annotations

import html
import importlib.util
import math
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser import wait_until
from tests.conftest import needs
from tests.executed import EXECUTED_DIR_VAR, Executed
from tests.kernel import ROOT, kernel_env

README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTEBOOKS = sorted(p.stem for p in (ROOT / "examples" / "notebooks").glob("[0-9]*.ipynb"))
DOCS_MODULES = (
    "mkdocs",
    "material",
    "mkdocstrings_handlers.python",
    "mkdocs_jupyter",
    "latex2mathml",
)
BUILD_TIMEOUT = 900


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"docs_test_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the first run ------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_prints_the_table_and_writes_the_drawing_and_the_page(tmp_path: Path) -> None:
    """As on a fresh machine: no `dot` on PATH; the numbers are checked against closed forms."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), str(tmp_path / "out")],
        capture_output=True, text=True, env=kernel_env(), cwd=tmp_path, timeout=120, check=True,
    )  # fmt: skip
    rows = {
        line.split()[0]: [float(x) for x in line.split()[-2:]]
        for line in result.stdout.splitlines()
        if re.match(r"^[xwbno] ", line)
    }
    o = math.tanh(2.0 * -3.0 + 6.8813735870195432)
    dn = 1 - o * o  # d tanh(n)/dn
    expected = {"x": [2.0, -3.0 * dn], "w": [-3.0, 2.0 * dn], "b": [6.881374, dn], "o": [o, 1.0]}
    for name, (data, grad) in expected.items():
        assert rows[name] == pytest.approx([data, grad], abs=5e-7), name
    assert o == pytest.approx(1 / math.sqrt(2), abs=1e-9)
    getting_started = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    table = result.stdout.split("\n\n", 1)[0]
    assert table in getting_started, "docs/index.md shows another table than the demo prints"

    svg, page = tmp_path / "out" / "demo.svg", tmp_path / "out" / "demo.html"
    assert "out/demo.svg" in result.stdout and "out/demo.html" in result.stdout
    root = ET.parse(svg).getroot()
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"x", "w", "b", "n", "o", "grad -1.5", "grad 1.0", "data 0.7071"} <= texts
    assert {"-3.0", "2.0", "0.5"} <= texts  # the local derivatives on the edges
    committed = ROOT / "docs" / "images" / "neuron_local_grads.svg"
    assert svg.read_bytes() == committed.read_bytes()  # docs/index.md: "the drawing below"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "<script" in text


# --- the README's pictures ------------------------------------------------------------------------


@pytest.mark.slow
def test_readme_pictures_are_current(tmp_path: Path) -> None:
    pictures = _load(ROOT / "examples" / "readme_pictures.py")
    written = pictures.write(tmp_path)
    assert written
    for path in written:
        committed = ROOT / "docs" / "images" / path.name
        assert committed.is_file(), f"{committed} is missing: run examples/readme_pictures.py"
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed.relative_to(ROOT)} is out of date: run python examples/readme_pictures.py"
        )


def test_readme_opens_with_a_picture_and_shows_only_pictures_that_exist() -> None:
    intro = README.split("\n## ", 1)[0]
    assert re.search(r"!\[[^\]]+\]\(docs/images/[^)]+\.svg\)", intro), "no picture before ## 1"
    pages = [README] + [p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")]
    links = [link for page in pages for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)]
    assert len(links) >= 4
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / link).is_file(), link
    for name in ("neuron.svg", "neuron_local_grads.svg", "mlp_collapsed.svg"):
        ET.parse(ROOT / "docs" / "images" / name)  # well-formed SVG


def test_readme_documentation_section_builds_into_site_with_one_bash_block() -> None:
    section = README.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
    assert [lang for lang, _ in blocks] == ["bash"]
    command = blocks[0][1]
    assert '".[docs]"' in command and "mkdocs build" in command and "site/" in section


def test_design_page_quotes_the_code_as_it_is() -> None:
    """A code block with a file name in docs/design.md is quoted line by line from that file."""
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    quotes = re.findall(r'```python title="([^"]+)"\n(.*?)```', design, flags=re.S)
    assert len(quotes) >= 5
    for name, block in quotes:
        source = (ROOT / name).read_text(encoding="utf-8").splitlines()
        for line in filter(str.strip, block.splitlines()):
            assert line in source, f"docs/design.md quotes {name}, which has no line {line!r}"


# --- the site -------------------------------------------------------------------------------------


def docs_tools_available() -> bool:
    return all(importlib.util.find_spec(name.split(".")[0]) for name in DOCS_MODULES)


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory, executed_notebooks: Executed
) -> tuple[Path, str]:
    """The site, built once per session from the executed notebooks, and the build's log. It is
    built with `--no-strict`, so that one warning fails one test (below), not every page's."""
    needs(docs_tools_available(), 'the docs tools (pip install -e ".[docs]")')
    executed = executed_notebooks
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", EXECUTED_DIR_VAR: str(executed.folder)}
    env.pop("DOCS_EXECUTE", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--no-strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    print(f"mkdocs build: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    if not any(run.error for run in executed.runs.values()):  # the pages show what was checked
        assert f"Took {len(NOTEBOOKS)} executed notebooks" in result.stderr, result.stderr[-3000:]
    return out, result.stdout + result.stderr


@pytest.fixture(scope="session")
def site(built: tuple[Path, str]) -> Path:
    return built[0]


def test_site_builds_without_a_warning(built: tuple[Path, str]) -> None:
    """What `mkdocs build --strict` (the README's command) would stop at: a broken link or
    anchor, a page left out of the navigation, a widget with no static snapshot, ..."""
    warnings = [line for line in built[1].splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)


def test_site_has_every_page_and_notebook(site: Path) -> None:
    for page in ("index", "notebooks", "design", "performance"):
        assert (site / f"{page}.html").is_file(), page
    for page in ("index", "engine", "compile", "nn", "viz", "errors", "outgrow"):
        assert (site / "guide" / f"{page}.html").is_file(), page
    for package in ("autograd_core", "nn", "viz"):
        assert (site / "api" / f"{package}.html").is_file(), package
    for name in NOTEBOOKS:
        assert (site / "notebooks" / f"{name}.html").is_file(), name


def test_notebook_pages_show_what_running_them_printed(site: Path) -> None:
    """Every code cell ran (a count in its prompt), the drawings (SVG) and plots (PNG) are in
    the page, and every formula became MathML (no `$` is left outside code)."""
    for name in NOTEBOOKS:
        page = (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        prompts = re.findall(r'jp-InputArea-prompt">In\W*\[(.*?)\]:', page)
        assert prompts and all(p.strip().isdigit() for p in prompts), (name, prompts[:5])
        assert 'class="graph"' in page and 'src="data:image/png;base64,' in page, name
        code = r"<(pre|code|script|style)\b.*?</\1>|<iframe\b[^>]*>|clipboard-copy-txt.*?</div>"
        prose = re.sub(code, "", page, flags=re.S)
        assert "$" not in prose, (name, prose[prose.index("$") - 80 :][:160])


def test_tables_of_contents_keep_a_headings_inline_code(site: Path) -> None:
    page = (site / "notebooks" / "02_one_neuron.html").read_text(encoding="utf-8")
    entries = re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', page, flags=re.S)
    assert "With nn.Neuron" in entries and "With" not in entries


def test_api_reference_comes_from_the_docstrings(site: Path) -> None:
    import autograd_core
    import nn
    import viz

    for module in (autograd_core, nn, viz):
        page = html.unescape((site / "api" / f"{module.__name__}.html").read_text(encoding="utf-8"))
        first_line = (module.__doc__ or "").strip().splitlines()[0]
        assert " ".join(first_line.split()[:6]) in " ".join(page.split()), module.__name__
        ids = set(re.findall(r'id="([^"]+)"', page))
        public = [n for n in module.__all__ if not n.startswith("_") and not n.isupper()]
        missing = [  # a name may be documented where it is defined (viz.files.render)
            n
            for n in public
            if not any(i == f"{module.__name__}.{n}" or i.startswith(f"{module.__name__}.")
                       and i.endswith(f".{n}") for i in ids)
        ]  # fmt: skip
        assert not missing, f"api/{module.__name__} lacks {missing}"
    value_doc = (site / "api" / "autograd_core.html").read_text(encoding="utf-8")
    assert 'class="language-pycon' in value_doc or "highlight" in value_doc
    assert "&gt;&gt;&gt;" not in re.sub(r"<code.*?</code>|<pre.*?</pre>", "", value_doc, flags=re.S)


def test_performance_page_shows_its_tables(site: Path) -> None:
    source = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    page = html.unescape((site / "performance.html").read_text(encoding="utf-8"))
    rows = [line for line in source.splitlines() if line.startswith("| ours ")]
    assert rows
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all(f">{c}<" in page for c in cells), row


def test_every_page_in_chromium(site: Path, chromium: Any) -> None:
    """Links lead somewhere, pictures loaded, and the console stayed clean, on every page."""
    pages = sorted(p for p in site.rglob("*.html") if p.name != "404.html")
    assert len(pages) >= 8 + len(NOTEBOOKS)
    ids_of: dict[Path, set[str]] = {}
    problems: list[str] = []
    for page in pages:
        chromium.get(page.as_uri())
        wait_until(
            lambda: chromium.execute_script("return document.readyState") == "complete",
            30, f"{page.name} to load",
        )  # fmt: skip
        shown = chromium.execute_script(
            "return {"
            "links: [...document.querySelectorAll('a[href]')].map(a => a.href),"
            "images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
            "  .map(i => i.src.slice(0, 120)),"
            "drawings: [...document.querySelectorAll('.md-content svg')]"
            "  .filter(s => s.querySelector('g.graph'))"
            "  .map(s => s.getBoundingClientRect().width),"
            "pictures: document.querySelectorAll('.md-content img, .md-content svg g.graph').length"
            "}"
        )
        where = page.relative_to(site)
        problems += [f"{where}: picture not loaded {src}" for src in shown["images"]]
        problems += [f"{where}: a drawing has no width" for w in shown["drawings"] if w <= 0]
        for href in shown["links"]:
            problems += _broken(href, site, ids_of, where)
        problems += [
            f"{where}: console {e['level']}: {e['message'][:200]}"
            for e in chromium.get_log("browser")
            if e["level"] in ("SEVERE", "WARNING")
        ]
        if where.parent.name == "notebooks" and where.stem != "index":
            assert shown["pictures"] >= 2, f"{where} shows {shown['pictures']} pictures"
    assert not problems, "\n".join(problems)


def test_search_works_from_file(site: Path, chromium: Any) -> None:
    from selenium.webdriver.common.by import By

    chromium.get((site / "index.html").as_uri())
    box = wait_until(
        lambda: chromium.find_elements(By.CSS_SELECTOR, "input.md-search__input"), 20, "search"
    )[0]
    chromium.execute_script("arguments[0].focus()", box)
    box.send_keys("gradcheck")
    results = wait_until(
        lambda: chromium.find_elements(By.CSS_SELECTOR, ".md-search-result__item"),
        30, "search results for 'gradcheck'",
    )  # fmt: skip
    assert results
    errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def _broken(href: str, site: Path, ids_of: dict[Path, set[str]], where: Path) -> list[str]:
    """Why an internal link (a file:// URL inside the site) leads nowhere, if it does."""
    url = urlsplit(href)
    if url.scheme != "file":
        return []  # the pages link out to a few sites by name; the test has no network to try
    target = Path(unquote(url.path))
    if site not in target.parents and target != site:
        return [f"{where}: link outside the site {href}"]
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return [f"{where}: broken link {href}"]
    if url.fragment and target.suffix == ".html":
        if target not in ids_of:
            ids_of[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
        if unquote(url.fragment) not in ids_of[target]:
            return [f"{where}: no #{url.fragment} in {target.relative_to(site)}"]
    return []
