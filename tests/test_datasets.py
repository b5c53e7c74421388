"""Tests for the 2-D data of engine.data (points, user, features): generators, splits, user
points, CSV and input features."""

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data import (
    DATASETS,
    FEATURES,
    Dataset,
    from_points,
    load_csv,
    make_dataset,
    to_csv,
    transform,
)

NAMES = [n for n, spec in DATASETS.items() if not spec.real]  # the generated sets
REAL = [n for n, spec in DATASETS.items() if spec.real]
CLASSIFICATION = [n for n in NAMES if DATASETS[n].task != "regression"]


def generate(name, n=None, noise=0.0, seed=0, n_classes=3):
    """The unsplit output of a generator, in the order it produced it."""
    spec = DATASETS[name]
    return spec.generate(n or spec.default_samples, noise, np.random.default_rng(seed), n_classes)


def expected_classes(name, n_classes=3):
    task = DATASETS[name].task
    return {"binary": 2, "multiclass": n_classes, "regression": 0}[task]


# --- registry ---------------------------------------------------------------------------------

def test_registry_has_exactly_the_documented_datasets():
    assert NAMES == ["circle", "xor", "gauss", "spiral", "plane", "multi_gaussian",
                     "moons", "blobs", "spiral_k"]
    assert REAL == ["iris", "wine", "breast_cancer", "diabetes"]
    assert list(DATASETS) == NAMES + REAL
    defaults = {n: DATASETS[n].default_samples for n in ["circle", "xor", "gauss", "spiral",
                                                         "plane", "multi_gaussian"]}
    assert defaults == {"circle": 500, "xor": 500, "gauss": 500, "spiral": 500,
                        "plane": 1200, "multi_gaussian": 1200}


@pytest.mark.parametrize("name", list(DATASETS))
def test_spec_is_consistent(name):
    spec = DATASETS[name]
    assert spec.name == name
    assert spec.task in ("binary", "multiclass", "regression")
    assert spec.label
    assert spec.description.endswith(".") and len(spec.description) < 100
    assert 10 <= spec.default_samples <= 20_000


# --- every generated dataset ----------------------------------------------------------------

@pytest.mark.parametrize("noise", [0.0, 0.5])
@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_task_and_labels(name, noise):
    ds = make_dataset(name, noise=noise, n_classes=4)
    spec = DATASETS[name]
    assert isinstance(ds, Dataset)
    assert ds.n_train + ds.n_test == spec.default_samples
    assert ds.X_train.shape == (ds.n_train, 2) and ds.X_test.shape == (ds.n_test, 2)
    assert ds.X_train.dtype == ds.X_test.dtype == np.float64
    assert ds.task == spec.task
    assert ds.n_classes == expected_classes(name, 4)
    assert ds.bounds == (-6.0, 6.0, -6.0, 6.0)
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    assert np.abs(ds.X).max() <= 6.0
    if ds.task == "regression":
        assert ds.y_train.dtype == ds.y_test.dtype == np.float64
    else:
        assert ds.y_train.dtype == ds.y_test.dtype == np.int64
        assert set(np.unique(ds.y_train)) == set(range(ds.n_classes))
        assert set(np.unique(ds.y_test)) == set(range(ds.n_classes))
    np.testing.assert_array_equal(ds.X, np.concatenate([ds.X_train, ds.X_test]))
    np.testing.assert_array_equal(ds.y, np.concatenate([ds.y_train, ds.y_test]))


@pytest.mark.parametrize("n", [10, 11, 501])
@pytest.mark.parametrize("name", NAMES)
def test_generator_gives_exactly_n_points(name, n):
    X, y = generate(name, n=n, noise=0.3)
    assert X.shape == (n, 2) and y.shape == (n,)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_is_bit_identical_and_other_seeds_differ(name):
    a = make_dataset(name, noise=0.2, seed=7)
    np.random.seed(123)  # the global generator must not matter
    b = make_dataset(name, noise=0.2, seed=7)
    c = make_dataset(name, noise=0.2, seed=8)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes()
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", NAMES)
def test_generators_draw_only_from_the_given_rng(name):
    np.random.seed(1)
    X1, y1 = generate(name, noise=0.4, seed=3)
    np.random.seed(2)
    X2, y2 = generate(name, noise=0.4, seed=3)
    assert X1.tobytes() == X2.tobytes() and y1.tobytes() == y2.tobytes()


@pytest.mark.parametrize("ratio", [0.1, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("name", NAMES)
def test_split_ratio_is_respected_and_stratified(name, ratio):
    n = 400
    ds = make_dataset(name, n_samples=n, noise=0.1, train_ratio=ratio, seed=2)
    assert ds.n_train == round(ratio * n)
    assert ds.n_test == n - ds.n_train
    if ds.task != "regression":
        totals = np.bincount(ds.y, minlength=ds.n_classes)
        train = np.bincount(ds.y_train, minlength=ds.n_classes)
        assert np.all(np.abs(train - totals * ratio) <= 1)


def test_split_is_a_permutation_of_the_generated_points():
    ds = make_dataset("xor", n_samples=300, noise=0.1, seed=4)
    X, y = generate("xor", n=300, noise=0.1, seed=[4, 0])  # make_dataset's data stream
    order, ds_order = np.lexsort(X.T), np.lexsort(ds.X.T)
    np.testing.assert_array_equal(ds.X[ds_order], X[order])
    np.testing.assert_array_equal(ds.y[ds_order], y[order])


def test_small_multiclass_split_never_fails():
    # 10 points in 8 classes cannot be stratified; the split falls back to a plain shuffle.
    ds = make_dataset("blobs", n_samples=10, n_classes=8, train_ratio=0.1)
    assert ds.n_train == 1 and ds.n_test == 9 and ds.n_classes == 8


def test_n_classes_is_ignored_by_binary_and_regression_sets():
    assert make_dataset("circle", n_classes=99).n_classes == 2
    assert make_dataset("plane", n_classes=99).n_classes == 0


# --- TensorFlow Playground semantics, restated ------------------------------------------------

def test_circle_label_is_inside_radius_at_noise_0():
    X, y = generate("circle", n=1000)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (r < 2.5).astype(int))
    assert r.max() <= 5.0
    assert np.all((r < 2.5) | (r >= 3.5))  # the gap between the disc and the ring
    assert y.sum() == 500


def test_circle_noise_jitters_labels_not_points():
    X, y = generate("circle", n=1000, noise=0.5)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 5.0 and np.all((r < 2.5) | (r >= 3.5))
    assert np.any(y != (r < 2.5))


def test_xor_label_and_padding_at_noise_0():
    X, y = generate("xor", n=1000)
    x1, x2 = X.T
    np.testing.assert_array_equal(y, (x1 * x2 >= 0).astype(int))
    assert np.abs(X).min() >= 0.3 and np.abs(X).max() <= 5.3


def test_xor_noise_flips_labels_near_the_axes():
    X, y = generate("xor", n=1000, noise=0.5)
    assert np.any(y != (X[:, 0] * X[:, 1] >= 0))


def truncated_normal_mean_std(mu, sigma, low=-6.0, high=6.0):
    """Mean and std of N(mu, sigma²) restricted to [low, high]."""
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    a, b = (low - mu) / sigma, (high - mu) / sigma
    mass = cdf(b) - cdf(a)
    shift = (pdf(a) - pdf(b)) / mass
    var = 1 + (a * pdf(a) - b * pdf(b)) / mass - shift**2
    return mu + sigma * shift, sigma * math.sqrt(var)


@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.25, 2.25), (0.5, 4.0)])
def test_gauss_class_means_and_spread(noise, variance):
    # TF's variance runs linearly from 0.5 to 4; points that would leave the view are redrawn,
    # so each coordinate follows a normal distribution truncated to [-6, 6].
    X, y = generate("gauss", n=4000, noise=noise)
    assert np.bincount(y).tolist() == [2000, 2000]
    for label, centre in ((1, 2.0), (0, -2.0)):
        mean, std = truncated_normal_mean_std(centre, math.sqrt(variance))
        np.testing.assert_allclose(X[y == label].mean(axis=0), mean, atol=0.15)
        np.testing.assert_allclose(X[y == label].std(axis=0), std, rtol=0.06)
    assert truncated_normal_mean_std(2.0, 1e-3) == pytest.approx((2.0, 1e-3))


def test_spiral_matches_the_formula_at_noise_0():
    n = 500
    X, y = generate("spiral", n=n)
    i = np.arange(n // 2)
    r = i / (n // 2) * 5
    for label, delta in ((1, 0.0), (0, np.pi)):
        t = 1.75 * i / (n // 2) * 2 * np.pi + delta
        np.testing.assert_allclose(X[y == label], np.column_stack([r * np.sin(t), r * np.cos(t)]),
                                   atol=1e-12)
    radii = np.hypot(X[:, 0], X[:, 1])
    assert radii.min() >= 0 and radii.max() <= 5


def test_spiral_noise_is_uniform_and_small():
    X0, _ = generate("spiral", n=500)
    X1, _ = generate("spiral", n=500, noise=0.5)
    assert 0 < np.abs(X1 - X0).max() <= 0.5


def test_plane_target_at_noise_0():
    X, y = generate("plane", n=1200)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10, rtol=0, atol=1e-15)
    assert np.abs(X).max() <= 6


def test_plane_noise_changes_the_target_only():
    X, y = generate("plane", n=1200, noise=0.5)
    assert np.abs(X).max() <= 6
    assert np.abs(y - (X[:, 0] + X[:, 1]) / 10).max() > 0.1


def multi_gaussian_label(x, y):
    """TF Playground's regressGaussian label, point by point."""
    label = 0.0
    for cx, cy, sign in [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1),
                         (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]:
        d = math.dist((x, y), (cx, cy))
        new = sign * min(max(1 - d / 2, 0.0), 1.0)
        if abs(new) > abs(label):
            label = new
    return label


def test_multi_gaussian_matches_restated_formula_at_noise_0():
    X, y = generate("multi_gaussian", n=400)
    expected = [multi_gaussian_label(a, b) for a, b in X.tolist()]
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert np.all(np.abs(y) <= 1) and np.any(y > 0.5) and np.any(y < -0.5) and np.any(y == 0)


def test_multi_gaussian_on_chosen_points():
    # The centres themselves and a point far from all of them.
    for (x, y), value in [((-4, 2.5), 1.0), ((0, 2.5), -1.0), ((0, 0), 0.0), ((4, -1.5), -0.5)]:
        assert multi_gaussian_label(x, y) == pytest.approx(value)


# --- scikit-learn sets and the k-arm spiral ---------------------------------------------------

def test_moons_lie_on_the_scaled_half_circles_at_noise_0():
    X, y = generate("moons", n=501)
    u = X / 3.5 + [0.5, 0.25]  # back to make_moons coordinates
    outer, inner = u[y == 0], u[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1, atol=1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1, atol=1e-12)
    assert np.all(outer[:, 1] >= -1e-12) and np.all(inner[:, 1] <= 0.5 + 1e-12)
    assert abs(len(outer) - len(inner)) <= 1


@pytest.mark.parametrize("k", [2, 5, 8])
def test_blobs_have_k_balanced_separate_clusters(k):
    X, y = generate("blobs", n=800, n_classes=k)
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    means = np.array([X[y == c].mean(axis=0) for c in range(k)])
    assert np.abs(means).max() <= 4.2
    gaps = np.linalg.norm(means[:, None] - means[None], axis=-1) + np.eye(k) * 99
    assert gaps.min() > 2


def leave_one_out_1nn_accuracy(X, y):
    d = np.linalg.norm(X[:, None] - X[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(y[d.argmin(axis=1)] == y))


@pytest.mark.parametrize("k", range(2, 9))
def test_spiral_k_arms_are_separable_at_noise_0(k):
    X, y = generate("spiral_k", n=600, n_classes=k)
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() > 0 and r.max() <= 5 + 1e-12
    assert leave_one_out_1nn_accuracy(X, y) >= 0.95


def test_spiral_k_noise_makes_it_harder():
    clean = leave_one_out_1nn_accuracy(*generate("spiral_k", n=600, n_classes=4))
    noisy = leave_one_out_1nn_accuracy(*generate("spiral_k", n=600, n_classes=4, noise=0.5))
    assert noisy < clean


# --- make_dataset validation ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"name": "spirals"}, r"unknown dataset 'spirals'; choose one of: circle, xor"),
    ({"n_samples": 9}, r"n_samples must be a whole number from 10 to 20000; got 9"),
    ({"n_samples": 20_001}, r"from 10 to 20000; got 20001"),
    ({"n_samples": 100.0}, r"n_samples must be a whole number from 10 to 20000; got 100.0"),
    ({"n_samples": True}, r"n_samples .* got True"),
    ({"noise": -0.1}, r"noise must be a number from 0 to 0.5; got -0.1"),
    ({"noise": 0.51}, r"noise must be a number from 0 to 0.5; got 0.51"),
    ({"noise": float("nan")}, r"noise must be a number from 0 to 0.5; got nan"),
    ({"noise": "0.1"}, r"noise must be a number from 0 to 0.5; got '0.1'"),
    ({"train_ratio": 0.05}, r"train_ratio must be a number from 0.1 to 0.9; got 0.05"),
    ({"train_ratio": 1.0}, r"train_ratio must be a number from 0.1 to 0.9; got 1.0"),
    ({"seed": -1}, r"seed must be a whole number >= 0; got -1"),
    ({"seed": 1.5}, r"seed must be a whole number >= 0; got 1.5"),
    ({"name": "blobs", "n_classes": 1}, r"n_classes must be a whole number from 2 to 8; got 1"),
    ({"name": "spiral_k", "n_classes": 9}, r"n_classes must be a whole number from 2 to 8; got 9"),
])
def test_make_dataset_rejects_bad_arguments(kwargs, match):
    kwargs = {"name": "circle", **kwargs}
    with pytest.raises(ValueError, match=match):
        make_dataset(**kwargs)


def test_make_dataset_accepts_the_range_limits():
    assert len(make_dataset("circle", n_samples=10, noise=0, train_ratio=0.1).y) == 10
    ds = make_dataset("spiral_k", n_samples=20_000, noise=0.5, train_ratio=0.9, n_classes=8,
                      seed=2**40)
    assert ds.n_train == 18_000 and ds.n_classes == 8
    assert make_dataset("gauss", n_samples=np.int64(50)).n_train == 25


@settings(max_examples=40, deadline=None, database=None)
@given(name=st.sampled_from(NAMES), n_samples=st.integers(10, 3000),
       noise=st.floats(0, 0.5), train_ratio=st.floats(0.1, 0.9),
       seed=st.integers(0, 2**63), n_classes=st.integers(2, 8))
def test_any_valid_arguments_give_a_valid_dataset(name, n_samples, noise, train_ratio, seed,
                                                  n_classes):
    ds = make_dataset(name, n_samples, noise, train_ratio, seed, n_classes)
    assert ds.n_train + ds.n_test == n_samples
    assert ds.n_train >= 1 and ds.n_test >= 1
    assert ds.X_train.shape == (ds.n_train, 2) and ds.y_test.shape == (ds.n_test,)
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    assert np.abs(ds.X).max() <= 6
    if ds.task != "regression":
        assert ds.y.min() >= 0 and ds.y.max() < ds.n_classes


# --- from_points ------------------------------------------------------------------------------

POINTS = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [3.0, 1.0]]


@pytest.mark.parametrize("labels, expected", [
    ([-1, 1, -1, 1, -1, 1], [0, 1, 0, 1, 0, 1]),
    ([7, 3, 7, 3, 7, 3], [1, 0, 1, 0, 1, 0]),
    ([0.0, 1.0, 0.0, 1.0, 0.0, 1.0], [0, 1, 0, 1, 0, 1]),
])
def test_from_points_remaps_binary_labels_in_sorted_order(labels, expected):
    ds = from_points(POINTS, labels)
    assert ds.task == "binary" and ds.n_classes == 2
    assert ds.y.dtype == np.int64
    lookup = {tuple(p): e for p, e in zip(POINTS, expected, strict=True)}
    assert [lookup[tuple(p)] for p in ds.X.tolist()] == ds.y.tolist()


def test_from_points_infers_multiclass_and_regression():
    ds = from_points(POINTS, [5, 6, 7, 5, 6, 7])
    assert ds.task == "multiclass" and ds.n_classes == 3 and set(ds.y) == {0, 1, 2}
    ds = from_points(POINTS, [0.5, 1.5, 2.0, 3.0, 4.0, 5.0])
    assert ds.task == "regression" and ds.n_classes == 0 and ds.y.dtype == np.float64
    # More than 8 distinct whole numbers are read as a regression target.
    many = np.column_stack([np.arange(9.0), np.zeros(9)])
    assert from_points(many, np.arange(9)).task == "regression"


def test_from_points_honours_an_explicit_task():
    ds = from_points(POINTS, [0, 1, 2, 3, 4, 5], task="regression")
    assert ds.task == "regression"
    np.testing.assert_array_equal(np.sort(ds.y), np.arange(6.0))
    ds = from_points(POINTS, [0, 1, 0, 1, 0, 1], task="multiclass")
    assert ds.task == "multiclass" and ds.n_classes == 2


@pytest.mark.parametrize("X, y, kwargs, match", [
    (POINTS, [0, 1, 0, 1, 0], {}, r"labels must have shape \(6,\)"),
    ([[0], [1]], [0, 1], {}, r"points must have shape \(n, d\) with 2 to 50 columns"),
    (np.zeros((3, 51)), [0, 1, 0], {}, r"2 to 50 columns; got \(3, 51\)"),
    ([[0, 0]], [0], {}, r"at least 2 points"),
    ([[0, 0], [1, np.nan]], [0, 1], {}, r"finite"),
    ([[0, 0], [1, 1]], [0, np.inf], {}, r"finite"),
    ([["a", 0], [1, 1]], [0, 1], {}, r"must be numbers"),
    (POINTS, [1] * 6, {}, r"only one class \(label 1\)"),
    (POINTS, [0, 1, 2, 0, 1, 2], {"task": "binary"}, r"'binary' needs exactly 2 classes; found 3"),
    (POINTS, [0, 0.5, 0, 1, 0, 1], {"task": "binary"}, r"whole numbers; point 1 has label 0.5"),
    (np.zeros((9, 2)), np.arange(9), {"task": "multiclass"}, r"found 9 classes; at most 8"),
    (POINTS, [0, 1] * 3, {"task": "classes"}, r"task must be None or one of binary"),
    (POINTS, [0, 1] * 3, {"train_ratio": 0.95}, r"from 0.1 to 0.9; got 0.95"),
    (POINTS, [0, 1] * 3, {"seed": -3}, r"seed must be a whole number >= 0; got -3"),
    (POINTS, [0, 1] * 3, {"bounds": (0, 1, 2)}, r"bounds must be 4 finite numbers"),
    (POINTS, [0, 1] * 3, {"bounds": (1, 0, 0, 1)}, r"each min below its max"),
])
def test_from_points_rejects_bad_input(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        from_points(X, y, **kwargs)


def test_from_points_splits_when_a_class_has_one_point():
    ds = from_points(np.arange(20.0).reshape(10, 2), [0] * 9 + [1], train_ratio=0.5)
    assert ds.n_train == 5 and ds.n_test == 5 and ds.n_classes == 2


def test_from_points_always_keeps_a_training_and_a_test_point():
    ds = from_points([[0, 0], [1, 1]], [0, 1], train_ratio=0.1)
    assert ds.n_train == 1 and ds.n_test == 1
    ds = from_points([[0, 0], [1, 1], [2, 2]], [0.1, 0.2, 0.3], train_ratio=0.9)
    assert ds.n_train == 2 and ds.n_test == 1


def test_from_points_split_is_seeded_and_stratified():
    X = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    y = np.repeat([0, 1, 2, 3], [20, 40, 60, 80])
    a, b = from_points(X, y, seed=5), from_points(X, y, seed=5)
    assert a.X_train.tobytes() == b.X_train.tobytes()
    assert not np.array_equal(a.X_train, from_points(X, y, seed=6).X_train)
    np.testing.assert_array_equal(np.bincount(a.y_train), [10, 20, 30, 40])


def test_from_points_default_bounds_are_padded_and_square_when_ranges_are_comparable():
    ds = from_points([[0, 0], [10, 6], [5, 1]], [0, 1, 0])
    x_min, x_max, y_min, y_max = ds.bounds
    assert (x_min, x_max) == pytest.approx((-1, 11))
    assert x_max - x_min == pytest.approx(y_max - y_min)  # ranges 10 and 6: one square view
    assert (y_min + y_max) / 2 == pytest.approx(3)


def test_from_points_default_bounds_keep_each_axis_when_ranges_differ():
    # Wine's alcohol (11-15) against proline (hundreds to thousands): each axis its own range.
    ds = from_points([[11, 278], [15, 1680], [13, 700]], [0, 1, 0])
    assert ds.bounds == pytest.approx((10.6, 15.4, 137.8, 1820.2))
    ds = from_points([[0, 0], [10, 2], [5, 1]], [0, 1, 0])  # ranges 10 and 2 (5 times)
    assert ds.bounds == pytest.approx((-1, 11, -0.2, 2.2))


def test_from_points_bounds_never_have_zero_width():
    x_min, x_max, y_min, y_max = from_points([[3, 3]] * 4, [0, 1, 0, 1]).bounds
    assert x_min < 3 < x_max and y_min < 3 < y_max


def test_from_points_keeps_given_bounds():
    ds = from_points(POINTS, [0, 1] * 3, bounds=(-6, 6, -6, 6))
    assert ds.bounds == (-6.0, 6.0, -6.0, 6.0)


# --- CSV --------------------------------------------------------------------------------------

GOOD_ROWS = "0.5,1.5,0\n-1,2.25,1\n3,-4,0\n2e-3,5,1\n"
GOOD_POINTS = {(0.5, 1.5): 0, (-1.0, 2.25): 1, (3.0, -4.0): 0, (0.002, 5.0): 1}


def as_points(ds):
    return {tuple(p): label for p, label in zip(ds.X.tolist(), ds.y.tolist(), strict=True)}


@pytest.mark.parametrize("wrap", [str, str.encode, lambda s: io.BytesIO(s.encode()), io.StringIO],
                         ids=["str", "bytes", "BytesIO", "StringIO"])
@pytest.mark.parametrize("header", ["", "x1,x2,label\n", " a , b , class \n"],
                         ids=["no-header", "header", "other-header"])
def test_load_csv_reads_good_files(wrap, header):
    ds = load_csv(wrap(header + GOOD_ROWS))
    assert ds.task == "binary" and ds.n_classes == 2
    assert as_points(ds) == GOOD_POINTS
    assert ds.n_train == 2 and ds.n_test == 2


def test_load_csv_skips_blank_lines_and_handles_crlf_and_bom():
    text = "\ufeffx1,x2,label\r\n\r\n" + GOOD_ROWS.replace("\n", "\r\n\r\n") + "\r\n"
    assert as_points(load_csv(text.encode("utf-8"))) == GOOD_POINTS
    assert as_points(load_csv(text)) == GOOD_POINTS


def test_load_csv_infers_regression_and_accepts_a_task():
    ds = load_csv("0,0,0.5\n1,1,1.5\n2,2,2.5\n")
    assert ds.task == "regression"
    ds = load_csv("0,0,1\n1,1,2\n2,2,3\n", task="regression")
    assert ds.task == "regression" and sorted(ds.y.tolist()) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("name", NAMES)
def test_to_csv_load_csv_round_trip_is_exact(name):
    ds = make_dataset(name, n_samples=200, noise=0.3, seed=11, n_classes=5)
    text = to_csv(ds)
    assert text.splitlines()[0] == "x1,x2,label,split"
    assert len(text.splitlines()) == 201
    back = load_csv(text.encode("utf-8"))
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert getattr(back, field).tobytes() == getattr(ds, field).tobytes()
    assert (back.task, back.n_classes) == (ds.task, ds.n_classes)


def test_load_csv_with_split_column_keeps_the_split_and_ignores_seed():
    text = "x1,x2,label,Split\n0,0,0,train\n1,1,1,TEST\n2,2,0,test\n3,3,1,train\n"
    ds = load_csv(text, seed=99, train_ratio=0.9)
    assert ds.X_train.tolist() == [[0, 0], [3, 3]] and ds.X_test.tolist() == [[1, 1], [2, 2]]


def bad_csv_message(source, **kwargs):
    with pytest.raises(ValueError) as info:
        load_csv(source, **kwargs)
    return str(info.value)


def test_csv_cell_not_a_number():
    msg = bad_csv_message("x1,x2,label\n1,2,0\n3,four,1\n")
    assert "row 3, column 2 (x2)" in msg and "'four' is not a number" in msg


def test_csv_first_row_with_a_bad_cell_is_data_not_a_header():
    msg = bad_csv_message("1,oops,0\n3,4,1\n")
    assert "row 1, column 2" in msg and "'oops' is not a number" in msg


def test_csv_long_value_is_truncated():
    msg = bad_csv_message("1,2,0\n3," + "x" * 500 + ",1\n")
    assert "row 2, column 2" in msg and "x" * 19 + "…" in msg and "x" * 21 not in msg


def test_csv_empty_cell():
    msg = bad_csv_message("1,2,0\n3,,1\n")
    assert "row 2, column 2" in msg and "empty cell is not a number" in msg


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity"])
def test_csv_nan_or_infinite(value):
    msg = bad_csv_message(f"x1,x2,label\n1,2,0\n3,4,1\n{value},0,1\n")
    assert "row 4, column 1 (x1)" in msg and "NaN or infinite" in msg


def test_csv_missing_column():
    msg = bad_csv_message("1,2,0\n3,4\n")
    assert "found 2 columns on row 2" in msg and "expected 3 columns: x1, x2, label" in msg


def test_csv_extra_column():
    msg = bad_csv_message("x1,x2,label\n1,2,0\n3,4,1,9\n")
    assert "found 4 columns on row 3" in msg and "expected 3 columns" in msg


def test_csv_with_more_columns_reads_them_all_and_names_them():
    ds = load_csv("a,b,c,label\n1,2,3,0\n4,5,7,1\n7,9,8,0\n2,1,0,1\n")
    assert ds.columns == ("a", "b", "c") and ds.target == "label" and ds.n_columns == 3
    assert sorted(map(tuple, ds.X.tolist())) == [(1, 2, 3), (2, 1, 0), (4, 5, 7), (7, 9, 8)]
    ds = load_csv("1,2,3,0\n4,5,7,1\n7,9,8,0\n2,1,0,1\n")  # no header: x1, x2, x3
    assert ds.columns == ("x1", "x2", "x3")


def test_csv_wrong_separator():
    msg = bad_csv_message("1;2;0\n3;4;1\n")
    assert "found 1 column on row 1 (separate values with commas)" in msg


def test_csv_single_class():
    msg = bad_csv_message("1,2,1\n3,4,1\n5,6,1\n")
    assert "only one class" in msg and "at least 2 classes" in msg


@pytest.mark.parametrize("text", ["", "\n\n  \n", b""])
def test_csv_no_rows(text):
    assert "the file is empty" in bad_csv_message(text)


def test_csv_only_a_header():
    assert "header but no data rows" in bad_csv_message("x1,x2,label\n\n")


def test_csv_too_many_rows():
    msg = bad_csv_message("x1,x2,label\n" + "1,2,0\n3,4,1\n" * 6, max_rows=10)
    assert "more than 10 data rows" in msg and "limit is 10" in msg
    assert load_csv("1,2,0\n3,4,1\n" * 5, max_rows=10).n_train == 5


@pytest.mark.parametrize("wrap", [bytes, str, io.BytesIO], ids=["bytes", "str", "BytesIO"])
def test_csv_too_large(wrap):
    data = b"1,2,0\n3,4,1\n" * 200_000  # 2.4 MB
    source = data.decode() if wrap is str else wrap(data)
    msg = bad_csv_message(source)
    assert "too large" in msg and "2 MB" in msg


def test_csv_not_utf8():
    msg = bad_csv_message("x1,x2,label\n1,2,0\n3,4,1\n".encode("utf-16"))
    assert "not UTF-8 text" in msg
    assert "not UTF-8 text" in bad_csv_message(io.BytesIO(b"1,2,\xe9\n"))


def test_csv_bad_split_values():
    msg = bad_csv_message("x1,x2,label,split\n1,2,0,train\n3,4,1,validate\n")
    assert "row 3, column 4 (split)" in msg and "'train' or 'test'" in msg
    msg = bad_csv_message("x1,x2,label,split\n1,2,0,train\n3,4,1,train\n")
    assert "at least one row 'train' and one 'test'" in msg


def test_load_csv_rejects_other_sources():
    with pytest.raises(TypeError, match="CSV text, bytes or a file object"):
        load_csv(42)


# --- input features ---------------------------------------------------------------------------

def test_features_registry_order_and_labels():
    assert list(FEATURES) == ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    assert [f.label for f in FEATURES.values()] == ["x₁", "x₂", "x₁²", "x₂²", "x₁·x₂",
                                                     "sin x₁", "sin x₂"]
    assert all(name == f.name and f.description for name, f in FEATURES.items())


X_FEAT = np.array([[0.0, 1.0], [-2.0, 0.5], [3.0, -4.0]])
RESTATED = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1_sq": lambda a, b: a**2,
    "x2_sq": lambda a, b: b**2,
    "x1_x2": lambda a, b: a * b,
    "sin_x1": lambda a, b: np.sin(a),
    "sin_x2": lambda a, b: np.sin(b),
}


@pytest.mark.parametrize("name", list(FEATURES))
def test_each_feature_is_what_it_says(name):
    assert set(RESTATED) == set(FEATURES)
    out = transform(X_FEAT, [name])
    np.testing.assert_array_equal(out[:, 0], RESTATED[name](X_FEAT[:, 0], X_FEAT[:, 1]))


def test_transform_keeps_the_order_given():
    order = ["sin_x2", "x1", "x1_x2", "x2_sq"]
    out = transform(X_FEAT, order)
    assert out.shape == (3, 4) and out.dtype == np.float64 and out.flags.c_contiguous
    for j, name in enumerate(order):
        np.testing.assert_array_equal(out[:, j], transform(X_FEAT, [name])[:, 0])
    np.testing.assert_array_equal(transform(X_FEAT, ["x1", "x2"]), X_FEAT)


def test_transform_of_an_empty_set_of_points():
    assert transform(np.empty((0, 2)), ["x1", "sin_x2"]).shape == (0, 2)


@pytest.mark.parametrize("features, match", [
    ([], "choose at least one input feature"),
    (["x1", "cos_x1"], r"unknown feature 'cos_x1'; choose from: x1, x2, x1_sq"),
    (["x1", "x1"], "each feature can be chosen once"),
])
def test_transform_rejects_bad_features(features, match):
    with pytest.raises(ValueError, match=match):
        transform(X_FEAT, features)


def test_transform_rejects_bad_input():
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        transform(np.zeros((3, 3)), ["x1"])
    with pytest.raises(TypeError, match="list of feature names"):
        transform(X_FEAT, "x1")
