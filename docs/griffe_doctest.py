"""Griffe extension (named in mkdocs.yml): a docstring's doctest examples, `>>>` lines with
their output up to the next blank line, become fenced `pycon` code on the API pages, instead of
the nested quotes Markdown would make of them. The docstrings themselves stay plain doctest."""

from __future__ import annotations

from typing import Any

import griffe

FENCE = "```"


def fence_doctests(text: str) -> str:
    """`text` with every doctest block outside fenced code wrapped in a ```pycon fence."""
    out: list[str] = []
    in_code = in_doctest = False
    indent = ""
    for line in text.splitlines():
        stripped = line.strip()
        if in_doctest and not stripped:
            out.append(indent + FENCE)
            in_doctest = False
        elif not in_doctest and not in_code and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{FENCE}pycon")
            in_doctest = True
        elif not in_doctest and stripped.startswith(FENCE):
            in_code = not in_code
        out.append(line)
    if in_doctest:
        out.append(indent + FENCE)
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
