"""The guide documents only what works: its pages' Python blocks run in a real kernel as written,
and what their comments claim is checked after the block that makes the claim."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import needs
from tests.kernel import ROOT, execute, kernel_available

GUIDE = ROOT / "docs" / "guide"
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted(GUIDE.glob("*.md"))}
BLOCKS = {
    name: re.findall(r"```python\n(.*?)```", text, flags=re.S) for name, text in PAGES.items()
}

# What the pages' comments claim, keyed by the start of the block that claims it. Each check is
# written from the page's words, not from the code's output.
CLAIMS = {
    "from autograd_core import Value, grad": (
        "assert abs(x.grad + 1.5) < 1e-9 and abs(w.grad - 1.0) < 1e-9\nassert o.item() == o.data"
    ),
    "import numpy as np\nfrom autograd_core import Value, compile": (
        "assert isinstance(loss([0.3, 0.0], 1.0), float)\n"
        "assert len(r.grads) == len(loss.params) == 2 and w.grad != 0 and b.grad != 0\n"
        "source = str(loss)\n"
        "for line in EXCERPT.strip().splitlines():\n"
        "    assert line.strip() in source, line"
    ),
    "import nn": (
        "assert len(history.loss) == len(history.accuracy) == len(history.time) == 100\n"
        "assert nn.evaluate(model, X, 2 * y - 1, loss='hinge').accuracy == 1.0"
    ),
    "from autograd_core import Value\nimport viz": (
        "import pathlib\n"
        "assert '<svg' in pathlib.Path('neuron.svg').read_text()\n"
        "assert '<script' in pathlib.Path('backward.html').read_text()\n"
        "assert pathlib.Path('backward.gif').read_bytes()[:6] == b'GIF89a'\n"
        "assert pathlib.Path('neuron.pdf').read_bytes()[:5] == b'%PDF-'"
    ),
    "import onnxruntime as ort\nimport torch": (
        "import numpy as np\n"
        "assert [type(m).__name__ for m in net] == ['Linear', 'Tanh', 'Linear', 'Tanh', 'Linear']\n"
        "assert all(p.dtype == torch.float64 for p in net.parameters())\n"
        "with torch.no_grad():\n"
        "    reference = net(Xt).numpy()\n"
        "assert scores.shape == (100, 1) and abs(scores - reference).max() < 1e-12\n"
        "assert type(back) is nn.MLP\n"
        "assert abs(np.array(nn.predict(back, X)) - reference[:, 0]).max() < 1e-12"
    ),
}


def statements(block: str) -> list[str]:
    return [str(ast.get_source_segment(block, node)) for node in ast.parse(block).body]


def claim_for(block: str) -> str:
    found = [check for key, check in CLAIMS.items() if block.startswith(key)]
    assert len(found) == 1, f"no claim (or several) checks the block starting {block[:60]!r}"
    return found[0]


def test_every_python_block_of_the_guide_has_its_claims_checked() -> None:
    runnable = [b for blocks in BLOCKS.values() for b in blocks if not b.startswith(" ")]
    assert len(runnable) == len(CLAIMS)
    for block in runnable:
        claim_for(block)


@pytest.mark.slow
@pytest.mark.parametrize("page", [name for name, blocks in BLOCKS.items() if blocks])
def test_guide_python_blocks_run_in_a_real_kernel(page: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    needs(kernel_available(), "nbclient, ipykernel and a python3 kernel spec")
    import nbformat

    excerpts = [b for b in BLOCKS[page] if b.startswith(" ")]  # indented: printed output
    cells = [f"EXCERPT = {excerpts[0]!r}"] if excerpts else []
    for block in BLOCKS[page]:
        if block.startswith(" "):
            continue
        cells.extend(statements(block))  # one cell each, as a reader types them into Jupyter
        cells.append(claim_for(block))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, tmp_path)

    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    if page == "viz.md":
        shown = [
            str(output.data.get("text/html", ""))
            for cell in notebook.cells
            for output in cell.outputs
            if output.output_type in ("display_data", "execute_result")
        ]
        drawings = [html for html in shown if html.startswith("<svg")]
        assert len(drawings) >= 2  # draw_dot and show display inline, as SVG in HTML
        pages = [html for html in shown if html.startswith("<iframe")]
        assert len(pages) >= 1  # explain_backward
