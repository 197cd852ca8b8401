"""Every script in examples/ is run by a test: its tests name it (`moons.py`, or
`load_example("moons")`). The notebooks' sources run as the notebooks (test_notebooks.py)."""

from __future__ import annotations

from tests.kernel import ROOT


def test_every_example_script_is_named_by_a_test() -> None:
    scripts = [p for p in (ROOT / "examples").rglob("*.py") if "_source" not in p.parts]
    assert len(scripts) >= 7
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    untested = [
        str(p.relative_to(ROOT))
        for p in scripts
        if p.name not in tests and f'load_example("{p.stem}")' not in tests
    ]
    assert not untested, f"no test runs {untested}: add one (see tests/examples_nn/)"
