"""The training path through consecutive Dense layers: every array a step needs is bound ahead
per batch size, and every operation is one NumPy call writing into a buffer.

Each layer's W and b are one (fan_in + 1, fan_out) block [W; b] of the model's flat buffer
(engine.model), and every layer's input is held with a trailing column of ones, so one matrix
product gives x @ W + b, and one gives the gradients of W and b together. The numbers are
those of Dense.forward and Dense.backward to rounding. What the layers keep (x, z, a, mask)
is set as their own forward sets it (views of the buffers), and like every result here it is
valid until the next batch of as many rows."""

import numpy as np

from ._base import _sigmoid_into
from .dense import _LINEAR, _RELU, _SIGMOID, _TANH

# Outputs passed by position: a little less overhead than out=.
dot, subtract, multiply, copyto = np.dot, np.subtract, np.multiply, np.copyto
tanh, maximum, greater, less = np.tanh, np.maximum, np.greater, np.less


def _with_ones(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """An (n, k + 1) buffer whose last column is ones, and the view of its first k columns."""
    b = np.ones((n, k + 1))
    return b, b[:, :-1]


class DenseChain:
    """Dense layers applied in sequence for training: `forward(x, rng)`, then `backward(dy,
    need_dx)` for that batch. x (n, fan_in) -> (n, fan_out); other shapes go through the
    layers' own forward and backward. `blocks` gives each layer's [W; b] block and that of its
    gradient, (fan_in + 1, fan_out) views of the model's flat buffers. `forward(x1, rng,
    ones=True)` takes x1 (n, fan_in + 1) whose last column is ones (see `Model.fit_inputs`):
    a copy less."""

    def __init__(self, layers, blocks):
        self.layers = list(layers)
        self.blocks = list(blocks)
        self.fan_in = self.layers[0].fan_in
        self._plans: dict[int, tuple] = {}
        self._last: list[tuple] | None = None  # the backward plan of the last forward
        self._x1: np.ndarray | None = None  # the first input with ones of the last forward

    def _plan(self, n: int) -> tuple:
        """Buffers for n rows bound with what each step needs: the first input's buffer with
        ones and its view; forward, per layer in order, (layer, [W; b], kind, z, a without
        dropout, a with dropout, the output with ones (None for the last layer), the output
        without dropout (None: a itself), the output with dropout, mask); backward, in
        reverse order, (layer, [gW; gb], W.T, kind, dz, dx, masked dy, input with ones (None
        for the first layer: the one of the last forward))."""
        if len(self._plans) >= 4:
            self._plans.clear()
        x1, xv = _with_ones(n, self.fan_in)
        fwd, bwd, last = [], [], len(self.layers) - 1
        inp = None
        for i, (layer, (wb, gwb)) in enumerate(zip(self.layers, self.blocks, strict=True)):
            k, kind = layer.fan_out, layer._kind
            z = np.empty((n, k))
            if i < last:  # the next layer reads the output with a column of ones
                out1, outv = _with_ones(n, k)
                keep = dropped = outv
                direct = z if kind == _LINEAR else outv
            else:
                out1, keep, dropped = None, None, np.empty((n, k))
                direct = z if kind == _LINEAR else np.empty((n, k))
            apart = z if kind == _LINEAR else np.empty((n, k))  # a, when dropout follows
            fwd.append((layer, wb, kind, z, direct, apart, out1, keep, dropped,
                        np.empty((n, k))))
            bwd.append((layer, gwb, layer.W.T, kind, np.empty((n, k)),
                        np.empty((n, layer.fan_in)), np.empty((n, k)), inp))
            inp = out1
        plan = self._plans[n] = (x1, xv, fwd, bwd[::-1])
        return plan

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None,
                ones: bool = False) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.fan_in + ones:
            if ones:
                x = x[:, :-1]
            self._last = None
            for layer in self.layers:
                x = layer.forward(x, rng)
            return x
        x1, xv, fwd, bwd = self._plans.get(len(x)) or self._plan(len(x))
        self._last = bwd
        if ones:
            x1, xv = x, x[:, :-1]
        else:
            copyto(xv, x)
            xv = x
        self._x1 = x1
        for layer, wb, kind, z, direct, apart, out1, keep, dropped, mask in fwd:
            layer._x = xv
            dot(x1, wb, z)
            drop = rng is not None and layer.dropout > 0.0
            a = apart if drop else direct
            if kind == _TANH:
                tanh(z, a)
            elif kind == _RELU:
                maximum(z, 0.0, out=a)
            elif kind == _SIGMOID:
                _sigmoid_into(z, a)
            elif kind != _LINEAR:
                a = layer._pw.fn(z)
            layer._z, layer._a = z, a
            if drop:
                keep_p = 1.0 - layer.dropout
                rng.random(out=mask)  # the draws of rng.random(a.shape)
                less(mask, keep_p, mask)
                multiply(mask, 1.0 / keep_p, mask)
                layer._mask = mask
                multiply(a, mask, dropped)
                xv = dropped
            else:
                layer._mask = None
                if keep is None:
                    xv = a
                else:
                    if a is not keep:
                        copyto(keep, a)
                    xv = keep
            x1 = out1
        return xv

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        plan = self._last
        if plan is None:
            for layer in reversed(self.layers[1:]):
                dy = layer.backward(dy)
            return self.layers[0].backward(dy, need_dx)
        first = plan[-1][0]
        for layer, gwb, WT, kind, dz, dx, masked, x1 in plan:
            if layer._mask is not None:
                multiply(dy, layer._mask, masked)
                dy = masked
            a = layer._a
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
                dz = layer._pw.grad(dy, layer._z, a)
            if x1 is None:
                x1 = self._x1
            dot(x1.T, dz, gwb)  # [gW; gb]: the column of ones sums dz
            if layer is first and not need_dx:
                return None
            dot(dz, WT, dx)
            dy = dx
        return dy
