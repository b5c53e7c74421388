"""Comparisons: runs that differ in one setting, built from one base config.

Every run gets the same seed, so the same data, the same data order and (wherever the shapes
match) the same starting weights; only the varied setting differs. Plain functions and data:
the page and the lockstep runner use them, and they are tested without Streamlit.
"""

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from engine import ACTIVATIONS, DIVERGED, INITIALIZERS, OPTIMIZERS, Config, Trainer
from engine.config import LEARNING_RATES
from engine.data.scaling import SCALERS
from engine.images import LEARNING_RATES as IMAGE_RATES
from engine.images import ImageConfig, ImageTrainer


@dataclass(frozen=True)
class Variable:
    """A setting a comparison can vary: how to apply a value and how to show it."""

    name: str
    label: str
    options: list  # values offered by the picker
    apply: Callable[[Config, object], Config]
    show: Callable[[object], str] = str
    parse: Callable[[str], object] = str
    defaults: tuple = ()  # the values offered when the user picks this variable
    text: Callable[[object], str] = str  # the value in a URL
    order: Callable[[object], object] | None = None  # runs are sorted by this, if given


def _num(v) -> str:
    return f"{float(v):g}"


def hidden_text(h) -> str:
    return "[" + ", ".join(str(x) for x in h) + "]" if h else "[] (linear)"


def parse_hidden(text: str) -> tuple[int, ...]:
    text = text.strip("[]() ")
    return tuple(int(x) for x in text.replace(";", ",").split(",") if x.strip())


VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("activation", "Activation", list(ACTIVATIONS),
             lambda c, v: c.replace(activation=v), lambda v: ACTIVATIONS[v].label,
             defaults=("relu", "tanh", "sigmoid")),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS),
             lambda c, v: c.replace(optimizer=v), lambda v: OPTIMIZERS[v].label,
             defaults=("sgd", "momentum", "adam")),
    Variable("lr", "Learning rate", list(LEARNING_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.03, 1.0), _num, float),
    Variable("init", "Initializer", list(INITIALIZERS), lambda c, v: c.replace(init=v),
             lambda v: INITIALIZERS[v].label, defaults=("zeros", "xavier_uniform")),
    Variable("hidden", "Depth and width",
             [(), (4,), (8,), (4, 4), (8, 8), (8, 8, 8), (16, 16), (8, 8, 8, 8, 8, 8)],
             lambda c, v: c.replace(hidden=tuple(v), activation=one_activation(c),
                                    dropout=one_dropout(c)),
             hidden_text, parse_hidden, ((), (8,), (8, 8, 8)),
             lambda v: ",".join(str(x) for x in v), lambda v: (len(v), sum(v), tuple(v))),
    Variable("batch_size", "Batch size", [1, 5, 10, 25, 50, 100, 250, 1000],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int,
             (1, 10, 100), str, int),
    Variable("l2", "L2 rate", [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
             lambda c, v: c.replace(l2=float(v)), lambda v: f"L2 {v:g}", float,
             (0.0, 0.001, 0.01), _num, float),
    Variable("dropout", "Dropout", [0.0, 0.1, 0.2, 0.3, 0.5],
             lambda c, v: c.replace(dropout=float(v)), lambda v: f"dropout {v:g}", float,
             (0.0, 0.2, 0.5), _num, float),
    Variable("scale", "Input scaling", list(SCALERS), lambda c, v: c.replace(scale=v),
             lambda v: SCALERS[v].label, str, ("none", "standard", "minmax")),
]}


def _flag(text: str) -> bool:
    if text.strip().lower() not in ("true", "false", "1", "0", "on", "off"):
        raise ValueError(text)
    return text.strip().lower() in ("true", "1", "on")


def widths_of(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in str(text).strip("[]() ").replace(";", ",").split(",")
                 if x.strip())


# What a digits comparison can vary: the network, the random shifts, the filters, training.
DIGIT_VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("model", "Network (MLP or CNN)", ["mlp", "cnn"],
             lambda c, v: c.replace(model=v), lambda v: {"mlp": "MLP", "cnn": "CNN"}[v],
             defaults=("mlp", "cnn")),
    Variable("augment", "Random shifts", [False, True], lambda c, v: c.replace(augment=bool(v)),
             lambda v: "random shifts" if v else "no shifts", _flag, (False, True),
             lambda v: "true" if v else "false", lambda v: bool(v)),
    Variable("filters", "Filters (CNN)", [(2,), (4,), (8,), (16,), (8, 16), (16, 16)],
             lambda c, v: c.replace(model="cnn", filters=tuple(v)),
             lambda v: "filters " + ", ".join(str(x) for x in v), widths_of,
             ((2,), (8,), (16,)), lambda v: ",".join(str(x) for x in v),
             lambda v: (len(v), sum(v), tuple(v))),
    Variable("optimizer", "Optimizer", list(OPTIMIZERS),
             lambda c, v: c.replace(optimizer=v), lambda v: OPTIMIZERS[v].label,
             defaults=("sgd", "adam")),
    Variable("lr", "Learning rate", list(IMAGE_RATES), lambda c, v: c.replace(lr=float(v)),
             lambda v: f"lr {v:g}", float, (0.001, 0.01, 0.1), _num, float),
    Variable("batch_size", "Batch size", [8, 16, 32, 64, 128, 256],
             lambda c, v: c.replace(batch_size=int(v)), lambda v: f"batch {v}", int,
             (8, 32, 128), str, int),
    Variable("dropout", "Dropout", [0.0, 0.1, 0.2, 0.3, 0.5],
             lambda c, v: c.replace(dropout=float(v)), lambda v: f"dropout {v:g}", float,
             (0.0, 0.3), _num, float),
]}


@dataclass(frozen=True)
class Kind:
    """A kind of experiment Compare runs: its settings, its trainer and what it can vary."""

    name: str
    label: str
    settings: type
    build: Callable
    variables: dict[str, Variable]


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("points", "2-D points", Config, Trainer, VARIABLES),
    Kind("digits", "Digits", ImageConfig, ImageTrainer, DIGIT_VARIABLES),
]}


def kind_of(settings) -> str:
    """The kind of experiment a settings object belongs to."""
    return next(k.name for k in KINDS.values() if isinstance(settings, k.settings))


def one_activation(c: Config) -> str:
    """The activation of `c`'s first hidden layer (or its one activation), for a network of
    another depth."""
    acts = c.activations
    return acts[0] if acts else (c.activation if isinstance(c.activation, str) else "tanh")


def one_dropout(c: Config) -> float:
    """The largest dropout rate of `c`, for a network of another depth."""
    return max(c.dropouts) if c.dropouts else 0.0


@dataclass(frozen=True)
class Preset:
    label: str
    base: dict  # settings that differ from the defaults of the kind
    variable: str
    values: tuple
    note: str
    kind: str = "points"


PRESETS: dict[str, Preset] = {
    "activations": Preset("ReLU vs tanh vs sigmoid on spiral",
                          {"dataset": "spiral", "hidden": (8, 8, 8), "optimizer": "adam",
                           "lr": 0.01, "features": ("x1", "x2")},
                          "activation", ("relu", "tanh", "sigmoid"),
                          "Same network and starting weights; only the activation differs."),
    "optimizers": Preset("SGD vs momentum vs Adam",
                         {"dataset": "spiral", "hidden": (8, 8), "lr": 0.01,
                          "features": ("x1", "x2", "sin_x1", "sin_x2")},
                         "optimizer", ("sgd", "momentum", "adam"),
                         "Same learning rate for all three: momentum and Adam move faster."),
    "learning_rates": Preset("Learning rate too small / right / too large",
                             {"dataset": "circle", "hidden": (4, 2), "batch_size": 10},
                             "lr", (0.0003, 0.03, 10.0),
                             "Too small crawls, too large jumps around or blows up."),
    "init": Preset("Zero init vs random init",
                   {"dataset": "xor", "hidden": (4, 4), "activation": "sigmoid"},
                   "init", ("zeros", "xavier_uniform"),
                   "With zeros, every neuron of a layer gets the same gradient and stays a copy "
                   "of the others, so each layer acts as one neuron. (Sigmoid here: with tanh, "
                   "whose value at 0 is 0, no weight would move at all.)"),
    "vanishing": Preset("Deep sigmoid: vanishing gradients",
                        {"dataset": "circle", "hidden": (8, 8, 8, 8, 8, 8), "lr": 0.1,
                         "activation": "sigmoid"},
                        "activation", ("sigmoid", "relu", "tanh"),
                        "Open 'Gradient per layer at the start': sigmoid's first layer gets "
                        "hundreds of times less gradient than its last, and than ReLU's or "
                        "tanh's first, so its early layers barely learn."),
    "dropout": Preset("Dropout vs none on noisy data",
                      {"dataset": "spiral", "noise": 0.35, "n_samples": 300,
                       "hidden": (16, 16, 16), "optimizer": "adam", "lr": 0.01,
                       "train_ratio": 0.5},
                      "dropout", (0.0, 0.3),
                      "Without dropout the training loss keeps falling while the test loss "
                      "turns up; dropout narrows the gap."),
    "scaling": Preset("Scaled inputs vs raw ones on wine",
                      {"dataset": "wine", "hidden": (4, 2), "optimizer": "adam", "lr": 0.03},
                      "scale", ("none", "standard", "minmax"),
                      "Proline runs into the thousands while alcohol stays near 13. Raw, the "
                      "largest columns swamp every weighted sum and the tanh neurons saturate; "
                      "scaled with the training points' statistics, every column counts."),
    "mlp_cnn": Preset("MLP vs CNN on shifted digits",
                      {"model": "cnn", "filters": (8, 16), "hidden": (64,), "max_epochs": 30},
                      "model", ("mlp", "cnn"),
                      "Both read the test digits well. Moved by a pixel or two, the digits "
                      "stump the MLP, whose weights belong to fixed pixels, more than the CNN, "
                      "whose filters slide: compare the dashed lines (shifted test set).",
                      kind="digits"),
    "shifts": Preset("Random shifts on and off (CNN)",
                     {"model": "cnn", "filters": (8, 16), "max_epochs": 30},
                     "augment", (False, True),
                     "Training digits moved at random by up to a pixel: a little lower on the "
                     "plain test set, far higher on the shifted one.", kind="digits"),
}


def preset_config(name: str):
    """(base settings, variable, values) of preset `name`."""
    p = PRESETS[name]
    return KINDS[p.kind].settings(**p.base), p.variable, list(p.values)


QUERY_KEYS = ("vary", "values", "target", "kind")  # URL keys beside the base settings
DEFAULT_TARGET = 0.1


@dataclass(frozen=True)
class Comparison:
    """A whole experiment: the shared base config, the varied setting and its values, and the
    target loss for "epochs to reach". Round-trips through the URL query."""

    base: Config | ImageConfig = field(default_factory=Config)
    variable: str = "activation"
    values: tuple = ("relu", "tanh", "sigmoid")
    target: float = DEFAULT_TARGET

    @property
    def kind(self) -> str:
        """'points' (a 2-D Config) or 'digits' (an ImageConfig)."""
        return kind_of(self.base)

    @property
    def variables(self) -> dict[str, Variable]:
        return KINDS[self.kind].variables

    def __post_init__(self):
        var = self.variables.get(self.variable)
        values = tuple(self.values)
        if var is not None and var.order is not None:
            try:
                values = tuple(sorted(values, key=var.order))  # runs in the order of the values
            except (TypeError, ValueError):
                pass  # values that cannot be ordered are reported by configs()
        object.__setattr__(self, "values", values)
        if not (self.target >= 0 and math.isfinite(self.target)):
            raise ValueError(f"the target loss must be 0 or more, not {self.target}")
        labels = self.labels()
        if len(set(labels)) != len(labels):
            raise ValueError("each value may appear only once")

    @classmethod
    def preset(cls, name: str) -> "Comparison":
        base, variable, values = preset_config(name)
        return cls(base, variable, tuple(values))

    def configs(self) -> list:
        return run_configs(self.base, self.variable, list(self.values))

    def labels(self) -> list[str]:
        var = self.variables.get(self.variable)
        show = var.show if var is not None else str
        try:
            return [show(v) for v in self.values]
        except (KeyError, TypeError, ValueError):
            return [str(v) for v in self.values]

    def to_query(self) -> dict[str, str]:
        q = self.base.to_query()
        text = self.variables[self.variable].text
        q.update(vary=self.variable, values=";".join(text(v) for v in self.values),
                 target=f"{self.target:g}")
        if self.kind != "points":
            q["kind"] = self.kind
        return q

    @classmethod
    def from_query(cls, query: dict[str, str], default: "Comparison | None" = None):
        """Parse a URL query leniently: (comparison, warnings). What cannot be read keeps the
        default's value, and the result is always a valid comparison."""
        warnings = []
        kind = query.get("kind", "points")
        if kind not in KINDS:
            warnings.append(f"kind: no comparison of {kind[:40]!r}; opened 2-D points")
            kind = "points"
        if default is None or default.kind != kind:
            default = cls() if kind == "points" else cls.preset(next(
                n for n, p in PRESETS.items() if p.kind == kind))
        variables = KINDS[kind].variables
        base, more = KINDS[kind].settings.from_query(
            {k: v for k, v in query.items() if k not in QUERY_KEYS}, default.base)
        warnings += more
        variable, values, usable = default.variable, default.values, True
        if "vary" in query:
            if query["vary"] in variables:
                variable = query["vary"]
                values = variables[variable].defaults
            else:
                usable = False  # values meant for an unknown setting: ignore them
                warnings.append(f"vary: cannot vary {query['vary'][:40]!r}; "
                                f"kept {default.variable}")
        if "values" in query and usable:
            parsed = _parse_values(kind, variable, query["values"], warnings)
            if 2 <= len(parsed) <= 6:
                values = tuple(parsed)
            else:
                warnings.append(f"values: need 2 to 6 usable values, found {len(parsed)}; "
                                f"kept {', '.join(map(str, values))}")
        target = default.target
        if "target" in query:
            try:
                target = float(query["target"])
                if not (target >= 0 and math.isfinite(target)):
                    raise ValueError
            except ValueError:
                warnings.append(f"target: could not read {query['target'][:40]!r}; kept "
                                f"{default.target:g}")
                target = default.target
        try:
            cmp = cls(base, variable, values, target)
            cmp.configs()
        except ValueError as e:
            warnings.append(f"{e}; opened the default comparison")
            cmp = replace(default, base=base) if _fits(replace(default, base=base)) else default
        return cmp, warnings


def _fits(cmp: Comparison) -> bool:
    try:
        cmp.configs()
        return True
    except ValueError:
        return False


def _parse_values(kind: str, variable: str, text: str, warnings: list[str]) -> list:
    var, out = KINDS[kind].variables[variable], []
    for part in text.split(";"):
        try:
            v = var.parse(part.strip())
            if variable != "hidden" and part.strip() == "":
                raise ValueError
            var.apply(KINDS[kind].settings(), v)  # a value no settings accept: reported here
        except (ValueError, TypeError):
            warnings.append(f"values: could not use {part[:40]!r} for {var.label.lower()}")
            continue
        if v not in out:
            out.append(v)
    return out


def run_configs(base, variable: str, values: list) -> list:
    """One settings object per value of `variable` (for `base`'s kind of experiment);
    ValueError names the value that does not fit."""
    variables = KINDS[kind_of(base)].variables
    if variable not in variables:
        raise ValueError(f"cannot vary {variable!r}; choose one of: {', '.join(variables)}")
    if not 2 <= len(values) <= 6:
        raise ValueError(f"compare 2 to 6 values, not {len(values)}")
    var, out = variables[variable], []
    for v in values:
        try:
            out.append(var.apply(base, v))
        except ValueError as e:
            raise ValueError(f"{var.show(v)}: {e}") from None
    return out


def epochs_to_reach(epochs: list, losses: list, target: float) -> int | None:
    """First recorded epoch whose test loss is at or below `target` (None if never)."""
    return next((int(e) for e, v in zip(epochs, losses, strict=True) if v <= target), None)


def results_row(label: str, t, target: float) -> dict:
    """One line of the results table for a run."""
    if isinstance(t, ImageTrainer):
        return digits_row(label, t, target)
    h, last = t.history, t.history.last
    metric = "test_accuracy" if t.task != "regression" else "test_r2"
    test = h["test_loss"]
    best = min(test) if test else math.nan
    grads = t.gradient_norms()
    return {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": best,
        "accuracy" if t.task != "regression" else "R²": last.get(metric, math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": 1000.0 * t.train_time / t.epoch if t.epoch else math.nan,
        "dead neurons": t.dead_fraction(),
        "first-layer gradient": grads[0] if grads else math.nan,
        "status": t.status if t.status != DIVERGED else f"diverged: {t.status_reason}",
    }


def digits_row(label: str, t: ImageTrainer, target: float) -> dict:
    """One line of the results table for a digits run."""
    h, last = t.history, t.history.last
    test = h["test_loss"]
    return {
        "run": label,
        "epoch": t.epoch,
        "test loss": last.get("test_loss", math.nan),
        "best test loss": min(test) if test else math.nan,
        "accuracy": last.get("test_accuracy", math.nan),
        "shifted accuracy": last.get("shifted_accuracy", math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": 1000.0 * t.train_time / t.epoch if t.epoch else math.nan,
        "parameters": t.model.n_params,
        "status": t.status if t.status != DIVERGED else f"diverged: {t.status_reason}",
    }


def results_csv(rows: list[dict]) -> str:
    """The results table as CSV text (one line per run, columns as shown)."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
