"""Reproducible speed and memory comparisons: `python -m benchmarks` (see README, Performance)."""
