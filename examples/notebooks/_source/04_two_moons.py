"""Notebook 4: training on two moons (built into 04_two_moons.ipynb)."""

# %% [markdown]
# # Training an MLP on two moons
#
# Two interleaving half circles of points, one class each: no straight line separates them, so
# a single neuron cannot, but a small multi-layer perceptron can. This notebook trains one with
# `nn.fit` and watches it learn, live, with `viz.TrainingView`: the decision boundary, the loss
# and accuracy per epoch, and what happens inside the layers.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, Markdown, display

import nn
import viz

X, y = nn.data.make_moons(100, noise=0.1, seed=1)
X_test, y_test = nn.data.make_moons(100, noise=0.1, seed=2)
# The hinge loss wants labels -1 and +1.
y_pm, y_test_pm = 2 * y - 1, 2 * y_test - 1
print(f"{len(X)} training points, {len(X_test)} test points, labels {sorted(set(y_pm.tolist()))}")

# %% [markdown]
# ## The model
#
# Two inputs (the point's coordinates), two hidden layers of tanh neurons and one linear output:
# a score whose sign is the predicted class.

# %%
model = nn.MLP(2, [8, 8, 1], seed=1)
print(model)

# %% [markdown]
# One point's forward pass through it, drawn with each neuron collapsed to a single box
# (`collapse=4` collapses the scopes `layers.i.neurons.j`, four parts deep). Every box hides
# the neuron's weights, bias, weighted sum and activation.

# %%
score = model(X[0])
score.backward()
viz.draw_dot(score, collapse=4)

# %% [markdown]
# ## Training, watched
#
# The loss is the hinge (max-margin) loss, $\max(0, 1 - y \cdot \text{score})$, averaged over
# the batch, plus a small L2 penalty on the weights. Small mini-batches and the Adam
# optimizer; `fit` also evaluates the test set after every epoch.
#
# `viz.TrainingView` is a callback of `fit`: displayed in Jupyter, it redraws as the epochs go
# by. Left, the decision boundary (the model evaluated on a 40 × 40 grid) with the training
# points; middle, the loss and accuracy on the training and test sets (on a linear scale: the
# hinge loss can reach exactly 0); right, each layer's gradient norm, its share of dead ReLUs
# (none here: tanh) and the weights as heatmaps (a row per neuron, the bias last). Its buttons
# pause training, run one epoch at a time, resume or stop; clicking the boundary plot adds a
# point of the chosen class, and training goes on with it.

# %%
EPOCHS = 60
view = viz.TrainingView(model, X, y_pm, title="two moons")
display(view)

# %%
start = time.perf_counter()
history = nn.fit(
    model,
    X,
    y_pm,
    loss="hinge",
    optimizer=nn.Adam(model, lr=0.05),
    epochs=EPOCHS,
    batch_size=10,
    l2=1e-4,
    seed=0,
    progress=False,
    validation=(X_test, y_test_pm),
    callbacks=[view],
)
seconds = time.perf_counter() - start
print(f"{EPOCHS} epochs, {history.steps} optimizer steps, {seconds:.1f} s")
print(f"final training loss {history.loss[-1]:.4f}, training accuracy {history.accuracy[-1]:.0%}")
print(f"test accuracy {history.val_accuracy[-1]:.0%}")

# %% [markdown]
# The view also replays the run anywhere: `view.save("two_moons.html")` writes one page (no
# server, no network: open it from disk) with a scrubber and a play button over the recorded
# epochs; `.gif` writes an animation, one frame per recorded epoch; `.png` the final state,
# shown here so that the picture survives where widgets do not (a static copy of the notebook).

# %%
view.save("two_moons.html")
view.save("two_moons.gif")
Image(filename=str(view.save("two_moons.png")))

# %%
best_train = max(history.accuracy)
first = history.accuracy.index(best_train) + 1
display(
    Markdown(
        f"Training accuracy first reached its best, {best_train:.0%}, at epoch {first} "
        f"of {EPOCHS}; the test accuracy at the end is {history.val_accuracy[-1]:.0%}."
    )
)

# %% [markdown]
# The same curves with matplotlib, from `history`. The loss axis is linear: wherever every
# training point is classified with margin the hinge loss is exactly 0, which a logarithmic
# axis cannot draw (the curve would plunge off the plot).

# %%
epochs = np.arange(1, history.epochs + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
ax_loss.plot(epochs, history.loss, label="training")
ax_loss.plot(epochs, history.val_loss, label="test")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("hinge loss")
ax_loss.set_ylim(bottom=0)
ax_loss.legend()
ax_acc.plot(epochs, history.accuracy, label="training")
ax_acc.plot(epochs, history.val_accuracy, label="test")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The decision boundary and the test set
#
# The view draws the training points. To see the test points against the same boundary,
# evaluate the trained model on a grid of points (under `no_grad`, inside `nn.predict`, so no
# graph is built) and colour each by the sign of its score.

# %%
xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 50)
ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 50)
grid = np.array([[a, b] for b in ys for a in xs])
scores = np.array(nn.predict(model, grid)).reshape(len(ys), len(xs))

fig, ax = plt.subplots(figsize=(6, 5))
ax.contourf(xs, ys, scores > 0, levels=1, cmap="coolwarm", alpha=0.3)
ax.contour(xs, ys, scores, levels=[0], colors="black", linewidths=1)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="black", s=30, label="training")
ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="coolwarm", marker="x", s=25, label="test")
ax.legend(loc="lower left")
ax.set_title("decision boundary (score = 0)")
plt.show()
