"""Notebook 1: values and the graph (built into 01_values_and_the_graph.ipynb)."""

# %% [markdown]
# # Values and the graph
#
# A `Value` is a number that remembers how it was made. Every arithmetic operation on Values
# makes a new Value that records its inputs (its *parents*) and the *local derivatives*: how
# much the result moves when each input moves. Together they form a graph. `backward()` walks
# that graph from the end to the start and applies the chain rule, which gives the derivative
# of the final result with respect to every Value in it.
#
# This notebook builds a small expression, draws it before and after `backward()`, reads the
# chain rule off the drawing, and steps through the backward pass one node at a time.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import viz
from autograd_core import Value, graph_stats

# %% [markdown]
# ## An expression
#
# $L = (a \cdot b + c) \cdot f$, built one operation at a time so that every intermediate
# result has a name. The `label` is only for display.


# %%
def build(a=2.0, b=-3.0, c=10.0, f=-2.0):
    a, b, c, f = Value(a, "a"), Value(b, "b"), Value(c, "c"), Value(f, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L)


L, v = build()
print(L)
print(graph_stats(L))

# %% [markdown]
# ## The graph before `backward()`
#
# Each box is a Value: its label, its data and its grad. Each oval is the operation that made
# the Value to its right. The shaded boxes are *leaves*, the inputs nothing else computed. No
# gradient has been computed yet, so every grad is 0.

# %%
viz.draw_dot(L)

# %% [markdown]
# ## After `backward()`
#
# `L.backward()` sets $\partial L / \partial L = 1$ and works back through the graph. Now each
# box's grad says how much $L$ changes per unit change of that Value.

# %%
L.backward()
for name, node in v.items():
    print(f"dL/d{name} = {node.grad:+g}")
viz.draw_dot(L)

# %% [markdown]
# ## The chain rule, read off the edges
#
# With `show_local_grads=True` each edge into an operation is labelled with the local
# derivative of the operation's result with respect to that input. For a product
# $e = a \cdot b$ the local derivative with respect to $a$ is $b$, and with respect to $b$ it
# is $a$; for a sum both are 1.
#
# The chain rule says: the grad of a Value is the grad of the Value it feeds, times the label
# on the edge between them. Start at $L$ (grad 1) and multiply along the path to $a$:

# %%
display(viz.draw_dot(L, show_local_grads=True))
e, d = v["e"], v["d"]
path = [(L, d), (d, e), (e, v["a"])]  # (result, input) along the path from L to a
for out, inp in path:
    local = out.local_grads[out.parents.index(inp)]  # the label on the edge inp -> out
    print(f"grad({inp.label}) = grad({out.label}) * edge label = "
          f"{out.grad:+g} * {local:+g} = {out.grad * local:+g}")  # fmt: skip
assert v["a"].grad == e.grad * e.local_grads[0]

# %% [markdown]
# ## What a gradient means
#
# $\partial L / \partial a$ is the slope of $L$ as a function of $a$, with everything else held
# fixed. Check it the slow way: nudge $a$ by a small $h$ and see how much $L$ moves.

# %%
h = 1e-6
L_nudged, _ = build(a=2.0 + h)
print(f"(L(a + h) - L(a)) / h = {(L_nudged.data - L.data) / h:+.6f}")
print(f"a.grad               = {v['a'].grad:+.6f}")

# %% [markdown]
# $L$ is a straight line in $a$, so its tangent is the line itself and a plot of it shows
# nothing. A curved function of $a$ shows what a slope is: $M = \tanh(L / 8)$. One more
# `backward()` gives its slope, and the chain rule says what it must be: $\partial L/\partial a$
# times tanh's local derivative $1 - M^2$, times $1/8$.


# %%
def curve(a):
    L, leaves = build(a=a)
    M = (L / 8).tanh()
    M.label = "M"
    return M, leaves


M, leaves = curve(2.0)
M.backward()
slope = leaves["a"].grad
print(f"dM/da = {slope:+.6f}; chain rule: {v['a'].grad:+g} * (1 - M^2) / 8 = "
      f"{v['a'].grad * (1 - M.data**2) / 8:+.6f}")  # fmt: skip
assert abs(slope - v["a"].grad * (1 - M.data**2) / 8) < 1e-12

a_values = np.linspace(-2, 6, 81)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(a_values, [curve(x)[0].data for x in a_values], label="M = tanh(L / 8) as a function of a")
a0 = 2.0
ax.plot(a_values, M.data + slope * (a_values - a0), "--",
        label=f"tangent at a = {a0:g}: slope dM/da = {slope:.3f}")  # fmt: skip
ax.plot([a0], [M.data], "o", color="black")
ax.set_ylim(-1.1, 1.1)
ax.set_xlabel("a")
ax.set_ylabel("M")
ax.legend()
plt.show()

# %% [markdown]
# ## Move an input and watch every gradient
#
# `viz.explore(L)` draws the same graph with a slider for each labelled leaf. Drag the slider
# for $a$: Python rebuilds the expression with the new number, runs forward and backward
# again and redraws, so every value and gradient in the picture follows. Notice what stays
# put: $\partial L/\partial a = b \cdot f$ does not depend on $a$, which is why the plot
# above is a straight line. Hover over a node to see its op, its local derivative and the
# chain-rule product that makes its gradient; *step through the backward pass* replays it.

# %%
explorer = viz.explore(L)
display(explorer)

# %% [markdown]
# The same from Python: `explorer.set(a=3.0)` does what dragging the slider does. $L$ is
# linear in $a$, so one step of 1 moves $L$ by exactly `a.grad`. The explorer works on its
# own copy of the graph: `L` itself still holds the old numbers.

# %%
explorer.set(a=3.0)
print(f"L at a = 3: {explorer.root.data:+g}; L + a.grad * 1 = {L.data + v['a'].grad:+g}")
print(f"dL/da at a = 3: {explorer.leaves['a'].grad:+g} (b * f = {v['b'].data * v['f'].data:+g})")
print(f"L itself is unchanged: {L.data:+g}")
assert explorer.root.data == L.data + v["a"].grad

# %% [markdown]
# ## Step through the backward pass
#
# The page below replays `backward()` one node at a time, in reverse topological order. At
# each step it highlights a node and shows the local derivative, first as a formula from the
# op (for $e = a \cdot b$: $\partial e/\partial a = b$), then with its number, and the
# chain-rule update: `grad(a) += ∂e/∂a × grad(e) = -3.0 × -2.0 = 6.0`. Use the buttons, or
# click the page and press → / ←; drag or scroll on the graph to pan and zoom.

# %%
viz.explain_backward(L)

# %% [markdown]
# ## Using a Value twice
#
# A graph is not always a tree. In $y = x \cdot x + x$ the Value $x$ feeds two operations, and
# the chain rule *adds* what comes back along each path: $dy/dx = 2x + 1$.

# %%
x = Value(3.0, "x")
xx = x * x
y = xx + x
y.label = "y"
y.backward()
print(f"x.grad = {x.grad}, and 2x + 1 = {2 * x.data + 1}")
viz.draw_dot(y, show_local_grads=True)

# %% [markdown]
# ## Calling `backward()` again
#
# Interior nodes always show the latest backward pass. Leaves (inputs and parameters)
# *accumulate*: a second `backward()` adds to their grads, as in PyTorch. That is what lets a
# training loop sum gradients over a batch, and it is why training loops zero the grads
# before every step.

# %%
y.backward()
print(f"after a second backward(): x.grad = {x.grad}, xx.grad = {xx.grad}")
x.grad = 0.0
y.backward()
print(f"zeroed, then backward():   x.grad = {x.grad}")
