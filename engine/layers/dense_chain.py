"""The training path through consecutive Dense layers: every array a step needs is bound ahead
per batch size, and every operation is one NumPy call writing into a buffer.

The numbers are those of Dense.forward and Dense.backward (the bias gradient to rounding: a
product with ones, faster than a sum). What the layers keep (x, z, a, mask) is set as their
own forward sets it, and like every result here it is valid until the next batch of as many
rows."""

import numpy as np

from ._base import _sigmoid_into
from .dense import _LINEAR, _RELU, _SIGMOID, _TANH

# Outputs passed by position: a little less overhead than out=.
dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
tanh, maximum, greater, less = np.tanh, np.maximum, np.greater, np.less


class DenseChain:
    """Dense layers applied in sequence for training: `forward(x, rng)`, then `backward(dy,
    need_dx)` for that batch. x (n, fan_in) -> (n, fan_out); other shapes go through the
    layers' own forward and backward."""

    def __init__(self, layers):
        self.layers = list(layers)
        self._plans: dict[int, tuple[list[tuple], list[tuple]]] = {}
        self._last: list[tuple] | None = None  # the backward plan of the last forward

    def _plan(self, n: int) -> tuple[list[tuple], list[tuple]]:
        """Buffers for n rows bound with what each step needs: forward, per layer in order,
        (layer, W, b, kind, z, a, dropped output, mask); backward, in reverse order, (layer,
        gW, gb, W.T, kind, a, dz, dx, masked dy, ones)."""
        if len(self._plans) >= 4:
            self._plans.clear()
        fwd, bwd = [], []
        for layer in self.layers:
            k, kind = layer.fan_out, layer._kind
            z = np.empty((n, k))
            a = z if kind == _LINEAR else np.empty((n, k))
            fwd.append((layer, layer.W, layer.b, kind, z, a, np.empty((n, k)), np.empty((n, k))))
            bwd.append((layer, layer.gW, layer.gb, layer.W.T, kind, a, np.empty((n, k)),
                        np.empty((n, layer.fan_in)), np.empty((n, k)), np.ones(n)))
        plan = self._plans[n] = (fwd, bwd[::-1])
        return plan

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if x.ndim != 2:
            self._last = None
            for layer in self.layers:
                x = layer.forward(x, rng)
            return x
        plan = self._plans.get(len(x)) or self._plan(len(x))
        self._last = plan[1]
        for layer, W, b, kind, z, a, dropped, mask in plan[0]:
            dot(x, W, z)
            add(z, b, z)
            if kind == _TANH:
                tanh(z, a)
            elif kind == _RELU:
                maximum(z, 0.0, out=a)
            elif kind == _SIGMOID:
                _sigmoid_into(z, a)
            elif kind != _LINEAR:
                a = layer._pw.fn(z)
            layer._x, layer._z, layer._a = x, z, a
            if rng is not None and layer.dropout > 0.0:
                keep = 1.0 - layer.dropout
                rng.random(out=mask)  # the draws of rng.random(a.shape)
                less(mask, keep, mask)
                multiply(mask, 1.0 / keep, mask)
                layer._mask = mask
                multiply(a, mask, dropped)
                x = dropped
            else:
                layer._mask = None
                x = a
        return x

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        plan = self._last
        if plan is None:
            for layer in reversed(self.layers[1:]):
                dy = layer.backward(dy)
            return self.layers[0].backward(dy, need_dx)
        first = plan[-1][0]
        for layer, gW, gb, WT, kind, a, dz, dx, masked, ones in plan:
            if layer._mask is not None:
                multiply(dy, layer._mask, masked)
                dy = masked
            if kind == _TANH:  # dy (1 - a^2)
                multiply(a, a, dz)
                subtract(1.0, dz, dz)
                multiply(dz, dy, dz)
            elif kind == _RELU:  # dy where a > 0 (a float mask multiplies faster)
                greater(a, 0.0, dz)
                multiply(dz, dy, dz)
            elif kind == _LINEAR:
                dz = dy
            elif kind == _SIGMOID:  # dy a (1 - a)
                subtract(1.0, a, dz)
                multiply(dz, a, dz)
                multiply(dz, dy, dz)
            else:
                dz = layer._pw.grad(dy, layer._z, layer._a)
            dot(layer._x.T, dz, gW)
            dot(ones, dz, gb)  # the column sums of dz
            if layer is first and not need_dx:
                return None
            dot(dz, WT, dx)
            dy = dx
        return dy
