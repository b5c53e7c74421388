"""What the Compare page draws, copied out of its runs: `snapshot` takes what each run's kind
draws (under the runner's lock); the charts are in ui/charts/compare.py."""

from engine import DIVERGED, STOPPED
from ui.charts.compare import GroupSnapshot
from ui.charts.numbers import count

from .kinds import KINDS
from .model import kind_of


def snapshot(trainers: list, labels: list[str]) -> GroupSnapshot:
    """Copy what the runs' kind draws (call under the runner's lock): maps and losses for
    points, curves for digits, ..."""
    return KINDS[kind_of(trainers[0].config)].snapshot(trainers, labels)


def status_line(snap: GroupSnapshot, epochs_per_s: float = 0.0) -> str:
    """'Epoch 1,234 · 3 runs · 250 epochs/s' (the epoch of the runs still training)."""
    epochs = [r.epoch for r in snap.runs]
    text = f"Epoch {count(max(epochs))} · {len(epochs)} runs"
    over = sum(r.status in (STOPPED, DIVERGED) for r in snap.runs)
    if over:
        text += f" ({over} finished)"
    if epochs_per_s > 0:
        text += f" · {count(round(epochs_per_s))} epochs/s"
    return text
