"""A dense network: the Model with Dense layers, parameters in one flat buffer so an optimizer
updates them all at once, layer by layer, each layer one block [W; b] (engine.model)."""

from collections.abc import Sequence

import numpy as np

from .activations import get_activation
from .initializers import get_initializer
from .layers import Dense
from .model import Model, _check_rates, per_layer
from .outputs import get_output


class Network(Model):
    """A multi-layer perceptron: `sizes = [n_inputs, hidden..., n_outputs]`.

    `params` is `[W1, b1, W2, b2, ...]` with W of shape (fan_in, fan_out): views of one flat
    buffer in that order, so write weights in place (`net.params[0][...] = W`). `l1`, `l2`
    (weights only) and each layer's `dropout` may be changed at any time.
    """

    def __init__(self, sizes: Sequence[int], activation="tanh", output: str = "sigmoid",
                 init: str = "xavier_uniform", seed=0, loss: str | None = None, dropout=0.0):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be [n_inputs, hidden..., n_outputs], all >= 1: {sizes}")
        n_hidden = len(sizes) - 2
        acts = per_layer(activation, n_hidden, "activation")
        for a in acts:
            get_activation(a)
        drops = _check_rates(per_layer(dropout, n_hidden, "dropout rate"))
        get_output(output)
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 outputs (one per class)")
        get_initializer(init)
        self.sizes, self.activations = sizes, acts
        layers = [Dense(sizes[i], sizes[i + 1], acts[i], drops[i]) for i in range(n_hidden)]
        layers.append(Dense(sizes[-2], sizes[-1], "linear"))
        super().__init__(layers, output, loss, init, seed)

    def targets(self, y: np.ndarray, k: int | None = None, ndim: int = 2) -> np.ndarray:
        """Labels as (n, n_outputs) float64: one-hot for class ids under softmax."""
        return super().targets(y, self.sizes[-1] if k is None else k, ndim)
