"""The one shape every export goes through: a stack of dense layers, `act(W @ x + b)`.

`dense_layers(model)` reads it from an nn.MLP, Layer or Neuron (through their attributes:
`layers`, `neurons`, `w`, `b`, `activation`); `build_mlp` makes an nn.MLP from one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..layers import MLP, Layer, Neuron
from ..module import Module

T = TypeVar("T")


@dataclass(frozen=True)
class Dense:
    """One layer: `weight[j][i]` is neuron j's weight on input i; `activation` an nn name."""

    weight: list[list[float]]
    bias: list[float]
    activation: str
    scope: str  # the layer's nn name: "layers.0" in an MLP, "" for a Layer or a Neuron
    prefix: str  # its neurons' parameter prefix: "layers.0.neurons", "neurons", or "" (Neuron)

    @property
    def nin(self) -> int:
        return len(self.weight[0])

    @property
    def nout(self) -> int:
        return len(self.weight)


def dense_layers(model: object, who: str) -> list[Dense]:
    """The layers of an nn.MLP, nn.Layer or nn.Neuron, in order; TypeError for anything else.

    Only these classes themselves are taken: a subclass may compute something else.
    """
    kind = type(model)
    if kind is MLP:
        assert isinstance(model, MLP)
        return [
            _layer(layer, f"layers.{k}", f"layers.{k}.neurons")
            for k, layer in enumerate(model.layers)
        ]
    if kind is Layer:
        assert isinstance(model, Layer)
        return [_layer(model, "", "neurons")]
    if kind is Neuron:
        assert isinstance(model, Neuron)
        return [_dense([model], "", "")]
    what = kind.__name__
    if isinstance(model, (MLP, Layer, Neuron)):
        what += f" (a subclass of {kind.__mro__[1].__name__}, whose forward may differ)"
    elif isinstance(model, Module):
        what += " (a custom nn.Module)"
    raise TypeError(
        f"{who}() exports nn.MLP, nn.Layer and nn.Neuron; it cannot export {what}. "
        "Write its PyTorch counterpart by hand and copy the weights from state_dict()."
    )


def _layer(layer: Layer, scope: str, prefix: str) -> Dense:
    return _dense(list(layer.neurons), scope, prefix)


def _dense(neurons: list[Neuron], scope: str, prefix: str) -> Dense:
    activations = {n.activation for n in neurons}
    if len(activations) != 1:
        raise ValueError(
            f"the neurons of layer {scope or 'layer'!r} use different activations "
            f"({', '.join(sorted(activations))}); an exported layer has one"
        )
    return Dense(
        weight=[[float(w.data) for w in n.w] for n in neurons],
        bias=[float(n.b.data) for n in neurons],
        activation=activations.pop(),
        scope=scope,
        prefix=prefix,
    )


def build_mlp(layers: list[Dense], activation: str, output_activation: str) -> MLP:
    """An nn.MLP with these sizes, activations and weights (each weight set exactly)."""
    model = MLP(
        layers[0].nin,
        [layer.nout for layer in layers],
        activation=activation,
        output_activation=output_activation,
        seed=0,  # the weights are overwritten: take no fresh randomness from the system
    )
    for dense, layer in zip(layers, model.layers):
        for row, bias, neuron in zip(dense.weight, dense.bias, layer.neurons):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model


def activation(table: Mapping[str, T], layer: Dense, target: str) -> T:
    """`table[layer.activation]`, or a ValueError saying that `target` has no such activation."""
    if layer.activation not in table:
        raise ValueError(
            f"{layer.scope or 'the model'} uses activation {layer.activation!r}, which has no "
            f"{target} counterpart here (it has {', '.join(table)})"
        )
    return table[layer.activation]
