"""compile(): a traced program must give the eager engine's numbers, one example or a batch."""

from __future__ import annotations

import math
import traceback

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import TraceError, Value, compile, grad, gradients
from autograd_core.compiled import vocabulary

RTOL = 1e-12


def eager(fn, params, *args):
    """fn run by the engine on one example: (output, d out/d params, d out/d each argument)."""
    leaves = [
        Value(a) if np.ndim(a) == 0 else [Value(v) for v in np.asarray(a, float).tolist()]
        for a in args
    ]
    out = fn(*leaves)
    grads = gradients(out)
    input_grads = [
        grads.get(leaf, 0.0) if isinstance(leaf, Value) else [grads.get(v, 0.0) for v in leaf]
        for leaf in leaves
    ]
    return out.data, np.array([grads.get(p, 0.0) for p in params]), input_grads


def looped(fn, params, *batch, reduction="mean"):
    """The eager engine looped over a batch: (loss, parameter grads, per-example outputs)."""
    outs, total = [], np.zeros(len(params))
    for example in zip(*batch):
        out, grads, _ = eager(fn, params, *example)
        outs.append(out)
        total += grads
    n = len(outs) if reduction == "mean" else 1
    return math.fsum(outs) / n, total / n, np.array(outs)


def param_grads(compiled, result, params):
    """The compiled grads in the order of `params` (0 for one the graph does not use)."""
    found = dict(zip(compiled.params, result.grads.tolist()))
    return np.array([found.get(p, 0.0) for p in params])


def assert_close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * 1e-3)


# --- one example: the program is the eager computation, number for number ---------------------


def test_one_example_matches_eager_exactly():
    w, b = Value(0.7, "w"), Value(-0.2, "b")

    def f(x, y):
        return ((w * x[0] + b).tanh() * x[1] - y) ** 2 + (x[0] / y).exp() + x[1].sigmoid()

    compiled = compile(f, [0.5, -1.5], 2.0)
    for x, y in [([0.5, -1.5], 2.0), ([-3.0, 0.25], 0.5)]:
        out, grads, input_grads = eager(f, [w, b], x, y)
        result = compiled.run(x, y)
        assert compiled(x, y) == result.value == out
        assert result.grads.tolist() == grads.tolist()
        assert result.input_grads[0].tolist() == input_grads[0]
        assert result.input_grads[1] == input_grads[1]
    assert compiled.params == [w, b]


def test_backward_accumulates_into_parameter_grads_like_eager():
    w = Value(1.5)
    compiled = compile(lambda x: (w * x).tanh(), 0.3)
    compiled.backward(0.3)
    compiled.backward(0.3)
    assert w.grad == 2 * eager(lambda x: (w * x).tanh(), [w], 0.3)[1][0]


def test_reused_nodes_constants_and_every_op_kind():
    w = Value(0.9)

    def f(x):
        a = x * w
        b = a + a  # a reused
        c = 3.0 - b / 2.0  # constants on both sides
        d = (c**2).sqrt() + abs(-a) + a.relu() + a.sin() * a.cos()
        return d * (x.sigmoid() + 0.5) ** w + (b * b + 1).log() + 2**a - (-d)

    compiled = compile(f, 0.4)
    for x in [0.4, -0.7, 1.3]:
        out, grads, (gx,) = eager(f, [w], x)
        result = compiled.run(x)
        assert result.value == out
        assert result.grads[0] == grads[0] and result.input_grads[0] == gx


# --- random expression graphs ------------------------------------------------------------------

UNARY = [
    lambda a: -a,
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: a.relu(),
    lambda a: abs(a),
    lambda a: a.tanh().exp(),
    lambda a: (a * a + 1).log(),
    lambda a: (a * a + 0.25).sqrt(),
    lambda a: a.sin(),
    lambda a: a.cos(),
    lambda a: a**2,
    lambda a: a.tanh() ** 3,
    lambda a: (a * a + 1) ** -0.5,
    lambda a: 2.5 * a - 1.0,
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1),
    lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
]

steps = st.lists(
    st.tuples(st.booleans(), st.integers(0, 13), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=8,
)
numbers = st.floats(-2, 2, allow_nan=False)


def random_function(plan, params, constant):
    def f(x, y):
        pool = [x[0], x[1], y, *params, Value(constant)]
        for binary, op, i, j in plan:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            pool.append(BINARY[op % len(BINARY)](a, b) if binary else UNARY[op](a))
        return pool[-1] + 0.0 * pool[0]  # depends on x, so the output is never a bare leaf

    return f


@settings(max_examples=40, deadline=None)
@given(plan=steps, w=st.lists(numbers, min_size=2, max_size=2), c=numbers, data=st.data())
def test_random_graphs_compiled_equals_eager(plan, w, c, data):
    params = [Value(v) for v in w]
    f = random_function(plan, params, c)
    x0, y0 = [data.draw(numbers), data.draw(numbers)], data.draw(numbers)
    compiled = compile(f, x0, y0)

    out, grads, input_grads = eager(f, params, x0, y0)  # one example: exactly the same numbers
    result = compiled.run(x0, y0)
    assert result.value == out
    assert_close(param_grads(compiled, result, params), grads, rtol=0)
    assert_close(result.input_grads[0], input_grads[0], rtol=0)

    rng = np.random.default_rng(len(plan))  # a batch: numpy's math, equal to 1e-12
    X, Y = rng.uniform(-2, 2, (7, 2)), rng.uniform(-2, 2, 7)
    loss, loss_grads, outs = looped(f, params, X, Y)
    input_grads = [eager(f, params, x, y)[2] for x, y in zip(X, Y)]
    for backend in ("lines", "levels"):  # both ways to run a batch
        compiled.backend = backend
        result = compiled.run(X, Y)
        assert_close(result.outputs, outs)
        assert_close(result.value, loss)
        assert_close(param_grads(compiled, result, params), loss_grads)
        per_example = [np.asarray(g) * len(X) for g in result.input_grads]  # of the mean
        assert_close(per_example[0], [g[0] for g in input_grads])
        assert_close(per_example[1], [g[1] for g in input_grads])


# --- MLPs with every activation and loss -----------------------------------------------------

ACTIVATIONS = {
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "linear": lambda v: v,
}


def mlp(sizes, activation, seed=0):
    """A tiny MLP on Values: returns (forward(x) -> list of outputs, parameters)."""
    rng = np.random.default_rng(seed)
    layers = [
        [[Value(v) for v in rng.uniform(-1, 1, nin + 1)] for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]

    def forward(x):
        for k, layer in enumerate(layers):
            act = ACTIVATIONS[activation] if k < len(layers) - 1 else ACTIVATIONS["linear"]
            x = [act(sum((w * xi for w, xi in zip(n[1:], x)), n[0])) for n in layer]
        return x

    return forward, [w for layer in layers for n in layer for w in n]


LOSSES = {
    "mse": (1, lambda out, y: (out[0] - y) ** 2),
    "hinge": (1, lambda out, y: (1 - y * out[0]).relu()),
    "bce": (
        1,
        lambda out, y: -(y * out[0].sigmoid().log() + (1 - y) * (1 - out[0].sigmoid()).log()),
    ),
    "softmax_ce": (
        3,
        lambda out, y: sum(z.exp() for z in out).log() - sum(yk * z for yk, z in zip(y, out)),
    ),
}


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_batched_equals_looped_eager(activation, loss_name):
    nout, loss = LOSSES[loss_name]
    forward, params = mlp([2, 4, 4, nout], activation)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 2))
    if loss_name == "softmax_ce":
        Y = np.eye(3)[rng.integers(0, 3, 9)]
    elif loss_name == "hinge":
        Y = rng.choice([-1.0, 1.0], 9)
    else:
        Y = rng.integers(0, 2, 9).astype(float)
    def fn(x, y):
        return loss(forward(x), y)

    compiled = compile(fn, X[0], Y[0])
    for compiled.backend, reduction in [("levels", "mean"), ("levels", "sum"), ("lines", "sum")]:
        compiled.reduction = reduction
        expected_loss, expected_grads, outs = looped(fn, params, X, Y, reduction=reduction)
        result = compiled.run(X, Y)
        assert_close(result.value, expected_loss)
        assert_close(param_grads(compiled, result, params), expected_grads)
        assert_close(result.outputs, outs)
        assert_close(compiled(X, Y), outs)


def test_input_gradients_over_a_batch_are_per_example():
    w = Value(0.3)
    compiled = compile(lambda x, y: (w * x[0] * x[1]).tanh() * y, [1.0, 2.0], 3.0, reduction="sum")
    X, Y = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]]), np.array([3.0, -1.0, 0.5])
    result = compiled.run(X, Y)
    for b in range(3):
        _, _, (gx, gy) = eager(lambda x, y: (w * x[0] * x[1]).tanh() * y, [w], X[b], Y[b])
        assert_close(result.input_grads[0][b], gx)
        assert_close(result.input_grads[1][b], gy)


# --- the level-by-level batch backend ----------------------------------------------------------


def test_levels_backend_with_chains_repeated_and_shared_operands():
    """Chains of adds that repeat a term, share terms across chains and feed several users; the
    level schedule must sum each node's contributions, however they are spread."""
    w = [Value(v) for v in (0.5, -1.2, 0.8)]

    def f(x, y):
        a = x[0] * w[0]
        s1 = a + a + x[1] + a  # a chain that repeats a term
        s2 = x[1] + a + w[1] * y + x[1]  # shares a and x[1] with s1, at other positions
        s3 = w[2] + s1 * s2  # s1 and s2 each have one more user than their chain
        return (s3 + s1 + s2).tanh() + (x[0] * x[0] + x[1] * x[0] + y * x[0]).sigmoid()

    compiled = compile(f, [0.1, 0.2], 0.3, reduction="sum")
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=6)
    loss, grads, outs = looped(f, w, X, Y, reduction="sum")
    compiled.backend = "levels"
    result = compiled.run(X, Y)
    assert_close(result.value, loss)
    assert_close(param_grads(compiled, result, w), grads)
    assert_close(compiled(X, Y), outs)
    for b in range(6):
        _, _, (gx, gy) = eager(f, w, X[b], Y[b])
        assert_close(result.input_grads[0][b], gx)
        assert_close(result.input_grads[1][b], gy)
    fewer = compiled.run(X, Y, input_grads=False)
    assert fewer.input_grads == (None, None)
    assert_close(fewer.grads, result.grads)


def test_levels_backend_reports_errors_like_the_program():
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).log() + w, 1.0)
    compiled.backend = "levels"
    with pytest.raises(
        ValueError, match=r"log\(\) needs a positive input, got -2.0 \(batch element 1\)"
    ):
        compiled.run(np.array([1.0, -2.0, 3.0]))


def test_auto_backend_schedules_a_wide_graph_by_levels_and_a_deep_chain_line_by_line():
    forward, params = mlp([2, 6, 6, 1], "relu")
    wide = compile(lambda x: forward(x)[0], [0.1, 0.2])
    w = Value(0.9)

    def deep(x):
        for _ in range(30):
            x = (x * w).tanh()
        return x

    chain = compile(deep, 0.5)
    X = np.random.default_rng(0).normal(size=(5, 2))
    for compiled, args in [(wide, (X,)), (chain, (X[:, 0],))]:
        compiled.run(*args)  # "auto": builds the level schedule, then picks
        compiled.backend = "lines"
        expected = compiled.run(*args)
        compiled.backend = "levels"
        result = compiled.run(*args)
        assert_close(result.value, expected.value)
        assert_close(result.grads, expected.grads)
    (entry,) = wide._programs.values()
    assert 2 * len(entry.schedules[True].steps) < sum(r.kind == "op" for r in entry.program.rows)
    (entry,) = chain._programs.values()
    assert 2 * len(entry.schedules[True].steps) > sum(r.kind == "op" for r in entry.program.rows)


# --- the printed program --------------------------------------------------------------------


def test_printed_program_runs_in_a_fresh_namespace_and_gives_the_same_numbers():
    forward, params = mlp([2, 3, 1], "tanh")

    def loss(x, y):
        return (forward(x)[0] - y) ** 2 + (x[0] / (1 + x[1] * x[1])).sqrt()

    compiled = compile(loss, [0.4, -0.6], 0.5)
    source = str(compiled)
    assert "def loss(x, y, params, seed=1.0):" in source
    assert "v0 = " in source and "g_p0 = " in source and "tanh(" in source
    namespace: dict = {}
    exec(source, namespace)
    program = namespace["loss"]
    values = [p.data for p in compiled.params]
    for x, y in [([0.4, -0.6], 0.5), ([1.5, 2.0], -1.0)]:
        out, (gx, gy), gp = program(x, y, values)
        result = compiled.run(x, y)
        assert out == result.value
        assert gp == result.grads.tolist()
        assert gx == result.input_grads[0].tolist() and gy == result.input_grads[1]
    X, Y = np.array([[0.4, -0.6], [1.5, 2.0]]), np.array([0.5, -1.0])
    out, _, gp = program(list(X.T), Y, values)  # the same code runs a batch too
    assert_close(out, compiled(X, Y))


def test_printed_chain_rule_reads_like_the_op_rules():
    w = Value(2.0)
    source = compile(lambda x: (w * x).tanh(), 0.5).source
    assert "v1 = tanh(v0)" in source
    assert "g_v0 = g_v1 * (1 - v1 * v1)" in source
    assert "g_p0 = g_v0 * x" in source


def test_printed_code_calls_the_math_namespace_by_a_name_no_op_has():
    source = compile(lambda x: x.sin(), 0.5).source
    assert "v0 = sin(x)" in source  # the op: its float form, which raises the engine's errors
    assert "g_x = g_v0 * m.cos(x)" in source  # the rule's namespace, IEEE-style, as in the rule
    names = [name for name, _ in vocabulary.ENTRIES]
    assert sorted(set(names)) == sorted(names), "two vocabulary entries share a name"
    with pytest.raises(ValueError, match="two entries named .log."):
        vocabulary.table([("log", math.log), ("log", vocabulary.VOCABULARY["m"].log)])


def test_a_family_of_rows_is_called_by_its_own_name_and_keeps_the_engines_edges():
    def fn(x):  # derivatives as Values: their graphs hold the IEEE x ** n rows (inf at 0)
        return grad(lambda t: t**3)(x) + grad(lambda t: t.sqrt())(x)

    f = compile(fn, 1.0)
    assert "= ieee_power(v0, 2.0)" in f.source  # not ieee_pow, the row of x ** y
    assert f(2.0) == fn(Value(2.0)).data
    assert f(np.array([1.0, 4.0, 0.0])).tolist() == [3.5, 48.25, math.inf]  # 3x² + 1/(2√x)


def test_a_traceback_shows_the_failing_programs_own_line():
    first = compile(lambda x: (x * 2.0).log(), 1.0)
    second = compile(lambda x: (x * 3.0).exp() * x, 1.0)  # its line 6 is another statement
    assert first(1.0) == math.log(2.0)
    assert second(1.0) == math.exp(3.0)
    with pytest.raises(ValueError, match="log") as caught:
        first(-1.0)
    frames = traceback.extract_tb(caught.value.__traceback__)
    lines = [frame.line for frame in frames if frame.filename.startswith("<compiled")]
    assert lines == ["v1 = log(v0)"]


# --- check=: data-dependent Python control flow -----------------------------------------------


def test_check_catches_data_dependent_branching():
    w = Value(0.5)

    def branchy(x):
        return w * x * 2 if x.data > 0 else (w * x).tanh()

    compiled = compile(branchy, 1.0, check=True)
    assert compiled(2.0) == 2.0  # same path as the trace: fine
    with pytest.raises(TraceError, match=r"different path on example 1 .*tanh|different path"):
        compiled.run(np.array([1.0, -1.0]))
    with pytest.raises(TraceError, match="different path"):
        compiled(-3.0)
    unchecked = compile(branchy, 1.0)
    assert unchecked(-3.0) == -3.0  # silently the traced path: what check= is for


def test_check_catches_data_read_into_a_constant():
    w = Value(0.5)
    compiled = compile(lambda x: w * Value(x.data**2), 1.0, check=True)
    with pytest.raises(TraceError, match="eagerly"):
        compiled(np.array([1.0, 3.0]))


def test_check_passes_a_faithful_function_over_a_batch():
    forward, params = mlp([2, 3, 1], "relu")
    compiled = compile(lambda x: forward(x)[0] ** 2, [0.1, 0.2], check=True)
    compiled.run(np.random.default_rng(0).normal(size=(5, 2)))


def test_a_fn_that_builds_a_different_graph_each_call_is_caught_by_check():
    rng = np.random.default_rng(0)
    compiled = compile(lambda x: x * float(rng.normal()), 1.0, check=True)  # traced once
    with pytest.raises(TraceError, match=r"the constant .* of the trace is .* now"):
        compiled(np.array([1.0, 2.0]))


# --- static arguments: one program per value ------------------------------------------------


def test_static_argument_gets_a_program_per_value():
    w = Value(0.8)

    def loss(x, label):  # branches on the label (a plain number), like a classification loss
        if label not in (-1, 1):
            raise ValueError("label must be -1 or 1")
        score = (w * x).tanh()
        return (1 - score).relu() if label == 1 else (1 + score).relu()

    compiled = compile(loss, 0.5, 1, static=(1,))
    X, labels = np.array([0.5, -0.3, 2.0, 0.1]), [1, -1, -1, 1]
    result = compiled.run(X, labels)
    expected = looped(lambda x, t: loss(x, int(t.data)), [w], X, labels)
    assert_close(result.value, expected[0])
    assert_close(result.grads, expected[1])
    assert_close(result.outputs, expected[2])
    assert len(compiled.source.split("def loss(")) == 3  # two programs


# --- shapes, errors, misc --------------------------------------------------------------------


def test_batch_errors_name_the_op_and_the_element():
    compiled = compile(lambda x: x.log(), 1.0)
    with pytest.raises(
        ValueError, match=r"log\(\) needs a positive input, got -2.0 \(batch element 1\)"
    ):
        compiled(np.array([1.0, -2.0]))
    with pytest.raises(ValueError, match=r"log\(\) needs a positive input, got -2.0$"):
        compiled(-2.0)
    with pytest.raises(
        OverflowError, match=r"exp\(\) overflows a float at 1000.0 \(batch element 1\)"
    ):
        compile(lambda x: x.exp(), 1.0)(np.array([1.0, 1000.0]))
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        compile(lambda x: 1 / x, 1.0)(np.array([1.0, 0.0]))


def test_wrong_shapes_and_types_are_clear():
    compiled = compile(lambda x: x[0] * x[1], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"expected shape \(2,\)"):
        compiled([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="takes 1 arguments"):
        compiled([1.0, 2.0], 3.0)
    with pytest.raises(TypeError, match="number or an array of numbers"):
        compile(lambda s: s, "text")


def test_zero_argument_penalty_and_several_outputs():
    params = [Value(0.5), Value(-2.0)]
    penalty = compile(lambda: 1e-4 * sum(p * p for p in params))
    result = penalty.backward()
    assert_close(result.value, 1e-4 * (0.25 + 4.0))
    assert_close([p.grad for p in params], [2e-4 * 0.5, 2e-4 * -2.0])

    w = Value(3.0)
    both = compile(lambda x: ((w * x) ** 2, w * x), 1.0)
    assert both.nodes == 5  # x, w, w * x, its square, w * x again: no node joins the outputs
    assert both(2.0) == (36.0, 6.0)
    outs = both(np.array([1.0, 2.0]))
    assert_close(outs[0], [9.0, 36.0])
    assert_close(outs[1], [3.0, 6.0])
    assert both.run(np.array([1.0, 2.0])).value == pytest.approx(22.5)


def test_outputs_that_do_not_read_each_other_leave_no_joining_node():
    w = Value(3.0)
    three = compile(lambda x: (w * x, x + 1.0, x.exp()), 1.0)
    assert three.nodes == 6  # w, x, w * x, 1.0, x + 1, exp(x): no node adds them up
    assert_close(three(2.0), (6.0, 3.0, math.exp(2.0)))
    assert_close(three.run(np.array([1.0, 2.0])).grads, [1.5])  # d mean(w * x) / dw


def test_parameters_are_read_fresh_on_every_call():
    w = Value(1.0)
    compiled = compile(lambda x: w * x, 2.0)
    w.data = 5.0
    assert compiled(2.0) == 10.0


def test_an_assigned_parameter_is_seen_by_the_next_call_whichever_it_is():
    """A call keeps the parameters' numbers it read; assigning any parameter's `.data` after
    a call must reach the next call (one example and a batch), each parameter in turn."""
    ws, b = [Value(0.5 * k) for k in range(1, 6)], Value(-1.0)
    compiled = compile(lambda x: sum((w * xi for w, xi in zip(ws, x)), b), [0.0] * 5)
    X = np.arange(15.0).reshape(3, 5)
    for k, p in enumerate([*ws, b]):
        compiled.run(X)  # both paths read the numbers now, and keep them
        compiled(X[1])
        p.data = p.data + 10.0 * (k + 1)
        weights = np.array([w.data for w in ws])
        assert_close(compiled.run(X).value, weights @ X.mean(axis=0) + b.data)  # closed form
        assert_close(compiled(X[1]), weights @ X[1] + b.data)


def test_op_rows_on_arrays_keep_the_float_paths_errors():
    a = np.array([4.0, -1.0])
    with pytest.raises(ValueError, match=r"sqrt\(\) needs a non-negative input, got -1.0 \(batch"):
        compile(lambda x: x.sqrt(), 4.0)(a)
    with pytest.raises(ValueError, match="negative base -1.0 needs an integer exponent"):
        compile(lambda x: x**0.5, 4.0)(a)
    with pytest.raises(ZeroDivisionError, match=r"0.0 \*\* -1.0 divides by zero"):
        compile(lambda x: x**-1, 1.0)(np.array([1.0, 0.0]))
    with pytest.raises(
        ValueError, match=r"positive base \(d/dy is log\(x\)\), got -2.0;.*\(batch element 1\)"
    ):
        compile(lambda x, y: x**y, 1.0, 2.0)(np.array([1.0, -2.0]), np.array([2.0, 2.0]))
    sin = compile(lambda x: x.sin(), 0.0)(np.array([0.0, math.inf]))
    assert sin[0] == 0.0 and math.isnan(sin[1])  # as floats and PyTorch: sin(inf) is nan
    assert compile(lambda x: x.relu(), 1.0)(np.array([-1.0, 2.0, math.nan])).tolist()[:2] == [
        0.0,
        2.0,
    ]
    grads = (
        compile(lambda x: abs(x), 1.0)
        .run(
            np.array([-3.0, 0.0, 2.0]),
        )
        .input_grads[0]
    )
    assert (grads * 3).tolist() == [-1.0, 0.0, 1.0]
