"""Golden screenshots compared with a tolerance, as matplotlib's image comparison tests and
Playwright's snapshot assertions do.

`assert_matches_golden(png, name)` compares a screenshot with `golden/<name>.png`. A pixel has
changed when one of its channels differs by more than `PIXEL_THRESHOLD` (of 255: low enough that
a pastel fill such as the highlight's #fde2e2 on white counts). A font that hints or anti-aliases
a little differently changes only some edge pixels of its glyphs; a removed stylesheet rule (a
highlight, a colour, a border) changes whole regions. The test fails when more than
`MAX_CHANGED` of the pixels changed, or the size differs; it then writes
`output/<name>.actual.png` and `output/<name>.diff.png` (the golden faded, changed pixels in red)
and names them.

Regenerate every golden after an intended change (then look at each one before committing):

    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/visual
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
OUTPUT = HERE / "output"
PIXEL_THRESHOLD = 16
MAX_CHANGED = 0.002


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDENS") == "1"


def _image(png: bytes) -> Any:
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def _write_failure(name: str, png: bytes, diff: Any | None) -> list[Path]:
    from PIL import Image

    OUTPUT.mkdir(exist_ok=True)
    actual = OUTPUT / f"{name}.actual.png"
    actual.write_bytes(png)
    if diff is None:
        return [actual]
    diff_path = OUTPUT / f"{name}.diff.png"
    Image.fromarray(diff).save(diff_path)
    return [actual, diff_path]


def assert_matches_golden(png: bytes, name: str) -> None:
    """Fail unless the screenshot `png` matches golden/`name`.png within the tolerance."""
    import numpy as np

    golden = GOLDEN / f"{name}.png"
    if updating():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(png)
        return
    if not golden.exists():
        (actual,) = _write_failure(name, png, None)
        pytest.fail(f"no golden {golden.name}: look at {actual}, then run UPDATE_GOLDENS=1 ...")
    got, want = _image(png), _image(golden.read_bytes())
    if got.shape != want.shape:
        (actual,) = _write_failure(name, png, None)
        pytest.fail(
            f"{name}: the screenshot is {got.shape[1]}x{got.shape[0]} px, the golden "
            f"{want.shape[1]}x{want.shape[0]}; see {actual}"
        )
    changed = np.abs(got - want).max(axis=-1) > PIXEL_THRESHOLD
    fraction = float(changed.mean())
    if fraction > MAX_CHANGED:
        diff = (255 - (255 - want) // 4).astype(np.uint8)  # the golden, faded
        diff[changed] = (255, 0, 0)
        actual, diff_path = _write_failure(name, png, diff)
        pytest.fail(
            f"{name}: {fraction:.2%} of the pixels differ from {golden.name} (at most "
            f"{MAX_CHANGED:.2%} may); actual {actual}, diff {diff_path}"
        )
