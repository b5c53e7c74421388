"""The kinds of experiment Compare runs, one module each: what a kind can vary, its presets,
its sidebar settings, its snapshot and main chart, its results table (see base.Kind). A new kind
is a module here and one entry in `KINDS`."""

from . import digits, gan, points, recurrent, transformer
from .base import Kind, Preset, Variable

KINDS: dict[str, Kind] = {k.name: k for k in (points.KIND, digits.KIND, recurrent.KIND,
                                              transformer.KIND, gan.KIND)}
# Every kind's classroom demos, kind by kind (their names are unique across kinds).
PRESETS: dict[str, Preset] = {name: p for k in KINDS.values() for name, p in k.presets.items()}
assert len(PRESETS) == sum(len(k.presets) for k in KINDS.values()), "a preset name is reused"
assert all(p.kind == k.name for k in KINDS.values() for p in k.presets.values())

__all__ = ["KINDS", "PRESETS", "Kind", "Preset", "Variable"]
