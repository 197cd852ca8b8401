"""Notebook 6: what backprop costs (built into 06_what_backprop_costs.ipynb)."""

# %% [markdown]
# # What backprop costs
#
# Backpropagation is cheap: computing *every* gradient of the loss costs about as much as
# computing the loss once. The forward pass does a fixed amount of work per weight per example,
# so one training epoch costs $O(w \cdot m)$ for $w$ weights and $m$ examples, and training for
# $e$ epochs costs $O(w \cdot m \cdot e)$.
#
# This notebook does not take that on trust. It measures it on this engine, on this machine:
# forward time, backward time and graph size as $w$, $m$ and $e$ grow. It counts operations
# with `graph_stats`, because a count does not depend on what else the machine is doing, and
# seconds do. (Your timings will differ from anyone else's; the shapes of the curves should not.)

# %%
import statistics
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import viz
from autograd_core import Value, graph_stats, no_grad

# %% [markdown]
# ## The model
#
# A one-hidden-layer tanh network, $\hat y = \sum_j v_j \tanh(\sum_i u_{ji} x_i + b_j) + c$,
# with 2 inputs and $h$ hidden units, so $w = 4h + 1$ weights. The loss is the mean squared
# error over $m$ examples. Everything is plain `Value`s, so nothing but the engine is timed.
# Each weight is labelled with its name in the formula (`u01` is $u_{01}$), for the drawing.


# %%
def make_model(hidden, seed=0):
    rng = np.random.default_rng(seed)
    u = [[Value(rng.normal(), f"u{j}{i}") for i in range(2)] for j in range(hidden)]
    b = [Value(0.0, f"b{j}") for j in range(hidden)]
    v = [Value(rng.normal() / hidden**0.5, f"v{j}") for j in range(hidden)]
    c = Value(0.0, "c")
    return u, b, v, c


def parameters(model):
    u, b, v, c = model
    return [p for row in u for p in row] + b + v + [c]


def predict(model, x):
    u, b, v, c = model
    hidden = [(uj[0] * x[0] + uj[1] * x[1] + bj).tanh() for uj, bj in zip(u, b)]
    return sum((vj * hj for vj, hj in zip(v, hidden)), c)


def loss_fn(model, X, y):
    return sum((predict(model, x) - t) ** 2 for x, t in zip(X, y)) / len(X)


def make_data(m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(m, 2)).tolist()
    y = [np.sin(3 * a) * b for a, b in X]
    return X, y


model = make_model(hidden=2)
X, y = make_data(1)
print("weights:", len(parameters(model)))
(x1, x2), target = X[0], y[0]
inputs = [Value(x1, "x1"), Value(x2, "x2")]  # labelled for the drawing; plain numbers elsewhere
one_example = loss_fn(model, [inputs], [Value(target, "y")])
print(graph_stats(one_example))
print("nodes with plain numbers for x and y:", graph_stats(loss_fn(model, X, y)).nodes)
viz.draw_dot(one_example, show_grad=False)  # no backward() yet

# %% [markdown]
# That is the whole computation for one example and two hidden units. Every box is a node
# the forward pass creates, and every arrow is one multiply-add the backward pass does
# (`parent.grad += local * node.grad`). The weights and the example ($x_1$, $x_2$ and its
# target $y$) are the labelled leaves; the two grey boxes are constants, the 0 that `sum`
# starts from and the $m = 1$ that the mean divides by. The timed runs below pass plain
# numbers, and a number becomes a new constant leaf at each use: a few more nodes, as printed.
#
# ## Measuring one step
#
# `measure` builds the loss (forward), back-propagates (backward), and reads the graph's size.
# Each timing is the median of a few repeats, to damp the noise of a shared machine.


# %%
def measure(hidden, m, repeats=5):
    model = make_model(hidden)
    X, y = make_data(m)
    forward, backward = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        loss = loss_fn(model, X, y)
        middle = time.perf_counter()
        loss.backward()
        end = time.perf_counter()
        forward.append(middle - start)
        backward.append(end - middle)
        for p in parameters(model):
            p.grad = 0.0
        stats = graph_stats(loss)
        del loss  # free the graph outside the timed part
    return {
        "w": len(parameters(model)),
        "m": m,
        "forward": statistics.median(forward),
        "backward": statistics.median(backward),
        "nodes": stats.nodes,
        "edges": stats.edges,
    }


def table(rows, keys):
    head = "| " + " | ".join(keys) + " |\n|" + "---|" * len(keys) + "\n"
    fmt = {"forward": "{:.2f} ms", "backward": "{:.2f} ms", "ratio": "{:.2f}"}
    body = ""
    for r in rows:
        cells = []
        for k in keys:
            value = r[k] * 1000 if k in ("forward", "backward") else r[k]
            cells.append(fmt.get(k, "{}").format(value))
        body += "| " + " | ".join(cells) + " |\n"
    return Markdown(head + body)


measure(2, 5)  # warm up
print("ready")

# %% [markdown]
# ## Growing the number of weights $w$ (with $m$ fixed)

# %%
by_w = [measure(hidden, 20) for hidden in (2, 4, 8, 16, 32, 64)]
for r in by_w:
    r["ratio"] = r["backward"] / r["forward"]
display(table(by_w, ["w", "m", "nodes", "edges", "forward", "backward", "ratio"]))

# %% [markdown]
# ## Growing the number of examples $m$ (with $w$ fixed)

# %%
by_m = [measure(8, m) for m in (5, 10, 20, 40, 80, 160)]
for r in by_m:
    r["ratio"] = r["backward"] / r["forward"]
display(table(by_m, ["w", "m", "nodes", "edges", "forward", "backward", "ratio"]))

# %% [markdown]
# ## Counting, not timing
#
# The node and edge counts are exact and grow in proportion to $w \cdot m$: each weight is used
# a fixed number of times per example. Dividing by $w \cdot m$ shows it:

# %%
for r in by_w + by_m:
    r["nodes per w*m"] = round(r["nodes"] / (r["w"] * r["m"]), 2)
    r["edges per w*m"] = round(r["edges"] / (r["w"] * r["m"]), 2)
display(table(by_w[-3:] + by_m[-3:], ["w", "m", "nodes", "nodes per w*m", "edges per w*m"]))

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
for ax, rows, key in [(axes[0], by_w, "w"), (axes[1], by_m, "m")]:
    xs = [r[key] for r in rows]
    ax.plot(xs, [r["forward"] * 1000 for r in rows], "o-", label="forward")
    ax.plot(xs, [r["backward"] * 1000 for r in rows], "s-", label="backward")
    ax.set_xlabel(key)
    ax.set_ylabel("ms per step")
    ax.legend()
    other = f"m = {rows[0]['m']}" if key == "w" else f"w = {rows[0]['w']}"
    ax.set_title(f"time grows linearly in {key} ({other})")
rows = by_w + by_m
axes[2].plot([r["w"] * r["m"] for r in by_w], [r["ratio"] for r in by_w], "o", label="varying w")
axes[2].plot([r["w"] * r["m"] for r in by_m], [r["ratio"] for r in by_m], "s", label="varying m")
axes[2].set_ylim(0, 1.2 * max(r["ratio"] for r in rows))
axes[2].set_xlabel("w * m")
axes[2].set_ylabel("backward / forward")
axes[2].legend()
axes[2].set_title("backward costs a constant multiple of forward")
plt.tight_layout()
plt.show()

# %% [markdown]
# How straight are those lines? Fit $\log(\text{time}) = k \log(w \cdot m) + c$ over all the
# runs above: $k = 1$ means time is proportional to $w \cdot m$.

# %%
wm = np.log([r["w"] * r["m"] for r in rows])
k_forward = np.polyfit(wm, np.log([r["forward"] for r in rows]), 1)[0]
k_backward = np.polyfit(wm, np.log([r["backward"] for r in rows]), 1)[0]
k_nodes = np.polyfit(wm, np.log([r["nodes"] for r in rows]), 1)[0]
ratios = [r["ratio"] for r in rows]
display(
    Markdown(
        f"Measured exponents: forward time grows as $(w m)^{{{k_forward:.2f}}}$, backward time "
        f"as $(w m)^{{{k_backward:.2f}}}$, the node count as $(w m)^{{{k_nodes:.2f}}}$. "
        f"Backward took between {min(ratios):.2f} and {max(ratios):.2f} times as long as "
        f"forward (median {statistics.median(ratios):.2f})."
    )
)

# %% [markdown]
# ## Growing the number of epochs $e$
#
# An epoch here is one full-batch step: forward, backward, update. Every epoch builds a
# fresh graph of the same size, so the total time is the epoch count times the time of one.
# (Each total is the fastest of three runs.)


# %%
def train(hidden, m, epochs, lr=0.1):
    """Full-batch gradient descent; returns the seconds spent and the nodes built."""
    model = make_model(hidden)
    X, y = make_data(m)
    seconds, nodes = 0.0, 0
    for _ in range(epochs):
        start = time.perf_counter()
        loss = loss_fn(model, X, y)
        for p in parameters(model):
            p.grad = 0.0
        loss.backward()
        for p in parameters(model):
            p.data -= lr * p.grad
        seconds += time.perf_counter() - start
        nodes += graph_stats(loss).nodes  # counted outside the timed part
        del loss  # and freed outside it
    return seconds, nodes


E_SETUP = {"hidden": 8, "m": 40}
E_SETUP["w"] = 4 * E_SETUP["hidden"] + 1
by_e = []
for epochs in (1, 2, 4, 8, 16, 32):
    runs = [train(E_SETUP["hidden"], E_SETUP["m"], epochs) for _ in range(3)]
    seconds = min(r[0] for r in runs)
    by_e.append({"e": epochs, "seconds": round(seconds, 4), "nodes built": runs[0][1]})
for r in by_e:
    r["ms per epoch"] = round(1000 * r["seconds"] / r["e"], 2)
display(table(by_e, ["e", "seconds", "ms per epoch", "nodes built"]))

# %%
fig, ax = plt.subplots(figsize=(6, 4))
es = [r["e"] for r in by_e]
ax.plot(es, [r["seconds"] for r in by_e], "o-", label="measured")
slope = np.polyfit(es, [r["seconds"] for r in by_e], 1)[0]
ax.plot(es, [slope * e for e in es], "--", label=f"{slope * 1000:.1f} ms x e")
ax.set_xlabel("epochs e")
ax.set_ylabel("seconds")
ax.set_title(f"training time grows linearly in e (w = {E_SETUP['w']}, m = {E_SETUP['m']})")
ax.legend()
plt.show()

# %% [markdown]
# ## What backprop saves
#
# Without backprop, the simplest way to get the gradient is finite differences: nudge each
# weight up and down and re-run the forward pass, $2w$ forward passes per gradient, so
# $O(w^2 \cdot m)$ per epoch. Measured here with the same $m$ as above, the forward passes run under
# `no_grad` (no graph recorded) to give finite differences its best chance:


# %%
def finite_difference_seconds(hidden, m, eps=1e-6):
    model = make_model(hidden)
    X, y = make_data(m)
    start = time.perf_counter()
    with no_grad():
        for p in parameters(model):
            p.data += eps
            up = loss_fn(model, X, y).data
            p.data -= 2 * eps
            down = loss_fn(model, X, y).data
            p.data += eps
            p.grad = (up - down) / (2 * eps)
    return time.perf_counter() - start


by_fd = []
for hidden in (2, 4, 8, 16):
    r = measure(hidden, 20)
    backprop = r["forward"] + r["backward"]
    fd = finite_difference_seconds(hidden, 20)
    by_fd.append(
        {
            "w": r["w"],
            "backprop ms": round(1000 * backprop, 2),
            "finite differences ms": round(1000 * fd, 1),
            "times slower": round(fd / backprop, 1),
        }
    )
display(table(by_fd, list(by_fd[0])))

# %% [markdown]
# ## Summary
#
# - The graph has a fixed number of nodes and edges per weight per example, so its size is
#   $O(w \cdot m)$, exactly (see the counts above).
# - The forward pass does $O(1)$ work per node and the backward pass $O(1)$ work per edge, so
#   both are $O(w \cdot m)$, and their ratio stays roughly constant.
# - Training repeats that for each epoch: $O(w \cdot m \cdot e)$ in total.
# - Finite differences cost $O(w^2 \cdot m)$ per epoch: the "times slower" column grows in
#   proportion to $w$. That factor of $w$ is what backpropagation saves.
