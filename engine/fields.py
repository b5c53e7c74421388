"""Settings declared once.

A settings class (`Config`, and the configurations of the other trainers) is a frozen dataclass
made from a table of fields by `@settings(*fields)`. A field holds its type and its range or
options, its default, whether it applies live (to a running trainer, keeping the weights) or
rebuilds, the values a picker offers, its label and its help text. Validation, the dict, JSON and
URL round trips, the set of live settings and the pages' widgets all come from that table, so a
new setting is one entry. A settings class counts its networks' weights and biases from the
settings alone (`parameters`), and settings over MAX_PARAMETERS are refused before anything is
built.
"""

import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

MAX_PARAMETERS = 200_000  # weights and biases of a run's networks (about 1.6 MB per copy)
MAX_JSON = 1 << 20  # characters of a settings file


def is_number(value: Any) -> bool:
    """A real number (Python's or NumPy's), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_whole(value: Any) -> bool:
    return is_number(value) and (isinstance(value, numbers.Integral)
                                 or float(value).is_integer())


def show(value: int | float) -> str:
    """A number as short text that reads back exactly."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if float(text) == value else repr(value)


def dense_parameters(widths) -> int:
    """Weights and biases of dense layers from widths[0] through each next width."""
    widths = list(widths)
    return sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))


def shown(value: Any, quote: bool = True, limit: int = 40) -> str:
    """`value` as a message shows it: its repr (or str), cut to `limit` characters."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _parts(text: str) -> list[str]:
    return [p for p in text.split(",") if p != ""]


def _entry_text(options, labels, value, attr: str, default: str) -> str:
    """A registry entry's `attr` (label, description), or `labels[value]`, or `default`."""
    if labels and value in labels:
        return labels[value]
    entry = options.get(value) if isinstance(options, Mapping) else None
    return str(getattr(entry, attr, default))


# --- fields -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A setting: its name, default, label and help, and whether it applies live."""

    name: str
    default: Any
    label: str = ""
    help: str = ""
    live: bool = False

    def check(self, value: Any) -> Any:
        """The value in its canonical form; ValueError with a readable message if invalid."""
        return value

    def to_text(self, value: Any) -> str:
        """The value as URL query text."""
        return str(value)

    def from_text(self, text: str) -> Any:
        """URL query text back to a value (checked afterwards); ValueError if unreadable."""
        return text


@dataclass(frozen=True)
class Number(Field):
    """A number in [low, high]; whole when `integer`; None allowed when `optional` (it then
    means "the default of whatever uses it"). For the widget: `offered` lists the values a
    picker offers (any other value in range is accepted too), `slider` asks for a slider
    from low to high, and `step` is the slider's or number box's step."""

    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    optional: bool = False
    offered: tuple = ()
    slider: bool = False
    step: float | None = None

    def check(self, value):
        name = self.name
        if value is None and self.optional:
            return None
        if not is_number(value):
            raise ValueError(f"{name} must be a number, not {shown(value)}")
        if isinstance(value, numbers.Integral):
            value = int(value)  # exact however large; float() of a huge int would overflow
        elif not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, not {shown(value)}")
        elif self.integer and not is_whole(value):
            raise ValueError(f"{name} must be a whole number, not {shown(value)}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{name} must be between {show(self.low)} and {show(self.high)}, "
                             f"not {shown(show(value), False)}")
        return int(value) if self.integer else float(value)

    def from_text(self, text):
        value = float(text)
        return int(value) if self.integer and value == int(value) else value


@dataclass(frozen=True)
class Choice(Field):
    """One name out of `options` (a registry, or a sequence of names). `labels` maps a name
    to the text a picker shows."""

    options: Sequence[str] | Mapping = ()
    labels: Mapping[str, str] | None = None
    registry: Mapping | None = None  # entries with label and description (default: options)

    @property
    def names(self) -> list[str]:
        return list(self.options)

    def check(self, value):
        names = self.names
        if not isinstance(value, str) or value not in names:
            raise ValueError(f"{self.name} must be one of: {', '.join(names)} "
                             f"(got {shown(value)})")
        return value

    def show(self, value: str) -> str:
        """The text a picker shows for `value`."""
        return _entry_text(self.registry or self.options, self.labels, value, "label", value)

    def describe(self, value: str) -> str:
        """The registry's one-line description of `value` ("" if it has none)."""
        return _entry_text(self.registry or self.options, None, value, "description", "")


@dataclass(frozen=True)
class Flag(Field):
    """True or false."""

    def check(self, value):
        if not isinstance(value, bool):
            raise ValueError(f"{self.name} must be true or false, not {shown(value)}")
        return value

    def to_text(self, value):
        return "true" if value else "false"

    def from_text(self, text):
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return text.lower() in ("true", "1")


@dataclass(frozen=True)
class Text(Field):
    """A short line of printable text, at most `max_len` characters (e.g. the name of a data
    column; which names exist is known only with the data, so the user of the setting checks
    that)."""

    max_len: int = 100

    def check(self, value):
        if not isinstance(value, str):
            raise ValueError(f"{self.name} must be text, not {shown(value)}")
        if len(value) > self.max_len:
            raise ValueError(f"{self.name} must be at most {self.max_len} characters long")
        if not value.isprintable():
            raise ValueError(f"{self.name} must be printable text, not {value[:40]!r}")
        return value


@dataclass(frozen=True)
class Names(Field):
    """A list of distinct names out of `options`, at least one (e.g. the input features)."""

    options: Sequence[str] | Mapping = ()
    labels: Mapping[str, str] | None = None
    noun: str = "name"  # e.g. "input feature"

    def show(self, value: str) -> str:
        return _entry_text(self.options, self.labels, value, "label", value)

    def check(self, value):
        short = self.noun.split()[-1]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{self.name} must be a list of {short} names")
        value = tuple(value)
        if not value:
            raise ValueError(f"choose at least one {self.noun}")
        names = list(self.options)
        for v in value:
            if v not in names:
                raise ValueError(f"each {short} must be one of: {', '.join(names)} "
                                 f"(got {shown(v)})")
        if len(set(value)) != len(value):
            raise ValueError(f"each {self.noun} may appear only once")
        return value

    def to_text(self, value):
        return ",".join(value)

    def from_text(self, text):
        return tuple(_parts(text))


@dataclass(frozen=True)
class Widths(Field):
    """Layer widths: up to `max_len` whole numbers in [low, high] (e.g. the hidden layers)."""

    low: int = 1
    high: int = 1024
    max_len: int = 32
    layers: str = "hidden layers"  # what the widths are of, in messages
    unit: str = "neurons"

    def check(self, value):
        name = self.name
        if not isinstance(value, list | tuple):
            raise ValueError(f"{name} must be a list of layer widths, e.g. [4, 2]")
        if not all(is_whole(h) for h in value):
            raise ValueError(f"{name} must be a list of whole numbers, not {shown(value)}")
        value = tuple(int(h) for h in value)
        if len(value) > self.max_len or any(not self.low <= h <= self.high for h in value):
            raise ValueError(f"at most {self.max_len} {self.layers} of {self.low} to "
                             f"{self.high} {self.unit} each (got {shown(list(value))})")
        return value

    def to_text(self, value):
        return ",".join(str(h) for h in value)

    def from_text(self, text):
        return tuple(int(p) for p in _parts(text))


@dataclass(frozen=True)
class PerLayer(Field):
    """One value of `item` for every layer, or a tuple of one per layer: as many as the widths
    field `of` has (checked by the settings class). In a URL a tuple of one keeps a trailing
    comma, to tell it from one value for all layers."""

    item: Field | None = None
    of: str = "hidden"
    noun: str = "value"  # e.g. "dropout rate"

    def check(self, value):
        if isinstance(value, list | tuple):
            return tuple(self.item.check(v) for v in value)
        return self.item.check(value)

    def values(self, value, n: int) -> list:
        """One value per layer, for n layers."""
        return list(value) if isinstance(value, tuple) else [value] * n

    def to_text(self, value):
        if isinstance(value, tuple):
            return ",".join(self.item.to_text(v) for v in value) + ("," if len(value) == 1
                                                                     else "")
        return self.item.to_text(value)

    def from_text(self, text):
        if text and "," not in text:
            return self.item.from_text(text)  # one value for all layers
        return tuple(self.item.from_text(p) for p in _parts(text))


# --- settings classes ---------------------------------------------------------------------------
class Settings:
    """Base of the settings classes made by `settings`: validation from the fields, round
    trips through a dict, JSON and URL query text, and lenient readers for outside input.

    A subclass may define `_check(self)` for rules between fields (ValueError), `GROUPS`,
    tuples of settings validated against each other (the lenient reader applies those given
    together at once), and `parameters(self)`, the weights and biases of the networks it
    describes (checked against MAX_PARAMETERS; `_check_size` may add other limits)."""

    FIELDS: ClassVar[dict[str, Field]] = {}
    GROUPS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    WHAT: ClassVar[str] = "settings"  # in messages: "not a valid settings file"
    # Weights and biases the settings' networks may have together, checked from the settings
    # alone before anything is built (see `parameters`).
    MAX_PARAMETERS: ClassVar[int] = MAX_PARAMETERS

    def __post_init__(self):
        set_ = object.__setattr__
        for f in self.FIELDS.values():
            set_(self, f.name, f.check(getattr(self, f.name)))
        for f in self.FIELDS.values():
            value = getattr(self, f.name)
            if isinstance(f, PerLayer) and isinstance(value, tuple):
                n = len(getattr(self, f.of))
                if len(value) != n:
                    raise ValueError(f"give one {f.noun} for all layers or one per hidden layer "
                                     f"({n}), not {len(value)}")
        self._check()
        self._check_size()

    def _check(self) -> None:
        """Rules between fields; ValueError when broken."""

    def _check_size(self) -> None:
        """Refuse networks beyond the limits (ValueError naming the limit), from the settings
        alone: nothing is built yet."""
        n = self.parameters()
        if n > self.MAX_PARAMETERS:
            raise ValueError(f"these settings make networks of {n:,} weights and biases, over "
                             f"the limit of {self.MAX_PARAMETERS:,}: use fewer or narrower "
                             "layers")

    def parameters(self) -> int:
        """The weights and biases of the networks these settings build (at most that many
        when the data decides the inputs), computed without building anything."""
        return 0

    @classmethod
    def live_fields(cls) -> frozenset[str]:
        """Settings that apply to a running trainer without touching its weights."""
        return frozenset(n for n, f in cls.FIELDS.items() if f.live)

    def replace(self, **changes):
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {n: list(v) if isinstance(v, tuple) else v
                for n, v in ((n, getattr(self, n)) for n in self.FIELDS)}

    @classmethod
    def from_dict(cls, d: dict):
        unknown = set(d) - set(cls.FIELDS)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_json(cls, text: str):
        what = cls.WHAT
        if len(text) > MAX_JSON:
            raise ValueError(f"not a valid {what} file: it is over the limit of "
                             f"{MAX_JSON >> 20} MB for a settings file")
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"not a valid {what} file (JSON error: {e.msg} at line {e.lineno})")\
                from None
        except RecursionError:
            raise ValueError(f"not a valid {what} file (JSON nested too deeply)") from None
        if not isinstance(d, dict):
            raise ValueError(f"not a valid {what} file: expected a JSON object of settings")
        return cls.from_dict(d)

    @classmethod
    def lenient(cls, d: dict, base=None) -> tuple[Any, list[str]]:
        """Apply the valid settings of `d` on `base` (defaults); return the settings and one
        warning per setting that was unknown or invalid and so left at its previous value."""
        config = base if base is not None else cls()
        names = list(cls.FIELDS)
        warnings = [f"unknown setting '{k}' was ignored" for k in d if k not in names]
        known = sorted((k for k in d if k in names), key=names.index)
        group_of = {k: g for g in cls.GROUPS for k in g}
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
        """Every setting as URL query text (None values are left out)."""
        return {n: f.to_text(getattr(self, n)) for n, f in self.FIELDS.items()
                if getattr(self, n) is not None}

    @classmethod
    def from_query(cls, query: dict[str, str], base=None) -> tuple[Any, list[str]]:
        """Parse URL query text leniently: (settings, warnings); bad values keep the base's."""
        parsed, warnings = {}, []
        for k, text in query.items():
            f = cls.FIELDS.get(k)
            if f is None:
                parsed[k] = text  # reported as unknown by lenient()
                continue
            try:
                parsed[k] = f.from_text(str(text))
            except (ValueError, OverflowError):
                warnings.append(f"{k}: could not read {str(text)[:40]!r}; kept the default")
        config, more = cls.lenient(parsed, base)
        return config, warnings + more


def settings(*table: Field):
    """Class decorator: make `cls` a frozen dataclass whose fields are `table`, in order."""
    def wrap(cls):
        cls.__annotations__ = {f.name: Any for f in table}
        for f in table:
            setattr(cls, f.name, f.default)
        cls.FIELDS = {f.name: f for f in table}
        made = dataclass(frozen=True)(cls)
        assert [f.name for f in fields(made)] == list(made.FIELDS)
        return made
    return wrap
