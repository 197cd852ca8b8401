"""Notebook 5: batch, stochastic and mini-batch gradient descent (built into the .ipynb)."""

# %% [markdown]
# # Batch, stochastic and mini-batch gradient descent
#
# Gradient descent needs the gradient of the loss over the training set. There are three
# common ways to get it, and they differ only in how many examples each update looks at:
#
# - **batch** (full-batch): all $m$ examples, then one update. Exact gradient, one step per
#   epoch.
# - **stochastic**: one example, then an update. A noisy estimate of the gradient, $m$ steps
#   per epoch.
# - **mini-batch**: $k$ examples, then an update: $m / k$ steps per epoch, noise in between.
#
# Every mode does the same arithmetic per epoch (each example goes forward and backward once);
# what changes is how many updates that buys. In `nn.fit` the mode is the `batch_size`
# argument: `None`, `1` or `k`. Here the same model, from the same starting weights, is trained
# on the same data all three ways, with the same optimizer and learning rate, and everything is
# measured here and now.

# %%
import gc

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import nn
import viz

X, y = nn.data.make_moons(60, noise=0.1, seed=3)
y = 2 * y - 1  # hinge loss labels: -1 and +1
MODES = {"batch": None, "mini-batch (k = 10)": 10, "stochastic": 1}
EPOCHS, LR, SEED = 40, 0.1, 0
print(f"{len(X)} examples, {EPOCHS} epochs per mode, learning rate {LR}")

# %% [markdown]
# The model, one example's loss, drawn with each neuron collapsed to one box. Every mode
# builds this graph for every example; they differ in when they stop to update the weights.
# The example drawn is the first the untrained model gets wrong enough to have a loss (a
# hinge loss of 0 would give every gradient 0: nothing to learn from that example).

# %%
model = nn.MLP(2, [8, 8, 1], seed=SEED)
print(model)
i = next(i for i in range(len(X)) if nn.hinge(model(X[i]), y[i]).data > 0)
loss = nn.hinge(model(X[i]), y[i])
loss.backward()
print(f"example {i}: hinge loss {loss.data:.4f}")
viz.draw_dot(loss, collapse=4)

# %% [markdown]
# ## Training three ways
#
# Two callbacks watch each run. `fit` calls a callback's `on_batch_end(model, step, loss)`
# after every update, with the loss on the batch that update saw: a small class records it,
# and two of the model's weights, to trace the path the updates take. And a
# `viz.TrainingView` records every epoch: the decision boundary, the curves, the weights.
# Passing the training set as `validation` makes `fit` measure the loss on *all* the examples
# at the end of every epoch, the same yardstick for every mode.


# %%
class Updates:
    """After each update: the loss of the batch it saw, and two weights of the output neuron."""

    def __init__(self, model):
        self.weights = model.layers[2].neurons[0].w[:2]
        self.steps = [(np.nan, *(w.data for w in self.weights))]  # the start: no batch yet

    def on_batch_end(self, model, step, loss):
        self.steps.append((loss, *(w.data for w in self.weights)))


def train(name, batch_size):
    model = nn.MLP(2, [8, 8, 1], seed=SEED)
    updates, view = Updates(model), viz.TrainingView(model, X, y, title=name)
    history = nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=nn.SGD(model, lr=LR),
        epochs=EPOCHS,
        batch_size=batch_size,
        seed=SEED,
        progress=False,
        validation=(X, y),
        callbacks=[updates, view],
    )
    return history, np.array(updates.steps, dtype=float), view


runs = {name: train(name, batch_size) for name, batch_size in MODES.items()}
for name, (history, _, _) in runs.items():
    print(
        f"{name:<20} {history.steps:5d} updates, {history.time[-1]:5.2f} s, "
        f"final loss {history.val_loss[-1]:.4f}, accuracy {history.val_accuracy[-1]:.0%}"
    )

# %% [markdown]
# ## Side by side
#
# Each view's last epoch: the boundary each mode reached after the same number of epochs, the
# loss and accuracy curves, and the weights. (Display a view, `runs["stochastic"][2]`, for its
# widget; `.save("stochastic.html")` writes a page that replays its epochs one by one.)

# %%
fig, axes = plt.subplots(1, 3, figsize=(18, 4.2))
for ax, (name, (_, _, view)) in zip(axes, runs.items()):
    ax.imshow(plt.imread(view.save(f"{name.split()[0]}.png")))
    ax.set_axis_off()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Loss against epochs, and against wall time
#
# On a linear scale: the hinge loss reaches exactly 0 once every example is classified with
# margin, which a logarithmic scale cannot draw.

# %%
fig, (ax_epochs, ax_time) = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for name, (history, _, _) in runs.items():
    epochs = np.arange(1, history.epochs + 1)
    ax_epochs.plot(epochs, history.val_loss, label=name)
    ax_time.plot(history.time, history.val_loss, label=name)
ax_epochs.set_xlabel("epoch")
ax_time.set_xlabel("wall time (s)")
ax_epochs.set_ylabel("loss on the whole training set")
ax_epochs.set_ylim(bottom=0)
ax_epochs.legend()
ax_time.legend()
ax_epochs.set_title("per epoch")
ax_time.set_title("per second (measured in this run)")
plt.tight_layout()
plt.show()

# %%
target = runs["batch"][0].val_loss[-1]
lines = []
for name, (history, _, _) in runs.items():
    reached = [i for i, loss in enumerate(history.val_loss) if loss <= target]
    if reached:
        i = reached[0]
        lines.append(
            f"- **{name}**: epoch {i + 1}, after {history.time[i]:.2f} s "
            f"({history.time[-1] / history.epochs * 1000:.0f} ms per epoch on average)"
        )
    else:
        lines.append(f"- **{name}**: not within {EPOCHS} epochs")
display(
    Markdown(
        f"Full-batch descent ends at a loss of {target:.4f} after {EPOCHS} epochs. "
        "When did each mode first get there?\n\n" + "\n".join(lines)
    )
)

# %% [markdown]
# Per epoch, the modes that update more often get further: they take more steps for the same
# arithmetic. Per second the picture can differ, because an epoch does not cost the same in
# every mode. Two costs pull in opposite directions: each update has a fixed cost of its own
# (zeroing grads, the optimizer step, Python overhead), which favours big batches; and a big
# batch keeps a big graph alive at once, which Python's cyclic garbage collector scans
# repeatedly while it is being built, which favours small ones. Measure both, with the
# collector on (the normal case) and switched off:


# %%
def ms_per_epoch(batch_size, epochs=5):
    model = nn.MLP(2, [8, 8, 1], seed=SEED)
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model, lr=LR), epochs=epochs,
                     batch_size=batch_size, seed=SEED, progress=False)  # fmt: skip
    return 1000 * history.time[-1] / epochs


rows = "| mode | ms per epoch, collector on | collector off |\n|---|---|---|\n"
for name, batch_size in MODES.items():
    on = ms_per_epoch(batch_size)
    gc.disable()
    try:
        off = ms_per_epoch(batch_size)
    finally:
        gc.enable()
    rows += f"| {name} | {on:.1f} | {off:.1f} |\n"
display(Markdown(rows))

# %% [markdown]
# ## What the noise looks like
#
# Each update only sees its own batch. Left: the loss on the batch each update saw (for one
# example the hinge loss is often exactly 0: that example is already classified with margin).
# Right: the path of two weights of the output neuron through the updates, from the same start
# (the square) to where each mode ended (the dot).

# %%
SHOWN = 3  # epochs shown on the left
fig, (ax_noise, ax_path) = plt.subplots(1, 2, figsize=(12, 4.5))
for name, (history, steps, _) in runs.items():
    per_epoch = history.steps // history.epochs
    x = np.arange(1, history.steps + 1) / per_epoch
    n = SHOWN * per_epoch
    style = dict(marker=".", ls="none", ms=4) if per_epoch > 10 else dict(marker="o", ms=3)
    ax_noise.plot(x[:n], steps[1 : n + 1, 0], label=name, alpha=0.8, **style)
    ax_path.plot(steps[:, 1], steps[:, 2], lw=0.8, alpha=0.8, label=name)
    ax_path.plot(steps[-1, 1], steps[-1, 2], "o", color=ax_path.lines[-1].get_color())
ax_path.plot(steps[0, 1], steps[0, 2], "s", color="black", label="start")
ax_noise.set_xlabel("epoch")
ax_noise.set_title(f"the first {SHOWN} epochs")
ax_noise.set_ylabel("loss on the update's batch")
ax_noise.legend()
ax_path.set_xlabel("output neuron's w.0")
ax_path.set_ylabel("output neuron's w.1")
ax_path.legend()
ax_path.set_title("the path through weight space")
plt.tight_layout()
plt.show()

# %%
spread = {name: np.std(np.diff(steps[1:, 0])) for name, (_, steps, _) in runs.items()}
display(
    Markdown(
        "How much the batch loss jumps from one update to the next (standard deviation of the "
        "step-to-step change): "
        + ", ".join(f"{name} {value:.3g}" for name, value in spread.items())
        + "."
    )
)

# %% [markdown]
# A stochastic update follows one example's gradient, which can point well away from the
# full gradient, so its path wanders; the full batch follows the exact gradient in a smooth
# curve but takes one step per epoch. A mini-batch averages $k$ examples' gradients, which
# cuts the noise while keeping many updates per epoch. That trade, together with how well
# batches use vectorised hardware, is why mini-batches are the default in practice.
