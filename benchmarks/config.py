"""The sizes and time budgets of a full run and of a `--quick` one."""

from __future__ import annotations

from dataclasses import dataclass, field

from .timing import Budget


@dataclass(frozen=True)
class Config:
    quick: bool
    n_points: int
    hidden: tuple[int, ...]
    chain_sizes: tuple[int, ...]
    step_budget: Budget = field(default_factory=lambda: Budget(4.0, warmup=2, max_repeats=100))
    chain_budget: Budget = field(default_factory=lambda: Budget(2.0, warmup=1, max_repeats=50))


FULL = Config(quick=False, n_points=100, hidden=(16, 16), chain_sizes=(10**3, 10**4, 10**5, 10**6))
QUICK = Config(
    quick=True,
    n_points=8,
    hidden=(4, 4),
    chain_sizes=(100, 1000),
    step_budget=Budget(0.02, warmup=1, min_repeats=2, max_repeats=3),
    chain_budget=Budget(0.02, warmup=1, min_repeats=2, max_repeats=3),
)
