"""nn models to and from PyTorch: a torch.nn.Sequential of Linear layers and activations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    "LazyLinear": "call the model on one input first, which makes it a Linear",
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
    nn.MLP does; the last one becomes its `output_activation`. Weights of any real float dtype
    are converted exactly (a float32 weight becomes the float64 of the same value). Anything
    else raises TypeError or ValueError naming the layer by index and type: another kind of
    layer, weights that hold no numbers yet (the meta device), complex, integer or sparse
    weights, a weight or bias whose shape is not the Linear's, sizes that do not chain, a
    weight that is not finite.
    """
    with optional_import("torch", "from_torch"):
        import torch
    stack = _Stack()
    for i, (name, child) in enumerate(_children(module)):
        kind = type(child).__name__
        where = f"layer {i} ({kind}{'' if name == str(i) else f' {name!r}'})"
        if type(child) is torch.nn.Linear:
            stack.add_linear(_read_linear(child, stack.nout(), where), where)
        elif kind in _FROM_TORCH and type(child) is getattr(torch.nn, kind):
            stack.add_activation(_FROM_TORCH[kind], where)
        else:
            hint = _HINTS.get(kind, "nn has dense layers with tanh, relu, sigmoid or none")
            raise TypeError(
                f"from_torch() cannot take {where}: it takes Linear, Tanh, ReLU, Sigmoid and "
                f"Identity layers ({hint})"
            )
    return stack.mlp()


def _children(module: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """The layers of a Sequential (named), or a single Linear as layer "0"."""
    import torch

    if type(module) is torch.nn.Linear:
        return [("0", module)]
    if type(module) is not torch.nn.Sequential:
        raise TypeError(
            "from_torch() takes a torch.nn.Sequential of Linear and Tanh/ReLU/Sigmoid/Identity "
            f"layers, or one torch.nn.Linear; got {type(module).__name__}"
        )
    children = list(module.named_children())
    if not children:
        raise ValueError("from_torch() got an empty Sequential: there is no layer to bring in")
    return children


Weights = tuple[list[list[float]], list[float]]


class _Stack:
    """The Linear layers read so far, in order, each with its activation (None until a later
    layer decides it) and the place that decided it, for the error messages."""

    def __init__(self) -> None:
        self.weights: list[Weights] = []
        self.acts: list[str | None] = []
        self.places: list[str] = []

    def nout(self) -> int | None:
        """The number of outputs of the last Linear (None before the first)."""
        return len(self.weights[-1][0]) if self.weights else None

    def add_linear(self, weights: Weights, where: str) -> None:
        if self.acts and self.acts[-1] is None:
            self.acts[-1], self.places[-1] = "linear", f"{where}, right after a Linear,"
        self.weights.append(weights)
        self.acts.append(None)
        self.places.append("")

    def add_activation(self, act: str, where: str) -> None:
        if not self.acts:
            raise ValueError(
                f"{where} comes before any Linear layer; nn applies an activation to a "
                "layer's weighted sums, so start with a Linear"
            )
        if self.acts[-1] is not None:
            raise ValueError(f"{where} follows another activation; an nn layer has one")
        self.acts[-1], self.places[-1] = act, where

    def mlp(self) -> MLP:
        """The nn.MLP of these layers; ValueError if its hidden layers' activations differ."""
        names = [act or "linear" for act in self.acts]
        for k in range(1, len(names) - 1):
            if names[k] != names[0]:
                raise ValueError(
                    f"{self.places[k]} makes hidden layer {k} {names[k]}, but hidden layer 0 is "
                    f"{names[0]}: an nn.MLP gives every hidden layer the same activation"
                )
        layers = [
            Dense(w, b, act, scope=f"layers.{k}", prefix=f"layers.{k}.neurons")
            for k, ((w, b), act) in enumerate(zip(self.weights, names))
        ]
        hidden = names[0] if len(layers) > 1 else "tanh"  # unused with one layer: MLP's default
        return build_mlp(layers, hidden, names[-1])


def _read_linear(linear: torch.nn.Linear, nin: int | None, where: str) -> Weights:
    """A Linear's weight rows and bias as float64 lists, after checking it fits an nn layer."""
    import torch

    if linear.bias is None:
        raise ValueError(
            f"{where} has no bias; every nn neuron has one: use Linear(..., bias=True) or "
            "add a zero bias"
        )
    nout, n = linear.out_features, linear.in_features
    if nout < 1 or n < 1:
        raise ValueError(f"{where} maps {n} inputs to {nout} outputs; an nn layer needs 1 or more")
    if nin is not None and n != nin:
        raise ValueError(f"{where} takes {n} inputs, but the layer before it gives {nin}")
    weight = _readable(linear, "weight", (nout, n), where)
    bias = _readable(linear, "bias", (nout,), where)
    if not (torch.isfinite(weight).all() and torch.isfinite(bias).all()):
        raise ValueError(f"{where} has a weight or bias that is not finite")
    # float32 (or float16) to float64 is exact: the nn weights hold the very same numbers.
    w = weight.to(device="cpu", dtype=torch.float64).tolist()
    b = bias.to(device="cpu", dtype=torch.float64).tolist()
    return w, b


def _readable(linear: torch.nn.Linear, what: str, shape: tuple[int, ...], where: str) -> Any:
    """The Linear's `what` (weight or bias), detached, if it holds real numbers of `shape`."""
    import torch

    tensor = getattr(linear, what)
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{where} has a {what} of type {type(tensor).__name__}, not a tensor")
    if tensor.is_meta:
        raise ValueError(
            f"{where} has its {what} on the meta device, which holds no numbers yet: give it "
            "values first (load a state_dict with assign=True, or to_empty(device='cpu') and "
            "initialise it)"
        )
    if tensor.layout != torch.strided:
        raise TypeError(f"{where} has a {tensor.layout} {what}: convert it with .to_dense()")
    if tensor.is_complex():
        raise TypeError(f"{where} has a {what} of {tensor.dtype}; nn's weights are real numbers")
    if not tensor.is_floating_point():
        raise TypeError(
            f"{where} has a {what} of {tensor.dtype}; nn takes floating point weights "
            "(convert with .double())"
        )
    if tuple(tensor.shape) != shape:
        raise ValueError(
            f"{where} has a {what} of shape {tuple(tensor.shape)}, but a "
            f"Linear({linear.in_features}, {linear.out_features}) needs {shape}"
        )
    return tensor.detach()
