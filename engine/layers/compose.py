"""Layers made of layers: a residual connection and a pre-norm transformer block."""

import numpy as np

from ._base import Layer, dropout_rate, positive_int
from .attention import LayerNorm, MultiHeadAttention
from .dense import Dense, Dropout


class _Chain(Layer):
    """Layers applied in sequence; their parameters concatenated in that order."""

    def __init__(self, layers: list):
        if not layers:
            raise ValueError(f"{type(self).__name__} needs at least one layer")
        for layer in layers:
            if not all(hasattr(layer, m) for m in ("param_shapes", "bind", "forward",
                                                   "backward")):
                raise ValueError(f"{type(self).__name__}: {layer!r} is not a layer")
        self.layers = list(layers)

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [s for layer in self.layers for s in layer.param_shapes]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        params, grads = self._bind(params, grads)
        i = 0
        for layer in self.layers:
            j = i + len(layer.param_shapes)
            layer.bind(params[i:j], grads[i:j])
            i = j

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, rng)
        return x

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        layers = self.layers
        for layer in layers[:0:-1]:
            dy = layer.backward(dy, True)
        return layers[0].backward(dy, need_dx)


class Residual(_Chain):
    """x + f(x), f the given layers in sequence (its output has x's shape). Parameters: the
    layers', in order. `layers` lists them."""

    def __init__(self, *layers):
        super().__init__(list(layers))

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        fx = super().forward(x, rng)
        if fx.shape != x.shape:
            raise ValueError(f"Residual: the layers map {x.shape} to {fx.shape}; x + f(x) "
                             "needs the same shape")
        return x + fx

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        dfx = super().backward(dy, need_dx)
        return dy + dfx if need_dx else None


class TransformerBlock(_Chain):
    """A pre-norm transformer block on (n, T, dim):

        x = x + Dropout(MultiHeadAttention(LayerNorm(x)))
        y = x + Dropout(Dense(ff, dim)(Dense(dim, ff, "relu")(LayerNorm(x))))

    i.e. `layers` = [Residual(LayerNorm, MultiHeadAttention, Dropout),
    Residual(LayerNorm, Dense, Dense, Dropout)], parameters in that order (Dense's W is
    (fan_in, fan_out)). `mha` is the attention layer; `attention` its weights
    (n, heads, T, T) after a forward."""

    def __init__(self, dim: int, heads: int, ff: int, dropout: float = 0.0,
                 causal: bool = False):
        dim, ff, rate = positive_int("dim", dim), positive_int("ff", ff), dropout_rate(dropout)
        self.mha = MultiHeadAttention(dim, heads, causal)
        super().__init__([
            Residual(LayerNorm(dim), self.mha, Dropout(rate)),
            Residual(LayerNorm(dim), Dense(dim, ff, "relu"), Dense(ff, dim), Dropout(rate)),
        ])

    @property
    def attention(self) -> np.ndarray | None:
        return self.mha.attention
