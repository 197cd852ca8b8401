"""Notebook 10: handwritten digits at BLAS speed (built into 10_digits_at_blas_speed.ipynb)."""

# %% [markdown]
# # Handwritten digits at BLAS speed
#
# The layered network of the material: 64 inputs (8×8 pixels), hidden layers of 128 and 64
# ReLUs, 10 outputs, trained with softmax cross-entropy. Written with scalar Values, one
# forward pass of one image is about 17,000 multiplications, each a Python object: far too slow
# to train on 1,797 images. `fit(compile=True)` traces the per-image loss once and replays it
# over whole batches, and it finds the dot products in the trace, so a layer runs as one matrix
# product. This notebook shows what it finds, and trains the network.
#
# The images ship inside scikit-learn (`pip install -e ".[digits]"`): nothing is downloaded.

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

import nn
import viz
from autograd_core import compile

digits = load_digits()
X, y = digits.data / 16.0, digits.target  # pixels 0..16 -> 0..1, labels 0..9
X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, test_size=0.25, seed=0)
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels")

fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, image, label in zip(axes, X_train, y_train):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## What compile finds
#
# A small network first, so the printed program fits on screen. Each neuron's weighted sum
# `b + w0*x0 + w1*x1 + ...` is a chain of adds over products of a parameter and an input. The
# neurons of a layer read the same inputs, so a batch runs the layer as `W @ X`: one call to
# BLAS instead of a Python operation per product. The printed program keeps one line per node
# (it still reads as the chain rule) and says, after each layer's last sum, what runs instead.

# %%
small = nn.MLP(3, [4, 2], activation="relu", seed=0)
neuron = small.layers[0].neurons[0]
viz.draw_dot(neuron([0.1, 0.2, 0.3]))  # one neuron: relu(b + w0*x0 + w1*x1 + w2*x2)

# %% [markdown]
# Compile traces the loss once, finds those chains, and prints what runs in their place:

# %%
program = compile(lambda x, label: nn.cross_entropy(small(x), label), [0.1, 0.2, 0.3],
                  [1.0, 0.0])  # fmt: skip
print("\n".join(line for line in str(program).splitlines() if "matrix product" in line))

# %% [markdown]
# ## Training the layered network
#
# `fit(compile=True)` with Adam on batches of 64 images. Class labels go into the traced
# program as one-hot vectors, so one program serves every label. For comparison, one eager
# step (a graph of Values for 64 images) is timed too.

# %%
model = nn.MLP(64, [128, 64, 10], activation="relu", init="scaled", seed=0)
start = time.perf_counter()
history = nn.fit(
    model, X_train, y_train, loss="cross_entropy", optimizer=nn.Adam(model, lr=3e-3),
    epochs=12, batch_size=64, seed=0, compile=True, progress=False,
)  # fmt: skip
seconds = time.perf_counter() - start
test = nn.evaluate(model, X_test, y_test, loss="cross_entropy")

eager = nn.MLP(64, [128, 64, 10], activation="relu", init="scaled", seed=0)
start = time.perf_counter()
nn.fit(eager, X_train[:64], y_train[:64], loss="cross_entropy", epochs=1, progress=False)
eager_step = time.perf_counter() - start

print(
    f"{history.steps} steps in {seconds:.1f} s: {1000 * seconds / history.steps:.1f} ms a step "
    f"(with tracing and the pre-training check); one eager step: {1000 * eager_step:.0f} ms"
)
print(f"test accuracy {test.accuracy:.3f}")
assert test.accuracy > 0.9

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(history.loss)
left.set_xlabel("epoch")
left.set_ylabel("training loss (cross-entropy)")
right.plot(history.accuracy, label="training")
right.axhline(test.accuracy, color="gray", linestyle="--", label="test, after training")
right.set_xlabel("epoch")
right.set_ylabel("accuracy")
right.legend()
plt.show()

# %% [markdown]
# `examples/digits.py` trains the same network for 30 epochs (about 96% test accuracy) and
# prints the comparison with an eager step. The numbers are the engine's: compiled training
# equals eager training to rounding, except that BLAS adds each dot product in its own order.
