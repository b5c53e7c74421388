"""A dense network whose parameters live in one flat buffer, so an optimizer updates them all at
once and L1/L2 act on one slice (weights first, then biases)."""

from collections.abc import Sequence

import numpy as np

from .activations import get_activation
from .initializers import INITIALIZERS
from .layers import Dense
from .losses import get_loss
from .outputs import get_output


def _per_layer(value, n: int, what: str) -> list:
    """One value for every hidden layer, or a list of exactly n."""
    if isinstance(value, str | int | float):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"give one {what} for all hidden layers or exactly {n}, not {len(value)}")
    return value


class Network:
    """A multi-layer perceptron: `sizes = [n_inputs, hidden..., n_outputs]`.

    `params` is `[W1, b1, W2, b2, ...]` with W of shape (fan_in, fan_out): views of one flat
    buffer, so write weights in place (`net.params[0][...] = W`). `l1`, `l2` (weights only) and
    each layer's `dropout` may be changed at any time.
    """

    def __init__(self, sizes: Sequence[int], activation="tanh", output: str = "sigmoid",
                 init: str = "xavier_uniform", seed=0, loss: str | None = None, dropout=0.0):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be [n_inputs, hidden..., n_outputs], all >= 1: {sizes}")
        n_hidden = len(sizes) - 2
        acts = _per_layer(activation, n_hidden, "activation")
        for a in acts:
            get_activation(a)
        drops = [float(d) for d in _per_layer(dropout, n_hidden, "dropout rate")]
        if any(not 0.0 <= d < 1.0 for d in drops):
            raise ValueError(f"dropout rates must be in [0, 1): {drops}")
        self.out = get_output(output)
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 outputs (one per class)")
        if init not in INITIALIZERS:
            raise ValueError(f"unknown initializer {init!r}; choose one of: "
                             f"{', '.join(INITIALIZERS)}")
        self.sizes, self.activations, self.output, self.init = sizes, acts, output, init
        self.set_loss(loss or self.out.default_loss)
        self.layers = [Dense(sizes[i], sizes[i + 1], acts[i], drops[i]) for i in range(n_hidden)]
        self.layers.append(Dense(sizes[-2], sizes[-1], "linear"))
        self.l1 = 0.0
        self.l2 = 0.0
        self._allocate()
        self._out_fn = self.out.fn  # None for the identity
        self.reset(seed)

    # --- parameters -------------------------------------------------------------------------
    def _allocate(self):
        shapes = [s for layer in self.layers for s in layer.param_shapes]
        weight_shapes, bias_shapes = shapes[0::2], shapes[1::2]
        n_w = sum(int(np.prod(s)) for s in weight_shapes)
        total = n_w + sum(int(np.prod(s)) for s in bias_shapes)
        self.flat = np.zeros(total)
        self.flat_grad = np.zeros(total)
        self.n_weights = n_w

        def views(buf):
            out, ow, ob = [], 0, n_w
            for ws, bs in zip(weight_shapes, bias_shapes, strict=True):
                nw, nb = int(np.prod(ws)), int(np.prod(bs))
                out += [buf[ow:ow + nw].reshape(ws), buf[ob:ob + nb].reshape(bs)]
                ow, ob = ow + nw, ob + nb
            return out

        self.params = views(self.flat)
        self.grads = views(self.flat_grad)
        for i, layer in enumerate(self.layers):
            layer.bind(self.params[2 * i:2 * i + 2], self.grads[2 * i:2 * i + 2])
        self._w, self._gw = self.flat[:n_w], self.flat_grad[:n_w]

    def reset(self, seed=0) -> None:
        """Draw fresh weights from the initializer with `seed` (an int or a list of ints)."""
        rng = np.random.default_rng(seed)
        fn = INITIALIZERS[self.init].fn
        for layer in self.layers:
            W, b = fn(rng, layer.fan_in, layer.fan_out)
            layer.W[...] = W
            layer.b[...] = b

    def set_loss(self, name: str) -> None:
        self.loss = get_loss(name, self.output)
        self._fused = self.out.fused.get(name)

    @property
    def dropout(self) -> list[float]:
        return [layer.dropout for layer in self.layers[:-1]]

    @dropout.setter
    def dropout(self, rates) -> None:
        rates = [float(r) for r in _per_layer(rates, len(self.layers) - 1, "dropout rate")]
        if any(not 0.0 <= r < 1.0 for r in rates):
            raise ValueError(f"dropout rates must be in [0, 1): {rates}")
        for layer, r in zip(self.layers[:-1], rates, strict=True):
            layer.dropout = r

    @property
    def n_params(self) -> int:
        return self.flat.size

    # --- forward and backward ------------------------------------------------------------
    def _logits(self, X: np.ndarray, rng=None) -> np.ndarray:
        a = X
        for layer in self.layers:
            a = layer.forward(a, rng)
        return a

    def _output(self, z: np.ndarray) -> np.ndarray:
        return z if self._out_fn is None else self._out_fn(z)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs (n, n_outputs) after the output activation, without dropout."""
        return self._output(self._logits(np.asarray(X, dtype=np.float64)))

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's output for X: hidden activations (n, units) ..., then the outputs."""
        outs, a = [], np.asarray(X, dtype=np.float64)
        for layer in self.layers:
            a = layer.forward(a)
            outs.append(a)
        outs[-1] = self._output(a)
        return outs

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Labels as (n, n_outputs) float64: one-hot for class ids under softmax."""
        y = np.asarray(y)
        k = self.sizes[-1]
        if self.output == "softmax" and y.ndim == 1:
            Y = np.zeros((len(y), k))
            Y[np.arange(len(y)), y.astype(np.intp)] = 1.0
            return Y
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(len(Y), -1) if Y.size else Y.reshape(len(Y), k)
        if Y.shape[1] != k:
            raise ValueError(f"targets have {Y.shape[1]} columns but the network has {k} outputs")
        return Y

    def _backprop(self, X: np.ndarray, Y: np.ndarray, rng=None, loss=None):
        """Forward and backward pass; gradients of the mean loss plus penalties land in
        `flat_grad`. Returns the logits and outputs."""
        z = self._logits(X, rng)
        p = self._output(z)
        if loss is None and self._fused is not None:
            dz = p - Y
            dz *= self._fused(len(Y), Y.shape[1])
        else:
            loss = loss or self.loss
            dz = self.out.backward(z, p, loss.grad(p, Y))
        layers = self.layers
        for i in range(len(layers) - 1, 0, -1):
            dz = layers[i].backward(dz)
        layers[0].backward(dz, False)
        if self.l2:
            self._gw += self.l2 * self._w
        if self.l1:
            self._gw += self.l1 * np.sign(self._w)
        return z, p

    def penalty(self) -> float:
        """l1 * sum|W| + l2/2 * sum W^2 over weights (biases are not regularized)."""
        w = self._w
        return float(self.l1 * np.abs(w).sum() + 0.5 * self.l2 * (w @ w))

    def loss_value(self, X: np.ndarray, y: np.ndarray, loss: str | None = None) -> float:
        """Mean data loss (no penalty, no dropout)."""
        Y = self.targets(y)
        z = self._logits(np.asarray(X, dtype=np.float64))
        lossfn = self.loss if loss is None else get_loss(loss, self.output)
        return lossfn.fn(z, self._output(z), Y)

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, loss: str | None = None,
                       rng: np.random.Generator | None = None):
        """(mean loss + penalty, grads) with grads mirroring `params` (fresh arrays).

        With `rng`, dropout masks are drawn from it (training mode); without, no dropout."""
        lossfn = None if loss is None or loss == self.loss.name else get_loss(loss, self.output)
        Y = self.targets(y)
        z, p = self._backprop(np.asarray(X, dtype=np.float64), Y, rng, lossfn)
        value = (lossfn or self.loss).fn(z, p, Y) + self.penalty()
        return value, [g.copy() for g in self.grads]

