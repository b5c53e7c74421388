"""Dense layer y = act(x @ W + b) and inverted dropout."""

import numpy as np

from ..activations import Activation
from ._base import Layer, Pointwise, dropout_rate, positive_int

_LINEAR, _TANH, _RELU, _SIGMOID, _OTHER = range(5)  # activation kinds of the training path


class Dense(Layer):
    """y = act(x @ W + b), with optional inverted dropout on y during training.

    x (n, fan_in) -> y (n, fan_out), or x (n, T, fan_in) -> y (n, T, fan_out), the same map at
    every position. Parameters W (fan_in, fan_out) and b (fan_out,)."""

    def __init__(self, fan_in: int, fan_out: int, activation: str = "linear",
                 dropout: float = 0.0):
        self.fan_in = positive_int("fan_in", fan_in)
        self.fan_out = positive_int("fan_out", fan_out)
        self._pw = Pointwise(activation)
        self.act: Activation = self._pw.act
        self._linear = activation == "linear"
        self._kind = {"linear": _LINEAR, "tanh": _TANH, "relu": _RELU,
                      "sigmoid": _SIGMOID}.get(activation, _OTHER)
        self.dropout = dropout_rate(dropout)
        self.W = self.b = self.gW = self.gb = None
        self._x = self._z = self._a = self._mask = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [(self.fan_in, self.fan_out), (self.fan_out,)]

    @property
    def z(self) -> np.ndarray | None:
        """The weighted sums x @ W + b of the last forward, (rows, fan_out) (positions of a
        sequence input as rows)."""
        return self._z

    @property
    def mask(self) -> np.ndarray | None:
        """The dropout mask of the last forward (entries 0 or 1 / (1 - dropout)), or None when
        it dropped nothing."""
        return self._mask

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        (self.W, self.b), (self.gW, self.gb) = self._bind(params, grads)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if x.ndim != 2:  # (n, T, d): the positions become rows
            y = self.forward(x.reshape(-1, x.shape[-1]), rng)
            return y.reshape(*x.shape[:-1], self.fan_out)
        z = x @ self.W
        z += self.b
        a = z if self._linear else self._pw.fn(z)
        self._x, self._z, self._a = x, z, a
        if rng is not None and self.dropout > 0.0:
            keep = 1.0 - self.dropout
            self._mask = (rng.random(a.shape) < keep) * (1.0 / keep)
            return a * self._mask
        self._mask = None
        return a

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if dy.ndim != 2:
            dx = self.backward(dy.reshape(-1, self.fan_out), need_dx)
            return None if dx is None else dx.reshape(*dy.shape[:-1], self.fan_in)
        if self._mask is not None:
            dy = dy * self._mask
        dz = dy if self._linear else self._pw.grad(dy, self._z, self._a)
        np.dot(self._x.T, dz, out=self.gW)
        np.add.reduce(dz, 0, out=self.gb)
        return dz @ self.W.T if need_dx else None


class Dropout(Layer):
    """Inverted dropout: during training (rng given) each entry is zeroed with probability
    `rate` and the rest scaled by 1 / (1 - rate); the identity when rng is None. Any shape."""

    def __init__(self, rate: float):
        self.rate = dropout_rate(rate)
        self._mask = None

    @property
    def mask(self) -> np.ndarray | None:
        """The mask of the last forward (entries 0 or 1 / (1 - rate)), or None."""
        return self._mask

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if rng is None or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        self._mask = (rng.random(x.shape) < keep) * (1.0 / keep)
        return x * self._mask

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if not need_dx:
            return None
        return dy if self._mask is None else dy * self._mask
