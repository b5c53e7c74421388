"""Optimizers with torch.optim's documented update rules; each owns only its own buffers.

`step(params, grads)` updates the arrays of `params` in place. `lr` and every hyperparameter are
plain attributes that may be changed between steps without losing the buffers.
"""

from dataclasses import dataclass, field

import numpy as np

from .fields import Number


class Optimizer:
    """Base class: hyperparameters as attributes, buffers created on the first step.

    A rule is `_kernel(p, g, bufs, t1, t2)`: it updates one array p (and its buffers `bufs`,
    in `buffer_names` order) in place from its gradient g, with scratch arrays t1 and t2 of
    p's shape, in a fixed number of whole-array NumPy calls and no temporaries. When `params`
    and `grads` are a model's views of its flat buffers (`Model.params`, `Model.grads` or the
    gradients `loss_and_grads` returns), the rule runs once on the whole flat buffers."""

    name = ""
    buffer_names: tuple[str, ...] = ()

    def __init__(self, lr: float, **hyper: float):
        self.lr = float(lr)
        for key, value in hyper.items():
            setattr(self, key, float(value))
        self.t = 0  # steps taken
        self.buffers: dict[str, list[np.ndarray]] | None = None
        self._layout = None  # the flat layout the buffers are views of (see _flat_buffers)
        self._flat: list[np.ndarray] = []
        self._one: tuple | None = None  # step_flat: its array, buffers and scratch
        self._temps: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def _init_buffers(self, params):
        self.buffers = {b: [np.zeros_like(p) for p in params] for b in self.buffer_names}
        self._layout = self._one = None

    def step_flat(self, p: np.ndarray, g: np.ndarray) -> None:
        """`step([p], [g])` for one parameter array (a model's `flat`) and its gradient, with
        less overhead: what the trainers call every step."""
        one = self._one
        if one is None or one[0] is not p:
            if self.buffers is None:
                self._init_buffers([p])
            if any(len(v) != 1 or v[0].shape != p.shape for v in self.buffers.values()):
                self.step([p], [g])  # buffers of another layout: the general path
                return
            one = self._one = (p, [self.buffers[b][0] for b in self.buffer_names],
                               *self._scratch(p.shape))
        self.t += 1
        self._kernel(p, g, one[1], one[2], one[3])

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        layout = getattr(params, "layout", None)
        if layout is not None and getattr(grads, "layout", None) is layout:
            if self._layout is not layout:
                self._flat_buffers(params)
            self.t += 1
            self._kernel(params.flat, grads.flat, self._flat, *self._flat_scratch)
            return
        if self.buffers is None:
            self._init_buffers(params)
        self.t += 1
        self._update(params, grads)

    def _flat_buffers(self, params) -> None:
        """Buffers as views of one flat array each, laid out as the flat buffer `params`
        views (`params.layout`: (start, stop, shape) of each), keeping their values."""
        n, layout = params.flat.size, params.layout
        old = self.buffers
        self._flat = [np.zeros(n) for _ in self.buffer_names]
        self.buffers, self._one = {}, None
        for name, flat in zip(self.buffer_names, self._flat, strict=True):
            views = [flat[a:b].reshape(shape) for a, b, shape in layout]
            if old is not None:
                for v, b in zip(views, old[name], strict=True):
                    v[...] = b
            self.buffers[name] = views
        self._layout = layout
        self._flat_scratch = self._scratch(params.flat.shape)

    def _scratch(self, shape) -> tuple[np.ndarray, np.ndarray]:
        temps = self._temps.get(shape)
        if temps is None:
            if len(self._temps) > 64:
                self._temps.clear()
            temps = self._temps[shape] = (np.empty(shape), np.empty(shape))
        return temps

    def _update(self, params, grads):
        bufs = [self.buffers[b] for b in self.buffer_names]
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            t1, t2 = self._scratch(p.shape)
            self._kernel(p, g, [b[i] for b in bufs], t1, t2)

    def _kernel(self, p, g, bufs, t1, t2):
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Step count and buffers (copies), enough to resume bit-identically."""
        bufs = {k: [b.copy() for b in v] for k, v in (self.buffers or {}).items()}
        return {"t": self.t, "buffers": bufs if self.buffers is not None else None}

    def load_state_dict(self, state: dict) -> None:
        self.t = int(state["t"])
        bufs = state["buffers"]
        self.buffers = None if bufs is None else {k: [b.copy() for b in v] for k, v in bufs.items()}
        self._layout = self._one = None


# Each rule below computes the formula in its docstring with the same operations in the same
# order as `p -= lr * g` etc. written with temporaries, so the numbers are the same to the bit
# (except Adam's lr * m_hat, one call instead of two: the same to rounding).
mul, add, sub, div, sqrt = np.multiply, np.add, np.subtract, np.divide, np.sqrt  # out by position


class SGD(Optimizer):
    """p -= lr * g."""

    name = "sgd"

    def _kernel(self, p, g, bufs, t1, t2):
        mul(g, self.lr, t1)
        sub(p, t1, p)


class Momentum(Optimizer):
    """torch.optim.SGD with momentum (dampening 0): b = mu*b + g; p -= lr*b (nesterov: g + mu*b)."""

    name = "momentum"
    buffer_names = ("momentum_buffer",)
    nesterov = False

    def _kernel(self, p, g, bufs, t1, t2):
        b, mu = bufs[0], self.momentum
        if self.t == 1:
            np.copyto(b, g)
        else:
            mul(b, mu, b)
            add(b, g, b)
        if self.nesterov:
            mul(b, mu, t1)
            add(g, t1, t1)
            mul(t1, self.lr, t1)
        else:
            mul(b, self.lr, t1)
        sub(p, t1, p)


class Nesterov(Momentum):
    name = "nesterov"
    nesterov = True


class RMSprop(Optimizer):
    """v = alpha*v + (1-alpha)*g^2; p -= lr * g / (sqrt(v) + eps)."""

    name = "rmsprop"
    buffer_names = ("square_avg",)

    def _kernel(self, p, g, bufs, t1, t2):
        v, alpha = bufs[0], self.alpha
        mul(v, alpha, v)
        mul(g, g, t1)
        mul(t1, 1.0 - alpha, t1)
        add(v, t1, v)
        _scaled_step(p, g, v, self.lr, self.eps, t1, t2)


def _scaled_step(p, g, s, lr, eps, t1, t2):
    """p -= lr * g / (sqrt(s) + eps)."""
    mul(g, lr, t1)
    sqrt(s, t2)
    add(t2, eps, t2)
    div(t1, t2, t1)
    sub(p, t1, p)


class Adagrad(Optimizer):
    """s += g^2; p -= lr * g / (sqrt(s) + eps)."""

    name = "adagrad"
    buffer_names = ("sum",)

    def _kernel(self, p, g, bufs, t1, t2):
        s = bufs[0]
        mul(g, g, t1)
        add(s, t1, s)
        _scaled_step(p, g, s, self.lr, self.eps, t1, t2)


class Adam(Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * m_hat / (sqrt(v_hat) + eps)."""

    name = "adam"
    buffer_names = ("exp_avg", "exp_avg_sq")
    decoupled = False

    def _kernel(self, p, g, bufs, t1, t2):
        m, v = bufs
        lr, b1, b2 = self.lr, self.beta1, self.beta2
        if self.decoupled:
            mul(p, 1.0 - lr * self.weight_decay, p)
        mul(m, b1, m)
        mul(g, 1.0 - b1, t1)
        add(m, t1, m)
        mul(v, b2, v)
        mul(g, g, t1)
        mul(t1, 1.0 - b2, t1)
        add(v, t1, v)
        mul(m, lr / (1.0 - b1**self.t), t1)  # lr * m_hat in one call (to rounding)
        div(v, 1.0 - b2**self.t, t2)
        sqrt(t2, t2)
        add(t2, self.eps, t2)
        div(t1, t2, t1)
        sub(p, t1, p)


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
