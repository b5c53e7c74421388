"""Learning-rate schedules: a factor applied to the base rate as a function of the epoch."""

from collections.abc import Callable
from dataclasses import dataclass
from math import cos, floor, pi


@dataclass(frozen=True)
class Schedule:
    name: str
    label: str
    factor: Callable[[int, float, int], float]  # (epoch, decay, period) -> multiplier of lr
    description: str


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in [
        Schedule("constant", "Constant", lambda e, d, p: 1.0,
                 "The learning rate never changes."),
        Schedule("step", "Step", lambda e, d, p: d ** floor(e / p),
                 "The rate is multiplied by the decay once every period."),
        Schedule("exponential", "Exponential", lambda e, d, p: d ** (e / p),
                 "The rate shrinks smoothly, by the decay over each period."),
        Schedule("cosine", "Cosine",
                 lambda e, d, p: d + (1.0 - d) * 0.5 * (1.0 + cos(pi * min(e, p) / p)),
                 "The rate follows half a cosine from its value down to rate x decay over one "
                 "period, then stays there."),
    ]
}


def lr_at(name: str, lr: float, epoch: int, decay: float, period: int) -> float:
    """The learning rate during `epoch` (0-based count of completed epochs)."""
    return lr * SCHEDULES[name].factor(epoch, decay, period)
