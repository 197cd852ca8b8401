"""Notebook 11: forward or reverse (built into 11_forward_or_reverse.ipynb)."""

# %% [markdown]
# # Forward or reverse
#
# The chain rule can run over a graph in two directions, with the same local derivatives (one
# row of the op table per op):
#
# - **reverse mode** (`backward()`, `gradients`, `grad`, `jacrev`) starts at *one output* and
#   carries $\partial\,\text{output} / \partial\,\text{node}$ back to every node: one pass gives
#   the derivative of that output with respect to *every input*;
# - **forward mode** (`tangents`, `jvp`, `jacfwd`) starts at *one input* and carries
#   $\partial\,\text{node} / \partial\,\text{input}$, the node's **tangent**, on to every node:
#   one pass gives the derivative of *every output* with respect to that input.
#
# So which is cheaper depends on the shape of the function. This notebook draws both on one
# graph, then measures the two extremes: many inputs and one output (a loss: reverse wins),
# and one input and many outputs (a trajectory: forward wins).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import viz
from autograd_core import (
    Value,
    gc_paused,
    gradients,
    graph_stats,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    no_grad,
    tangents,
    topological_order,
)

# %% [markdown]
# ## 1. One graph, both directions
#
# Take $f(x, y) = \tanh(xy + x)$ at $x = 0.5$, $y = -1.5$. Forward mode seeds the input $x$
# with tangent 1 (and $y$ with 0) and walks the graph parents first; each node's tangent is
# the sum over its inputs of *local derivative × the input's tangent*. Reverse mode seeds the
# output with 1 and walks the other way; each input's `grad` gathers *local derivative × the
# node's grad*. The same local derivatives label the edges of the drawing, and each box shows
# both results: its **tangent** $\partial\,\text{node}/\partial x$ (forward) and its
# **grad** $\partial f/\partial\,\text{node}$ (reverse).

# %%
x, y = Value(0.5, label="x"), Value(-1.5, label="y")
f = (x * y + x).tanh()

forward = tangents(f, {x: 1.0})  # forward mode: d(node)/dx for every node
f.backward()  # reverse mode: df/d(node) into every node's .grad

for node in topological_order(f):
    name = f"{node.label} " if node.label else ""
    node.label = f"{name}tangent {forward.get(node, 0.0):.4g}"
viz.draw_dot(f, show_local_grads=True)

# %% [markdown]
# Read the `+` node: its tangent is $1 \cdot (-1.5) + 1 \cdot 1 = -0.5$, from the tangents of
# its inputs $xy$ and $x$ and the local derivatives 1 and 1 on its edges. Its grad, $0.94$,
# came the other way, from the `tanh` after it. The two modes meet at the ends: the tangent of
# $f$ (how $f$ moves when $x$ does) is the grad of $x$.

# %%
print(f"forward: tangent of f = {forward[f]:.15f}")
print(f"reverse: grad of x    = {x.grad:.15f}")
assert abs(forward[f] - x.grad) < 1e-15

# %% [markdown]
# The same two modes as functions, with JAX's names: `jvp(f, primals, tangents)` runs one
# forward pass along a direction; `jacfwd(f)` builds a Jacobian column by column (a forward
# pass per input) and `jacrev(f)` row by row (a reverse pass per output); `hessian(f)` is
# forward over reverse. Each returns `Value`s, so the results can be differentiated again.


# %%
def f2(x, y):
    return (x * y + x).tanh()


value, tangent = jvp(f2, (0.5, -1.5), (1.0, 0.0))  # along x
print("jvp along x:", round(tangent.data, 6))
print("jacfwd:", [round(d.data, 6) for d in jacfwd(f2, argnums=(0, 1))(0.5, -1.5)])
print("jacrev:", [round(d.data, 6) for d in jacrev(f2, argnums=(0, 1))(0.5, -1.5)])
print("hessian:", [[round(h.data, 6) for h in row] for row in hessian(f2, (0, 1))(0.5, -1.5)])

# %% [markdown]
# ## 2. Many inputs, one output
#
# A loss has one output and as many inputs as weights. Take
# $f(x) = \sum_i \tanh(x_i\,x_{i+1})$ over $n$ inputs (the last wraps to the first): three ops
# per input, so one evaluation is $O(n)$ work. Its full gradient, three ways:
#
# - **forward mode**: one forward pass per input (seed $x_k$ with 1, read $f$'s tangent), $n$
#   passes of $O(n)$ each: $O(n^2)$;
# - **reverse mode**: one reverse pass: $O(n)$;
# - **finite differences**: two evaluations per input: $O(n^2)$ (and only about 6 digits).
#
# Each timed run records the graph it needs (the forward and reverse passes) or none
# (finite differences run under `no_grad`); the passes here give plain numbers, the cheapest
# form of each.


# %%
def loss(xs):
    return sum(((a * b).tanh() for a, b in zip(xs, xs[1:] + xs[:1])), Value(0.0))


def by_forward(point):
    xs = [Value(v) for v in point]
    out = loss(xs)
    return [tangents(out, {xk: 1.0}).get(out, 0.0) for xk in xs]  # n forward passes


def by_reverse(point):
    xs = [Value(v) for v in point]
    grads = gradients(loss(xs))  # one reverse pass
    return [grads.get(xk, 0.0) for xk in xs]


def by_differences(point, eps=1e-6):
    def at(k, h):
        return loss([Value(v + h * (i == k)) for i, v in enumerate(point)]).data

    with no_grad():
        return [(at(k, eps) - at(k, -eps)) / (2 * eps) for k in range(len(point))]


rng = np.random.default_rng(0)
point = rng.normal(size=20).tolist()
print("nodes per evaluation at n = 20:", graph_stats(loss([Value(v) for v in point])).nodes)
assert np.allclose(by_forward(point), by_reverse(point), rtol=1e-14, atol=0)
assert np.allclose(by_differences(point), by_reverse(point), rtol=1e-6, atol=1e-8)
print("the three gradients agree")

# %% [markdown]
# ## 3. One input, many outputs
#
# The opposite shape: a trajectory. A state relaxes towards a parameter $t$,
# $h_{k} = h_{k-1} + 0.05 \sin(t - h_{k-1})$ from $h_0 = 0$, and every one of the $m$ steps
# is an output. How does the whole trajectory move with $t$? That is one column of
# derivatives, $dh_k/dt$ for every $k$:
#
# - **forward mode**: one forward pass from $t$ reaches every step: $O(m)$;
# - **reverse mode**: one reverse pass per output, and the pass from $h_k$ walks back through
#   all $k$ steps before it: $O(m^2)$.


# %%
def trajectory(t, m):
    h, path = Value(0.0), []
    for _ in range(m):
        h = h + 0.05 * (t - h).sin()
        path.append(h)
    return path


def column_by_forward(t0, m):
    t = Value(t0)
    path = trajectory(t, m)
    found = tangents(path, {t: 1.0})  # one forward pass, every output
    return [found.get(h, 0.0) for h in path]


def column_by_reverse(t0, m):
    t = Value(t0)
    return [gradients(h).get(t, 0.0) for h in trajectory(t, m)]  # m reverse passes


assert np.allclose(column_by_forward(0.7, 30), column_by_reverse(0.7, 30), rtol=1e-14, atol=0)
print("both columns agree")

# %% [markdown]
# ## Measuring
#
# The clock is `time.process_time()`: the CPU time this Python process spent, so other programs
# on a busy machine do not count (wall-clock time, `time.perf_counter()`, bends the slopes
# there: a long job is interrupted more often than a short one). Each job runs at every size in
# turn, and that round is repeated; each point is the fastest of its repeats (a job shorter
# than 2 ms is run several times and timed over all its runs). The cyclic garbage collector is
# paused while a job runs. Seconds are this machine's; the slopes should be anyone's.


# %%
SIZES = [16, 32, 64, 128, 256]
points = {n: rng.normal(size=n).tolist() for n in SIZES}
JOBS = {
    "n forward passes": lambda n: by_forward(points[n]),
    "one reverse pass": lambda n: by_reverse(points[n]),
    "finite differences": lambda n: by_differences(points[n]),
    "one forward pass (m outputs)": lambda m: column_by_forward(0.7, m),
    "m reverse passes (m outputs)": lambda m: column_by_reverse(0.7, m),
}


def measure(jobs, sizes, repeats=5, least=0.002):
    """The fastest of `repeats` timings of each job at each size, in seconds per run; a short
    job is run again until `least` seconds have passed, and timed over all its runs."""
    seconds = {(name, n): [] for name in jobs for n in sizes}
    for _ in range(repeats):
        for n in sizes:
            for name, job in jobs.items():
                with gc_paused():
                    runs, start = 0, time.process_time()
                    while runs == 0 or time.process_time() - start < least:
                        job(n)
                        runs += 1
                    seconds[name, n].append((time.process_time() - start) / runs)
    return {name: [min(seconds[name, n]) for n in sizes] for name in jobs}


for job in JOBS.values():  # warm up
    job(SIZES[0])
timings = measure(JOBS, SIZES)
slopes = {name: np.polyfit(np.log(SIZES), np.log(t), 1)[0] for name, t in timings.items()}
for name, t in timings.items():
    row = "  ".join(f"{1000 * s:8.3f}" for s in t)
    print(f"{name:<30} CPU ms at n = {SIZES}: {row}   slope {slopes[name]:.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
panels = [
    (axes[0], list(JOBS)[:3], "n inputs, one output", "n (inputs)"),
    (axes[1], list(JOBS)[3:], "one input, m outputs", "m (outputs)"),
]
for ax, names, title, xlabel in panels:
    for name, marker in zip(names, "os^"):
        ax.loglog(SIZES, timings[name], marker, label=f"{name}: slope {slopes[name]:.2f}")
        fit = np.polyfit(np.log(SIZES), np.log(timings[name]), 1)
        ax.loglog(SIZES, np.exp(np.polyval(fit, np.log(SIZES))), "--", color="grey", lw=0.8)
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.minorticks_off()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("CPU seconds for all the derivatives")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# On log-log axes a cost that grows as $n^k$ is a line of slope $k$. The claim is:
#
# | derivatives of | way | passes | each pass | total | slope |
# |---|---|---|---|---|---|
# | one output, $n$ inputs | forward mode | $n$ | $O(n)$ | $O(n^2)$ | 2 |
# | one output, $n$ inputs | reverse mode | 1 | $O(n)$ | $O(n)$ | 1 |
# | one output, $n$ inputs | finite differences | $2n$ evaluations | $O(n)$ | $O(n^2)$ | 2 |
# | $m$ outputs, one input | forward mode | 1 | $O(m)$ | $O(m)$ | 1 |
# | $m$ outputs, one input | reverse mode | $m$ | $O(m)$ | $O(m^2)$ | 2 |
#
# The next cell checks the measured slopes against it: each within 0.4 of its claim.

# %%
CLAIMS = {
    "n forward passes": 2,
    "one reverse pass": 1,
    "finite differences": 2,
    "one forward pass (m outputs)": 1,
    "m reverse passes (m outputs)": 2,
}
for name, claim in CLAIMS.items():
    assert abs(slopes[name] - claim) < 0.4, f"{name}: slope {slopes[name]:.2f}, claim {claim}"
n, m = SIZES[-1], SIZES[-1]
speedup_reverse = timings["n forward passes"][-1] / timings["one reverse pass"][-1]
speedup_forward = (
    timings["m reverse passes (m outputs)"][-1] / timings["one forward pass (m outputs)"][-1]
)
display(
    Markdown(
        "Measured slopes: "
        + ", ".join(f"{name} **{slopes[name]:.2f}** (claim {CLAIMS[name]})" for name in CLAIMS)
        + f". At n = {n}, reverse mode gave the gradient {speedup_reverse:.0f} times faster "
        f"than forward mode; at m = {m}, forward mode gave the column {speedup_forward:.0f} "
        "times faster than reverse mode."
    )
)

# %% [markdown]
# ## Summary
#
# - Both modes use each op's local derivatives, from its one row in the op table; only the
#   direction of the walk differs.
# - A Jacobian with $n$ inputs and $m$ outputs costs $n$ forward passes or $m$ reverse ones.
#   Training a network (millions of inputs, one loss) is the reverse case, which is why
#   backpropagation is reverse mode. A sensitivity of many outputs to a few parameters is the
#   forward case.
# - Finite differences cost like forward mode, $n$ evaluations per gradient, with a fraction
#   of the digits.
# - `hessian` is forward over reverse: a reverse pass gives the gradient ($n$ outputs of $n$
#   inputs), then $n$ forward passes over the gradient's graph give its Jacobian.
