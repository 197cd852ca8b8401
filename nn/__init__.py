"""Neural networks on autograd_core Values: Neuron, Layer, MLP, losses, optimizers and fit().

Built only on autograd_core's public API. `nn.data` makes toy data sets (moons, circles, ...).
"""

from . import data
from .callbacks import Callback, TrainingRun
from .export import from_torch, to_onnx, to_torch
from .files import load
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import (
    LOSSES,
    LossSpec,
    bce,
    bce_with_logits,
    cross_entropy,
    get_loss,
    hinge,
    l2_penalty,
    mse,
    softmax_cross_entropy,
    squared_error,
)
from .module import Module, Outputs
from .optim import SGD, Adam, Optimizer
from .steps import ParameterVectors
from .train import Evaluation, History, evaluate, fit, predict

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "Callback",
    "Evaluation",
    "History",
    "Layer",
    "LossSpec",
    "Module",
    "Neuron",
    "Optimizer",
    "Outputs",
    "ParameterVectors",
    "TrainingRun",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "data",
    "evaluate",
    "fit",
    "from_torch",
    "get_loss",
    "hinge",
    "l2_penalty",
    "load",
    "mse",
    "predict",
    "softmax_cross_entropy",
    "squared_error",
    "to_onnx",
    "to_torch",
]
