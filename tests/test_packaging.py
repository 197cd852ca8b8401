"""The built wheel holds every module of the three packages, their py.typed markers and viz's
front end (the .js, .css and .html files of each room's static/ folder)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.kernel import ROOT

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop

PACKAGES = ("autograd_core", "nn", "viz")
FRONT_END = (".js", ".css", ".html")
IGNORED = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "output")
IGNORED += ("node_modules", "site")


def test_wheel_contains_every_package_module(tmp_path):
    # Build from a copy: a build/ directory left in the tree would leak stale files into the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*IGNORED))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.suffix == ".py" or path.name == "py.typed" or path.suffix in FRONT_END
    }
    front_end = {name for name in wanted if name.endswith(FRONT_END)}
    assert len(front_end) >= 10  # the pages' and widgets' scripts, styles and templates
    assert wanted - shipped == set()
    assert not any(name.startswith(("tests/", "benchmarks/", "examples/")) for name in shipped)
    licenses = [name for name in shipped if name.rsplit("/", 1)[-1] == "LICENSE"]
    assert licenses and zipfile.ZipFile(wheel).read(licenses[0]).startswith(b"MIT License")
