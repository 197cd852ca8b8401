"""nn models to ONNX, built node by node with onnx.helper: Gemm, then Tanh / Relu / Sigmoid."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._checks import file_path
from ..module import Module
from ._dense import Dense, activation, dense_layers
from ._optional import optional_import

if TYPE_CHECKING:
    import onnx

ONNX_OPSET = 17  # onnxruntime >= 1.13 runs it; Gemm, Tanh, Relu, Sigmoid last changed by 14
ONNX_IR_VERSION = 8  # the IR version that goes with opset 17
ONNX_ACTIVATIONS = {"tanh": "Tanh", "relu": "Relu", "sigmoid": "Sigmoid", "linear": None}
DTYPES = ("float64", "float32")


def to_onnx(model: Module, path: str | os.PathLike[str], *, dtype: str = "float64") -> Path:
    """Write `model` (an nn.MLP, Layer or Neuron) as an ONNX file and return its path.

    >>> path = nn.to_onnx(nn.MLP(2, [3, 1], seed=0), "model.onnx")  # doctest: +SKIP
    >>> from onnxruntime import InferenceSession  # doctest: +SKIP
    >>> session = InferenceSession("model.onnx")  # doctest: +SKIP
    >>> y = session.run(None, {"x": np.array([[1.0, -2.0]])})[0]  # doctest: +SKIP
    >>> y.shape, round(float(y[0, 0]), 4)  # doctest: +SKIP
    ((1, 1), 0.4627)

    The input `x` has shape `(batch, nin)`, the output `y` shape `(batch, nout)`; the batch
    dimension is dynamic.

    Each layer is a `Gemm` (weights `layers.0.neurons.w`, `[j, i]` being the nn parameter
    `layers.0.neurons.j.w.i`, and bias `layers.0.neurons.b`) and its activation node, with the
    opset `ONNX_OPSET`. `dtype="float64"` (the default) keeps nn's numbers: onnxruntime then
    matches nn within 1e-12 (about 1e-15 in practice). `dtype="float32"` rounds the weights to
    float32, which more runtimes accept, and agrees with nn to about 1e-6 for a small net. The
    model is checked with `onnx.checker` before it is written.
    """
    layers = dense_layers(model, "to_onnx")
    shown = file_path(path, "to_onnx() needs a file path (str or Path)")
    if dtype not in DTYPES:
        raise ValueError(f"to_onnx() writes dtype 'float64' or 'float32', got {dtype!r}")
    with optional_import("onnx", "to_onnx"):
        import onnx
    proto = _model(layers, dtype, doc=repr(model))
    onnx.checker.check_model(proto, full_check=True)
    onnx.save_model(proto, shown)
    return Path(shown)


def _model(layers: list[Dense], dtype: str, doc: str) -> onnx.ModelProto:
    import onnx
    from onnx import helper

    elem = onnx.TensorProto.DOUBLE if dtype == "float64" else onnx.TensorProto.FLOAT
    nodes, initializers = [], []
    x = "x"
    for k, layer in enumerate(layers):
        last = k == len(layers) - 1
        scope = layer.scope or "layer"
        act = activation(ONNX_ACTIVATIONS, layer, "ONNX")
        weight, bias = _names(layer)
        initializers.append(_tensor(layer.weight, dtype, weight, _weight_doc(layer)))
        initializers.append(_tensor(layer.bias, dtype, bias, _bias_doc(layer)))
        z = "y" if last and act is None else f"{scope}.sum"
        nodes.append(helper.make_node("Gemm", [x, weight, bias], [z], name=scope, transB=1))
        x = z
        if act is not None:
            out = "y" if last else f"{scope}.{act.lower()}"
            nodes.append(helper.make_node(act, [z], [out], name=f"{scope}.{act.lower()}"))
            x = out
    graph = helper.make_graph(
        nodes,
        "nn",
        [helper.make_tensor_value_info("x", elem, ["batch", layers[0].nin])],
        [helper.make_tensor_value_info("y", elem, ["batch", layers[-1].nout])],
        initializers,
        doc_string=doc,
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        ir_version=ONNX_IR_VERSION,
        producer_name="autograd-core",
        doc_string="exported by nn.to_onnx",
    )


def _names(layer: Dense) -> tuple[str, str]:
    """The initializers' names: the nn parameter names with the neuron index left out."""
    dot = f"{layer.prefix}." if layer.prefix else ""
    return f"{dot}w", f"{dot}b"


def _weight_doc(layer: Dense) -> str:
    if not layer.prefix:
        return "[0, i] is the nn parameter w.i"
    return f"[j, i] is the nn parameter {layer.prefix}.j.w.i"


def _bias_doc(layer: Dense) -> str:
    return f"[j] is the nn parameter {layer.prefix}.j.b" if layer.prefix else "the nn parameter b"


def _tensor(
    values: list[float] | list[list[float]], dtype: str, name: str, doc: str
) -> onnx.TensorProto:
    from onnx import numpy_helper

    tensor = numpy_helper.from_array(np.array(values, dtype=dtype), name=name)
    tensor.doc_string = doc
    return tensor
