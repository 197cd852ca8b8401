"""viz's front end as a widget or a saved page needs it: its .js/.css/.html files joined.

    >>> STATIC = Path(viz.explain.__file__).parent / "static"
    >>> script = bundle_js(STATIC / "page.js")      # one ES module, its imports inlined
    >>> style = bundle_css(STATIC / "page.css")     # one stylesheet, its @imports inlined
    >>> "export" in script, "@import" in style
    (False, False)

The scripts are ES modules that import each other (`import { stepper } from "./stepper.js";`)
and the stylesheets `@import` each other, as in any web project. But neither a widget (anywidget
loads `_esm` from a blob URL) nor a page opened from file:// can fetch a second file, so
`bundle_js` inlines every module the entry imports, as a bundler does: each runs once, in
dependency order, inside its own function scope, and hands its exports to the modules that
import it. Only the forms the files use are understood (named imports of relative paths,
exported function, const, let and class declarations, and a default export in the entry);
anything else is an error that says so. `fill_page` puts the bundles into a page's .html
template, and `widget_source` gives a widget's `_esm`/`_css`, which follows the files as they
change in a development install (anywidget's hot reload, switched on by its ANYWIDGET_HMR=1).
"""

from __future__ import annotations

import os
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anywidget._file_contents import VirtualFileContents

__all__ = ["bundle_css", "bundle_js", "fill_page", "widget_source"]

_NAME = r"[A-Za-z_$][\w$]*"
_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"(\.\.?/[^"]+)";?[ \t]*$', re.M)
_EXPORT = re.compile(rf"^export\s+((?:async\s+)?function\*?|const|let|class)\s+({_NAME})", re.M)
_EXPORT_DEFAULT = re.compile(r"^export\s+default\b", re.M)
_STATEMENT = re.compile(r"^(?:import|export)\b.*", re.M)
_CSS_IMPORT = re.compile(r'^@import\s+"(\.\.?/[^"]+)";[ \t]*\n?', re.M)
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


@dataclass
class _Module:
    path: Path
    body: str  # the source, each import statement replaced by a marker `\0<k>\0`
    imports: list[tuple[Path, list[tuple[str, str]]]]  # (file, [(exported name, local name)])
    exports: list[str]


def bundle_js(entry: Path) -> str:
    """`entry` and every module it imports, as one ES module (only the entry's exports stay)."""
    order = _load_order(entry.resolve())
    index = {module.path: k for k, module in enumerate(order)}
    parts = [f"// {entry.name} and the modules it imports, joined by viz.frontend.bundle_js"]
    for module in order[:-1]:
        body = _EXPORT.sub(r"\1 \2", _link(module, index)).rstrip()
        parts.append(
            f"// --- {'/'.join(module.path.parts[-3:])}\n"
            f"const __viz_module_{index[module.path]} = (() => {{\n{body}\n"
            f"return {{ {', '.join(module.exports)} }};\n}})();"
        )
    parts.append(f"// --- {entry.name}\n{_link(order[-1], index).rstrip()}")
    return _inlinable("\n".join(parts) + "\n", entry, "script")


def bundle_css(entry: Path) -> str:
    """`entry` with each `@import "./other.css";` replaced by that file (once per file)."""
    return _inlinable(_join_css(entry.resolve(), set()), entry, "style")


def fill_page(template: Path, parts: dict[str, str]) -> str:
    """The .html `template` with each `{{NAME}}` replaced by `parts[NAME]`, in one pass (text
    put in is not read for placeholders again); every part must have its placeholder."""
    text = _read(template)
    wanted = set(_PLACEHOLDER.findall(text))
    if wanted != set(parts):
        raise ValueError(
            f"{template.name}: its placeholders are {sorted(wanted)}, given {sorted(parts)}"
        )
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], text)


def widget_source(entry: Path, join: Callable[[Path], str]) -> str | VirtualFileContents:
    """A widget's `_esm` (`join=bundle_js`) or `_css` (`join=bundle_css`) from the file `entry`.

    The joined text; in a development install with ANYWIDGET_HMR=1 (anywidget's switch for its
    hot reload), anywidget's live file contents instead, joined again whenever one of the files
    changes, which anywidget then sends to every widget on show.
    """
    installed = "site-packages" in entry.resolve().parts
    if os.environ.get("ANYWIDGET_HMR") != "1" or installed:
        return join(entry)
    from anywidget._file_contents import VirtualFileContents  # what a %%vfile cell makes

    seen = _contents(entry, join)
    live = VirtualFileContents(join(entry))
    threading.Thread(
        target=_follow, args=(live, entry, join, seen, lambda: not entry.exists()), daemon=True
    ).start()
    return live


# --- internals ----------------------------------------------------------------------------------


def _follow(
    live: VirtualFileContents,
    entry: Path,
    join: Callable[[Path], str],
    seen: dict[Path, bytes],
    stop: Callable[[], bool],
    interval: float = 0.3,
) -> None:
    """Until `stop()`, look at the files of `entry`'s joined text every `interval` seconds and
    join them again into `live.contents` when they differ from `seen` (as last joined)."""
    while not stop():
        try:
            now = _contents(entry, join)
            if now != seen:
                live.contents = join(entry)
                seen = now
        except (OSError, ValueError) as error:  # a half-saved file: keep what is shown
            warnings.warn(f"viz: {entry.name} not reloaded: {error}", stacklevel=1)
        time.sleep(interval)


def _contents(entry: Path, join: Callable[[Path], str]) -> dict[Path, bytes]:
    """The bytes of each file that makes up `entry`'s joined text."""
    return {path: path.read_bytes() for path in _files(entry, join)}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"viz's front end has no file {path}") from None


def _inlinable(text: str, entry: Path, element: str) -> str:
    """`text`, checked to hold nothing that would end the page's `<script>`/`<style>` early."""
    if re.search(rf"</{element}|<!--", text, re.I):
        raise ValueError(
            f"{entry.name}: the joined text holds '</{element}' or '<!--', which would end "
            f"the page's <{element}> element early; write '<\\/{element}' or split the string"
        )
    return text


def _join_css(path: Path, seen: set[Path]) -> str:
    seen.add(path)
    text = _read(path)
    other = re.search(r'^\s*@import\b(?!\s+"\.\.?/).*', text, re.M)
    if other:
        raise ValueError(
            f'{path.name}: {other.group().strip()!r}: only @import "./file.css"; of the '
            "package's own stylesheets can be inlined"
        )

    def inline(match: re.Match[str]) -> str:
        target = (path.parent / match.group(1)).resolve()
        return "" if target in seen else _join_css(target, seen)

    return _CSS_IMPORT.sub(inline, text)


def _parse(path: Path) -> _Module:
    imports: list[tuple[Path, list[tuple[str, str]]]] = []

    def marker(match: re.Match[str]) -> str:
        names = []
        for item in filter(None, (s.strip() for s in match.group(1).split(","))):
            name, _, local = (w.strip() for w in item.partition(" as "))
            if not re.fullmatch(_NAME, name) or (local and not re.fullmatch(_NAME, local)):
                raise ValueError(f"{path.name}: cannot read the import {match.group()!r}")
            names.append((name, local or name))
        imports.append(((path.parent / match.group(2)).resolve(), names))
        return f"\0{len(imports) - 1}\0"

    body = _IMPORT.sub(marker, _read(path))
    for match in _STATEMENT.finditer(body):
        if not (_EXPORT.match(match.group()) or _EXPORT_DEFAULT.match(match.group())):
            raise ValueError(
                f"{path.name}: {match.group().strip()!r}: a module may only "
                'import { names } from "./file.js" and export function|const|let|class'
            )
    return _Module(path, body, imports, [m.group(2) for m in _EXPORT.finditer(body)])


def _load_order(entry: Path) -> list[_Module]:
    """The modules `entry` needs, each after the modules it imports; the entry last."""
    order: list[_Module] = []
    loaded: dict[Path, _Module] = {}

    def visit(path: Path, chain: tuple[Path, ...]) -> _Module:
        if path in chain:
            cycle = " -> ".join(p.name for p in (*chain[chain.index(path) :], path))
            raise ValueError(f"import cycle: {cycle}")
        if path in loaded:
            return loaded[path]
        module = _parse(path)
        for target, names in module.imports:
            exports = visit(target, (*chain, path)).exports
            missing = [name for name, _ in names if name not in exports]
            if missing:
                raise ValueError(
                    f"{path.name} imports {', '.join(missing)} from {target.name}, which does "
                    "not export it"
                )
        if path != entry and _EXPORT_DEFAULT.search(module.body):
            raise ValueError(f"{path.name}: only the entry module may have a default export")
        loaded[path] = module
        order.append(module)
        return module

    visit(entry, ())
    return order


def _link(module: _Module, index: dict[Path, int]) -> str:
    """The module's body, each import now `const { name: local } = <that module's exports>;`."""

    def binding(match: re.Match[str]) -> str:
        target, names = module.imports[int(match.group(1))]
        pairs = ", ".join(name if name == local else f"{name}: {local}" for name, local in names)
        return f"const {{ {pairs} }} = __viz_module_{index[target]};"

    return re.sub(r"\0(\d+)\0", binding, module.body)


def _files(entry: Path, join: Callable[[Path], str]) -> list[Path]:
    """The files that make up `entry`'s joined text."""
    if join is bundle_js:
        return [module.path for module in _load_order(entry.resolve())]
    seen: set[Path] = set()
    _join_css(entry.resolve(), seen)
    return sorted(seen)
