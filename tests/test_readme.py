"""The README documents only what works: its Python blocks run in a real kernel as written."""

from __future__ import annotations

import ast
import re

from tests.conftest import needs
from tests.kernel import ROOT, execute, kernel_available

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)

# What the README's comments claim, checked after the block that makes the claim. Each check is
# written from the README's words, not from the code's output.
CLAIMS = {
    "from autograd_core import Value, grad": (
        "assert abs(x.grad + 1.5) < 1e-9 and abs(w.grad - 1.0) < 1e-9\nassert o.item() == o.data"
    ),
    "import numpy as np\nfrom autograd_core import Value, compile": (
        "assert isinstance(loss([0.3, 0.0], 1.0), float)\n"
        "assert len(r.grads) == len(loss.params) == 2 and w.grad != 0 and b.grad != 0\n"
        "source = str(loss)\n"
        "for line in README_EXCERPT.strip().splitlines():\n"
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
    return [ast.get_source_segment(block, node) for node in ast.parse(block).body]


def test_every_python_block_has_its_claims_checked():
    runnable = [b for b in BLOCKS if not b.startswith(" ")]  # indented: an excerpt of output
    assert len(runnable) == len(CLAIMS)
    assert all(any(b.startswith(key) for b in runnable) for key in CLAIMS)


def test_readme_python_blocks_run_in_a_real_kernel(tmp_path):
    needs(kernel_available(), "nbclient, ipykernel and a python3 kernel spec")
    import nbformat

    excerpt = next(b for b in BLOCKS if b.startswith(" "))
    cells = [f"README_EXCERPT = {excerpt!r}"]
    for block in BLOCKS:
        if block.startswith(" "):
            continue
        cells.extend(statements(block))  # one cell each, as a reader types them into Jupyter
        cells.append(next(check for key, check in CLAIMS.items() if block.startswith(key)))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, tmp_path)

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
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_quick_start_has_exactly_two_one_line_bash_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [len(c.strip().splitlines()) for c in commands] == [1, 1]
