"""What the layers share: the parameter-free base, argument checks and activation backward."""

from collections.abc import Sequence

import numpy as np

from ..activations import Activation, get_activation


class Layer:
    """A layer without parameters; subclasses with parameters override `param_shapes` and
    `bind` (through `_bind`, which checks what it is given)."""

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return []

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self._bind(params, grads)

    def _bind(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]):
        """(params, grads) as lists, after checking they are C-contiguous float64 arrays of
        `param_shapes` (gradients are written into them with `out=`)."""
        shapes = self.param_shapes
        name = type(self).__name__
        for what, arrays in (("params", params), ("grads", grads)):
            if len(arrays) != len(shapes):
                raise ValueError(f"{name}.bind: {what} needs {len(shapes)} arrays, "
                                 f"not {len(arrays)}")
            for a, shape in zip(arrays, shapes, strict=True):
                if (not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != np.float64
                        or not a.flags.c_contiguous):
                    got = (a.shape, a.dtype) if isinstance(a, np.ndarray) else type(a).__name__
                    raise ValueError(f"{name}.bind: {what} must be C-contiguous float64 arrays "
                                     f"of shapes {shapes}; got {got}")
        return list(params), list(grads)


def positive_int(name: str, value) -> int:
    """value as an int >= 1, or ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def nonnegative_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, not {value!r}")
    return int(value)


def dropout_rate(value) -> float:
    rate = float(value)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), not {value!r}")
    return rate


def check_input(layer, x: np.ndarray, ndim: int, last: int | None = None, what: str = "x"):
    """ValueError unless x has `ndim` axes (and `last` entries on its last axis)."""
    if x.ndim != ndim or (last is not None and x.shape[-1] != last):
        want = f"{ndim} axes" + ("" if last is None else f" with last axis {last}")
        raise ValueError(f"{type(layer).__name__} expects {what} with {want}, got shape "
                         f"{x.shape}")


class Pointwise:
    """An activation by name, with its backward specialised for the cheap common cases
    (linear, ReLU, tanh and sigmoid, from the output alone and with fewer temporaries; the
    same numbers as the registry's derivative): `grad(dy, z, a)` is dL/dz from dL/da."""

    def __init__(self, name: str):
        self.act: Activation = get_activation(name)
        self.linear = name == "linear"
        self.relu = name == "relu"
        self.fn = self.act.fn
        self.grad = {"linear": _linear_grad, "relu": _relu_grad, "tanh": _tanh_grad,
                     "sigmoid": _sigmoid_grad}.get(name, self._generic_grad)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return z if self.linear else self.fn(z)

    def _generic_grad(self, dy: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return dy * self.act.deriv(z, a)


def _linear_grad(dy, z, a):
    return dy


def _relu_grad(dy, z, a):
    d = (a > 0.0).astype(np.float64)  # a float mask multiplies faster than a boolean one
    d *= dy
    return d


def _tanh_grad(dy, z, a):
    d = a * a  # dy (1 - a^2)
    np.subtract(1.0, d, out=d)
    d *= dy
    return d


def _sigmoid_grad(dy, z, a):
    d = 1.0 - a  # dy a (1 - a)
    d *= a
    d *= dy
    return d


def _sigmoid_into(z, out):
    """activations._sigmoid(z) written into out: the same operations, so the same numbers."""
    np.multiply(z, 0.5, out)  # 0.5 * (1 + tanh(z / 2))
    np.tanh(out, out)
    np.multiply(out, 0.5, out)
    np.add(out, 0.5, out)
