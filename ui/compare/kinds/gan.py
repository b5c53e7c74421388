"""Compare on GANs: 2-D GANs (the GAN page's) that differ in one setting (the loss, the ratio
of the two learning rates, the discriminator's updates per round, the noise), from the same
starting weights and the same noise; each run's generated points over its discriminator's
map, and the distance (MMD) between generated and real points as the loss."""

import math

import numpy as np

from engine import GAN_PRESETS, GanConfig, GanTrainer
from engine.data.distributions import DISTRIBUTIONS
from engine.gan import DISTANCE_THRESHOLD, GAN_LOSSES
from ui.charts import gan as gan_charts
from ui.charts.compare import RUN_COLORS, GroupSnapshot

from .base import Kind, Preset, Variable, curves, epochs_to_reach, ms_per_epoch, num, status_text

MAP_RES = 50
N_FAKE = 200
N_REAL = 300
RATIOS = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]  # the discriminator's rate over the generator's


def with_ratio(c: GanConfig, ratio) -> GanConfig:
    """The discriminator's learning rate `ratio` times the generator's (which stays)."""
    return c.replace(d_lr=float(ratio) * c.g_lr)


def ratio_label(v) -> str:
    return f"D rate {float(v):g}× G's"


GAN_VARIABLES: dict[str, Variable] = {v.name: v for v in [
    Variable("loss", "Loss", list(GAN_LOSSES), lambda c, v: c.replace(loss=v),
             lambda v: GAN_LOSSES[v].label, defaults=tuple(GAN_LOSSES)),
    Variable("lr_ratio", "Learning-rate ratio (D / G)", RATIOS, with_ratio, ratio_label,
             float, (1.0, 4.0), num, float),
    Variable("d_updates", "Discriminator updates per round", [1, 2, 3, 5],
             lambda c, v: c.replace(d_updates=int(v)), lambda v: f"D updates {v}", int,
             (1, 3), str, int),
    Variable("g_updates", "Generator updates per round", [1, 2, 3, 5],
             lambda c, v: c.replace(g_updates=int(v)), lambda v: f"G updates {v}", int,
             (1, 5), str, int),
]}

PRESETS: dict[str, Preset] = {
    "gan_losses": Preset(
        "GAN: three losses", {"max_epochs": 150},
        "loss", tuple(GAN_LOSSES),
        "The same generator, discriminator and noise play three games. Watch which run's "
        "distance falls first and whether all three end up covering the 8 clusters.",
        kind="gan"),
    "gan_rates": Preset(
        "GAN: learning-rate ratios", {"max_epochs": 150, "g_lr": 0.001, "schedule": "constant"},
        "lr_ratio", (1.0, 4.0),
        "Equal rates against a discriminator that learns four times faster than the "
        "generator (the two-time-scale rule): compare the distance and the modes covered.",
        kind="gan"),
}


def gan_row(label: str, t: GanTrainer, target: float) -> dict:
    """One line of the results table for a GAN run."""
    h, last = t.history, t.history.last
    test = h["test_loss"]
    total = t.modes_total
    return {
        "run": label,
        "epoch": t.epoch,
        "distance": last.get("test_loss", math.nan),
        "best distance": min(test) if test else math.nan,
        "mode coverage": (last.get("modes_covered", math.nan) / total) if total else math.nan,
        "D loss": last.get("d_loss", math.nan),
        "G loss": last.get("g_loss", math.nan),
        "epochs to target": epochs_to_reach(h["epoch"], test, target),
        "ms per epoch": ms_per_epoch(t),
        "status": status_text(t),
    }


def snapshot(trainers: list[GanTrainer], labels: list[str]) -> GroupSnapshot:
    """Copy each run's thinned distance curves, its discriminator's map and its generated
    points (fixed noise); the real points are the first run's (every run has the same)."""
    runs = []
    for i, (t, label) in enumerate(zip(trainers, labels, strict=True)):
        hist = curves(t, ("epoch", "train_loss", "test_loss"))
        runs.append(gan_charts.GanRunView(
            label, RUN_COLORS[i % len(RUN_COLORS)], t.epoch, t.status, t.status_reason,
            t.discriminator_grid(MAP_RES), hist, t.samples(N_FAKE), t.loss.probability))
    first = trainers[0]
    return GroupSnapshot(runs, "gan", "sigmoid", tuple(first.bounds),
                         first.real_samples(N_REAL), np.zeros(0, dtype=int))


def figures(snap: GroupSnapshot, run_id: int) -> dict:
    return {"cmp_gan": gan_charts.runs_grid(snap, revision=f"gan-{run_id}")}


def caption(cmp) -> str:
    """What the runs share, said exactly for the setting that varies."""
    return ("Runs play side by side on the same real points, from the same starting weights "
            "of both networks and with the same noise, so the only difference is the one you "
            "chose. Each map: generated points (purple) and real ones (green) over that run's "
            "discriminator (blue: \"real\"). The loss chart shows the distance (MMD) between "
            "generated and real points: about 0 when they match.")


def widget_value(base: GanConfig, name: str):
    return getattr(base, name)


def hidden(values: dict) -> set[str]:
    """Modes only for the ring and grid."""
    name = values.get("distribution", "ring")
    return set() if "k" in DISTRIBUTIONS[name].options else {"modes"}


def adjust(base: GanConfig, shared: dict) -> dict:
    """A distribution's own number of modes when the old one does not fit it."""
    name = shared.get("distribution", base.distribution)
    spec = DISTRIBUTIONS[name]
    if "k" in spec.options:
        opt = spec.options["k"]
        modes = shared.get("modes", base.modes)
        if not opt.low <= modes <= opt.high:
            shared = shared | {"modes": opt.default}
    return shared


assert GAN_PRESETS["ring"].config == GanConfig()  # the presets start from the ring preset

KIND = Kind(
    "gan", "GANs (2-D)", "Generators and discriminators on 2-D points (the GAN page's).",
    GanConfig, GanTrainer, GAN_VARIABLES, PRESETS,
    shared=("distribution", "modes", "loss", "g_lr", "d_updates", "g_updates", "max_epochs",
            "seed"),
    widths=("g_hidden", "d_hidden"), prefix="cmp.g", top="cmp_gan", snapshot=snapshot,
    figures=figures, row=gan_row, caption=caption, default_preset="gan_losses",
    widget_value=widget_value, adjust=adjust, hidden=hidden,
    options={"distribution": [n for n, s in DISTRIBUTIONS.items() if not s.needs_points]},
    target=DISTANCE_THRESHOLD)
