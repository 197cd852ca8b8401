"""`python -m viz`: good expressions evaluate, draw and print; hostile ones are refused unrun."""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import needs
from viz import format_number
from viz.cli import (
    MAX_EXPRESSION_LENGTH,
    RejectedExpression,
    main,
    parse_expression,
    variables,
)
from viz.drawing import layout_program

from .helpers import graphviz_pure_installed, png_size, strip_graphviz_from_path

ROOT = Path(__file__).resolve().parents[2]
NEURON = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.8814"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table_lists_every_node_with_value_and_grad(capsys) -> None:
    status, out, err = run(capsys, *NEURON)
    assert status == 0 and err == ""
    n = 2 * -3 + 6.8814
    dn = 1 - math.tanh(n) ** 2
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["#", "node", "op", "data", "grad", "expression"]
    assert rows[1] == ["0", "x", "leaf", "2.0", f"{-3 * dn:.4f}", "x"]  # -1.4999
    assert rows[2] == ["1", "w", "leaf", "-3.0", format_number(2 * dn), "w"]
    assert rows[-1][:5] == ["5", "#5", "tanh", f"{math.tanh(n):.4f}", "1.0"]
    assert out.splitlines()[-1].endswith("tanh(x*w + b)")


def test_expression_semantics_match_python(capsys) -> None:
    # x**2 keeps the exponent in the op; a name used twice is one leaf; 2 is a constant leaf
    status, out, _ = run(capsys, "x**2 + 2*x - x/4", "--set", "x=3")
    assert status == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows[0][:5] == ["0", "x", "leaf", "3.0", "7.75"]  # 2x + 2 - 1/4 at x = 3
    assert [r[2] for r in rows].count("**2") == 1
    assert sum(r[1] == "x" for r in rows) == 1
    status, out, _ = run(capsys, "-x", "--set", "x=3")  # argparse needs options first, or --
    assert status == 2
    status, out, _ = run(capsys, "--set", "x=3", "--", "-x")
    assert status == 0 and out.splitlines()[-1].split()[2:5] == ["neg", "-3.0", "1.0"]


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot", ".html"])
def test_writes_the_file_named_by_output(capsys, tmp_path: Path, suffix: str) -> None:
    if suffix != ".dot":
        needs(graphviz_pure_installed(), "the graphviz-pure command")
    out_path = tmp_path / f"graph{suffix}"
    status, out, _ = run(capsys, *NEURON, "--local-grads", "-o", str(out_path))
    assert status == 0 and out.rstrip().endswith(f"wrote {out_path}")
    data = out_path.read_bytes()
    if suffix == ".png":
        assert png_size(data)[0] > 0
    elif suffix == ".dot":
        assert b"label=-3.0" in data and b"{ x | data 2.0 |" in data
    else:
        assert b"<svg" in data


HOSTILE = [
    ("__import__('os').system('touch PWNED')", "only calls to exp, log"),
    ("__import__('pathlib').Path('PWNED').touch()", "only calls to"),
    ("x.__class__", "attribute access"),
    ("x.__class__.__bases__[0].__subclasses__()", "only calls to"),
    ("(lambda: 1)()", "only calls to"),
    ("[1][0]", "subscripts"),
    ("y + 1", "name 'y' is not set; pass --set y=NUMBER"),
    ("exp", "exp is a function"),
    ("exp(x, x)", "exactly one argument"),
    ("exp(x=1)", "exactly one argument"),
    ("x if x else 1", "conditional"),
    ("(PWNED := 1)", "assignment"),
    ("f'{x}'", "f-strings"),
    ("'a' * 3", "real numbers"),
    ("True + x", "real numbers"),
    ("1j * x", "real numbers"),
    ("x // 2", "operator FloorDiv"),
    ("x @ x", "operator MatMult"),
    ("~x", "unary - and +"),
    ("x < 1", "comparisons"),
    ("1e999 * x", "finite"),
    ("import os", "invalid syntax"),
    ("x; y", "invalid syntax"),
    ("", "empty"),
    ("log(-1) + x.y", "attribute access"),  # refused before anything is evaluated
    ("x" * (MAX_EXPRESSION_LENGTH + 1), f"the limit is {MAX_EXPRESSION_LENGTH}"),
    ("1+" * 50_000 + "1", f"the limit is {MAX_EXPRESSION_LENGTH}"),  # 100 kB
]


@pytest.mark.parametrize(("expression", "message"), HOSTILE, ids=lambda s: str(s)[:30])
def test_hostile_expressions_are_refused_with_status_2(
    capsys, tmp_path: Path, monkeypatch, expression: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "--set", "x=1", "-o", "g.svg", "--", expression)
    assert status == 2
    assert out == "" and message in err and err.startswith("python -m viz: rejected:")
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing touched


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x", "--set", "x"], "NAME=NUMBER"),
        (["x", "--set", "x=abc"], "needs a number"),
        (["x", "--set", "x=nan"], "finite"),
        (["x", "--set", "__x=1"], "plain identifier"),
        (["exp(x)", "--set", "exp=1"], "function name"),
        (["x", "--set", "x=1", "--set", "x=2"], "twice"),
    ],
)
def test_bad_set_values_are_refused(capsys, argv: list[str], message: str) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2 and message in err


def test_every_name_left_unset_is_named(capsys) -> None:
    status, out, err = run(capsys, "tanh(x*w + b)", "--set", "x=2")
    assert status == 2 and out == ""
    assert "names 'w', 'b' are not set; pass --set w=NUMBER --set b=NUMBER" in err
    assert "went unused" not in err


def test_a_name_set_but_unused_is_named_with_the_expressions_names(capsys) -> None:
    status, out, err = run(capsys, "tanh(x*w + b)", "--set", "X=2")
    assert status == 2 and out == ""
    assert "names 'x', 'w', 'b' are not set" in err
    assert "--set X went unused (did you mean x?)" in err and "its names are x, w, b" in err
    status, _, err = run(capsys, "x * x", "--set", "x=2", "--set", "y=3")  # nothing missing
    assert status == 2 and "--set y went unused" in err and "its names are x" in err
    assert "not set" not in err and "did you mean" not in err
    with pytest.raises(RejectedExpression, match="--set z went unused.*it uses no names"):
        parse_expression("2 * 3", ["z"])


def test_variables_lists_names_in_the_order_they_appear() -> None:
    assert variables(parse_expression("tanh(x*w + b) + w", ["x", "w", "b"])) == ["x", "w", "b"]


def test_math_errors_exit_1_with_the_engines_message(capsys) -> None:
    status, out, err = run(capsys, "log(x - 3)", "--set", "x=1")
    assert status == 1 and out == ""
    assert "log() needs a positive input, got -2.0" in err
    status, _, err = run(capsys, "9 ** 9 ** 9 ** 9")  # floats overflow at once, never hang
    assert status == 1 and "overflows" in err


def test_unknown_output_extension_and_help(capsys) -> None:
    assert main([*NEURON, "-o", "graph.bmp"]) == 2
    assert "the extension picks the format" in capsys.readouterr().err
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for part in ("--set NAME=NUMBER", "exp, log, tanh", f"longer than {MAX_EXPRESSION_LENGTH}",
                 ".html", ".pdf", "exit status", "2 usage or rejected"):  # fmt: skip
        assert part in text


def test_python_dash_m_viz_end_to_end(tmp_path: Path, monkeypatch) -> None:
    """The real command, in a fresh process with no Graphviz on PATH."""
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    env = dict(os.environ, PATH=strip_graphviz_from_path(monkeypatch), PYTHONPATH=str(ROOT))
    good = subprocess.run(
        [sys.executable, "-m", "viz", *NEURON, "-o", "g.svg"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert "tanh" in good.stdout and (tmp_path / "g.svg").read_text().count("<svg") == 1
    bad = subprocess.run(
        [sys.executable, "-m", "viz", "__import__('os').system('touch PWNED')"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "rejected" in bad.stderr
    assert not (tmp_path / "PWNED").exists()


# --- every failure while drawing: one line on stderr, exit status 1, nothing half-written -----


def script(tmp_path: Path, name: str, body: str) -> str:
    """An executable shell script standing in for a layout program."""
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


FAILING_BACKENDS = [
    ("false", lambda d: shutil.which("false"), "the layout program false failed with exit"),
    ("stderr", lambda d: script(d, "bad-dot", 'echo "Error: syntax error in line 1" >&2; exit 3'),
     "the layout program bad-dot failed with exit status 3: Error: syntax error in line 1"),
    ("killed", lambda d: script(d, "killed-dot", "kill -9 $$"),
     "the layout program killed-dot was stopped by signal 9"),
    ("silent", lambda d: shutil.which("true"), "the layout program wrote nothing"),
    ("missing", lambda d: str(d / "no-such-dot"), "unknown backend"),
    ("not a program", lambda d: _text(d), "Exec format error"),
]  # fmt: skip


def _text(tmp_path: Path) -> str:
    path = tmp_path / "not-a-program"
    path.write_text("just text, no #! line\x00")
    path.chmod(0o755)
    return str(path)


def assert_one_line_failure(status: int, out: str, err: str, message: str) -> None:
    assert status == 1 and out == ""
    assert err.startswith("python -m viz: error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(("backend", "message"), [(b, m) for _, b, m in FAILING_BACKENDS],
                         ids=[name for name, _, _ in FAILING_BACKENDS])  # fmt: skip
def test_a_failing_renderer_is_one_line_and_status_1(capsys, tmp_path, backend, message) -> None:
    program = backend(tmp_path)
    needs(program is not None, "false/true commands")
    out_path = tmp_path / "graph.svg"
    status, out, err = run(capsys, *NEURON, "-q", "-o", str(out_path), "--backend", program)
    assert_one_line_failure(status, out, err, message)
    assert not out_path.exists()


def test_a_renderer_that_hangs_is_stopped(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(layout_program, "RENDER_TIMEOUT", 0.5)
    slow = script(tmp_path, "slow-dot", "exec sleep 30")
    status, out, err = run(capsys, *NEURON, "-q", "-o", str(tmp_path / "g.png"), "--backend", slow)
    assert_one_line_failure(status, out, err, "slow-dot took over 0.5 s; draw a smaller graph")


def test_a_renderer_that_cannot_be_found_says_how_to_install_one(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, out, err = run(capsys, *NEURON, "-q", "-o", str(tmp_path / "g.svg"), "--backend", "dot")
    assert_one_line_failure(status, out, err, "no `dot` is on PATH; install one: pip install")


@pytest.mark.parametrize("name", ["missing-folder/g.svg", "folder.svg", "missing-folder/g.html",
                                  "folder.svg/../missing-folder/g.dot"])  # fmt: skip
def test_an_unwritable_output_path_is_one_line_and_status_1(capsys, tmp_path, name) -> None:
    (tmp_path / "folder.svg").mkdir()
    target = str(tmp_path / name)
    status, out, err = run(capsys, *NEURON, "-q", "-o", target)
    reason = "Is a directory" if name == "folder.svg" else "No such file or directory"
    assert_one_line_failure(status, out, err, reason)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.svg"]


def test_the_real_command_fails_cleanly_on_a_broken_renderer(tmp_path: Path) -> None:
    false = shutil.which("false")
    needs(false is not None, "the false command")
    result = subprocess.run(
        [sys.executable, "-m", "viz", *NEURON, "-o", "g.png", "--backend", str(false)],
        cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr
        == "python -m viz: error: the layout program false failed with exit status 1\n"
    )


def test_bad_option_values_are_usage_errors(capsys) -> None:
    for option in (["--max-nodes", "0"], ["--max-nodes", "x"], ["--precision", "13"],
                   ["--rankdir", "XY"]):  # fmt: skip
        status, out, err = run(capsys, *NEURON, *option)
        assert status == 2 and out == "" and "Traceback" not in err


# --- property-based: arbitrary text is evaluated or refused, never a traceback ----------------

PIECES = st.sampled_from(
    list("xyw0123456789.eE+-*/()_,[]{}'\"=:;@%&|^~<>!?\\\n\t\0 ")
    + ["**", "exp", "log", "tanh", "sqrt", "relu", "lambda", "__import__", "1e308", "9" * 30]
)
TEXT = st.text(max_size=80) | st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=TEXT)
def test_arbitrary_expressions_are_evaluated_or_refused_cleanly(text: str) -> None:
    try:
        parse_expression(text, ["x", "y"])
    except RejectedExpression:
        pass
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--set", "x=0.5", "--set", "y=-2", "-q", "--", text])
    message = err.getvalue()
    assert status in (0, 1, 2)
    assert (status == 0) == (message == "")
    assert message.count("\n") <= 1 and "Traceback" not in message


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.text(max_size=30), option=st.sampled_from(["--set", "--precision", "--max-nodes",
                                                          "--rankdir"]))  # fmt: skip
def test_arbitrary_option_values_are_accepted_or_refused_cleanly(value: str, option: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["x", "--set", "x=1", option, value, "-q"])
    assert status in (0, 1, 2) and "Traceback" not in err.getvalue()
