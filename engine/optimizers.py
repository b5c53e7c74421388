"""Optimizers with torch.optim's documented update rules; each owns only its own buffers.

`step(params, grads)` updates the arrays of `params` in place. `lr` and every hyperparameter are
plain attributes that may be changed between steps without losing the buffers.
"""

from dataclasses import dataclass, field

import numpy as np

from .fields import Number


class Optimizer:
    """Base class: hyperparameters as attributes, buffers created on the first step."""

    name = ""
    buffer_names: tuple[str, ...] = ()

    def __init__(self, lr: float, **hyper: float):
        self.lr = float(lr)
        for key, value in hyper.items():
            setattr(self, key, float(value))
        self.t = 0  # steps taken
        self.buffers: dict[str, list[np.ndarray]] | None = None

    def _init_buffers(self, params):
        self.buffers = {b: [np.zeros_like(p) for p in params] for b in self.buffer_names}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if self.buffers is None:
            self._init_buffers(params)
        self.t += 1
        self._update(params, grads)

    def _update(self, params, grads):
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Step count and buffers (copies), enough to resume bit-identically."""
        bufs = {k: [b.copy() for b in v] for k, v in (self.buffers or {}).items()}
        return {"t": self.t, "buffers": bufs if self.buffers is not None else None}

    def load_state_dict(self, state: dict) -> None:
        self.t = int(state["t"])
        bufs = state["buffers"]
        self.buffers = None if bufs is None else {k: [b.copy() for b in v] for k, v in bufs.items()}


class SGD(Optimizer):
    name = "sgd"

    def _update(self, params, grads):
        lr = self.lr
        for p, g in zip(params, grads, strict=True):
            p -= lr * g


class Momentum(Optimizer):
    """torch.optim.SGD with momentum (dampening 0): b = mu*b + g; p -= lr*b (nesterov: g + mu*b)."""

    name = "momentum"
    buffer_names = ("momentum_buffer",)
    nesterov = False

    def _update(self, params, grads):
        lr, mu = self.lr, self.momentum
        first = self.t == 1
        for p, g, b in zip(params, grads, self.buffers["momentum_buffer"], strict=True):
            if first:
                b[...] = g
            else:
                b *= mu
                b += g
            p -= lr * (g + mu * b if self.nesterov else b)


class Nesterov(Momentum):
    name = "nesterov"
    nesterov = True


class RMSprop(Optimizer):
    """v = alpha*v + (1-alpha)*g^2; p -= lr * g / (sqrt(v) + eps)."""

    name = "rmsprop"
    buffer_names = ("square_avg",)

    def _update(self, params, grads):
        lr, alpha, eps = self.lr, self.alpha, self.eps
        for p, g, v in zip(params, grads, self.buffers["square_avg"], strict=True):
            v *= alpha
            v += (1.0 - alpha) * (g * g)
            p -= lr * g / (np.sqrt(v) + eps)


class Adagrad(Optimizer):
    """s += g^2; p -= lr * g / (sqrt(s) + eps)."""

    name = "adagrad"
    buffer_names = ("sum",)

    def _update(self, params, grads):
        lr, eps = self.lr, self.eps
        for p, g, s in zip(params, grads, self.buffers["sum"], strict=True):
            s += g * g
            p -= lr * g / (np.sqrt(s) + eps)


class Adam(Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * m_hat / (sqrt(v_hat) + eps)."""

    name = "adam"
    buffer_names = ("exp_avg", "exp_avg_sq")
    decoupled = False

    def _update(self, params, grads):
        lr, b1, b2, eps = self.lr, self.beta1, self.beta2, self.eps
        bc1 = 1.0 - b1**self.t
        bc2 = 1.0 - b2**self.t
        bufs = self.buffers
        for p, g, m, v in zip(params, grads, bufs["exp_avg"], bufs["exp_avg_sq"],
                              strict=True):
            if self.decoupled:
                p *= 1.0 - lr * self.weight_decay
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= lr * (m / bc1) / (np.sqrt(v / bc2) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr*wd before the Adam step."""

    name = "adamw"
    decoupled = True


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter's default and the range a widget offers."""

    default: float
    low: float
    high: float
    label: str
    help: str


_MU = Hyper(0.9, 0.0, 0.999, "Momentum", "How much of the previous step carries into this one.")
_EPS = Hyper(1e-8, 1e-12, 1e-3, "Epsilon", "Added to the denominator to avoid dividing by zero.")
_B1 = Hyper(0.9, 0.0, 0.999, "Beta 1", "Decay of the running mean of gradients.")
_B2 = Hyper(0.999, 0.0, 0.99999, "Beta 2", "Decay of the running mean of squared gradients.")


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label: str
    cls: type[Optimizer]
    hyper: dict[str, Hyper] = field(default_factory=dict)
    description: str = ""


OPTIMIZERS: dict[str, OptimizerSpec] = {
    s.name: s
    for s in [
        OptimizerSpec("sgd", "SGD", SGD, {},
                      "Plain gradient descent: step against the gradient, scaled by the rate."),
        OptimizerSpec("momentum", "Momentum", Momentum, {"momentum": _MU},
                      "Keeps a running sum of past gradients, so steps build up speed."),
        OptimizerSpec("nesterov", "Nesterov", Nesterov, {"momentum": _MU},
                      "Momentum that looks one step ahead before correcting."),
        OptimizerSpec("rmsprop", "RMSprop", RMSprop,
                      {"alpha": Hyper(0.99, 0.0, 0.9999, "Alpha",
                                      "Decay of the running mean of squared gradients."),
                       "eps": _EPS},
                      "Divides each step by a running root-mean-square of recent gradients."),
        OptimizerSpec("adagrad", "Adagrad", Adagrad,
                      {"eps": Hyper(1e-10, 1e-12, 1e-3, "Epsilon", _EPS.help)},
                      "Divides each step by the root of all past squared gradients."),
        OptimizerSpec("adam", "Adam", Adam, {"beta1": _B1, "beta2": _B2, "eps": _EPS},
                      "Momentum and RMSprop together, with bias correction for early steps."),
        OptimizerSpec("adamw", "AdamW", AdamW,
                      {"beta1": _B1, "beta2": _B2, "eps": _EPS,
                       "weight_decay": Hyper(0.01, 0.0, 1.0, "Weight decay",
                                             "Shrinks every parameter by lr x decay each step.")},
                      "Adam with weight decay applied directly to the parameters."),
    ]
}


def make_optimizer(name: str, lr: float, **hyper: float) -> Optimizer:
    """Optimizer `name` with learning rate `lr`; unset hyperparameters take torch's defaults."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    spec = OPTIMIZERS[name]
    unknown = set(hyper) - set(spec.hyper)
    if unknown:
        allowed = ", ".join(spec.hyper) or "none"
        raise ValueError(
            f"{spec.label} has no hyperparameter {', '.join(sorted(unknown))}; it takes: {allowed}"
        )
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"the learning rate must be a positive number, not {lr}")
    values = {k: h.default for k, h in spec.hyper.items()} | hyper
    for k, v in values.items():
        h = spec.hyper[k]
        if not h.low <= v <= h.high:
            raise ValueError(f"{h.label} must be between {h.low:g} and {h.high:g}, not {v:g}")
    return spec.cls(lr, **values)


def optimizer_hyper(settings) -> dict[str, float]:
    """The hyperparameters `settings.optimizer` takes, read from the settings' attributes of
    the same names (None: the optimizer's default, left out)."""
    spec = OPTIMIZERS[settings.optimizer]
    return {k: getattr(settings, k) for k in spec.hyper if getattr(settings, k) is not None}


# The learning rate's help, shared by every trainer's settings.
LR_HELP = ("The step size: SGD moves each weight by the rate times its gradient (the other "
           "optimizers scale the step their own way). Too small: slow. Too large: the loss "
           "jumps around or blows up. Applies at once.")


def hyper_fields() -> list[Number]:
    """One live settings field per hyperparameter name of any optimizer, in the order they
    first appear. Where optimizers disagree on the default (Adagrad's epsilon), the field's
    default is None: each optimizer's own."""
    seen: dict[str, list[Hyper]] = {}
    for spec in OPTIMIZERS.values():
        for name, h in spec.hyper.items():
            seen.setdefault(name, []).append(h)
    out = []
    for name, hs in seen.items():
        shared = len({h.default for h in hs}) == 1
        h = hs[0]
        out.append(Number(name, h.default if shared else None, h.label, h.help, live=True,
                          low=min(x.low for x in hs), high=max(x.high for x in hs),
                          optional=not shared))
    return out
