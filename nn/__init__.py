"""Neural networks on autograd_core Values: Neuron, Layer, MLP, losses, optimizers and fit().

Built only on autograd_core's public API. `nn.data` makes toy data sets (moons, circles, ...).
"""

from . import data
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import (
    LOSSES,
    LossSpec,
    bce,
    bce_with_logits,
    get_loss,
    hinge,
    l2_penalty,
    mse,
    softmax_cross_entropy,
    squared_error,
)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .train import Evaluation, History, evaluate, fit, predict

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "Evaluation",
    "History",
    "Layer",
    "LossSpec",
    "Module",
    "Neuron",
    "Optimizer",
    "bce",
    "bce_with_logits",
    "data",
    "evaluate",
    "fit",
    "get_loss",
    "hinge",
    "l2_penalty",
    "mse",
    "predict",
    "softmax_cross_entropy",
    "squared_error",
]
