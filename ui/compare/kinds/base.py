"""What a kind of experiment gives the Compare page: the settings it varies (`Variable`), its
classroom demos (`Preset`), and the rest of what the page needs to build, draw and score its
runs (`Kind`). Each kind is a module of this package; the page and the model are generic."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine import DIVERGED
from ui.charts.base import thin

MAX_CURVE = 300  # points per curve a comparison draws


@dataclass(frozen=True)
class Variable:
    """A setting a comparison can vary: how to apply a value and how to show it."""

    name: str
    label: str
    options: list  # values offered by the picker
    apply: Callable  # (settings, value) -> settings
    show: Callable[[object], str] = str
    parse: Callable[[str], object] = str
    defaults: tuple = ()  # the values offered when the user picks this variable
    text: Callable[[object], str] = str  # the value in a URL
    order: Callable[[object], object] | None = None  # runs are sorted by this, if given


@dataclass(frozen=True)
class Preset:
    """A classroom demo: settings that differ from the kind's defaults, what varies, and one
    line on what to watch."""

    label: str
    base: dict
    variable: str
    values: tuple
    note: str
    kind: str = "points"


@dataclass(frozen=True)
class Kind:
    """A kind of experiment Compare runs.

    `settings` is its settings class and `build` its trainer; `variables` what a comparison may
    vary and `presets` its demos. The sidebar draws a field widget for each of `shared` and a
    text box of widths for each of `widths`, under keys "<prefix>.<name>". `snapshot(trainers,
    labels)` copies what the charts need (under the runner's lock), `figures(snap, run_id)`
    returns the main chart under the key `top`, `row(label, trainer, target)` is a line of the
    results table and `caption(comparison)` says what the runs share."""

    name: str
    label: str
    help: str
    settings: type
    build: Callable
    variables: dict[str, Variable]
    presets: dict[str, Preset]
    shared: tuple[str, ...]
    prefix: str
    top: str
    snapshot: Callable
    figures: Callable
    row: Callable
    caption: Callable
    widths: tuple[str, ...] = ()
    default_preset: str | None = None  # where a switch to this kind starts (None: defaults)
    # Optional hooks. `accepts(settings)` tells this kind's settings from another kind's of the
    # same class (e.g. recurrent and transformer runs of one sequence trainer):
    accepts: Callable | None = None
    widget_value: Callable = getattr  # (settings, name) -> what its widget holds
    adjust: Callable | None = None  # (base, shared values) -> shared values to apply
    hidden: Callable | None = None  # (values so far) -> names whose widget is left out
    options: dict = field(default_factory=dict)  # a setting's widget offers only these
    from_playground: bool = False  # offers "Use the playground's settings"
    start_gradients: bool = False  # shows the gradient per layer at the start
    target: float | None = None  # the target loss its comparisons start with (None: the page's)


def num(v) -> str:
    return f"{float(v):g}"


def flag(text: str) -> bool:
    if text.strip().lower() not in ("true", "false", "1", "0", "on", "off"):
        raise ValueError(text)
    return text.strip().lower() in ("true", "1", "on")


def widths_of(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in str(text).strip("[]() ").replace(";", ",").split(",")
                 if x.strip())


def epochs_to_reach(epochs: list, losses: list, target: float) -> int | None:
    """First recorded epoch whose test loss is at or below `target` (None if never)."""
    return next((int(e) for e, v in zip(epochs, losses, strict=True) if v <= target), None)


def status_text(t) -> str:
    """A run's status for the results table; a divergence says why."""
    return t.status if t.status != DIVERGED else f"diverged: {t.status_reason}"


def curves(t, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Run `t`'s history columns `keys`, thinned to at most MAX_CURVE points (call under the
    runner's lock: a copy)."""
    h = t.history
    idx = thin(len(h), MAX_CURVE)
    return {k: h.column(k, idx).astype(np.float64) for k in keys}


def ms_per_epoch(t) -> float:
    """Training time per epoch so far, in ms (NaN before the first epoch)."""
    return 1000.0 * t.train_time / t.epoch if t.epoch else math.nan
