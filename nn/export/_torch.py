"""nn models to and from PyTorch: a torch.nn.Sequential of Linear layers and activations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..layers import MLP
from ..module import Module
from ._dense import Dense, activation, build_mlp, dense_layers
from ._optional import optional_import

if TYPE_CHECKING:
    import torch

# nn activation name <-> torch.nn class name ("linear" adds no module, or an Identity).
TORCH_ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "linear": "Identity"}
_FROM_TORCH = {cls: act for act, cls in TORCH_ACTIVATIONS.items()}
_HINTS = {
    "Dropout": "Dropout does nothing when evaluating: leave it out of the Sequential",
    "Sequential": "flatten nested Sequentials into one",
    "Flatten": "give the model flat input vectors and leave Flatten out",
}


def to_torch(model: Module) -> torch.nn.Sequential:
    """A float64 `torch.nn.Sequential` computing what `model` (an nn.MLP, Layer or Neuron) does.

    >>> import torch  # doctest: +SKIP
    >>> torch_model = nn.to_torch(nn.MLP(2, [3, 1], seed=0))  # doctest: +SKIP
    >>> torch_model  # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)  # doctest: +SKIP
    >>> round(torch_model(x).item(), 4)  # doctest: +SKIP
    0.4627

    `nn.MLP(2, [16, 1])` becomes `Sequential(Linear(2, 16), Tanh(), Linear(16, 1))`: one Linear
    per layer (neuron j's weights are row j of its `weight`), then the layer's activation
    (none for "linear"). Outputs have shape `(batch, nout)`, also for a Neuron. The weights are
    copies: training one model leaves the other alone. Use `.float()` for float32.
    """
    layers = dense_layers(model, "to_torch")
    with optional_import("torch", "to_torch"):
        import torch
    modules: list[torch.nn.Module] = []
    for layer in layers:
        # Made on the "meta" device, so no random initialisation runs and torch's global RNG
        # is left as it was; then given real storage and our weights.
        linear = torch.nn.Linear(layer.nin, layer.nout, device="meta", dtype=torch.float64)
        linear = linear.to_empty(device="cpu")
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, activation(TORCH_ACTIVATIONS, layer, "PyTorch"))())
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Module) -> MLP:
    """An nn.MLP computing what a PyTorch `Sequential` (or a single `Linear`) computes.

    >>> import torch  # doctest: +SKIP
    >>> layers = [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)]  # doctest: +SKIP
    >>> nn.from_torch(torch.nn.Sequential(*layers))  # doctest: +SKIP
    MLP(2 -> 3 -> 1, 13 parameters)
      layers.0: Layer(2 -> 3, relu)
      layers.1: Layer(3 -> 1, linear)

    The Sequential must be Linear layers, each followed by at most one of Tanh, ReLU, Sigmoid or
    Identity (none means linear), with every hidden layer using the same activation, as an
    nn.MLP does; the last one becomes its `output_activation`. Weights of any float dtype are
    converted exactly (a float32 weight becomes the float64 of the same value). Anything else
    raises TypeError or ValueError naming the layer by index and type.
    """
    with optional_import("torch", "from_torch"):
        import torch
    children: list[tuple[str, torch.nn.Module]]
    if type(module) is torch.nn.Linear:
        children = [("0", module)]
    elif type(module) is torch.nn.Sequential:
        children = list(module.named_children())
    else:
        raise TypeError(
            "from_torch() takes a torch.nn.Sequential of Linear and Tanh/ReLU/Sigmoid/Identity "
            f"layers, or one torch.nn.Linear; got {type(module).__name__}"
        )
    if not children:
        raise ValueError("from_torch() got an empty Sequential: there is no layer to bring in")

    weights: list[tuple[list[list[float]], list[float]]] = []
    acts: list[str | None] = []  # each Linear's activation; None until a layer decides it
    places: list[str] = []  # where each one was decided, for the error messages
    for i, (name, child) in enumerate(children):
        kind = type(child).__name__
        where = f"layer {i} ({kind}{'' if name == str(i) else f' {name!r}'})"
        if type(child) is torch.nn.Linear:
            if acts and acts[-1] is None:
                acts[-1], places[-1] = "linear", f"{where}, right after a Linear,"
            weights.append(_weights(child, len(weights[-1][0]) if weights else None, where))
            acts.append(None)
            places.append("")
        elif kind in _FROM_TORCH and type(child) is getattr(torch.nn, kind):
            if not acts:
                raise ValueError(
                    f"{where} comes before any Linear layer; nn applies an activation to a "
                    "layer's weighted sums, so start with a Linear"
                )
            if acts[-1] is not None:
                raise ValueError(f"{where} follows another activation; an nn layer has one")
            acts[-1], places[-1] = _FROM_TORCH[kind], where
        else:
            hint = _HINTS.get(kind, "nn has dense layers with tanh, relu, sigmoid or none")
            raise TypeError(
                f"from_torch() cannot take {where}: it takes Linear, Tanh, ReLU, Sigmoid and "
                f"Identity layers ({hint})"
            )

    names = [act or "linear" for act in acts]
    for k in range(1, len(names) - 1):
        if names[k] != names[0]:
            raise ValueError(
                f"{places[k]} makes hidden layer {k} {names[k]}, but hidden layer 0 is "
                f"{names[0]}: an nn.MLP gives every hidden layer the same activation"
            )
    layers = [
        Dense(w, b, act, scope=f"layers.{k}", prefix=f"layers.{k}.neurons")
        for k, ((w, b), act) in enumerate(zip(weights, names))
    ]
    hidden = names[0] if len(layers) > 1 else "tanh"  # unused with one layer: MLP's default
    return build_mlp(layers, hidden, names[-1])


def _weights(
    linear: torch.nn.Linear, nin: int | None, where: str
) -> tuple[list[list[float]], list[float]]:
    """A Linear's weight rows and bias as float64 lists, after checking it fits an nn layer."""
    import torch

    if linear.bias is None:
        raise ValueError(
            f"{where} has no bias; every nn neuron has one: use Linear(..., bias=True) or "
            "add a zero bias"
        )
    if nin is not None and linear.in_features != nin:
        raise ValueError(
            f"{where} takes {linear.in_features} inputs, but the layer before it gives {nin}"
        )
    weight, bias = linear.weight.detach(), linear.bias.detach()
    if not (weight.is_floating_point() and bias.is_floating_point()):
        raise TypeError(f"{where} has {weight.dtype} weights; nn takes real floating point ones")
    if not (torch.isfinite(weight).all() and torch.isfinite(bias).all()):
        raise ValueError(f"{where} has a weight or bias that is not finite")
    # float32 (or float16) to float64 is exact: the nn weights hold the very same numbers.
    w = weight.to(device="cpu", dtype=torch.float64).tolist()
    b = bias.to(device="cpu", dtype=torch.float64).tolist()
    return w, b
