"""Dense layer y = act(x @ W + b) and inverted dropout."""

import numpy as np

from ..activations import Activation
from ._base import Layer, Pointwise, _sigmoid_into, dropout_rate, positive_int

# NumPy calls of the training path, with `out` passed by position (a little faster).
dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
tanh, maximum, greater = np.tanh, np.maximum, np.greater
_LINEAR, _TANH, _RELU, _SIGMOID, _OTHER = range(5)


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
        self._bufs: dict[int, tuple] = {}  # _fit_forward's buffers, by number of rows

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

    def _buffers(self, n: int) -> tuple:
        """(z, a, dropped, mask, dz, dx, masked dy, ones) buffers for n rows."""
        if len(self._bufs) >= 4:
            self._bufs.clear()
        k = self.fan_out
        z = np.empty((n, k))
        a = z if self._kind in (_LINEAR, _OTHER) else np.empty((n, k))
        bufs = self._bufs[n] = (z, a, np.empty((n, k)), np.empty((n, k)), np.empty((n, k)),
                                np.empty((n, self.fan_in)), np.empty((n, k)), np.ones(n))
        return bufs

    def _fit_forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """`forward` for the training loop (x of 2 axes): the same numbers, written into
        buffers this layer reuses for every batch of the same size, so the result is valid
        until the next `_fit_forward` of as many rows. Pair it with `_fit_backward`."""
        if x.ndim != 2:
            return self.forward(x, rng)
        bufs = self._bufs.get(x.shape[0]) or self._buffers(x.shape[0])
        z, a = bufs[0], bufs[1]
        dot(x, self.W, z)
        add(z, self.b, z)
        kind = self._kind
        if kind == _TANH:
            tanh(z, a)
        elif kind == _RELU:
            maximum(z, 0.0, out=a)
        elif kind == _SIGMOID:
            _sigmoid_into(z, a)
        elif kind == _OTHER:
            a = self._pw.fn(z)
        self._x, self._z, self._a = x, z, a
        if rng is not None and self.dropout > 0.0:
            keep = 1.0 - self.dropout
            mask, dropped = bufs[3], bufs[2]
            rng.random(out=mask)  # the draws of rng.random(a.shape)
            np.less(mask, keep, mask)
            multiply(mask, 1.0 / keep, mask)
            self._mask = mask
            multiply(a, mask, dropped)
            return dropped
        self._mask = None
        return a

    def _fit_backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """`backward` after `_fit_forward`, its dz and dx in this layer's buffers."""
        bufs = self._bufs.get(dy.shape[0]) if dy.ndim == 2 else None
        if bufs is None or bufs[0] is not self._z:
            return self.backward(dy, need_dx)
        if self._mask is not None:
            multiply(dy, self._mask, bufs[6])
            dy = bufs[6]
        kind, dz = self._kind, bufs[4]
        if kind == _TANH:  # dy (1 - a^2)
            multiply(self._a, self._a, dz)
            subtract(1.0, dz, dz)
            multiply(dz, dy, dz)
        elif kind == _RELU:  # dy where a > 0, else 0
            greater(self._a, 0.0, dz)  # a float mask multiplies faster than a boolean one
            multiply(dz, dy, dz)
        elif kind == _LINEAR:
            dz = dy
        elif kind == _SIGMOID:  # dy a (1 - a)
            subtract(1.0, self._a, dz)
            multiply(dz, self._a, dz)
            multiply(dz, dy, dz)
        else:
            dz = self._pw.grad(dy, self._z, self._a)
        dot(self._x.T, dz, self.gW)
        dot(bufs[7], dz, self.gb)  # the column sums of dz, faster than add.reduce (rounding
        if not need_dx:  # may differ in the last bit)
            return None
        dx = bufs[5]
        dot(dz, self.W.T, dx)
        return dx

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
