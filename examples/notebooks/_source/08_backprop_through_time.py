"""Notebook 8: backpropagation through time (built into 08_backprop_through_time.ipynb)."""

# %% [markdown]
# # Backpropagation through time
#
# A recurrent unit reads a sequence one number at a time and carries a state from step to step:
#
# $$h_t = \tanh(a\,h_{t-1} + u\,x_t), \qquad h_0 = 0, \qquad y = v\,h_T.$$
#
# The same three weights $a$, $u$, $v$ are used at every step. To train it, unroll it: write
# out the computation for a whole sequence, which is an ordinary graph with one copy of the
# unit per time step, and back-propagate through that. Nothing new is needed; "backprop
# through time" is backprop on the unrolled graph.
#
# The toy task: the first input is $+1$ or $-1$, the rest are noise, and at the end the unit must
# output the first input. It has to *remember*.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import nn
import viz
from autograd_core import Value, name_scope


class TinyRNN(nn.Module):
    """One tanh unit with a recurrent weight a, an input weight u and an output weight v."""

    def __init__(self, a=0.5, u=0.5, v=0.5):
        self.a = Value(a, "a")
        self.u = Value(u, "u")
        self.v = Value(v, "v")

    def __call__(self, xs):
        """Unroll over the sequence `xs`; return the output y and the states h_0 .. h_T."""
        h = Value(0.0, "h0")
        states = [h]
        for t, x in enumerate(xs, start=1):
            with name_scope(f"t{t}"):  # one cluster per time step in the drawing
                x = Value(float(x), f"x{t}")
                h = (self.a * h + self.u * x).tanh()
                h.label = f"h{t}"
            states.append(h)
        y = self.v * h
        y.label = "y"
        return y, states


def make_sequences(n, length, seed, noise=0.5):
    """`n` sequences: the first entry is +1 or -1 (the target), the rest uniform noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-noise, noise, size=(n, length))
    X[:, 0] = rng.choice([-1.0, 1.0], size=n)
    return X, X[:, 0].copy()


model = TinyRNN()
print(model.named_parameters())

# %% [markdown]
# ## The unrolled graph
#
# One sequence of four steps, its squared error, and the backward pass. Drawn with
# `collapse=1`, each time step (its `name_scope`, `t1` to `t4`) is one box showing its output
# $h_t$: its value and its gradient. The weights $a$ and $u$ have an arrow into every step: one
# weight, used four times.

# %%
X4, y4 = make_sequences(1, 4, seed=1)
y, states = model(X4[0])
loss = (y - Value(y4[0], "target")) ** 2
loss.label = "loss"
loss.backward()
viz.draw_dot(loss, collapse=1)

# %% [markdown]
# Opening one step shows the unit inside it: the products $a \cdot h_3$ and $u \cdot x_4$,
# their sum and the $\tanh$ that gives $h_4$. The other steps stay collapsed (`collapse`
# also takes a list of the scopes to close):

# %%
viz.draw_dot(loss, collapse=["t1", "t2", "t3"])

# %% [markdown]
# ### A shared weight's gradient is a sum over time
#
# The weight $a$ is used once per step, in the product $a \cdot h_{t-1}$. The chain rule adds up
# what comes back along each use, so $\partial L / \partial a$ is the sum of one contribution
# per step: the gradient arriving at that step's product times its local derivative, $h_{t-1}$.

# %%
contributions = []
for t, h in enumerate(states[1:], start=1):
    pre_activation = h.parents[0]  # a*h_{t-1} + u*x_t
    product = pre_activation.parents[0]  # a*h_{t-1}
    assert product.parents[0] is model.a
    contributions.append(product.grad * product.local_grads[0])
    print(f"step {t}: grad of a*h{t - 1} = {product.grad:+.6f}, times h{t - 1} = "
          f"{product.local_grads[0]:+.6f}  ->  {contributions[-1]:+.6f}")  # fmt: skip
print(f"sum over steps = {sum(contributions):+.9f}")
print(f"a.grad         = {model.a.grad:+.9f}")
assert abs(sum(contributions) - model.a.grad) < 1e-12

# %% [markdown]
# ## Gradients fade with distance in time
#
# Going one step back multiplies the gradient by the local derivatives on the way:
# $\partial h_t / \partial h_{t-1} = a\,(1 - h_t^2)$, the `tanh` edge times the `*` edge. So the
# gradient reaching $h_{t-k}$ is a product of $k$ such factors. Here they are for the sequence
# above, read off the graph:

# %%
T = len(states) - 1
for t in range(T, 0, -1):
    h = states[t]
    factor = h.local_grads[0] * model.a.data  # d tanh / d(pre-activation) times a
    print(f"dL/dh{t} = {h.grad:+.6f}   factor to h{t - 1}: {factor:.4f}")
print(f"dL/dh0 = {states[0].grad:+.6f}")

# %% [markdown]
# On longer sequences the shrinking is geometric. Below: the average size of $\partial L /
# \partial h_t$ against how many steps $t$ lies before the end, over many random longer
# sequences, for a few values of the recurrent weight $a$.

# %%
LENGTH = 20
X_long, y_long = make_sequences(50, LENGTH, seed=2)
fig, ax = plt.subplots(figsize=(6, 4))
fade = {}
for a in (0.5, 1.0, 2.0):
    probe = TinyRNN(a=a, u=0.5, v=0.5)
    sizes = np.zeros(LENGTH + 1)
    for xs, target in zip(X_long, y_long):
        y, states = probe(xs)
        ((y - target) ** 2).backward()
        sizes += np.abs([h.grad for h in states[::-1]])
    sizes /= len(X_long)
    fade[a] = sizes
    ax.semilogy(range(LENGTH + 1), sizes, "o-", ms=3, label=f"a = {a}")
ax.set_xlabel("steps before the end (T - t)")
ax.set_ylabel("mean |dL/dh_t|")
ax.set_title(f"gradients shrink with distance in time (T = {LENGTH})")
ax.legend()
plt.show()

# %%
display(
    Markdown(
        "From the last state back to the first, the mean gradient shrinks by a factor of "
        + ", ".join(f"{fade[a][0] / fade[a][-1]:.3g} for $a = {a}$" for a in fade)
        + "."
    )
)

# %% [markdown]
# Each step back multiplies by $a\,(1 - h_t^2)$. A small $a$ makes that factor small directly; a
# large $a$ drives $h_t$ towards $\pm 1$, where the slope of $\tanh$, $1 - h_t^2$, is nearly 0.
# The geometric mean of the factor per step:

# %%
for a, sizes in fade.items():
    print(f"a = {a}: mean factor per step {(sizes[-1] / sizes[0]) ** (1 / LENGTH):.3f}")

# %% [markdown]
# ## Training: remembering over a short and a long sequence
#
# The signal the unit needs comes from $x_1$, the input furthest from the loss, so its gradient
# is the most faded. Train the same unit from the same starting weights, with the same budget
# of gradient descent steps, on short and on long sequences, each on a few different random
# training sets (seeds):

# %%
SHORT, LONG, SEEDS, STEPS = 5, 20, range(4), 100


def train(length, seed, steps=STEPS, lr=0.5, n=16):
    model = TinyRNN()
    X, targets = make_sequences(n, length, seed=seed)
    optimizer = nn.SGD(model, lr=lr)
    losses = []
    for _ in range(steps):
        loss = sum((model(xs)[0] - t) ** 2 for xs, t in zip(X, targets)) / n
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    X_test, t_test = make_sequences(300, length, seed=1000 + seed)
    right = sum(np.sign(model(xs)[0].data) == t for xs, t in zip(X_test, t_test))
    return model, losses, right / len(X_test)


runs = {(length, seed): train(length, seed) for length in (SHORT, LONG) for seed in SEEDS}

fig, ax = plt.subplots(figsize=(6, 4))
for (length, seed), (_, losses, _) in runs.items():
    color = "C0" if length == SHORT else "C3"
    label = f"T = {length}" if seed == SEEDS[0] else None
    ax.plot(losses, color=color, alpha=0.7, label=label)
ax.set_xlabel("gradient descent step")
ax.set_ylabel("training loss")
ax.set_title(f"{len(SEEDS)} training runs per sequence length")
ax.legend()
plt.show()

rows = "| T | seed | final loss | test accuracy | a | u | v |\n|---|---|---|---|---|---|---|\n"
for (length, seed), (trained, losses, acc) in runs.items():
    a, u, v = (p.data for p in trained.parameters())
    rows += f"| {length} | {seed} | {losses[-1]:.4f} | {acc:.1%} | {a:.3f} | {u:.3f} | {v:.3f} |\n"
display(Markdown(rows))

learned = {T: sum(runs[T, s][2] > 0.9 for s in SEEDS) for T in (SHORT, LONG)}
display(
    Markdown(
        f"Runs that learned to remember (test accuracy above 90%): **{learned[SHORT]} of "
        f"{len(SEEDS)}** with {SHORT}-step sequences, **{learned[LONG]} of {len(SEEDS)}** with "
        f"{LONG}-step sequences."
    )
)

# %% [markdown]
# A run that learns ends with a large recurrent weight $a$: its state latches onto the sign of
# $x_1$ and the noise that follows cannot flip it. A run that does not learn stays near the
# loss of always answering 0 (the targets are $\pm 1$, so that loss is 1) and guesses at test
# time: the gradient that would teach it to latch has faded to almost nothing by the time it
# reaches $x_1$. This is the *vanishing gradient* problem, and the reason LSTMs and GRUs add
# paths along which the gradient is multiplied by something close to 1.
