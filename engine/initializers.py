"""Weight initializers: each draws (W, b) for one dense layer from a NumPy generator."""

from collections.abc import Callable
from dataclasses import dataclass
from math import sqrt

import numpy as np

Init = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]


def _uniform(limit):
    def init(rng, fan_in, fan_out):
        lim = limit(fan_in, fan_out)
        return rng.uniform(-lim, lim, (fan_in, fan_out)), np.zeros(fan_out)
    return init


def _normal(std):
    def init(rng, fan_in, fan_out):
        return rng.normal(0.0, std(fan_in, fan_out), (fan_in, fan_out)), np.zeros(fan_out)
    return init


def _playground(rng, fan_in, fan_out):
    return rng.uniform(-0.5, 0.5, (fan_in, fan_out)), np.full(fan_out, 0.1)


def _zeros(rng, fan_in, fan_out):
    return np.zeros((fan_in, fan_out)), np.zeros(fan_out)


@dataclass(frozen=True)
class Initializer:
    name: str
    label: str
    fn: Init
    description: str


INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in [
        Initializer("xavier_uniform", "Xavier (Glorot) uniform",
                    _uniform(lambda fi, fo: sqrt(6.0 / (fi + fo))),
                    "U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); biases 0. Suits tanh."),
        Initializer("xavier_normal", "Xavier (Glorot) normal",
                    _normal(lambda fi, fo: sqrt(2.0 / (fi + fo))),
                    "N(0, 2 / (fan_in + fan_out)); biases 0."),
        Initializer("he_uniform", "He uniform", _uniform(lambda fi, fo: sqrt(6.0 / fi)),
                    "U(-a, a) with a = sqrt(6 / fan_in); biases 0. Suits ReLU."),
        Initializer("he_normal", "He normal", _normal(lambda fi, fo: sqrt(2.0 / fi)),
                    "N(0, 2 / fan_in); biases 0. Suits ReLU."),
        Initializer("lecun_normal", "LeCun normal", _normal(lambda fi, fo: sqrt(1.0 / fi)),
                    "N(0, 1 / fan_in); biases 0."),
        Initializer("playground", "Playground", _playground,
                    "U(-0.5, 0.5) weights and biases 0.1, as TensorFlow Playground."),
        Initializer("zeros", "Zeros", _zeros,
                    "Every weight and bias 0: all neurons of a layer get the same gradient and "
                    "stay copies of each other. With tanh or ReLU, which give 0 at 0, no weight "
                    "moves at all: only the output's bias learns."),
    ]
}
