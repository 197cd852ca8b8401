"""Dependencies point one way, through public names only.

nn, viz, benchmarks and examples use only `autograd_core`'s public names (its `__all__`), and
only nn's public names (`nn.__all__` and `nn.data`); viz never imports nn; the engine imports
neither; compile imports only the core; importing the engine loads no numpy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_core
import nn

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


def test_the_core_reads_in_one_sitting() -> None:
    lines = sum(len(p.read_text().splitlines()) for p in (ROOT / "autograd_core").glob("*.py"))
    assert lines <= 800, f"autograd_core/*.py is {lines} lines"


VIZ_ROOMS = {  # room -> the rooms it may import; views read the graph model, nothing reaches back
    "graph": set(),
    "frontend": set(),  # joins the .js/.css/.html files for widgets and saved pages
    "drawing": {"graph"},
    "jupyter": {"graph", "drawing"},  # show() draws
    "explain": {"graph", "drawing", "jupyter", "frontend"},
    "explorer": {"graph", "drawing", "explain", "jupyter", "frontend"},
    "training": {"jupyter", "frontend"},
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
