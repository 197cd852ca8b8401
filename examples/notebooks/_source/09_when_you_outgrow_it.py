"""Notebook 9: handing a model to PyTorch and ONNX (built into 09_when_you_outgrow_it.ipynb)."""

# %% [markdown]
# # When you outgrow it: PyTorch, many processes and ONNX
#
# The scalar engine is for *seeing* backpropagation: every multiply is a node you can draw. That
# is also why it is slow, and why it has no GPU. When a model has to grow, or be deployed, hand
# it over instead of rewriting it:
#
# - `nn.to_torch(model)` gives a `torch.nn.Sequential` with the same weights, in float64;
# - `nn.from_torch(module)` brings a Sequential of Linear and Tanh / ReLU / Sigmoid layers back;
# - `nn.to_onnx(model, path)` writes an ONNX file that onnxruntime (and Netron) open.
#
# This notebook trains on two moons in the engine, moves to PyTorch halfway, keeps training
# there with the same optimizer, and checks that the loss curve carries on where it stopped.
# Then it shows what changes when one process is not enough: training on many at once.
# It needs the extras: `pip install -e ".[torch,onnx]"`.

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

import nn
import viz

X, y = nn.data.make_moons(100, noise=0.1, seed=1)
LR = 0.5  # plain SGD, full batch, in both engines
NN_EPOCHS, TORCH_EPOCHS = 60, 240

# %% [markdown]
# ## Part 1: training in the scalar engine
#
# A 2-8-8-1 tanh network with a raw score as output, the binary cross-entropy on that score
# (`bce_with_logits`), and full-batch gradient descent: one step per epoch on all 100 points.

# %%
model = nn.MLP(2, [8, 8, 1], seed=1)
start = time.perf_counter()
history = nn.fit(
    model,
    X,
    y,
    loss="bce_with_logits",
    optimizer=nn.SGD(model, lr=LR),
    epochs=NN_EPOCHS,
    batch_size=None,
    progress=False,
)
nn_seconds = time.perf_counter() - start
# history.loss[e] is the loss measured in epoch e, before that epoch's step. The loss after the
# last step is one more evaluation:
handover_loss = nn.evaluate(model, X, y, loss="bce_with_logits").loss
print(f"{NN_EPOCHS} steps in nn: loss {history.loss[0]:.4f} -> {handover_loss:.4f}")
print(f"{nn_seconds / NN_EPOCHS * 1000:.1f} ms per step, accuracy {history.accuracy[-1]:.0%}")

# %% [markdown]
# ## Part 2: the hand-over
#
# `nn.to_torch` builds a `torch.nn.Sequential`: one `Linear` per layer (row `j` of its weight
# holds neuron `j`'s weights `layers.k.neurons.j.w`), then the layer's activation. The
# parameters are float64 copies, so both models compute the same function.

# %%
tmodel = nn.to_torch(model)
print(tmodel)

Xt = torch.tensor(X)
yt = torch.tensor(y, dtype=torch.float64)
with torch.no_grad():
    torch_scores = tmodel(Xt).squeeze(1).numpy()
nn_scores = np.array(nn.predict(model, X))
print(f"the two models' scores differ by at most {np.abs(torch_scores - nn_scores).max():.1e}")

# A copy that stays in the scalar engine, to train side by side (from_torch reads it back).
twin = nn.from_torch(tmodel)

# %% [markdown]
# ## Part 3: training on in PyTorch
#
# The same loss written in torch (`binary_cross_entropy_with_logits`), the same optimizer
# (`torch.optim.SGD` without momentum, the same learning rate), the same full batch. Each loss
# is recorded before its step, as `fit` does.

# %%
optimizer = torch.optim.SGD(tmodel.parameters(), lr=LR)
torch_losses = []
start = time.perf_counter()
for _ in range(TORCH_EPOCHS):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(tmodel(Xt).squeeze(1), yt)
    loss.backward()
    optimizer.step()
    torch_losses.append(loss.item())
torch_seconds = time.perf_counter() - start
print(f"{TORCH_EPOCHS} steps in PyTorch: loss {torch_losses[0]:.4f} -> {torch_losses[-1]:.4f}")
print(f"{torch_seconds / TORCH_EPOCHS * 1000:.2f} ms per step")

# %% [markdown]
# Does PyTorch really carry on where the engine stopped? Its first loss is measured on the
# exported weights, so it should be the engine's loss after its last step. And the twin, trained
# on in the engine for a few more steps, should take the same steps as PyTorch.

# %%
CHECK = 20
twin_history = nn.fit(
    twin,
    X,
    y,
    loss="bce_with_logits",
    optimizer=nn.SGD(twin, lr=LR),
    epochs=CHECK,
    batch_size=None,
    progress=False,
)
first_gap = abs(torch_losses[0] - handover_loss)
twin_gap = np.abs(np.array(twin_history.loss) - np.array(torch_losses[:CHECK])).max()
display(
    Markdown(
        f"PyTorch's first loss is {torch_losses[0]:.15f}; the engine's loss after its last step "
        f"is {handover_loss:.15f}: they differ by {first_gap:.1e}. Over the next {CHECK} steps "
        f"the engine's twin and PyTorch differ by at most {twin_gap:.1e} in the loss: the same "
        f"steps, to rounding. A step took {nn_seconds / NN_EPOCHS * 1000:.1f} ms in the scalar "
        f"engine and {torch_seconds / TORCH_EPOCHS * 1000:.2f} ms in PyTorch (this run)."
    )
)

# %%
nn_epochs = np.arange(NN_EPOCHS)
torch_epochs = NN_EPOCHS + np.arange(TORCH_EPOCHS)
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(nn_epochs, history.loss, label="scalar engine (nn.fit)")
ax.plot(torch_epochs, torch_losses, label="PyTorch, after nn.to_torch")
ax.plot(torch_epochs[:CHECK], twin_history.loss, "k:", lw=2, label="engine twin, same steps")
ax.axvline(NN_EPOCHS - 0.5, color="gray", ls="--", lw=1)
ax.annotate("export", (NN_EPOCHS, max(history.loss)), ha="left", va="top", color="gray")
ax.set_xlabel("step (full batch)")
ax.set_ylabel("binary cross-entropy")
ax.set_yscale("log")
ax.legend()
plt.show()

# %% [markdown]
# ## Part 4: back into the engine, and out to ONNX
#
# `nn.from_torch` reads the trained Sequential back as an `nn.MLP`, so you can look inside it
# again: here one point's forward pass, one box per neuron.

# %%
back = nn.from_torch(tmodel)
score = back(X[0])
score.backward()
viz.draw_dot(score, collapse=4)

# %%
xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 60)
ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 60)
grid = np.array([[a, b] for b in ys for a in xs])
scores = np.array(nn.predict(back, grid)).reshape(len(ys), len(xs))

fig, ax = plt.subplots(figsize=(6, 5))
ax.contourf(xs, ys, scores > 0, levels=1, cmap="coolwarm", alpha=0.3)
ax.contour(xs, ys, scores, levels=[0], colors="black", linewidths=1)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="black", s=30)
ax.set_title(f"after {NN_EPOCHS} + {TORCH_EPOCHS} steps")
plt.show()

# %% [markdown]
# For deployment, `nn.to_onnx` writes the model as an ONNX graph: a `Gemm` per layer (its
# weight is named after the nn parameters, `layers.0.neurons.w`) and the activation, with a
# named input `x` of shape `(batch, 2)` and output `y`. It is float64 by default, so onnxruntime
# computes what the engine does; `dtype="float32"` suits runtimes without float64. Open the
# file in [Netron](https://netron.app) to see it drawn.

# %%
path = nn.to_onnx(back, Path(tempfile.mkdtemp()) / "two_moons.onnx")
session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
(onnx_scores,) = session.run(["y"], {"x": X})
with torch.no_grad():
    trained_scores = tmodel(Xt).numpy()
print(f"wrote {path.name}: {path.stat().st_size} bytes")
for node in session.get_inputs() + session.get_outputs():
    print(f"  {node.name}: {node.type} {node.shape}")
gap = np.abs(onnx_scores - trained_scores).max()
display(Markdown(f"onnxruntime's scores differ from PyTorch's by at most {gap:.1e}."))


# %% [markdown]
# ## Part 5: from one machine to many
#
# When one process is too slow, PyTorch trains on many at once, on one machine or several, with
# `DistributedDataParallel` (DDP). Every process holds a copy of the model and of the optimizer.
# Each global batch is cut into equal shards, one per process: process `r` of `N` takes every
# `N`-th sample from the `r`-th on. Each process runs the forward and backward pass on its shard
# only, which gives it the gradient of its shard's mean loss. Then an **all-reduce** sums the
# gradients over the processes and divides by `N`, and every process ends up with the same
# averaged gradient and takes the same step.
#
# Why is that the gradient of the whole batch? The batch's loss is the mean of the samples'
# losses, and the chain rule adds each sample's share into a parameter's gradient:
# `parent.grad += local * node.grad` once per path, as the engine showed. A sum can be split
# into parts, added up part by part on different machines, and added up again. The engine
# shows it on one global batch of 40 points: the gradient of its mean loss, and the mean of
# the gradients of two shards of 20, which is what the all-reduce gives each process.


# %%
def gradient(model, samples, targets):
    """The gradient of the mean loss over these samples, one number per parameter."""
    model.zero_grad()
    nn.bce_with_logits([model(x) for x in samples], list(targets)).backward()
    return np.array([p.grad for p in model.parameters()])


GLOBAL, PROCESSES = 40, 2
whole = gradient(back, X[:GLOBAL], y[:GLOBAL])
shards = [  # process r takes samples r, r + 2, r + 4, ... of the global batch
    gradient(back, X[r:GLOBAL:PROCESSES], y[r:GLOBAL:PROCESSES]) for r in range(PROCESSES)
]
all_reduced = sum(shards) / PROCESSES
shard_gap = np.abs(shards[0] - shards[1]).max()
reduce_gap = np.abs(all_reduced - whole).max()
display(
    Markdown(
        f"The {len(whole)} gradients of the two shards differ from each other by up to "
        f"{shard_gap:.2f} (each shard is a different sample of the moons), but their average "
        f"differs from the whole batch's gradient by at most {reduce_gap:.1e}: rounding."
    )
)

# %% [markdown]
# `examples/distributed.py` does this for real. It trains the model in the engine for a few
# epochs, exports it with `nn.to_torch` and trains on under DDP, every process reading its
# shards through PyTorch's `DistributedSampler` (all shuffle alike, from one seed, so the
# shards of a global batch are exactly its samples). Rank 0 brings the model back with
# `nn.from_torch` and saves it as an engine model file, which the engine loads and evaluates.
# `torchrun` starts the processes and tells each its rank (the `gloo` backend runs on CPUs,
# `nccl` on GPUs). On one machine, two processes:
#
# ```bash
# torchrun --nproc_per_node=2 examples/distributed.py
# ```
#
# On several machines, the same command on each one; `HOST:29500` is an address and a free port
# on one of them that all can reach, and `moons` names the job:
#
# ```bash
# torchrun --nnodes=2 --nproc_per_node=2 --rdzv-id=moons --rdzv-backend=c10d \
#     --rdzv-endpoint=HOST:29500 examples/distributed.py
# ```
#
# With the same global batch (`--batch-size` is the global one), two processes take the steps
# that one takes: `--compare` trains a one-process copy beside them and prints both losses and
# the largest difference in the weights, float64 rounding. The script also prints the engine's
# last loss and PyTorch's first, which agree to rounding: the curve carries on across the
# hand-over, and across the processes. Its test (`tests/examples/test_distributed.py`) launches
# it on two processes and checks all of this.
