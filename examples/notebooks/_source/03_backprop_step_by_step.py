"""Notebook 3: backpropagation step by step (built into 03_backprop_step_by_step.ipynb)."""

# %% [markdown]
# # Backpropagation, step by step
#
# The classic worked example: a network with two inputs, two sigmoid hidden units and two
# sigmoid outputs, one training example, and one step of gradient descent done completely,
# with every number on show. The engine does the arithmetic; the point is to see each number
# and know where it came from.
#
# Unit $h_1$ gets weights $w_1, w_2$, $h_2$ gets $w_3, w_4$, $o_1$ gets $w_5, w_6$ and $o_2$ gets
# $w_7, w_8$; bias $b_1$ is shared by the hidden units and $b_2$ by the outputs.
# The error is $E = \tfrac12 \sum_k (t_k - out_{o_k})^2$. One step of gradient descent updates
# all eight weights from the gradients of the same pass and leaves the biases fixed, as in the
# well-known walkthrough. The setup table below is generated from the constants in the code, so
# what you read is what runs.

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

import nn
import viz
from autograd_core import Value, name_scope

INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
           "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}  # fmt: skip
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = [0.01, 0.99]
LEARNING_RATE = 0.5


def latex(values):
    return ", ".join(f"${n[0]}_{{{n[1:]}}} = {x}$" for n, x in values.items())


setup = [
    ("inputs", latex(INPUTS)),
    ("weights into $h_1$, $h_2$", latex(dict(list(WEIGHTS.items())[:4]))),
    ("weights into $o_1$, $o_2$", latex(dict(list(WEIGHTS.items())[4:]))),
    ("biases", latex(BIASES)),
    ("targets", latex({"t1": TARGETS[0], "t2": TARGETS[1]})),
    ("learning rate", f"$\\eta = {LEARNING_RATE}$"),
]
display(Markdown("| | |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in setup)))

# %% [markdown]
# ## The forward pass
#
# Each unit computes a weighted sum ("net") and squashes it with the sigmoid
# $\sigma(z) = 1 / (1 + e^{-z})$ ("out"). Every node gets a label, and every unit's nodes are
# made inside a `name_scope`, so the drawing groups them in a box.


# %%
def forward(weights):
    """Build the graph from leaves holding `weights`; return every named node."""
    v = {name: Value(x, label=name) for name, x in {**INPUTS, **BIASES}.items()}
    w = {name: Value(x, label=name) for name, x in weights.items()}
    units = {"h1": ("w1", "w2"), "h2": ("w3", "w4"), "o1": ("w5", "w6"), "o2": ("w7", "w8")}
    for unit, (wa, wb) in units.items():
        inputs = ("i1", "i2") if unit[0] == "h" else ("out_h1", "out_h2")
        bias = "b1" if unit[0] == "h" else "b2"
        with name_scope(unit):
            net = w[wa] * v[inputs[0]] + w[wb] * v[inputs[1]] + v[bias]
            net.label = f"net_{unit}"
            out = net.sigmoid()
            out.label = f"out_{unit}"
        v[net.label], v[out.label] = net, out
    with name_scope("error"):
        E = nn.squared_error([v["out_o1"], v["out_o2"]], TARGETS)
    E.label = "E"
    v["E"] = E
    return v, w


nodes, weights = forward(WEIGHTS)
E = nodes["E"]
for name in ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2"]:
    print(f"{name:<7} = {nodes[name].data:.9f}")
print(f"E       = {E.data:.9f}")

# %% [markdown]
# The error is built by `nn.squared_error`, the same formula; check it against the formula
# written out:

# %%
by_formula = sum(0.5 * (t - nodes[o].data) ** 2 for t, o in zip(TARGETS, ["out_o1", "out_o2"]))
print(f"E by the formula = {by_formula:.9f}, by nn.squared_error = {E.data:.9f}")
assert abs(by_formula - E.data) < 1e-15

# %% [markdown]
# ## The backward pass
#
# One call fills in $\partial E / \partial$ every node. The drawing shows each node's value and
# gradient, and each edge's local derivative, the factor the chain rule multiplies by when it
# crosses that edge.

# %%
E.backward()
graph = viz.draw_dot(E, show_local_grads=True)
display(graph)

# %% [markdown]
# ### The chain rule for $w_5$, one factor at a time
#
# $$\frac{\partial E}{\partial w_5} = \frac{\partial E}{\partial out_{o_1}} \cdot
# \frac{\partial out_{o_1}}{\partial net_{o_1}} \cdot \frac{\partial net_{o_1}}{\partial w_5}
# = -(t_1 - out_{o_1}) \cdot out_{o_1}(1 - out_{o_1}) \cdot out_{h_1}$$
#
# Each factor, computed from the forward values, and their product against the engine's
# `w5.grad`:

# %%
out_o1, out_h1 = nodes["out_o1"].data, nodes["out_h1"].data
factors = {
    "dE/dout_o1": -(TARGETS[0] - out_o1),
    "dout_o1/dnet_o1": out_o1 * (1 - out_o1),
    "dnet_o1/dw5": out_h1,
}
product = 1.0
for name, factor in factors.items():
    print(f"{name:<16} = {factor:+.9f}")
    product *= factor
print(f"product          = {product:+.9f}")
print(f"w5.grad (engine) = {weights['w5'].grad:+.9f}")
assert abs(product - weights["w5"].grad) < 1e-15

# %% [markdown]
# For a hidden weight such as $w_1$ the path forks: $out_{h_1}$ feeds both outputs, so
# $\partial E / \partial out_{h_1}$ is a sum of two terms, one through $o_1$ and one through
# $o_2$. In the drawing, that is two arrows leaving `out_h1`; the engine adds up what comes
# back along each.

# %%
o = {k: nodes[f"out_{k}"].data for k in ("o1", "o2")}
through_o1 = -(TARGETS[0] - o["o1"]) * o["o1"] * (1 - o["o1"]) * WEIGHTS["w5"]
through_o2 = -(TARGETS[1] - o["o2"]) * o["o2"] * (1 - o["o2"]) * WEIGHTS["w7"]
print(f"dE/dout_h1 through o1 = {through_o1:+.9f}")
print(f"dE/dout_h1 through o2 = {through_o2:+.9f}")
print(f"sum                   = {through_o1 + through_o2:+.9f}")
print(f"out_h1.grad (engine)  = {nodes['out_h1'].grad:+.9f}")
assert abs(through_o1 + through_o2 - nodes["out_h1"].grad) < 1e-15

# %% [markdown]
# ## The update, and every number in one table
#
# Gradient descent moves each weight against its gradient: $w \leftarrow w - \eta\,
# \partial E / \partial w$. All eight use the gradients of the same pass (so $w_1$'s update
# uses the *old* $w_5$), and the biases stay fixed.

# %%
updated = {name: w.data - LEARNING_RATE * w.grad for name, w in weights.items()}


def html_table(sections):
    rows = []
    for title, entries in sections:
        rows.append(f'<tr><th colspan="2" style="text-align:left">{title}</th></tr>')
        rows += [
            f'<tr><td>{name}</td><td style="text-align:right">{value:.9f}</td></tr>'
            for name, value in entries
        ]
    return '<table style="font-family:monospace">' + "".join(rows) + "</table>"


forward_names = ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2"]
table = html_table(
    [
        ("forward pass", [(n, nodes[n].data) for n in forward_names]),
        ("error", [("E", E.data)]),
        ("gradients", [(f"dE/d{n}", w.grad) for n, w in weights.items()]),
        (f"after one step (lr {LEARNING_RATE})", [(f"{n}+", x) for n, x in updated.items()]),
    ]
)
# Drawn top to bottom this time, so that it fits beside the table.
svg = viz.draw_dot(E, rankdir="TB", show_local_grads=True).pipe(format="svg").decode()
display(
    HTML(
        '<div style="display:flex; gap:2em; align-items:flex-start">'
        f'<div style="flex:none">{table}</div><div style="overflow:auto">{svg}</div></div>'
    )
)

# %% [markdown]
# ## Did the step help?
#
# Run the forward pass again with the updated weights:

# %%
after, _ = forward(updated)
print(f"E before the step = {E.data:.9f}")
print(f"E after the step  = {after['E'].data:.9f}")

# %% [markdown]
# One step is a small improvement. Repeating it — forward, backward, update, each time with
# fresh gradients — is training:

# %%
STEPS = 10_000
current = dict(WEIGHTS)
errors = []
for _ in range(STEPS):
    nodes_k, weights_k = forward(current)
    nodes_k["E"].backward()
    errors.append(nodes_k["E"].data)
    current = {name: w.data - LEARNING_RATE * w.grad for name, w in weights_k.items()}
final, _ = forward(current)
print(f"after {STEPS:,} steps: E = {final['E'].data:.9f}")
print(f"outputs {final['out_o1'].data:.9f} and {final['out_o2'].data:.9f}, targets {TARGETS}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(range(1, STEPS + 1), errors)
ax.set_xlabel("step")
ax.set_ylabel("E")
ax.set_title(f"the error over {STEPS:,} steps of gradient descent")
plt.show()
