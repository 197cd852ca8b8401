"""Build the teaching notebooks from their readable sources in `_source/`.

Each source is a Python file in the "percent" format: a line `# %%` starts a code cell and
`# %% [markdown]` a markdown cell whose lines are comments. The notebooks are written without
outputs or execution counts, with stable cell ids, so the committed files only change when the
source does.

    python examples/notebooks/build.py           # (re)write every .ipynb from _source/
    python examples/notebooks/build.py --check   # exit 1 if a notebook is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "_source"
CELL_START = re.compile(r"^# %%(?P<markdown> \[markdown\])?\s*$")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def sources() -> list[Path]:
    """The notebook sources, in teaching order (their names start with a number)."""
    return sorted(SOURCES.glob("[0-9]*.py"))


def _markdown(lines: list[str]) -> str:
    text = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            raise ValueError(f"markdown line does not start with '#': {line!r}")
        text.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(text).strip("\n")


def notebook(source: Path) -> nbformat.NotebookNode:
    """The clean notebook for one source file."""
    cells: list[tuple[bool, list[str]]] = []
    for line in source.read_text(encoding="utf-8").splitlines():
        start = CELL_START.match(line)
        if start:
            cells.append((bool(start["markdown"]), []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip() and not line.startswith('"""') and not line.startswith("#"):
            raise ValueError(f"{source.name}: code before the first '# %%': {line!r}")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for i, (is_markdown, lines) in enumerate(cells):
        if is_markdown:
            cell = nbformat.v4.new_markdown_cell(_markdown(lines))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines).strip("\n"))
        cell.id = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def target(source: Path) -> Path:
    return HERE / f"{source.stem}.ipynb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        text = nbformat.writes(notebook(source)) + "\n"
        path = target(source)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    print(f"{len(stale)} notebook(s) {verb}" + "".join(f"\n  {name}" for name in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
