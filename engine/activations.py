"""Activation functions and their derivatives, in one registry keyed by the name the user sees."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from math import inf, pi, sqrt

import numpy as np

_SQRT_2_OVER_PI = sqrt(2.0 / pi)
_INV_SQRT2 = 1.0 / sqrt(2.0)
_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_array(x: np.ndarray) -> np.ndarray:
    """Element-wise erf, exact to the last bit of libm (NumPy has no erf ufunc)."""
    return _erf(x).astype(np.float64)


def _sigmoid(z):
    # 0.5 * (1 + tanh(z / 2)) equals 1 / (1 + exp(-z)) and never overflows.
    s = np.tanh(z * 0.5)
    s *= 0.5
    s += 0.5
    return s


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_deriv(z, a):
    return (a > 0.0).astype(np.float64)


def _leaky_relu(z):
    return np.where(z > 0.0, z, 0.01 * z)


def _leaky_relu_deriv(z, a):
    return np.where(z > 0.0, 1.0, 0.01)


def _elu(z):
    return np.where(z > 0.0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_deriv(z, a):
    return np.where(z > 0.0, 1.0, a + 1.0)


def _gelu(z):
    return 0.5 * z * (1.0 + _erf_array(z * _INV_SQRT2))


def _gelu_deriv(z, a):
    cdf = 0.5 * (1.0 + _erf_array(z * _INV_SQRT2))
    pdf = np.exp(-0.5 * z * z) * (1.0 / sqrt(2.0 * pi))
    return cdf + z * pdf


def _silu(z):
    return z * _sigmoid(z)


def _silu_deriv(z, a):
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def _softplus(z):
    return np.logaddexp(0.0, z)


def _softplus_deriv(z, a):
    return _sigmoid(z)


def _tanh_deriv(z, a):
    return 1.0 - a * a


def _sigmoid_deriv(z, a):
    return a * (1.0 - a)


def _linear(z):
    return z


def _linear_deriv(z, a):
    return np.ones_like(a)


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: `fn(z) -> a` and its derivative `deriv(z, a) -> da/dz`.
    `output_range` is (low, high); `attained` says which ends f reaches for a finite z (ReLU's
    0, sine's -1 and 1), so the range reads [0, inf) rather than (0, inf)."""

    name: str
    label: str
    fn: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray, np.ndarray], np.ndarray]
    output_range: tuple[float, float]
    needs_z: bool  # False when the derivative is computed from the output alone (z may be None)
    description: str
    attained: tuple[bool, bool] = (False, False)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("linear", "Linear", _linear, _linear_deriv, (-inf, inf), False,
                   "Identity: passes the weighted sum through unchanged."),
        Activation("relu", "ReLU", _relu, _relu_deriv, (0.0, inf), False,
                   "max(0, z): zero for negative sums, the sum itself otherwise.", (True, False)),
        Activation("leaky_relu", "Leaky ReLU", _leaky_relu, _leaky_relu_deriv, (-inf, inf),
                   True, "Like ReLU, but negative sums keep a slope of 0.01."),
        Activation("elu", "ELU", _elu, _elu_deriv, (-1.0, inf), True,
                   "z for positive sums, exp(z) - 1 for negative ones (never below -1)."),
        Activation("gelu", "GELU", _gelu, _gelu_deriv, (-0.17, inf), True,
                   "z times the standard normal CDF of z: a smooth ReLU.", (True, False)),
        Activation("silu", "SiLU (swish)", _silu, _silu_deriv, (-0.28, inf), True,
                   "z times sigmoid(z): a smooth ReLU that dips slightly below zero.",
                   (True, False)),
        Activation("softplus", "Softplus", _softplus, _softplus_deriv, (0.0, inf), True,
                   "log(1 + exp(z)): a smooth ReLU that is never exactly zero."),
        Activation("sigmoid", "Sigmoid", _sigmoid, _sigmoid_deriv, (0.0, 1.0), False,
                   "1 / (1 + exp(-z)): squashes any sum into (0, 1)."),
        Activation("tanh", "Tanh", np.tanh, _tanh_deriv, (-1.0, 1.0), False,
                   "Hyperbolic tangent: squashes any sum into (-1, 1), centred on 0."),
        Activation("sine", "Sine", np.sin, lambda z, a: np.cos(z), (-1.0, 1.0), True,
                   "sin(z): periodic, so one neuron can draw several stripes.", (True, True)),
    ]
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; unknown names raise ValueError listing the valid ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None
