"""Weight initializers, and the starting values of every layer type.

`INITIALIZERS` holds the rules a user picks for dense and convolution weights: each draws a
weight array from a NumPy generator given the layer's fan-in and fan-out, and sets the biases
to a constant. `initial_params(layer, rng, init)` gives any layer of engine/layers its starting
parameters; see `LAYER_INITS` for the rule of each layer type.
"""

from collections.abc import Callable
from dataclasses import dataclass
from math import prod, sqrt

import numpy as np

Draw = Callable[[np.random.Generator, tuple[int, ...], int, int], np.ndarray]


def _uniform(limit):
    def draw(rng, shape, fan_in, fan_out):
        lim = limit(fan_in, fan_out)
        return rng.uniform(-lim, lim, shape)
    return draw


def _normal(std):
    def draw(rng, shape, fan_in, fan_out):
        return rng.normal(0.0, std(fan_in, fan_out), shape)
    return draw


def _zeros(rng, shape, fan_in, fan_out):
    return np.zeros(shape)


@dataclass(frozen=True)
class Initializer:
    """`draw(rng, shape, fan_in, fan_out)` gives weights of `shape`; biases are `bias`."""

    name: str
    label: str
    draw: Draw
    bias: float
    description: str

    def fn(self, rng: np.random.Generator, fan_in: int, fan_out: int):
        """(W (fan_in, fan_out), b (fan_out,)) for one dense layer."""
        return self.draw(rng, (fan_in, fan_out), fan_in, fan_out), np.full(fan_out, self.bias)


INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in [
        Initializer("xavier_uniform", "Xavier (Glorot) uniform",
                    _uniform(lambda fi, fo: sqrt(6.0 / (fi + fo))), 0.0,
                    "U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); biases 0. Suits tanh."),
        Initializer("xavier_normal", "Xavier (Glorot) normal",
                    _normal(lambda fi, fo: sqrt(2.0 / (fi + fo))), 0.0,
                    "N(0, 2 / (fan_in + fan_out)); biases 0."),
        Initializer("he_uniform", "He uniform", _uniform(lambda fi, fo: sqrt(6.0 / fi)), 0.0,
                    "U(-a, a) with a = sqrt(6 / fan_in); biases 0. Suits ReLU."),
        Initializer("he_normal", "He normal", _normal(lambda fi, fo: sqrt(2.0 / fi)), 0.0,
                    "N(0, 2 / fan_in); biases 0. Suits ReLU."),
        Initializer("lecun_normal", "LeCun normal", _normal(lambda fi, fo: sqrt(1.0 / fi)), 0.0,
                    "N(0, 1 / fan_in); biases 0."),
        Initializer("playground", "Playground", _uniform(lambda fi, fo: 0.5), 0.1,
                    "U(-0.5, 0.5) weights and biases 0.1, as TensorFlow Playground."),
        Initializer("zeros", "Zeros", _zeros, 0.0,
                    "Every weight and bias 0: all neurons of a layer get the same gradient and "
                    "stay copies of each other. With tanh or ReLU, which give 0 at 0, no weight "
                    "moves at all: only the output's bias learns."),
    ]
}


def get_initializer(name: str) -> Initializer:
    """Look an initializer up by name; unknown names raise ValueError listing the valid ones."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown initializer {name!r}; choose one of: "
                         f"{', '.join(INITIALIZERS)}") from None


# --- every layer type --------------------------------------------------------------------------

RELU_LIKE = frozenset({"relu", "leaky_relu", "elu", "gelu", "silu", "softplus"})


def _default_for(activation: str) -> str:
    """He for ReLU-like activations, Xavier otherwise."""
    return "he_uniform" if activation in RELU_LIKE else "xavier_uniform"


def _dense(layer, rng, init):
    W, b = INITIALIZERS[init or _default_for(layer.act.name)].fn(rng, layer.fan_in,
                                                                 layer.fan_out)
    return [W, b]


def _conv(layer, rng, init):
    spec = INITIALIZERS[init or _default_for(layer.act.name)]
    shape = layer.param_shapes[0]  # (C', C, k, k)
    area = layer.kernel_size ** 2
    weight = spec.draw(rng, shape, layer.in_channels * area, layer.out_channels * area)
    return [weight, np.full(layer.out_channels, spec.bias)]


def _recurrent(layer, rng, init):
    k = 1.0 / sqrt(layer.hidden_size)
    return [rng.uniform(-k, k, s) for s in layer.param_shapes]


def _standard_normal(layer, rng, init):
    return [rng.standard_normal(layer.param_shapes[0])]


def _layer_norm(layer, rng, init):
    return [np.ones(layer.dim), np.zeros(layer.dim)]


def _attention(layer, rng, init):
    d = layer.dim
    a = sqrt(6.0 / (d + 3 * d))  # torch's xavier_uniform_ of the packed (3 dim, dim) weight
    w_in = rng.uniform(-a, a, (3 * d, d))
    w_out = rng.uniform(-1.0 / sqrt(d), 1.0 / sqrt(d), (d, d))  # nn.Linear's default
    return [w_in, np.zeros(3 * d), w_out, np.zeros(d)]


def _chain(layer, rng, init):
    return [p for sub in layer.layers for p in initial_params(sub, rng, init)]


def _by_shape(layer, rng, init):
    spec = INITIALIZERS[init or "xavier_uniform"]
    out = []
    for shape in layer.param_shapes:
        if len(shape) >= 2:
            out.append(spec.draw(rng, shape, prod(shape[1:]), shape[0]))
        else:
            out.append(np.full(shape, spec.bias))
    return out


# Layer class name -> rule(layer, rng, init) -> its parameters in `param_shapes` order.
# `init` is the user's choice from INITIALIZERS, or None for the layer type's default.
LAYER_INITS: dict[str, Callable] = {
    # The chosen initializer with the layer's fan-in and fan-out; by default He uniform
    # before a ReLU-like activation, Xavier uniform otherwise. Conv2D: fan_in = C k², fan_out
    # = C' k².
    "Dense": _dense,
    "Conv2D": _conv,
    # torch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H)), H the hidden size.
    "RNN": _recurrent, "GRU": _recurrent, "LSTM": _recurrent,
    # torch's nn.Embedding default, N(0, 1); the learned positions the same.
    "Embedding": _standard_normal, "PositionEmbedding": _standard_normal,
    # Gains 1, offsets 0.
    "LayerNorm": _layer_norm,
    # torch's: packed in-projection Xavier uniform, out-projection U(-1/sqrt(dim),
    # 1/sqrt(dim)), biases 0.
    "MultiHeadAttention": _attention,
    # Their layers' rules, in order.
    "Residual": _chain, "TransformerBlock": _chain,
}


def initial_params(layer, rng: np.random.Generator, init: str | None = None) -> list:
    """Starting values of `layer`'s parameters (a list in `param_shapes` order), drawn from
    rng by the rule of its type in LAYER_INITS. A layer without parameters gives []; a type not
    in the table gets the chosen (or Xavier uniform) weights for arrays of 2 or more axes, with
    fan_in the product of all axes but the first, and biases for the rest."""
    if not layer.param_shapes:
        return []
    rule = LAYER_INITS.get(type(layer).__name__, _by_shape)
    return rule(layer, rng, init)
