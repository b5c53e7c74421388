"""Comparisons: runs that differ in one setting, built from one base config of one kind of
experiment (ui/compare/kinds: 2-D points, digits, ...).

Every run gets the same seed, so the same data, the same data order and (wherever the shapes
match) the same starting weights; only the varied setting differs. Plain functions and data:
the page and the lockstep runner use them, and they are tested without Streamlit.
"""

import csv
import io
import math
from dataclasses import dataclass, field, replace

from engine import Config
from engine.config import MAX_VALUES
from engine.fields import MAX_PARAMETERS
from engine.images import ImageConfig

from .kinds import KINDS, PRESETS, Kind, Preset, Variable
from .kinds.base import epochs_to_reach
from .kinds.points import VARIABLES

__all__ = ["KINDS", "PRESETS", "VARIABLES", "Comparison", "Kind", "Preset", "Variable",
           "epochs_to_reach", "kind_of", "preset_config", "results_csv", "results_row",
           "run_configs"]


def kind_of(settings) -> str:
    """The kind of experiment a settings object belongs to."""
    return next(k.name for k in KINDS.values() if isinstance(settings, k.settings)
                and (k.accepts is None or k.accepts(settings)))


def preset_config(name: str):
    """(base settings, variable, values) of preset `name`."""
    p = PRESETS[name]
    return KINDS[p.kind].settings(**p.base), p.variable, list(p.values)


QUERY_KEYS = ("vary", "values", "target", "kind")  # URL keys beside the base settings
# Weights and biases of a comparison's runs together (one session holds them all at once);
# their points times hidden neurons together are held to one run's limit, MAX_VALUES.
MAX_TOTAL_PARAMETERS = 2 * MAX_PARAMETERS
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
    def start(cls, kind: str) -> "Comparison":
        """Where a comparison of `kind` starts: its first demo, or its defaults varying its
        first variable."""
        k = KINDS[kind]
        if k.default_preset is not None:
            return cls.preset(k.default_preset)
        var = next(iter(k.variables.values()))
        return cls(k.settings(), var.name, tuple(var.defaults),
                   **({"target": k.target} if k.target is not None else {}))

    @classmethod
    def preset(cls, name: str) -> "Comparison":
        base, variable, values = preset_config(name)
        target = KINDS[PRESETS[name].kind].target
        return cls(base, variable, tuple(values),
                   **({"target": target} if target is not None else {}))

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
            default = cls.start(kind)
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
        why = ""
        try:
            v = var.parse(part.strip())
            if variable != "hidden" and part.strip() == "":
                raise ValueError
            try:
                var.apply(KINDS[kind].settings(), v)  # a value no settings accept: reported
            except ValueError as e:
                why = f" ({str(e)[:200]})"
                raise
        except (ValueError, TypeError):
            warnings.append(f"values: could not use {part[:40]!r} for {var.label.lower()}{why}")
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
    total = sum(c.parameters() for c in out)
    if total > MAX_TOTAL_PARAMETERS:
        raise ValueError(f"the runs' networks have {total:,} weights and biases together, over "
                         f"the limit of {MAX_TOTAL_PARAMETERS:,} for one comparison: compare "
                         "smaller networks or fewer values")
    held = sum(c.pass_values() for c in out if isinstance(c, Config))
    if held > MAX_VALUES:
        raise ValueError(f"the runs' points times hidden neurons make {held:,} values together, "
                         f"over the limit of {MAX_VALUES:,} for one comparison: use fewer "
                         "points, neurons or values")
    return out


def results_row(label: str, t, target: float) -> dict:
    """One line of the results table for a run, as its kind writes it."""
    return KINDS[kind_of(t.config)].row(label, t, target)


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
