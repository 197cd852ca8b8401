"""Dependencies point one way, through public names only, and functions stay small.

nn, viz, benchmarks and examples use only `autograd_core`'s public names (its `__all__`), and
only nn's public names (`nn.__all__` and `nn.data`); viz never imports nn; the engine imports
neither; compile imports only the core; importing the engine loads no numpy. Inside each
package no modules import each other in a circle, function-local imports included; no function
is above McCabe complexity 20, and only a few above 15 (ruff's C901).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograd_core
import nn
from tests.conftest import needs

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"autograd_core": set(autograd_core.__all__), "nn": set(nn.__all__) | {"data"}}


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def uses(path: Path) -> list[tuple[str, str, int]]:
    """(package, name, line) for every name taken from autograd_core or nn: `from pkg import
    name`, `from pkg.sub import ...` (name = 'sub'), `pkg.name` and `import pkg.sub`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            package, _, rest = node.module.partition(".")
            if package in PUBLIC:
                names = [rest.split(".")[0]] if rest else [a.name for a in node.names]
                found += [(package, name, node.lineno) for name in names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                package, _, rest = alias.name.partition(".")
                if package in PUBLIC:
                    aliases[alias.asname or package] = package
                    if rest:
                        found.append((package, rest.split(".")[0], node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in aliases:
                found.append((aliases[node.value.id], node.attr, node.lineno))
    return found


@pytest.mark.parametrize("folder", ["nn", "viz", "benchmarks", "examples", "tests/examples"])
def test_only_public_names_cross_a_package_boundary(folder: str) -> None:
    bad = []
    for path in python_files(folder):
        for package, name, line in uses(path):
            if package == folder.split("/")[-1]:
                continue  # a package's own modules
            if name not in PUBLIC[package]:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {package}.{name}")
    assert not bad, "private names used across packages:\n" + "\n".join(bad)


def test_viz_never_imports_nn_and_the_engine_imports_neither() -> None:
    for folder, forbidden in [("viz", {"nn"}), ("autograd_core", {"nn", "viz"})]:
        for path in python_files(folder):
            for package, _, line in uses(path):
                assert package not in forbidden, f"{path.relative_to(ROOT)}:{line}: {package}"


def test_compile_imports_only_the_core_and_the_core_never_imports_compile() -> None:
    core = {p.stem for p in (ROOT / "autograd_core").glob("*.py")}
    for path in python_files("autograd_core/compiled"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert (node.module or "ops") in core, f"{path.name} imports ..{node.module}"
    for path in (ROOT / "autograd_core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                # only __init__ may, lazily (in __getattr__ and under TYPE_CHECKING): that it
                # loads nothing until first use is what the next test checks, at run time
                if node.module.startswith("compiled"):
                    in_init = path.name == "__init__.py"
                    assert in_init, f"{path.name} imports .{node.module} (only __init__.py may)"


def test_importing_the_engine_loads_no_numpy_and_compile_loads_on_first_use() -> None:
    code = (
        "import sys, autograd_core as ag; assert 'numpy' not in sys.modules; "
        "x = ag.Value(2.0); (x * x).backward(); assert 'numpy' not in sys.modules; "
        "ag.compile(lambda v: v * x, 1.0); assert 'numpy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- no import cycles, function-local imports included --------------------------------------

PACKAGES = ["autograd_core", "nn", "viz", "benchmarks"]
Edge = tuple[str, str, str]  # (importer, imported, "file:line")


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package` under `root` (a package's
    `__init__.py` is the package itself)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (functions, methods, try blocks), except those in
    the body of an `if TYPE_CHECKING:`, which never run."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _under_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _targets(
    node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, known: dict[str, Path]
) -> list[str]:
    """The modules an import statement reads from, relative names resolved: `from X import
    name` reads X.name when that is a submodule, else X (its `__init__` for a package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = importer.split(".")
        here = parts if is_package else parts[:-1]
        up = here[: len(here) - (node.level - 1)]
        base = ".".join([*up, base] if base else up)
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def import_graph(root: Path, package: str) -> list[Edge]:
    """The import edges between `package`'s own modules. An import of a module also loads each
    package above it, so those are edges too, except the importer's own packages (which are
    already loading when it runs); importing a package means its `__init__`."""
    known = modules(root, package)
    edges: dict[Edge, None] = {}  # in order, each once
    for importer, path in known.items():
        is_package = path.name == "__init__.py"
        parts = importer.split(".")
        own = {".".join(parts[:i]) for i in range(1, len(parts))}
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(root)}:{node.lineno}"
            for target in _targets(node, importer, is_package, known):
                above = target.split(".")
                loaded = {".".join(above[:i]) for i in range(1, len(above))} - own
                for name in sorted({target} | loaded):
                    if name in known and name != importer:
                        edges[importer, name, where] = None
    return list(edges)


def strongly_connected(nodes: list[str], edges: list[Edge]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively; those of more than one module."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b, _ in edges:
        succ[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(succ[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(succ[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(components)


def describe_cycle(component: list[str], edges: list[Edge]) -> str:
    """A shortest cycle through the component's first module, each step with its file:line,
    then every other import inside the component."""
    inside = [e for e in edges if e[0] in component and e[1] in component]
    first = component[0]
    came_from: dict[str, Edge] = {}
    frontier = [first]
    while frontier and first not in came_from:  # breadth first, back round to `first`
        following = []
        for node in frontier:
            for edge in inside:
                if edge[0] == node and edge[1] not in came_from:
                    came_from[edge[1]] = edge
                    following.append(edge[1])
        frontier = following
    path, node = [], first
    while not path or node != first:
        edge = came_from[node]
        path.append(edge)
        node = edge[0]
    lines = [f"cycle: {' -> '.join([first, *(e[1] for e in reversed(path))])}"]
    lines += [f"    {a} -> {b}  ({where})" for a, b, where in reversed(path)]
    rest = sorted(set(inside) - set(path))
    lines += [f"  also inside it: {a} -> {b}  ({where})" for a, b, where in rest]
    return "\n".join(lines)


def cycles(root: Path, package: str) -> list[str]:
    edges = import_graph(root, package)
    components = strongly_connected(sorted(modules(root, package)), edges)
    return [describe_cycle(component, edges) for component in components]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_in_a_package_function_local_imports_included(package: str) -> None:
    found = cycles(ROOT, package)
    assert not found, f"import cycles in {package}:\n" + "\n".join(found)


def test_the_cycle_finder_sees_lazy_and_relative_imports_and_skips_type_checking(
    tmp_path: Path,
) -> None:
    """A made-up package: a -> b through a function-local `from . import b`; b -> a through
    `from .sub.c import x` (sub/c imports a); d imports a only under TYPE_CHECKING, and a
    imports d, which is no cycle; e reads a name from the package's `__init__`."""
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/a.py": "from . import d\n\ndef f():\n    from . import b\n",
        "pkg/b.py": "from .sub.c import x\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "from ..a import f\nx = 1\n",
        "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n",
        "pkg/e.py": "from . import X, d\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = cycles(tmp_path, "pkg")
    assert len(found) == 1
    assert found[0].splitlines()[0] == "cycle: pkg.a -> pkg.b -> pkg.sub.c -> pkg.a"
    assert "(pkg/a.py:4)" in found[0] and "(pkg/sub/c.py:1)" in found[0]
    assert "pkg.d" not in found[0]
    edges = import_graph(tmp_path, "pkg")
    assert ("pkg.b", "pkg.sub", "pkg/b.py:1") in edges  # the package above c loads too
    assert not [edge for edge in edges if edge[0] == "pkg.d"]
    assert {edge[1] for edge in edges if edge[0] == "pkg.e"} == {"pkg", "pkg.d"}


# --- no god functions ------------------------------------------------------------------------

# Functions above McCabe complexity 15 that each package may keep (none may pass 20).
ABOVE_15 = {"autograd_core": 3, "nn": 3, "viz": 2, "benchmarks": 3}


def complexities(package: str, limit: int) -> list[tuple[int, str]]:
    """(complexity, 'file:line name') of every function in `package` above `limit`, by ruff's
    C901 (the repository's own linter)."""
    needs(importlib.util.find_spec("ruff") is not None, "ruff")
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901"]
    command += ["--config", f"lint.mccabe.max-complexity={limit}", "--output-format", "json"]
    done = subprocess.run([*command, package], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    found = []
    for row in json.loads(done.stdout):
        name, number = re.fullmatch(
            r"`(.+)` is too complex \((\d+) > \d+\)", row["message"]
        ).groups()
        where = f"{Path(row['filename']).relative_to(ROOT)}:{row['location']['row']}"
        found.append((int(number), f"{where} {name}"))
    return sorted(found, reverse=True)


@pytest.mark.parametrize("package", sorted(ABOVE_15))
def test_no_function_above_complexity_20_and_few_above_15(package: str) -> None:
    above_20 = complexities(package, 20)
    assert not above_20, f"{package}: functions above complexity 20: {above_20}"
    above_15 = complexities(package, 15)
    most = ABOVE_15[package]
    assert len(above_15) <= most, f"{package}: more than {most} above 15: {above_15}"


VIZ_ROOMS = {  # room -> the rooms it may import; views read the graph model, nothing reaches back
    "extras": set(),  # optional packages, each with the pip line that installs it
    "graph": set(),
    "frontend": set(),  # joins the .js/.css/.html files for widgets and saved pages
    "drawing": {"graph", "extras"},
    "jupyter": {"graph", "drawing"},  # show() draws
    "explain": {"graph", "drawing", "jupyter", "frontend", "extras"},
    "explorer": {"graph", "drawing", "explain", "jupyter", "frontend"},
    "training": {"jupyter", "frontend", "extras"},
    "files": {"graph", "drawing", "explain"},
    "cli": {"graph", "drawing", "files"},
    "__main__": {"cli"},
}


def _viz_room(parts: tuple[str, ...]) -> str:
    """The room of a module inside viz, from its path parts below viz/ ('graph', 'cli', ...)."""
    return parts[0].removesuffix(".py")


def test_viz_rooms_import_one_way() -> None:
    viz = ROOT / "viz"
    bad = []
    for path in python_files("viz"):
        parts = path.relative_to(viz).parts
        if parts == ("__init__.py",):
            continue  # the package's front door gathers every room's public names
        room = _viz_room(parts)
        assert room in VIZ_ROOMS, f"viz/{'/'.join(parts)}: add its room to VIZ_ROOMS"
        package = parts[:-1] if len(parts) > 1 else ()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package[: len(package) - (node.level - 1)]
            target = (*base, *(node.module or "").split(".")) if node.module else base
            if not target:  # `from .. import x`: x is a room
                targets = [a.name for a in node.names]
            else:
                targets = [_viz_room(target)]
            for other in targets:
                if other != room and other not in VIZ_ROOMS[room]:
                    bad.append(f"viz/{'/'.join(parts)}:{node.lineno}: {room} imports {other}")
    assert not bad, "viz's rooms import against the flow:\n" + "\n".join(bad)
