"""viz.explore on graphs that grad() builds at documented edge points: it shows what the engine
computed (inf), because every node replays as it was made."""

from __future__ import annotations

import math

from autograd_core import Value, grad
from tests.conftest import needs
from viz.explorer import explore

from .helpers import graphviz_pure_installed


def test_the_explorer_shows_an_infinite_derivative_that_grad_computed() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    z = Value(0.0, label="z")
    d = grad(lambda t: t.sqrt())(z)  # sqrt's derivative at 0: 0.5 * 0 ** -0.5 = inf
    assert d.data == math.inf
    explorer = explore(d)
    assert explorer.error == ""
    assert explorer.nodes[-1]["data"] == "inf"
    assert "data inf" in explorer.svg
    explorer.set(z=4.0)  # the slider moves the same graph to a finite point
    assert explorer.root.data == 0.25
    explorer.set(z=0.0)
    assert explorer.root.data == math.inf and explorer.error == ""
