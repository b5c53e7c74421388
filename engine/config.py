"""The frozen, validated description of a run; it round-trips through a dict, JSON and a URL."""

import json
import math
import numbers
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .activations import ACTIVATIONS, OUTPUTS
from .datasets import DATASETS, FEATURES
from .initializers import INITIALIZERS
from .losses import DEFAULT_LOSS, LOSSES
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES

CUSTOM = "custom"  # dataset name for user data (CSV or clicked points), passed to the Trainer

# Settings that apply to a running trainer without touching its weights; the rest rebuild it.
LIVE_FIELDS = frozenset({
    "optimizer", "lr", "momentum", "alpha", "beta1", "beta2", "eps", "weight_decay",
    "batch_size", "l1", "l2", "dropout", "schedule", "lr_decay", "lr_period",
    "early_stopping", "patience", "max_epochs", "target_loss", "eval_every",
})

# name -> (type, low, high), inclusive.
_RANGES: dict[str, tuple[type, float, float]] = {
    "n_samples": (int, 10, 20_000),
    "noise": (float, 0.0, 0.5),
    "train_ratio": (float, 0.1, 0.9),
    "n_classes": (int, 2, 8),
    "lr": (float, 1e-6, 100.0),
    "momentum": (float, 0.0, 0.999),
    "alpha": (float, 0.0, 0.9999),
    "beta1": (float, 0.0, 0.999),
    "beta2": (float, 0.0, 0.99999),
    "eps": (float, 1e-12, 1e-3),
    "weight_decay": (float, 0.0, 1.0),
    "batch_size": (int, 1, 20_000),
    "l1": (float, 0.0, 10.0),
    "l2": (float, 0.0, 10.0),
    "lr_decay": (float, 1e-3, 1.0),
    "lr_period": (int, 1, 1_000_000),
    "patience": (int, 1, 1_000_000),
    "max_epochs": (int, 0, 100_000_000),
    "target_loss": (float, 0.0, 1e6),
    "eval_every": (int, 1, 1_000_000),
    "seed": (int, 0, 2**32 - 1),
}
MAX_LAYERS, MAX_WIDTH = 32, 1024
TASK_OUTPUTS = {
    "binary": ("sigmoid", "tanh", "linear"),
    "multiclass": ("softmax",),
    "regression": ("linear", "tanh"),
}
DEFAULT_OUTPUT = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


# Settings validated against each other: `lenient` applies those given together at once.
_GROUPS = (("dataset", "output", "loss"), ("hidden", "activation", "dropout"))


def _choice(name: str, value: Any, options) -> None:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of: {', '.join(options)} (got {value!r})")


def _is_number(value: Any) -> bool:
    """A real number (Python's or NumPy's), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return _is_number(value) and (isinstance(value, numbers.Integral)
                                  or float(value).is_integer())


def _show(value: int | float) -> str:
    """A number as short text that reads back exactly."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if float(text) == value else repr(value)


def _number(name: str, value: Any) -> float | int:
    kind, low, high = _RANGES[name]
    if not _is_number(value):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if isinstance(value, numbers.Integral):
        value = int(value)  # exact however large; float() of a huge int would overflow
    elif not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    elif kind is int and not _is_whole(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {_show(low)} and {_show(high)}, "
                         f"not {_show(value)}")
    return int(value) if kind is int else float(value)


@dataclass(frozen=True)
class Config:
    """Everything that defines a run. Invalid values raise ValueError with a readable message."""

    # data
    dataset: str = "circle"
    n_samples: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    n_classes: int = 3
    features: tuple[str, ...] = ("x1", "x2")
    # network
    hidden: tuple[int, ...] = (4, 2)
    activation: str | tuple[str, ...] = "tanh"
    output: str = "auto"
    loss: str = "auto"
    init: str = "xavier_uniform"
    # training
    optimizer: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None  # None: the optimizer's own default
    weight_decay: float = 0.01
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    dropout: float | tuple[float, ...] = 0.0
    schedule: str = "constant"
    lr_decay: float = 0.5
    lr_period: int = 100
    early_stopping: bool = False
    patience: int = 50
    max_epochs: int = 0  # 0: no budget
    target_loss: float = 0.0  # 0: none
    eval_every: int = 1  # record history (and check stop conditions) every k epochs
    seed: int = 0

    def __post_init__(self):
        set_ = object.__setattr__
        for name in _RANGES:
            value = getattr(self, name)
            if not (name == "eps" and value is None):
                set_(self, name, _number(name, value))
        _choice("dataset", self.dataset, [*DATASETS, CUSTOM])
        feats = self.features
        if not isinstance(feats, list | tuple) or not all(isinstance(f, str) for f in feats):
            raise ValueError("features must be a list of feature names")
        feats = tuple(feats)
        if not feats:
            raise ValueError("choose at least one input feature")
        for f in feats:
            _choice("each feature", f, FEATURES)
        if len(set(feats)) != len(feats):
            raise ValueError("each input feature may appear only once")
        set_(self, "features", feats)
        self._check_network()
        _choice("output", self.output, ["auto", *OUTPUTS])
        _choice("loss", self.loss, ["auto", *LOSSES])
        if self.loss != "auto" and self.output != "auto":
            if self.output not in LOSSES[self.loss].outputs:
                raise ValueError(f"the {self.loss} loss cannot follow a {self.output} output")
        if self.dataset != CUSTOM:
            # Checks the output against the task, and the loss against the output 'auto' gives.
            self.resolve_output(DATASETS[self.dataset].task)
        _choice("init", self.init, INITIALIZERS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        if not isinstance(self.early_stopping, bool):
            raise ValueError(f"early_stopping must be true or false, not {self.early_stopping!r}")

    def _check_network(self):
        set_ = object.__setattr__
        hidden = self.hidden
        if not isinstance(hidden, list | tuple):
            raise ValueError("hidden must be a list of layer widths, e.g. [4, 2]")
        if not all(_is_whole(h) for h in hidden):
            raise ValueError(f"hidden must be a list of whole numbers, not {self.hidden!r}")
        hidden = tuple(int(h) for h in hidden)
        if len(hidden) > MAX_LAYERS or any(not 1 <= h <= MAX_WIDTH for h in hidden):
            raise ValueError(f"at most {MAX_LAYERS} hidden layers of 1 to {MAX_WIDTH} neurons each"
                             f" (got {list(hidden)})")
        set_(self, "hidden", hidden)
        act = self.activation
        if not isinstance(act, list | tuple):
            _choice("activation", act, ACTIVATIONS)
        else:
            act = tuple(act)
            if len(act) != len(hidden):
                raise ValueError(f"give one activation for all layers or one per hidden layer "
                                 f"({len(hidden)}), not {len(act)}")
            for a in act:
                _choice("activation", a, ACTIVATIONS)
            set_(self, "activation", act)
        drop = self.dropout
        per_layer = isinstance(drop, list | tuple)
        rates = list(drop) if per_layer else [drop]
        if per_layer and len(rates) != len(hidden):
            raise ValueError(f"give one dropout rate for all layers or one per hidden layer "
                             f"({len(hidden)}), not {len(rates)}")
        for r in rates:
            if not _is_number(r) or not 0.0 <= r <= 0.9:
                raise ValueError(f"dropout must be between 0 and 0.9, not {r!r}")
        set_(self, "dropout", tuple(float(r) for r in rates) if per_layer else float(drop))

    # --- derived ------------------------------------------------------------------------
    @property
    def activations(self) -> list[str]:
        a = self.activation
        return [a] * len(self.hidden) if isinstance(a, str) else list(a)

    @property
    def dropouts(self) -> list[float]:
        d = self.dropout
        return [d] * len(self.hidden) if isinstance(d, float) else list(d)

    def resolve_output(self, task: str) -> tuple[str, str]:
        """(output activation, loss) for `task`, filling in 'auto'."""
        out = DEFAULT_OUTPUT[task] if self.output == "auto" else self.output
        if out not in TASK_OUTPUTS[task]:
            raise ValueError(f"a {task} problem needs a {' or '.join(TASK_OUTPUTS[task])} "
                             f"output, not {out}")
        loss = DEFAULT_LOSS[out] if self.loss == "auto" else self.loss
        if out not in LOSSES[loss].outputs:
            raise ValueError(f"the {loss} loss cannot follow a {out} output")
        return out, loss

    def optimizer_hyper(self) -> dict[str, float]:
        """The hyperparameters the chosen optimizer takes, from this config."""
        spec = OPTIMIZERS[self.optimizer]
        return {k: getattr(self, k) for k in spec.hyper if getattr(self, k) is not None}

    # --- round trips ----------------------------------------------------------------------
    def replace(self, **changes) -> "Config":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Config":
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Config":
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"not a valid config file (JSON error: {e.msg} at line {e.lineno})")\
                from None
        if not isinstance(d, dict):
            raise ValueError("not a valid config file: expected a JSON object of settings")
        return cls.from_dict(d)

    @classmethod
    def lenient(cls, d: dict, base: "Config | None" = None) -> tuple["Config", list[str]]:
        """Apply the valid settings of `d` on `base` (defaults); return the config and one warning
        per setting that was unknown or invalid and so left at its previous value."""
        config = base or cls()
        names = [f.name for f in fields(cls)]
        warnings = [f"unknown setting '{k}' was ignored" for k in d if k not in names]
        known = sorted((k for k in d if k in names), key=names.index)
        group_of = {k: g for g in _GROUPS for k in g}
        done: set[str] = set()
        for key in known:
            if key in done:
                continue
            group = [k for k in known if k in group_of.get(key, (key,))]
            done.update(group)
            if len(group) > 1:  # e.g. a new dataset with the loss it needs
                try:
                    config = replace(config, **{k: d[k] for k in group})
                    continue
                except (ValueError, TypeError):
                    pass
            for k in group:
                try:
                    config = replace(config, **{k: d[k]})
                except (ValueError, TypeError) as e:
                    warnings.append(f"{k}: {e}; kept {getattr(config, k)!r}")
        return config, warnings

    def to_query(self) -> dict[str, str]:
        """Every setting as URL query text: lists comma-separated, booleans true/false. A
        per-layer list of one gets a trailing comma, to tell it from one value for all layers."""
        out = {}
        for k, v in self.to_dict().items():
            if v is None:
                continue
            if isinstance(v, list):
                one = len(v) == 1 and k in ("activation", "dropout")
                v = ",".join(str(x) for x in v) + ("," if one else "")
            elif isinstance(v, bool):
                v = "true" if v else "false"
            out[k] = str(v)
        return out

    @classmethod
    def from_query(cls, query: dict[str, str], base: "Config | None" = None):
        """Parse URL query text leniently: (config, warnings); bad values keep the defaults."""
        parsed, warnings = {}, []
        types = {f.name: f.type for f in fields(cls)}
        for k, text in query.items():
            if k not in types:
                parsed[k] = text  # reported as unknown by lenient()
                continue
            try:
                parsed[k] = _parse_query_value(k, str(text), cls())
            except (ValueError, OverflowError):
                warnings.append(f"{k}: could not read {str(text)[:40]!r}; kept the default")
        config, more = cls.lenient(parsed, base)
        return config, warnings + more


def _parse_query_value(key: str, text: str, defaults: Config):
    default = getattr(defaults, key)
    parts = [p for p in text.split(",") if p != ""]
    if key in ("features", "hidden"):
        return tuple(int(p) for p in parts) if key == "hidden" else tuple(parts)
    if key in ("activation", "dropout"):
        conv = float if key == "dropout" else str
        if text and "," not in text:
            return conv(text)  # one value for all layers
        return tuple(conv(p) for p in parts)
    if isinstance(default, bool):
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return text.lower() in ("true", "1")
    if key in _RANGES:
        value = float(text)
        return int(value) if _RANGES[key][0] is int and value == int(value) else value
    return text
