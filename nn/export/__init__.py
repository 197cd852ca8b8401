"""Hand a trained nn model over to the systems that scale: PyTorch and ONNX.

    torch_model = nn.to_torch(model)      # torch.nn.Sequential of Linear + Tanh/ReLU/Sigmoid
    model = nn.from_torch(torch_model)    # back to an nn.MLP, same outputs
    nn.to_onnx(model, "model.onnx")       # for onnxruntime, Netron and deployment

torch, onnx and onnxruntime are optional (`pip install "autograd-core[torch]"`, `[onnx]`) and
are imported only when one of these functions runs.
"""

from ._onnx import ONNX_OPSET, to_onnx
from ._torch import from_torch, to_torch

__all__ = ["ONNX_OPSET", "from_torch", "to_onnx", "to_torch"]
