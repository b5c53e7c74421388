"""Dense layer: y = act(x @ W + b)."""

import numpy as np

from ..activations import Activation, get_activation


class Dense:
    """y = act(x @ W + b), with optional inverted dropout on y during training."""

    def __init__(self, fan_in: int, fan_out: int, activation: str = "linear",
                 dropout: float = 0.0):
        self.fan_in, self.fan_out = fan_in, fan_out
        self.act: Activation = get_activation(activation)
        self._linear = activation == "linear"
        self.dropout = dropout
        self.W = self.b = self.gW = self.gb = None
        self._x = self._z = self._a = self._mask = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [(self.fan_in, self.fan_out), (self.fan_out,)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.W, self.b = params
        self.gW, self.gb = grads

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        z = x @ self.W
        z += self.b
        a = z if self._linear else self.act.fn(z)
        self._x, self._z, self._a = x, z, a
        if rng is not None and self.dropout > 0.0:
            keep = 1.0 - self.dropout
            self._mask = (rng.random(a.shape) < keep) * (1.0 / keep)
            return a * self._mask
        self._mask = None
        return a

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self._mask is not None:
            dy = dy * self._mask
        dz = dy if self._linear else dy * self.act.deriv(self._z, self._a)
        np.dot(self._x.T, dz, out=self.gW)
        np.add.reduce(dz, 0, out=self.gb)
        return dz @ self.W.T if need_dx else None
