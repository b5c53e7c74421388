"""Loss functions on (n, k) outputs, with the output activation each one is defined for."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_sum = np.add.reduce  # what ndarray.sum() calls, with less overhead


def _bce(z, p, Y):
    # Computed from the logits z: softplus(z) - y*z == -[y log p + (1-y) log(1-p)], never log(0).
    return float(_sum(np.logaddexp(0.0, z) - Y * z, None) / len(z))


def _cross_entropy(z, p, Y):
    zmax = z.max(axis=1, keepdims=True)
    lse = zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True))
    return float((Y * (lse - z)).sum() / len(z))


def _mse(z, p, Y):
    d = p - Y
    return float(_sum(d * d, None) / d.size)


def _half_mse(z, p, Y):
    d = p - Y
    return float(0.5 * _sum(d * d, None) / len(d))


def _bce_grad(p, Y):
    # dL/dp; only used for pairs without a fused gradient (bce is fused with sigmoid).
    return (p - Y) / (p * (1.0 - p)) / len(p)


def _ce_grad(p, Y):
    return -Y / p / len(p)


def _mse_grad(p, Y):
    return (p - Y) * (2.0 / p.size)


def _half_mse_grad(p, Y):
    return (p - Y) / len(p)


@dataclass(frozen=True)
class Loss:
    """`fn(z, p, Y)` is the mean loss from logits z and outputs p (n, k); `grad(p, Y)` is dL/dp."""

    name: str
    label: str
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    outputs: tuple[str, ...]  # output activations it can follow
    description: str


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("bce", "Binary cross-entropy", _bce, _bce_grad, ("sigmoid",),
             "-[y log p + (1 - y) log(1 - p)] per output, summed over outputs, mean over rows."),
        Loss("cross_entropy", "Cross-entropy", _cross_entropy, _ce_grad, ("softmax",),
             "-log p of the true class, mean over rows."),
        Loss("mse", "Mean squared error", _mse, _mse_grad,
             ("linear", "sigmoid", "tanh", "softmax"),
             "(p - y)^2, mean over rows and outputs (as PyTorch's MSELoss)."),
        Loss("half_mse", "Half squared error", _half_mse, _half_mse_grad,
             ("tanh", "linear", "sigmoid", "softmax"),
             "0.5 (p - y)^2 summed over outputs, mean over rows (TensorFlow Playground's loss)."),
    ]
}


def get_loss(name: str, output: str) -> Loss:
    """The loss `name` after output activation `output`; ValueError if unknown or incompatible."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    loss = LOSSES[name]
    if output not in loss.outputs:
        raise ValueError(
            f"the {loss.label.lower()} loss needs a {' or '.join(loss.outputs)} output, "
            f"not {output}"
        )
    return loss
