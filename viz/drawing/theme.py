"""Colours of a drawing: `THEMES["light"]` (white paper) and `THEMES["dark"]` (dark slides).

Each kind of box has its own look, the same in both themes:
- inputs and parameters (labelled leaves): filled blue-grey records;
- constants (unlabelled leaves, made from plain numbers such as the 2 in `x * 2`): no fill,
  a grey outline and grey text, so they never read as something to learn;
- op results: outlined records, the root with a thick outline;
- leaves whose grad was summed over several backward() calls: an orange outline;
- copies of a Value drawn again near a distant use: a dashed outline with its name only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["THEMES", "Theme"]


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    line: str
    leaf_fill: str
    group_fill: str
    cluster: str
    muted: str
    accent: str


THEMES = {
    "light": Theme(
        background="white",
        text="black",
        line="black",
        leaf_fill="#e8f1fb",
        group_fill="#f3f3f3",
        cluster="#8c8c8c",
        muted="#707070",
        accent="#d35400",
    ),
    "dark": Theme(
        background="#1e1e1e",
        text="#e6e6e6",
        line="#c8c8c8",
        leaf_fill="#21405f",
        group_fill="#2e2e2e",
        cluster="#8c8c8c",
        muted="#9a9a9a",
        accent="#ff9f43",
    ),
}
"""The themes `draw_dot(theme=...)` accepts."""
