"""Printing helpers every section's renderer shares: aligned tables and milliseconds.

A leaf: it imports nothing from the package, so any section can draw its own table without
reaching back into the report that lists it.
"""

from __future__ import annotations


def table(headers: list[str], rows: list[list[str]], markdown: bool = False) -> str:
    """Columns right-aligned except the first; Markdown pipes when asked."""
    cells = [headers, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "| " + " | ".join(parts) + " |" if markdown else "  ".join(parts)

    rule = (
        "|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]]) + "|"
        if markdown
        else "  ".join("-" * w for w in widths)
    )
    return "\n".join([line(headers), rule, *map(line, rows)])


def ms(seconds: float) -> str:
    """Seconds as milliseconds: three decimals below 10 ms, one above."""
    return f"{seconds * 1e3:,.3f}" if seconds < 0.01 else f"{seconds * 1e3:,.1f}"
