"""Layers. Each one binds to views of the network's flat parameter and gradient buffers,
caches what its backward pass needs, and writes its gradients in place.

A layer has `param_shapes` (torch's order and layouts, Dense's W excepted: (fan_in, fan_out)),
`bind(params, grads)` (views of those shapes, same order), `forward(x, rng) -> y` (rng is None
outside training; dropout draws from it) and `backward(dy, need_dx) -> dx` (overwrites the
bound gradients; returns dL/dx, or None when need_dx is False). Everything is float64.
`LAYERS` maps each layer's name to its class.
"""

from .attention import (
    Embedding,
    LayerNorm,
    MultiHeadAttention,
    PositionEmbedding,
    SinusoidalPosition,
)
from .compose import Residual, TransformerBlock
from .conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from .dense import Dense, Dropout
from .recurrent import GRU, LSTM, RNN, LastStep

LAYERS: dict[str, type] = {
    cls.__name__: cls
    for cls in (Dense, Dropout, Conv2D, MaxPool2D, AvgPool2D, Flatten, RNN, GRU, LSTM,
                LastStep, Embedding, PositionEmbedding, SinusoidalPosition, LayerNorm,
                MultiHeadAttention, Residual, TransformerBlock)
}

__all__ = ["LAYERS", *LAYERS]
