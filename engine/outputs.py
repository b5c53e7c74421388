"""Output activations: the last layer's function, one registry entry each, with what the rest of
the engine and the pages need to know about it (its value range, the tasks it serves, the loss
it gets by default and the losses whose gradient through it simplifies)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from math import inf

import numpy as np

from .activations import ACTIVATIONS
from .data.points import TASKS


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of logits z (..., k), shifted by the maximum so it never
    overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _softmax_backward(z, p, grad_p):
    return p * (grad_p - (grad_p * p).sum(axis=-1, keepdims=True))


def _elementwise_backward(name: str):
    deriv = ACTIVATIONS[name].deriv
    return lambda z, p, grad_p: grad_p * deriv(z, p)


@dataclass(frozen=True)
class Output:
    """An output activation. `fn(z) -> p` (None: the identity) and `backward(z, p, dL/dp) ->
    dL/dz`. `fused[loss](n, k)` is the constant c for which dL/dz = c (p - y) when that loss
    follows this output (n rows, k outputs): no Jacobian needed. A binary task's targets are
    `binary_targets` (class 0, class 1), and a prediction is class 1 above their midpoint."""

    name: str
    label: str
    fn: Callable[[np.ndarray], np.ndarray] | None
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    value_range: tuple[float, float]
    tasks: tuple[str, ...]
    default_loss: str
    description: str
    fused: dict[str, Callable[[int, int], float]] = field(default_factory=dict)
    binary_targets: tuple[float, float] = (0.0, 1.0)

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z if self.fn is None else self.fn(z)

    @property
    def threshold(self) -> float:
        """A binary prediction above this is class 1."""
        return 0.5 * (self.binary_targets[0] + self.binary_targets[1])


def _per_row(n, k):
    return 1.0 / n


OUTPUTS: dict[str, Output] = {o.name: o for o in [
    Output("sigmoid", "Sigmoid", ACTIVATIONS["sigmoid"].fn, _elementwise_backward("sigmoid"),
           (0.0, 1.0), ("binary",), "bce",
           "Sigmoid: one probability for binary classification (targets 0/1).",
           fused={"bce": _per_row}),
    Output("softmax", "Softmax", softmax, _softmax_backward, (0.0, 1.0), ("multiclass",),
           "cross_entropy",
           "Softmax: one probability per class for multi-class classification.",
           fused={"cross_entropy": _per_row}),
    Output("tanh", "Tanh", np.tanh, _elementwise_backward("tanh"), (-1.0, 1.0),
           ("binary", "regression"), "half_mse",
           "Tanh: a value in (-1, 1), TensorFlow Playground's output (targets -1/+1).",
           binary_targets=(-1.0, 1.0)),
    Output("linear", "Linear", None, lambda z, p, grad_p: grad_p, (-inf, inf),
           ("regression", "binary"), "mse", "Linear: an unbounded value, for regression.",
           fused={"mse": lambda n, k: 2.0 / (n * k), "half_mse": _per_row}),
]}


def get_output(name: str) -> Output:
    """Look an output up by name; unknown names raise ValueError listing the valid ones."""
    try:
        return OUTPUTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown output {name!r}; choose one of: {', '.join(OUTPUTS)}") \
            from None


def task_outputs(task: str) -> list[str]:
    """The outputs that can serve `task`, its default first."""
    names = [n for n, o in OUTPUTS.items() if task in o.tasks]
    default = default_output(task)
    return [default, *(n for n in names if n != default)]


def default_output(task: str) -> str:
    """The output a task gets when none is chosen: the first entry that lists the task first."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    return next(n for n, o in OUTPUTS.items() if o.tasks[0] == task)
