"""The front end's .js and .css files pass Biome (lint and format, biome.json), every one of them.

Biome comes from the npm registry into ./node_modules (`.ci/js-lint-setup`); without it these
tests skip, and with REQUIRE_ALL=1 (CI) they fail. The linter is also shown a broken copy of a
real file, so a configuration that checks nothing cannot pass.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import needs
from tests.kernel import ROOT

BIOME = ROOT / "node_modules" / ".bin" / "biome"


def biome(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    """`biome ci` (lint and format check, no writes) in `root`, with the repository's config."""
    needs(BIOME.exists(), "Biome (run .ci/js-lint-setup)")
    return subprocess.run(
        [str(BIOME), "ci", "--error-on-warnings", "--colors=off", *paths],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def front_end_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "viz").rglob("*") if p.suffix in (".js", ".css"))


def test_every_js_and_css_file_passes_biome() -> None:
    result = biome(ROOT, "viz")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    checked = re.search(r"Checked (\d+) files?", output)
    assert checked, output
    assert int(checked.group(1)) == len(front_end_files(ROOT)) >= 8


def test_biome_fails_on_a_planted_error(tmp_path: Path) -> None:
    """A copy of the tree's config and of one real module, with an undeclared name and a `var`
    in it, fails; the unbroken copy passes."""
    needs(BIOME.exists(), "Biome (run .ci/js-lint-setup)")
    shutil.copy(ROOT / "biome.json", tmp_path / "biome.json")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # biome.json reads .gitignore
    original = next(p for p in front_end_files(ROOT) if p.name == "stepper.js")
    copy = tmp_path / "viz" / original.name
    copy.parent.mkdir()
    shutil.copy(original, copy)
    assert biome(tmp_path, "viz").returncode == 0
    copy.write_text(
        original.read_text(encoding="utf-8") + "\nexport function broken() {\n  var n = 1;\n"
        "  return n + undeclaredName;\n}\n",
        encoding="utf-8",
    )
    result = biome(tmp_path, "viz")
    assert result.returncode != 0
    assert "noUndeclaredVariables" in result.stdout + result.stderr
    assert "noVar" in result.stdout + result.stderr
