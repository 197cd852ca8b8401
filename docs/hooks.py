"""MkDocs hooks (named in mkdocs.yml): what the site takes from the rest of the repository.

- The notebooks in examples/notebooks/ are executed at build time, each in a scratch folder in
  a real Jupyter kernel, and added as the pages `notebooks/<name>.ipynb` (mkdocs-jupyter turns
  them into HTML). Widget state is not stored: a widget shows its static fallback (the
  `text/html` or image its display carries), since a static page cannot run the widget.
  `DOCS_EXECUTE=0 mkdocs serve` adds them unexecuted, for quick edits of the other pages.
  Where `AUTOGRAD_DOCS_EXECUTED_DIR` names a folder of notebooks executed already (the tests
  execute them once, in a kernel that sees no system Graphviz, and build the site from them), a
  copy there with the same cells is used as it is; the others are executed.
- Their formulas (`$...$`, `$$...$$`) become MathML at build time (latex2mathml), which
  browsers draw themselves: no MathJax, no web fonts, no network.
- `<!-- include: README.md ## Performance -->` in a page is replaced by that section of the
  file (`include-body:` leaves out its heading). Relative links in it are rewritten for the page.
"""

from __future__ import annotations

import asyncio
import html as html_module
import logging
import os
import posixpath
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "examples" / "notebooks"
NOTEBOOK_PAGES = "notebooks"
CELL_TIMEOUT = 600
EXECUTED_DIR = "AUTOGRAD_DOCS_EXECUTED_DIR"
NO_MATHJAX = "mathml-no-mathjax"
"""mkdocs.yml's `custom_mathjax_url`: the script tag with it is removed from every page."""

MATH = re.compile(
    r"(?<![\\$])\$\$(?P<block>.+?)\$\$|(?<![\\$])\$(?P<inline>(?:[^$\n]|\n(?!\s*\n))+?)\$", re.S
)  # an inline formula may wrap onto the next line, never past a blank one
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
INCLUDE = re.compile(
    r"<!--\s*include(?P<body>-body)?:\s*(?P<file>\S+)\s+(?P<heading>#+ [^\n]+?)\s*-->"
)
HEADING = re.compile(r"^(#+) ")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")
PAGE_FOR = {"examples/README.md": "notebooks.md"}
"""Repository files that have a page of their own in the site."""

_scratch: list[tempfile.TemporaryDirectory[str]] = []
log = logging.getLogger("mkdocs.hooks")


# --- the notebooks ----------------------------------------------------------------------------


@event_priority(100)  # before mkdocs-jupyter's on_files, which claims the .ipynb pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Execute every notebook (or take its executed copy, see above) and add them as pages."""
    import nbformat

    scratch = tempfile.TemporaryDirectory(prefix="docs-notebooks-")
    _scratch.append(scratch)
    pages = Path(scratch.name) / "pages"
    sources = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    notebooks = [nbformat.read(s, as_version=4) for s in sources]  # type: ignore[no-untyped-call]
    executed = [_executed_copy(s, nb) for s, nb in zip(sources, notebooks)]
    todo = [i for i, copy in enumerate(executed) if copy is None]
    if len(todo) < len(sources):
        log.info(f"Took {len(sources) - len(todo)} executed notebooks from ${EXECUTED_DIR}")
        notebooks = [nb if copy is None else copy for copy, nb in zip(executed, notebooks)]
    if todo and os.environ.get("DOCS_EXECUTE", "1") != "0":
        started = time.perf_counter()
        run = [sources[i] for i in todo], [notebooks[i] for i in todo]  # executed in place
        asyncio.run(_execute_all(*run, Path(scratch.name) / "cwd"))
        log.info(f"Executed {len(todo)} notebooks in {time.perf_counter() - started:.1f} s")
    for source, notebook in zip(sources, notebooks):
        path = f"{NOTEBOOK_PAGES}/{source.name}"
        (pages / path).parent.mkdir(parents=True, exist_ok=True)
        _check_widgets(notebook, path)
        nbformat.write(with_mathml(notebook), pages / path)  # type: ignore[no-untyped-call]
        files.append(File(path, str(pages), config.site_dir, config.use_directory_urls))
    return files


def _executed_copy(source: Path, notebook: Any) -> Any | None:
    """The executed copy of `source` in the folder ${EXECUTED_DIR} names, if there is one with
    the same cells as `notebook` and every code cell run."""
    import nbformat

    folder = os.environ.get(EXECUTED_DIR)
    if not folder or not (Path(folder) / source.name).is_file():
        return None
    copy = nbformat.read(Path(folder) / source.name, as_version=4)  # type: ignore[no-untyped-call]
    cells = [(c.cell_type, c.source) for c in copy.cells]
    ran = all(c.execution_count for c in copy.cells if c.cell_type == "code")
    if cells != [(c.cell_type, c.source) for c in notebook.cells] or not ran:
        log.info(f"{folder}/{source.name} is not {source.name} executed: executing it")
        return None
    return copy


async def _execute_all(sources: list[Path], notebooks: list[Any], cwd: Path) -> None:
    """Run the notebooks, as many at once as there are cores."""
    limit = asyncio.Semaphore(max(1, min(len(sources), os.cpu_count() or 1)))

    async def one(source: Path, notebook: Any) -> None:
        async with limit:
            await _execute(source, notebook, cwd / source.stem)

    await asyncio.gather(*(one(s, nb) for s, nb in zip(sources, notebooks)))


async def _execute(source: Path, notebook: Any, cwd: Path) -> None:
    """Run `notebook` top to bottom in a fresh python3 kernel started in `cwd`."""
    import nbclient

    cwd.mkdir(parents=True)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=False,  # a static page cannot run widgets: show their fallbacks
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)
    log = cwd / "kernel.log"  # the kernel process's own messages; cell output is in the notebook
    try:
        with log.open("wb") as stderr:
            await client.async_execute(env=env, stderr=stderr)
    except Exception as error:
        kernel = log.read_text(errors="replace")[-2000:]
        raise PluginError(
            f"{source.relative_to(ROOT)} failed while building the docs:\n{error}\n{kernel}"
        ) from error


WIDGET = "application/vnd.jupyter.widget-view+json"
STATIC = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown")


def _check_widgets(notebook: Any, path: str) -> None:
    """Warn (an error in a --strict build) about a widget that shows nothing on a static page:
    its display needs a snapshot beside the widget view (`text/html` or an image)."""
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data and not any(mime in data for mime in STATIC):
                shown = str(data.get("text/plain", ""))[:80]
                log.warning(
                    f"{path}: cell {i} displays a widget with no static snapshot, so its page "
                    f"shows only {shown!r}: add text/html or an image to its display"
                )


def with_mathml(notebook: Any) -> Any:
    """`notebook` with the formulas of its Markdown cells and Markdown outputs as MathML."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = mathml(cell.source)
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                output.data["text/markdown"] = mathml(output.data["text/markdown"])
    return notebook


def mathml(markdown: str) -> str:
    """`markdown` with `$...$` and `$$...$$` outside code replaced by MathML."""
    from latex2mathml.converter import convert

    def formula(match: re.Match[str]) -> str:
        block = match["block"] is not None
        tex = match["block"] if block else match["inline"]
        return str(convert(tex.strip(), display="block" if block else "inline"))

    parts = CODE.split(markdown)  # odd parts are code: kept as written
    return "".join(p if i % 2 else MATH.sub(formula, p) for i, p in enumerate(parts))


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Point a notebook page's table of contents at its headings, ids and words. mkdocs-jupyter
    makes the table from the notebook turned to Markdown, which names the ids its own way
    (`the-graph-before` where nbconvert writes `The-graph-before-backward()`) and loses a
    heading's inline code ("With" for "With `nn.Neuron`"): each entry takes both from the page's
    own heading."""
    if not page.file.src_uri.startswith(f"{NOTEBOOK_PAGES}/"):
        return html
    headings = re.findall(r'<h([1-6]) id="([^"]*)"[^>]*>(.*?)</h\1>', html, flags=re.S)
    items = list(_walk(page.toc))
    if len(headings) != len(items):
        raise PluginError(
            f"{page.file.src_uri}: {len(items)} entries in its table of contents, "
            f"{len(headings)} headings"
        )
    for item, (_, heading_id, inner) in zip(items, headings):
        item.id = heading_id
        item.title = heading_text(inner)
    return html


def heading_text(inner_html: str) -> str:
    """A heading's words as a table of contents shows them: no tags, no permalink sign.

    >>> heading_text('With <code>nn.Neuron</code><a class="anchor-link" href="#x">&#182;</a>')
    'With nn.Neuron'
    """
    words = re.sub(r'<a class="anchor-link".*?</a>', "", inner_html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", words)).strip()


def _walk(items: Any) -> Any:
    for item in items:
        yield item
        yield from _walk(item.children)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Drop the MathJax script tag that mkdocs-jupyter writes into a notebook page."""
    tag = re.compile(rf'<script src="{NO_MATHJAX}">\s*</script>')
    if page.file.src_uri.startswith(f"{NOTEBOOK_PAGES}/"):
        output, found = tag.subn("", output)
        if not found:
            raise PluginError(f"{page.file.src_uri}: no MathJax script tag to remove")
    return output


def on_post_build(config: MkDocsConfig) -> None:
    _cleanup()


def on_shutdown() -> None:
    _cleanup()


def _cleanup() -> None:
    while _scratch:
        _scratch.pop().cleanup()


# --- sections of other Markdown files ------------------------------------------------------


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Expand the `<!-- include: FILE HEADING -->` lines of a page."""

    def expand(match: re.Match[str]) -> str:
        name, heading = match["file"], match["heading"]
        lines = section(ROOT / name, heading)
        if match["body"]:
            lines = lines[1:]
        return relink("\n".join(lines).strip("\n"), name, page.file.src_uri)

    return INCLUDE.sub(expand, markdown)


def section(path: Path, heading: str) -> list[str]:
    """The lines of `path` from the line `heading` to the next heading of its level or above
    (headings inside fenced code are code, not headings)."""
    if not path.is_file():
        raise PluginError(f"include: no file {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    level = len(heading.split(" ", 1)[0])
    try:
        start = lines.index(heading)
    except ValueError:
        raise PluginError(f"include: {path.name} has no line {heading!r}") from None
    fenced = False
    for end in range(start + 1, len(lines)):
        if FENCE.match(lines[end]):
            fenced = not fenced
        found = None if fenced else HEADING.match(lines[end])
        if found and len(found.group(1)) <= level:
            return lines[start:end]
    return lines[start:]


def relink(text: str, source: str, page: str) -> str:
    """Rewrite the relative links of `text`, written in repository file `source`, for the docs
    page `page`: docs files and notebooks become links within the site; other files must have
    a page of their own (`PAGE_FOR`), or the build stops naming the link."""

    def fix(match: re.Match[str]) -> str:
        target = match[2]
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
            return match[0]  # a URL, or an anchor on this page
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if repo_path.startswith("docs/"):
            doc = repo_path[len("docs/") :]
        elif repo_path.startswith("examples/notebooks/") and repo_path.endswith(".ipynb"):
            doc = f"{NOTEBOOK_PAGES}/{posixpath.basename(repo_path)}"
        elif repo_path in PAGE_FOR:
            doc = PAGE_FOR[repo_path]
        else:
            raise PluginError(
                f"{source} links to {target}, which is not part of the docs: link a docs page "
                f"or add it to PAGE_FOR in docs/hooks.py"
            )
        url = posixpath.relpath(doc, posixpath.dirname(page) or ".")
        return f"{match[1]}{url}{'#' + anchor if anchor else ''}{match[3]}"

    return LINK.sub(fix, text)
