"""2-D distributions for GANs to learn, the mode coverage of generated samples, and MMD.

Every shape lies in [-1.5, 1.5]² before noise; with noise at most 0.1, samples leave the
view BOUNDS = [-2, 2]² only in Gaussian tails beyond 5 standard deviations (about one in
a million). Your own points may lie anywhere in [-2, 2]², so jitter can carry samples of
points near its edge a little outside.
"""

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._checks import check_int_range, check_real_range
from .sequences import Option  # the same numeric-option spec as the sequence tasks

BOUNDS = (-2.0, 2.0, -2.0, 2.0)  # (x_min, x_max, y_min, y_max) of the view
HALF = 1.5  # every shape spans [-HALF, HALF] before noise
MAX_SAMPLES = 100_000
MIN_POINTS, MAX_POINTS = 10, 10_000  # your own points
COVERAGE_RADIUS = 3.0  # a sample near a mode: within this many of its standard deviations
COVERAGE_SHARE = 0.2  # a covered mode holds this share of its fair n/k samples (at least 1)
DEFAULT_BANDWIDTHS = (0.1, 0.3, 1.0)
MMD_MAX_SAMPLES = 1000


@dataclass(frozen=True, eq=False)
class DistributionSpec:
    """A registry entry: `sample_fn(n, rng, **options) -> (n, 2)`. Mixtures have
    `centres_fn(**options) -> (k, 2)` mode centres and each mode's standard deviation `std`;
    other distributions have neither (None)."""

    name: str
    label: str
    description: str
    sample_fn: Callable[..., np.ndarray] = field(repr=False)
    options: Mapping[str, Option] = field(default_factory=dict)
    centres_fn: Callable[..., np.ndarray] | None = field(default=None, repr=False)
    std: float | None = None
    needs_points: bool = False

    def __post_init__(self):
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def is_mixture(self) -> bool:
        return self.centres_fn is not None


RING_RADIUS, RING_STD = HALF, 0.1
GRID_STD = 0.05
_NOISE = Option(0.05, 0.0, 0.1, "std of Gaussian noise added to each coordinate")


def _ring_centres(k):
    angles = 2 * np.pi * np.arange(k) / k
    return RING_RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])


def _grid_centres(k):
    ticks = np.linspace(-HALF, HALF, k)
    xx, yy = np.meshgrid(ticks, ticks)
    return np.column_stack([xx.ravel(), yy.ravel()])


def _mixture(centres_fn, std):
    def sample(n, rng, **options):
        centres = centres_fn(**options)
        which = rng.integers(0, len(centres), n)
        return centres[which] + std * rng.standard_normal((n, 2))
    return sample


def _line(n, rng, noise):
    t = rng.uniform(-HALF, HALF, n)
    return np.column_stack([t, t]) + noise * rng.standard_normal((n, 2))


def _moons(n, rng, noise):
    # scikit-learn's make_moons curves, (cos a, sin a) and (1 - cos a, 0.5 - sin a) for a in
    # [0, pi], shifted by -(0.5, 0.25) to centre them. make_moons itself spaces its points
    # evenly along the arcs (the same positions for every batch of a size), so the angle and
    # the moon are drawn at random here instead.
    a = rng.uniform(0, np.pi, n)
    inner = rng.integers(0, 2, n).astype(bool)
    x = np.where(inner, 1 - np.cos(a), np.cos(a)) - 0.5
    y = np.where(inner, 0.5 - np.sin(a), np.sin(a)) - 0.25
    return np.column_stack([x, y]) + noise * rng.standard_normal((n, 2))


SPIRAL_TURNS = 1.5


def _spiral(n, rng, noise):
    # The 2-D Swiss roll: angle t uniform in [1.5 pi, 4.5 pi], radius proportional to t.
    t = np.pi * (1.5 + 2 * SPIRAL_TURNS * rng.uniform(0, 1, n))
    r = t * HALF / (4.5 * np.pi)
    return np.column_stack([r * np.cos(t), r * np.sin(t)]) + noise * rng.standard_normal((n, 2))


def _points(n, rng, points, jitter):
    return points[rng.integers(0, len(points), n)] + jitter * rng.standard_normal((n, 2))


DISTRIBUTIONS: dict[str, DistributionSpec] = {
    spec.name: spec for spec in [
        DistributionSpec(
            "ring", "Ring", "k round Gaussians (std 0.1) evenly spaced on a circle of radius 1.5.",
            _mixture(_ring_centres, RING_STD), {"k": Option(8, 2, 12, "number of modes")},
            _ring_centres, RING_STD),
        DistributionSpec(
            "grid", "Grid", "k×k round Gaussians (std 0.05) on a square grid from -1.5 to 1.5.",
            _mixture(_grid_centres, GRID_STD), {"k": Option(5, 2, 7, "modes per side")},
            _grid_centres, GRID_STD),
        DistributionSpec(
            "line", "Line", "Points spread uniformly along the diagonal from (-1.5, -1.5) to "
            "(1.5, 1.5).", _line, {"noise": _NOISE}),
        DistributionSpec(
            "moons", "Moons", "Two interlocking half circles: the curves of scikit-learn's "
            "make_moons.", _moons, {"noise": _NOISE}),
        DistributionSpec(
            "spiral", "Spiral", "One spiral arm of 1.5 turns, its radius growing from 0.5 to 1.5.",
            _spiral, {"noise": _NOISE}),
        DistributionSpec(
            "points", "Your points", "The points you give, each drawn equally often, jittered.",
            _points, {"jitter": Option(0.05, 0.0, 0.1, "std of Gaussian noise added")},
            needs_points=True),
    ]
}


def get_distribution(name: str) -> DistributionSpec:
    if name not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {name!r}; choose one of: "
                         f"{', '.join(DISTRIBUTIONS)}")
    return DISTRIBUTIONS[name]


def _resolve(spec: DistributionSpec, options: dict) -> dict:
    """Every option's value, defaults filled in; points validated for `points`."""
    options = dict(options)
    values = {}
    if spec.needs_points:
        if "points" not in options:
            raise ValueError(f"{spec.name} samples your own points: pass points, an (n, 2) "
                             f"array of at least {MIN_POINTS} points")
        values["points"] = check_points(options.pop("points"))
    unknown = [k for k in options if k not in spec.options]
    if unknown:
        valid = ", ".join([*(["points"] if spec.needs_points else []), *spec.options]) or "none"
        raise ValueError(f"unknown option {unknown[0]!r} for {spec.name}; valid options: {valid}")
    for key, opt in spec.options.items():
        value = options.get(key, opt.default)
        if isinstance(opt.default, int):
            values[key] = check_int_range(key, value, opt.low, opt.high)
        else:
            values[key] = check_real_range(key, value, opt.low, opt.high)
    return values


def check_points(points) -> np.ndarray:
    """Your points as a (n, 2) float64 copy, or a ValueError saying what is wrong: they must
    be finite, from MIN_POINTS to MAX_POINTS of them, inside BOUNDS."""
    try:
        points = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be numbers ({exc})") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2); got {points.shape}")
    if not MIN_POINTS <= len(points) <= MAX_POINTS:
        raise ValueError(f"need from {MIN_POINTS} to {MAX_POINTS:,} points; got {len(points)}")
    if not np.isfinite(points).all():
        raise ValueError("points must be finite (no NaN or infinite values)")
    x_min, x_max, y_min, y_max = BOUNDS
    if not ((points[:, 0] >= x_min).all() and (points[:, 0] <= x_max).all()
            and (points[:, 1] >= y_min).all() and (points[:, 1] <= y_max).all()):
        raise ValueError(f"points must lie inside the view, x and y from {x_min:g} to {x_max:g}; "
                         f"got x from {points[:, 0].min():g} to {points[:, 0].max():g}, "
                         f"y from {points[:, 1].min():g} to {points[:, 1].max():g}")
    return points


def sample(name: str, n: int, rng, **options) -> np.ndarray:
    """n samples of distribution `name`: (n, 2) float64. rng is a numpy Generator or an
    int seed; the same seed and options always give the same samples."""
    spec = get_distribution(name)
    values = _resolve(spec, options)
    n = check_int_range("n", n, 1, MAX_SAMPLES)
    if not isinstance(rng, np.random.Generator):
        if not (isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0):
            raise ValueError(f"rng must be a numpy Generator or a seed >= 0; got {rng!r}")
        rng = np.random.default_rng(rng)
    return np.ascontiguousarray(spec.sample_fn(n, rng, **values), dtype=np.float64)


def bounds(name: str) -> tuple[float, float, float, float]:
    """The view (x_min, x_max, y_min, y_max) to draw distribution `name` in."""
    get_distribution(name)
    return BOUNDS


def mode_centres(name: str, **options) -> np.ndarray:
    """The mode centres of mixture `name`: (k, 2) float64 (k×k for grid)."""
    spec = get_distribution(name)
    if not spec.is_mixture:
        mixtures = ", ".join(n for n, s in DISTRIBUTIONS.items() if s.is_mixture)
        raise ValueError(f"{name} has no modes; modes exist for: {mixtures}")
    return spec.centres_fn(**_resolve(spec, options))


def mode_coverage(samples, name: str, **options) -> tuple[int, int]:
    """(covered, total) modes of mixture `name`: a mode is covered when at least
    COVERAGE_SHARE (20 %) of its fair share n/k of the n samples, and at least one, lie
    within COVERAGE_RADIUS (3) of its standard deviations of its centre. A generator that
    collapses onto a few modes covers few. Non-finite samples cover nothing. Use about 50
    samples per mode or more: with fewer, even true samples miss modes by chance."""
    centres = mode_centres(name, **options)
    samples = _check_samples("samples", samples)
    radius = COVERAGE_RADIUS * DISTRIBUTIONS[name].std
    d2 = _squared_distances(samples, centres)  # (n, k)
    near = (d2 <= radius**2).sum(axis=0)  # NaN distances compare False
    need = max(1, math.ceil(COVERAGE_SHARE * len(samples) / len(centres)))
    return int((near >= need).sum()), len(centres)


def _check_samples(what: str, x) -> np.ndarray:
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers ({exc})") from None
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"{what} must have shape (n, 2); got {x.shape}")
    return x


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_i - b_j|² for a (m, 2), b (n, 2): (m, n), one coordinate plane at a time."""
    return (np.subtract.outer(a[:, 0], b[:, 0]) ** 2
            + np.subtract.outer(a[:, 1], b[:, 1]) ** 2)


def _evenly_spaced(x: np.ndarray, cap: int) -> np.ndarray:
    """At most cap rows of x, evenly spaced over it."""
    if len(x) <= cap:
        return x
    return x[np.linspace(0, len(x) - 1, cap).astype(np.int64)]


def mmd(x, y, bandwidths=DEFAULT_BANDWIDTHS, max_samples: int = MMD_MAX_SAMPLES) -> float:
    """How different two point clouds x (m, 2) and y (n, 2) are: about 0 when both are drawn
    from the same distribution, larger the more their densities differ at the scales of the
    bandwidths. It is the unbiased estimate of the squared maximum mean discrepancy (MMD²)
    with the kernel k(a, b) = mean over bandwidths h of exp(-|a - b|² / 2h²); it can be
    slightly negative, and it is at most 2. At most max_samples rows of each, evenly spaced,
    are used. NaN if any sample used is not finite."""
    x, y = _check_samples("x", x), _check_samples("y", y)
    max_samples = check_int_range("max_samples", max_samples, 2)
    bandwidths = np.atleast_1d(np.asarray(bandwidths, dtype=np.float64))
    if bandwidths.ndim != 1 or not len(bandwidths) or not (
            np.isfinite(bandwidths).all() and (bandwidths > 0).all()):
        raise ValueError(f"bandwidths must be one or more positive numbers; got {bandwidths}")
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"need at least 2 samples on each side; got {len(x)} and {len(y)}")
    x, y = _evenly_spaced(x, max_samples), _evenly_spaced(y, max_samples)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return math.nan
    m, n = len(x), len(y)

    def kernel_sum(a, b):
        d2 = _squared_distances(a, b)
        return sum(np.exp(d2 * (-0.5 / h**2)).sum() for h in bandwidths) / len(bandwidths)

    # Unbiased: leave out the diagonal terms k(a, a) = 1 of the within-sample sums.
    xx = (kernel_sum(x, x) - m) / (m * (m - 1))
    yy = (kernel_sum(y, y) - n) / (n * (n - 1))
    return float(xx + yy - 2 * kernel_sum(x, y) / (m * n))
