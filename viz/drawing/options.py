"""What a drawing shows and how: `DrawOptions`, checked once, read by every phase of drawing."""

from __future__ import annotations

from dataclasses import dataclass

from .digraph import Digraph
from .theme import THEMES

__all__ = ["RANKDIRS", "DrawOptions"]

RANKDIRS = ("LR", "TB", "RL", "BT")


@dataclass(frozen=True)
class DrawOptions:
    """`draw_dot`'s display options (see its docstring); the explorer and the step-through
    page pass their own."""

    rankdir: str | None = "LR"
    show_data: bool = True
    show_grad: bool = True
    show_local_grads: bool = False
    show_ids: bool = False
    cluster: bool = True
    precision: int = 4
    backend: str | None = None
    theme: str = "light"
    fit: bool = True
    dpi: float = 96.0

    def __post_init__(self) -> None:
        if self.rankdir is not None and self.rankdir not in RANKDIRS:
            raise ValueError(
                f"rankdir must be one of {', '.join(RANKDIRS)} or None (choose), "
                f"got {self.rankdir!r}"
            )
        if isinstance(self.precision, bool) or not isinstance(self.precision, int):
            raise TypeError(f"precision must be an int, got {self.precision!r}")
        if not 1 <= self.precision <= 12:
            raise ValueError(f"precision must be between 1 and 12, got {self.precision}")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {self.theme!r}")
        if not isinstance(self.fit, bool):
            raise TypeError(f"fit must be True or False, got {self.fit!r}")
        Digraph._check_dpi(self.dpi)
