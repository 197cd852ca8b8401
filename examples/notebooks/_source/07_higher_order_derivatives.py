"""Notebook 7: higher-order derivatives (built into 07_higher_order_derivatives.ipynb)."""

# %% [markdown]
# # Higher-order derivatives
#
# `backward()` fills `.grad` with plain numbers. But the chain rule is itself a computation made
# of `+` and `*`, so the engine can *record* it: `grad(f)` returns a function whose result is a
# `Value` with its own graph, and that graph can be differentiated again. This notebook uses
# that for three things:
#
# 1. grad of grad: the second and third derivatives of a function, checked against the formulas;
# 2. Newton's method, which needs the second derivative to pick its step;
# 3. the curvature of a loss, which decides how large a learning rate can be.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import viz
from autograd_core import Value, grad, gradients, graph_stats

# %% [markdown]
# ## 1. Grad of grad
#
# Take $f(x) = x^3 - 2x + \sin x$. By hand, $f'(x) = 3x^2 - 2 + \cos x$,
# $f''(x) = 6x - \sin x$ and $f'''(x) = 6 - \cos x$.
# The engine only ever sees $f$; every derivative below is computed by differentiating the
# previous one.


# %%
def f(x):
    return x**3 - 2 * x + x.sin()


df = grad(f)
d2f = grad(df)
d3f = grad(d2f)

x0 = 1.5
rows = [
    ("f'", df(x0).data, 3 * x0**2 - 2 + math.cos(x0)),
    ("f''", d2f(x0).data, 6 * x0 - math.sin(x0)),
    ("f'''", d3f(x0).data, 6 - math.cos(x0)),
]
print(f"at x = {x0}:")
for name, engine, by_hand in rows:
    print(f"  {name:<5} engine {engine:+.12f}   by hand {by_hand:+.12f}")
    assert math.isclose(engine, by_hand, rel_tol=1e-12)

# %% [markdown]
# How does it work? `grad(f)(x)` runs `f`, then a backward pass in *create-graph* mode: each
# local derivative is re-evaluated from the op table on `Value`s (for `sin` the rule is
# `cos(x)`), and each `parent.grad += local * grad` is recorded as ordinary `*` and `+` nodes.
# Here is the graph of $f'(x)$ at the same point $x_0$. `grad(f)` does the steps below in one
# call; written out, the input, the result and the seed of the backward pass can carry labels.

# %%
x = Value(x0, label="x")
y = f(x)
y.label = "f"
seed = Value(1.0, label="seed")  # df/df = 1, where every backward pass starts
d = gradients(y, seed, create_graph=True)[x]
d.label = "f'"
assert d.data == df(x0).data
print(graph_stats(d))
viz.draw_dot(d, show_grad=False)

# %% [markdown]
# Read it from the top. Of the forward pass of $f$, only what the derivative rules use is in
# it: $\cos x$ (the rule of $\sin$) and $x^2$ (the rule of $x^3$); $f$'s own value is not. The
# grey boxes are constants the rules bring in: the $3$ of $3x^2$, the $2$ of $2x$, and the
# $\pm 1$ local derivatives of `+` and `-`, each multiplied by the gradient arriving from $f$,
# which starts as the seed.

# %% [markdown]
# Each derivative's graph is bigger than the last, since it contains the one before it:

# %%
for name, fn in [("f", f), ("f'", df), ("f''", d2f), ("f'''", d3f)]:
    out = fn(Value(x0)) if fn is f else fn(x0)
    print(f"{name:<5} {graph_stats(out).nodes:4d} nodes")

# %% [markdown]
# The four functions on one plot. Where $f'$ crosses zero, $f$ is flat; where $f''$ crosses
# zero, $f'$ is flat and $f$ changes from bending down to bending up.

# %%
xs = np.linspace(-2.0, 2.0, 81)
fig, ax = plt.subplots(figsize=(7, 4))
for name, fn in [("f", f), ("f'", df), ("f''", d2f), ("f'''", d3f)]:
    ys = [(fn(Value(x)) if fn is f else fn(x)).data for x in xs]
    ax.plot(xs, ys, label=name)
ax.axhline(0, color="grey", lw=0.5)
ax.set_xlabel("x")
ax.legend()
ax.set_title("f and three derivatives, all from the engine")
plt.show()

# %% [markdown]
# ## 2. Newton's method
#
# Gradient descent steps downhill by a fixed fraction of the slope: $x \leftarrow x - \eta\,g'(x)$.
# Newton's method also uses the curvature: it jumps to the minimum of the parabola that matches
# $g$, $g'$ and $g''$ at the current point, $x \leftarrow x - g'(x) / g''(x)$. Near a minimum
# the number of correct digits roughly doubles each step.
#
# We minimise $g(x) = x^4 - 3x^2 + x$, starting to the right of both of its minima; it rolls
# into the nearer one.


# %%
def g(x):
    return x**4 - 3 * x**2 + x


dg, d2g = grad(g), grad(grad(g))


def newton(x, steps):
    path = [x]
    for _ in range(steps):
        x = x - dg(x).data / d2g(x).data
        path.append(x)
    return path


def gradient_descent(x, lr, tol):
    path = [x]
    while abs(dg(x).data) > tol and len(path) < 10_000:
        x = x - lr * dg(x).data
        path.append(x)
    return path


newton_path = newton(2.0, 8)
x_star = newton_path[-1]
print(f"minimum at x* = {x_star:.15f}")
print(f"g'(x*) = {dg(x_star).data:.1e}, g''(x*) = {d2g(x_star).data:.4f}")
print("step  x                    |x - x*|")
for k, x in enumerate(newton_path[:7]):
    print(f"{k:4d}  {x:.15f}  {abs(x - x_star):.2e}")

# %%
tol = 1e-6
lr = 0.01
gd_path = gradient_descent(2.0, lr, tol)
newton_steps = next(k for k, x in enumerate(newton_path) if abs(dg(x).data) <= tol)
display(
    Markdown(
        f"To bring $|g'(x)|$ below {tol:.0e}, Newton's method needs **{newton_steps}** steps; "
        f"gradient descent with learning rate {lr} needs **{len(gd_path) - 1}**."
    )
)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
xs = np.linspace(-2.0, 2.2, 200)
left.plot(xs, xs**4 - 3 * xs**2 + xs, color="black", lw=1, label="g(x)")
shown = newton_path[: newton_steps + 1]
left.plot(shown, [g(Value(x)).data for x in shown], "s-", color="C3", label="Newton's steps")
left.set_xlabel("x")
left.legend()
left.set_title("Newton's method jumps to the minimum")
for name, path in [("gradient descent", gd_path), ("Newton", newton_path)]:
    errors = [abs(x - x_star) for x in path if x != x_star]
    right.semilogy(errors, ".-", label=name)
right.set_xlabel("step")
right.set_ylabel("|x - x*|")
right.legend()
right.set_title("distance to the minimum")
plt.show()

# %% [markdown]
# Newton's method looks for a point where $g' = 0$, so it is attracted to maxima as well as
# minima: where $g'' < 0$ its step goes *uphill*. Starting from a point where $g'' < 0$:

# %%
path = newton(0.0, 6)
print(f"g''(0) = {d2g(0.0).data}")
print(f"Newton from 0 ends at x = {path[-1]:.6f}, where g'' = {d2g(path[-1]).data:.4f}: a maximum")

# %% [markdown]
# ## 3. The curvature of a loss sets the learning rate
#
# Fit one weight $w$ to data with the mean squared error
# $L(w) = \frac{1}{m}\sum_i (w x_i - y_i)^2$. This loss is a parabola in $w$, and its
# curvature $L''$ is the same everywhere. Gradient descent on a parabola multiplies the distance
# to the minimum by $(1 - \eta L'')$ each step, so it converges when $\eta < 2 / L''$ and
# diverges when $\eta > 2 / L''$. The engine gives $L''$ directly:

# %%
rng = np.random.default_rng(0)
xs_data = rng.uniform(-2, 2, size=20)
ys_data = 1.7 * xs_data + rng.normal(0, 0.3, size=20)


def loss(w):
    return sum((w * float(x) - float(y)) ** 2 for x, y in zip(xs_data, ys_data)) / len(xs_data)


dloss, d2loss = grad(loss), grad(grad(loss))
curvatures = [d2loss(w).data for w in (-1.0, 0.0, 3.0)]
print("L'' at w = -1, 0, 3:", [round(c, 12) for c in curvatures])
print("by hand, 2 * mean(x^2) =", 2 * np.mean(xs_data**2))
lr_max = 2 / curvatures[0]
print(f"largest stable learning rate 2 / L'' = {lr_max:.4f}")


# %%
def run(lr, steps=25, w=0.0):
    losses = []
    for _ in range(steps):
        losses.append(loss(Value(w)).data)
        w = w - lr * dloss(w).data
    return losses


fig, ax = plt.subplots(figsize=(7, 4))
for factor in (0.5, 0.95, 1.05):
    ax.semilogy(run(factor * lr_max), label=f"lr = {factor} x 2/L'' = {factor * lr_max:.3f}")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.legend()
ax.set_title("Just below 2/L'' gradient descent converges; just above, it diverges")
plt.show()

# %% [markdown]
# With many weights the curvature is a matrix, the Hessian, and the largest stable learning rate
# is $2 / \lambda_{\max}$ for its largest eigenvalue $\lambda_{\max}$. `grad` with a tuple of
# `argnums` gives one derivative per weight, and each of those can be differentiated again.
# For a two-weight model $y \approx w_0 x + w_1$:


# %%
def loss2(w0, w1):
    errors = [(w0 * float(x) + w1 - float(y)) ** 2 for x, y in zip(xs_data, ys_data)]
    return sum(errors) / len(errors)


def hessian(fn, *point):
    n = len(point)
    rows = []
    for i in range(n):

        def partial(*w, i=i):
            return grad(fn, argnums=i)(*w)

        rows.append([v.data for v in grad(partial, argnums=tuple(range(n)))(*point)])
    return np.array(rows)


H = hessian(loss2, 0.0, 0.0)
eigenvalues = np.linalg.eigvalsh(H)
print("Hessian:\n", H)
print("eigenvalues:", eigenvalues)
print(f"largest stable learning rate 2 / lambda_max = {2 / eigenvalues.max():.4f}")
