"""The step-through of a backward pass: `explain_backward(root)`, a self-contained HTML page.

- `steps.py`: the steps themselves (`backward_steps`), read from what the engine recorded;
- `arithmetic.py`: how many digits a shown sum or product needs to add up;
- `page.py`: the page; `static/`: its template, script and styles, and the pan/zoom and stepper
  modules the explorer shares.
"""

from .page import explain_backward
from .steps import backward_steps

__all__ = ["backward_steps", "explain_backward"]
