"""The README is a front door: short, its two Quick start commands, and a tour whose every
`python` block runs as a plain script (Jupyter-only lines are fenced as `ipython`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kernel import ROOT, kernel_env

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_is_a_front_door_of_at_most_250_lines() -> None:
    assert len(README.splitlines()) <= 250
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    assert headings[:2] == ["Quick start", "A ten-line tour"]


def test_quick_start_has_exactly_two_one_line_bash_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [len(c.strip().splitlines()) for c in commands] == [1, 1]


def test_every_install_command_uses_one_editable_mode() -> None:
    """Any order of the README's commands leaves one working venv: every editable install in
    every bash block (here, in the docs and in examples/README.md) is the same kind."""
    texts = [README, (ROOT / "examples" / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")]
    installs = [
        line
        for text in texts
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
        for line in re.findall(r"pip install[^&\n]*", block)
        if " -e " in line
    ]
    assert len(installs) >= 4
    for line in installs:
        assert "--config-settings editable_mode=compat" in line, line
    bare = [
        line
        for text in texts
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
        for line in block.splitlines()
        if re.match(r"\s*python -m ", line)
    ]
    assert bare == [], "use .venv/bin/python, not a bare python"


@pytest.mark.slow
def test_readme_python_blocks_run_as_scripts(tmp_path: Path) -> None:
    """Each block, as written, in a fresh interpreter with no `dot` on PATH; then the claims of
    its comments, checked from the README's words."""
    assert len(BLOCKS) == 1
    script = tmp_path / "tour.py"
    script.write_text(BLOCKS[0], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=kernel_env(),
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "do/dx = -1.50, do/dw = 1.00" in result.stdout
    assert "accuracy after 100 epochs: 100%" in result.stdout
    assert "<svg" in (tmp_path / "neuron.svg").read_text(encoding="utf-8")
    gif = (tmp_path / "backward.gif").read_bytes()
    assert gif[:6] in (b"GIF87a", b"GIF89a")


def test_jupyter_only_lines_are_not_python_blocks() -> None:
    for block in BLOCKS:
        assert "viz.show(" not in block and "viz.explore(" not in block
        assert not block.startswith(" "), "printed output is not a python block"


def test_license_is_mit_as_the_metadata_says() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
