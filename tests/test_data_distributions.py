"""Tests for engine.data.distributions: samples, mode centres and coverage, and MMD."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_moons

from engine.data.distributions import (
    BOUNDS,
    COVERAGE_RADIUS,
    DISTRIBUTIONS,
    MIN_POINTS,
    bounds,
    mmd,
    mode_centres,
    mode_coverage,
    sample,
)

NAMES = list(DISTRIBUTIONS)
MIXTURES = [n for n in NAMES if DISTRIBUTIONS[n].is_mixture]
USER_POINTS = np.random.default_rng(0).uniform(-1.5, 1.5, (40, 2))


def extra(name, **options):
    """The options `name` needs: your points for `points`."""
    return {"points": USER_POINTS, **options} if DISTRIBUTIONS[name].needs_points else options


def largest_noise(name):
    return {key: opt.high for key, opt in DISTRIBUTIONS[name].options.items()
            if isinstance(opt.default, float)}


def test_registry_has_the_documented_distributions():
    assert NAMES == ["ring", "grid", "line", "moons", "spiral", "points"]
    assert MIXTURES == ["ring", "grid"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_consistent(name):
    spec = DISTRIBUTIONS[name]
    assert spec.name == name and spec.label
    assert spec.description.endswith(".") and len(spec.description) < 100
    assert (spec.std is not None) == spec.is_mixture
    assert bounds(name) == BOUNDS == (-2.0, 2.0, -2.0, 2.0)


@pytest.mark.parametrize("name", NAMES)
def test_samples_shape_dtype_determinism(name):
    a = sample(name, 500, 7, **extra(name))
    assert a.shape == (500, 2) and a.dtype == np.float64 and a.flags.c_contiguous
    np.testing.assert_array_equal(a, sample(name, 500, np.random.default_rng(7), **extra(name)))
    np.testing.assert_array_equal(a, sample(name, 500, 7, **extra(name)))
    assert not np.array_equal(a, sample(name, 500, 8, **extra(name)))


@pytest.mark.parametrize("name", NAMES)
def test_samples_stay_in_the_view_even_at_the_largest_noise(name):
    x = sample(name, 20_000, 1, **extra(name, **largest_noise(name)))
    x_min, x_max, y_min, y_max = BOUNDS
    inside = (x[:, 0] >= x_min) & (x[:, 0] <= x_max) & (x[:, 1] >= y_min) & (x[:, 1] <= y_max)
    assert inside.mean() >= 0.999
    # The shapes themselves span most of the view, not a corner of it.
    assert np.ptp(x, axis=0).max() >= 2.5


# --- mixtures: centres and coverage -----------------------------------------------------------

@pytest.mark.parametrize("k", range(2, 13))
def test_ring_centres(k):
    c = mode_centres("ring", k=k)
    assert c.shape == (k, 2)
    np.testing.assert_allclose(np.hypot(c[:, 0], c[:, 1]), 1.5)
    angles = np.sort(np.mod(np.arctan2(c[:, 1], c[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / k)


@pytest.mark.parametrize("k", range(2, 8))
def test_grid_centres(k):
    c = mode_centres("grid", k=k)
    ticks = np.linspace(-1.5, 1.5, k)
    assert c.shape == (k * k, 2)
    assert {tuple(p) for p in c.tolist()} == {(a, b) for a in ticks for b in ticks}


@pytest.mark.parametrize("name, k", [("ring", k) for k in range(2, 13)]
                         + [("grid", k) for k in range(2, 8)])
def test_coverage_discs_never_overlap(name, k):
    """Every k allowed keeps the modes' 3-std discs apart, so a sample counts for one mode."""
    c = mode_centres(name, k=k)
    d = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min() > 2 * COVERAGE_RADIUS * DISTRIBUTIONS[name].std


@pytest.mark.parametrize("name", MIXTURES)
def test_samples_gather_at_the_centres_in_equal_shares(name):
    spec = DISTRIBUTIONS[name]
    c = mode_centres(name)
    x = sample(name, 40_000, 2)
    d = np.hypot(*(x[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    nearest = d.argmin(axis=1)
    share = np.bincount(nearest, minlength=len(c)) / len(x)
    np.testing.assert_allclose(share, 1 / len(c), atol=0.2 / len(c))
    # Distance to a 2-D Gaussian's centre: Rayleigh, mean std * sqrt(pi / 2).
    assert d.min(axis=1).mean() == pytest.approx(spec.std * math.sqrt(math.pi / 2), rel=0.02)


@pytest.mark.parametrize("name, options", [("ring", {}), ("ring", {"k": 3}), ("ring", {"k": 12}),
                                           ("grid", {}), ("grid", {"k": 7})])
def test_true_samples_cover_every_mode(name, options):
    total = len(mode_centres(name, **options))
    x = sample(name, 100 * total, 3, **options)
    assert mode_coverage(x, name, **options) == (total, total)


@pytest.mark.parametrize("name", MIXTURES)
def test_collapsed_samples_cover_few_modes(name):
    spec = DISTRIBUTIONS[name]
    c = mode_centres(name)
    k = len(c)
    rng = np.random.default_rng(0)
    at_one = c[3] + spec.std * rng.standard_normal((1000, 2))
    assert mode_coverage(at_one, name) == (1, k)
    half = c[rng.integers(0, k // 2, 1000)] + spec.std * rng.standard_normal((1000, 2))
    assert mode_coverage(half, name) == (k // 2, k)
    # Between the modes (the origin is a centre of neither): nothing is covered.
    between = 0.75 * (c[0] + c[1]) / 2 + 0.01 * rng.standard_normal((1000, 2))
    assert mode_coverage(between, name) == (0, k)


def test_coverage_share_rule():
    c = mode_centres("ring")  # 8 modes; 800 samples: a fair share of 100, 20 needed
    many = np.repeat(c[:1], 780, axis=0)
    assert mode_coverage(np.concatenate([many, np.repeat(c[1:2], 20, axis=0)]), "ring") == (2, 8)
    assert mode_coverage(np.concatenate([many, np.repeat(c[1:2], 19, axis=0),
                                         [[9.0, 9.0]]]), "ring") == (1, 8)
    # Just inside and just outside 3 standard deviations (0.3) of mode 0 at (1.5, 0).
    assert mode_coverage([[1.79, 0.0]] * 10, "ring") == (1, 8)
    assert mode_coverage([[1.81, 0.0]] * 10, "ring") == (0, 8)
    assert mode_coverage(np.full((10, 2), np.nan), "ring") == (0, 8)
    assert mode_coverage(np.zeros((0, 2)), "ring") == (0, 8)


# --- the other shapes -------------------------------------------------------------------------

def test_line_without_noise_is_the_diagonal():
    x = sample("line", 1000, 0, noise=0.0)
    np.testing.assert_array_equal(x[:, 0], x[:, 1])
    assert -1.5 <= x.min() and x.max() <= 1.5 and np.ptp(x[:, 0]) > 2.9


def test_moons_without_noise_lie_on_two_unit_circles():
    x = sample("moons", 1000, 0, noise=0.0)
    outer = np.hypot(x[:, 0] + 0.5, x[:, 1] + 0.25)  # the upper half circle
    inner = np.hypot(x[:, 0] - 0.5, x[:, 1] - 0.25)  # the lower one
    on_outer, on_inner = np.isclose(outer, 1.0), np.isclose(inner, 1.0)
    assert (on_outer | on_inner).all()
    assert abs(on_outer.sum() - 500) < 60  # each moon drawn with probability 1/2
    assert (x[on_outer, 1] >= -0.25 - 1e-12).all() and (x[on_inner, 1] <= 0.25 + 1e-12).all()
    # Matches make_moons: both arcs and their ends, and a fresh position every sample.
    ref, _ = make_moons(n_samples=1000, noise=None)
    ref = ref - [0.5, 0.25]
    np.testing.assert_allclose(x.min(axis=0), ref.min(axis=0), atol=0.01)
    np.testing.assert_allclose(x.max(axis=0), ref.max(axis=0), atol=0.01)
    assert len(np.unique(sample("moons", 64, 1, noise=0.0)[:, 0])) == 64
    assert not np.isin(sample("moons", 64, 1, noise=0.0), sample("moons", 64, 2, noise=0.0)).any()


def test_spiral_without_noise_has_radius_growing_with_angle():
    x = sample("spiral", 2000, 0, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.min() >= 0.5 - 1e-12 and r.max() <= 1.5 + 1e-12
    t = r * 3 * np.pi  # the angle that puts a point at radius r
    np.testing.assert_allclose(x[:, 0], r * np.cos(t), atol=1e-12)
    np.testing.assert_allclose(x[:, 1], r * np.sin(t), atol=1e-12)


def test_noise_is_gaussian_of_the_stated_std():
    clean = sample("line", 50_000, 4, noise=0.0)
    noisy = sample("line", 50_000, 4, noise=0.1)
    across = (noisy[:, 0] - noisy[:, 1]) / math.sqrt(2)  # distance off the diagonal
    assert across.std() == pytest.approx(0.1, rel=0.02)
    assert not np.array_equal(clean, noisy)


def test_points_are_your_points_jittered():
    x = sample("points", 4000, 0, points=USER_POINTS, jitter=0.0)
    rows = {tuple(p) for p in USER_POINTS.tolist()}
    assert {tuple(p) for p in x.tolist()} == rows  # every point drawn, nothing else
    jittered = sample("points", 4000, 0, points=USER_POINTS)
    d = np.hypot(*(jittered[:, None, :] - USER_POINTS[None]).transpose(2, 0, 1)).min(axis=1)
    assert 0 < d.mean() < 0.1


@pytest.mark.parametrize("points, match", [
    (np.zeros((MIN_POINTS - 1, 2)), f"need from {MIN_POINTS} to 10,000 points; got 9"),
    (np.zeros((20, 3)), r"shape \(n, 2\); got \(20, 3\)"),
    (np.zeros(20), r"shape \(n, 2\)"),
    (np.full((20, 2), np.nan), "finite"),
    (np.full((20, 2), 2.5), "inside the view, x and y from -2 to 2; got x from 2.5 to 2.5"),
    ([["a", "b"]] * 20, "numbers"),
])
def test_bad_points_raise(points, match):
    with pytest.raises(ValueError, match=match):
        sample("points", 10, 0, points=points)


def test_points_must_be_given():
    with pytest.raises(ValueError, match="points samples your own points: pass points"):
        sample("points", 10, 0)


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, n, rng, options, match", [
    ("ring", 0, 0, {}, "n must be a whole number from 1 to 100000"),
    ("ring", 10, 0, {"k": 13}, "k must be a whole number from 2 to 12"),
    ("grid", 10, 0, {"k": 8}, "k must be a whole number from 2 to 7"),
    ("moons", 10, 0, {"noise": 0.2}, "noise must be a number from 0 to 0.1"),
    ("ring", 10, 0, {"noise": 0.1}, "unknown option 'noise' for ring; valid options: k"),
    ("line", 10, 0, {"points": USER_POINTS}, "unknown option 'points' for line"),
    ("line", 10, -1, {}, "rng must be a numpy Generator or a seed >= 0"),
    ("line", 10, "seed", {}, "rng must be a numpy Generator"),
    ("gaussian", 10, 0, {}, "unknown distribution 'gaussian'; choose one of: ring, grid, line"),
])
def test_bad_sample_arguments_raise(name, n, rng, options, match):
    with pytest.raises(ValueError, match=match):
        sample(name, n, rng, **options)


def test_modes_only_for_mixtures():
    for name in set(NAMES) - set(MIXTURES):
        with pytest.raises(ValueError, match=f"{name} has no modes; modes exist for: ring, grid"):
            mode_coverage(np.zeros((5, 2)), name)
    with pytest.raises(ValueError, match="unknown distribution"):
        bounds("circle")
    with pytest.raises(ValueError, match=r"samples must have shape \(n, 2\)"):
        mode_coverage(np.zeros((5, 3)), "ring")


# --- MMD --------------------------------------------------------------------------------------

def slow_mmd(x, y, bandwidths):
    """Unbiased MMD², one pair at a time."""
    def k(a, b):
        d2 = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
        return sum(math.exp(-d2 / (2 * h * h)) for h in bandwidths) / len(bandwidths)

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


@pytest.mark.parametrize("bandwidths", [(0.1, 0.3, 1.0), (0.5,), 2.0])
def test_mmd_matches_the_formula(bandwidths):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(9, 2)), rng.normal(0.3, 1.2, size=(6, 2))
    hs = np.atleast_1d(bandwidths)
    assert mmd(x, y, bandwidths) == pytest.approx(slow_mmd(x, y, hs), abs=1e-12)
    assert mmd(x, y, bandwidths) == pytest.approx(mmd(y, x, bandwidths), abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_mmd_is_about_zero_for_the_same_distribution(name):
    a = sample(name, 1000, 1, **extra(name))
    b = sample(name, 1000, 2, **extra(name))
    assert abs(mmd(a, b)) < 0.003  # measured at most 0.0013


@pytest.mark.parametrize("x, y", [
    (("ring", {}), ("grid", {})),
    (("moons", {}), ("line", {})),
    (("ring", {"k": 8}), ("ring", {"k": 7})),
    (("spiral", {}), ("moons", {})),
])
def test_mmd_is_clearly_larger_for_different_distributions(x, y):
    a = sample(x[0], 1000, 1, **x[1])
    b = sample(y[0], 1000, 2, **y[1])
    assert mmd(a, b) > 0.005


def test_mmd_sees_one_missing_mode():
    real = sample("ring", 1000, 1)
    generated = sample("ring", 1100, 2)
    generated = generated[np.hypot(*(generated - mode_centres("ring")[0]).T) > 0.5]
    assert mmd(real, generated) > 0.005  # measured 0.007 to 0.015; same-distribution noise 0.001


def test_mmd_caps_the_samples_evenly():
    a, b = sample("ring", 1500, 1), sample("grid", 1200, 2)
    ia = np.linspace(0, 1499, 1000).astype(int)
    ib = np.linspace(0, 1199, 1000).astype(int)
    assert mmd(a, b) == pytest.approx(mmd(a[ia], b[ib]), abs=1e-12)
    assert mmd(a, b, max_samples=50) == pytest.approx(
        mmd(a[np.linspace(0, 1499, 50).astype(int)], b[np.linspace(0, 1199, 50).astype(int)]),
        abs=1e-12)
    assert mmd(a, b, max_samples=1500) != mmd(a, b)


def test_mmd_nan_for_non_finite_samples():
    a = sample("ring", 100, 1)
    b = a.copy()
    b[5] = np.inf
    assert math.isnan(mmd(a, b))


@pytest.mark.parametrize("kwargs, match", [
    ({"bandwidths": ()}, "bandwidths must be one or more positive numbers"),
    ({"bandwidths": (0.1, -1.0)}, "bandwidths must be one or more positive numbers"),
    ({"bandwidths": (np.nan,)}, "bandwidths must be one or more positive numbers"),
    ({"max_samples": 1}, "max_samples must be a whole number >= 2"),
    ({"x": np.zeros((1, 2))}, "need at least 2 samples on each side; got 1 and 20"),
    ({"x": np.zeros((5, 3))}, r"x must have shape \(n, 2\)"),
])
def test_mmd_bad_arguments_raise(kwargs, match):
    args = {"x": np.zeros((20, 2)), "y": np.ones((20, 2)), **kwargs}
    with pytest.raises(ValueError, match=match):
        mmd(**args)
