"""Notebook 2: one neuron (built into 02_one_neuron.ipynb)."""

# %% [markdown]
# # One neuron
#
# A neuron takes inputs $x_i$, multiplies each by a weight $w_i$, adds a bias $b$ and squashes
# the sum with an activation function, here $\tanh$:
#
# $$o = \tanh(n), \qquad n = \sum_i w_i x_i + b.$$
#
# First by hand with Values, then with `nn.Neuron`, and finally checked against finite
# differences with `gradcheck`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import nn
import viz
from autograd_core import GradcheckError, Value, gradcheck, name_scope

# %% [markdown]
# ## By hand
#
# Two inputs and the weights from the micrograd lecture, with a bias chosen so that the
# numbers come out round.

# %%
x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
b = Value(6.8813735870195432, "b")

x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
n = x1w1 + x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
viz.draw_dot(o, show_local_grads=True)

# %% [markdown]
# The one new local derivative is $\tanh$'s: $d\tanh(n)/dn = 1 - \tanh(n)^2 = 1 - o^2$. The
# engine recorded it when the op ran; compare:

# %%
print(f"o = {o.data:.6f}")
print(f"1 - o**2            = {1 - o.data**2:.6f}")
print(f"recorded local grad = {o.local_grads[0]:.6f}")
print(f"n.grad              = {n.grad:.6f}")
for leaf in (x1, x2, w1, w2, b):
    print(f"d o / d {leaf.label:<2} = {leaf.grad:+.6f}")

# %% [markdown]
# Where the neuron sits on its activation curve decides how much gradient gets through: on
# the flat parts of $\tanh$ the local derivative is nearly 0, and whatever comes back from
# above is multiplied by it.

# %%
ns = np.linspace(-4, 4, 200)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ns, np.tanh(ns), label="tanh(n)")
ax.plot(ns, 1 - np.tanh(ns) ** 2, label="d tanh / dn = 1 - tanh(n)^2")
ax.plot([n.data], [o.data], "o", color="C0")
ax.plot([n.data], [o.local_grads[0]], "o", color="C1")
ax.axvline(n.data, color="grey", lw=0.5)
ax.set_xlabel("n")
ax.legend()
ax.set_title(f"this neuron: n = {n.data:.4f}, o = {o.data:.4f}, local grad {o.local_grads[0]:.4f}")
plt.show()

# %% [markdown]
# ### Drag the neuron off the steep part
#
# The explorer gives every labelled leaf a slider. Drag `b` (or `w1`) so that $n$ moves far
# from 0: $o$ flattens out at ±1, the local derivative $1 - o^2$ drops towards 0, and with it
# the gradient of every weight and input behind it. This is the *saturation* that makes tanh
# networks slow to train when their pre-activations grow large.

# %%
explorer = viz.explore(o)
display(explorer)

# %% [markdown]
# From Python, `set` moves a slider. With $b = 10$, and more so with $b = 20$, the neuron
# sits on the flat part and almost no gradient gets through:

# %%
for bias in (b.data, 10.0, 20.0):
    explorer.set(b=bias)
    grads = ", ".join(f"{name} {leaf.grad:+.1e}" for name, leaf in explorer.leaves.items())
    print(f"b = {bias:7.4f}: o = {explorer.root.data:.9f}, gradients {grads}")
assert abs(explorer.leaves["w1"].grad) < 1e-9

# %% [markdown]
# ## With `nn.Neuron`
#
# `nn.Neuron(2, activation="tanh")` holds the same parameters: a weight per input (`w.0`,
# `w.1`) and a bias (`b`). It starts from small random weights (deterministic from `seed`);
# load the ones above to compare.

# %%
neuron = nn.Neuron(2, activation="tanh", seed=0)
print(neuron, "with", neuron.num_parameters(), "parameters, initially", neuron.state_dict())
neuron.load_state_dict({"w.0": w1.data, "w.1": w2.data, "b": b.data})
out = neuron([2.0, 0.0])
out.backward()
print(f"output {out.data:.6f} (by hand {o.data:.6f})")
for (name, p), leaf in zip(neuron.named_parameters(), (w1, w2, b)):
    print(f"d out / d {name:<3} = {p.grad:+.6f}   (by hand {leaf.grad:+.6f})")
    assert math.isclose(p.grad, leaf.grad)

# %% [markdown]
# ## Grouping the neuron in the drawing
#
# Inside a layer, each neuron makes its Values under a *name scope*, and the drawing groups a
# scope's Values in a dashed box. Here is a layer of two neurons, fed the same two inputs:

# %%
layer = nn.Layer(2, 2, activation="tanh", seed=0)
outputs = layer([2.0, 0.0])
total = outputs[0] + outputs[1]
total.label = "o1 + o2"
total.backward()
display(viz.draw_dot(total))

# %% [markdown]
# A scope can also be *collapsed* to a single box, which shows the output value and gradient
# of the neuron and hides its insides; this is how bigger networks stay readable.

# %%
viz.draw_dot(total, collapse=["neurons.0", "neurons.1"])

# %% [markdown]
# Any code can make its own scope with `name_scope`: here, the hand-built neuron again, with
# its weights and bias made inside the scope so the box holds all of the neuron.

# %%
inputs = [Value(2.0, "x1"), Value(0.0, "x2")]
with name_scope("my_neuron"):
    weights = [Value(-3.0, "w1"), Value(1.0, "w2")]
    bias = Value(6.8813735870195432, "b")
    hand = (inputs[0] * weights[0] + inputs[1] * weights[1] + bias).tanh()
hand.label = "o"
hand.backward()
viz.draw_dot(hand)

# %% [markdown]
# ## Checking gradients with `gradcheck`
#
# `gradcheck(f, *inputs)` compares the engine's gradient of `f` at `inputs` with central
# differences, $(f(x + \epsilon) - f(x - \epsilon)) / 2\epsilon$, input by input. It returns
# True or raises with a list of the inputs that disagree.


# %%
def neuron_fn(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


print("by hand:  ", gradcheck(neuron_fn, 2.0, 0.0, -3.0, 1.0, 0.5))
print("nn.Neuron:", gradcheck(lambda a, c: neuron([a, c]), 0.7, -1.3))

# %% [markdown]
# And what it catches: a function that reads `.data` in the middle of a computation treats
# that number as a constant, so the engine never learns that the result depends on it.


# %%
def broken(x):
    return x * x.data  # should be x * x


try:
    gradcheck(broken, 3.0)
except GradcheckError as error:
    print(error)
