"""The point datasets: TensorFlow Playground's 2-D generators and scikit-learn's, scikit-learn's
bundled real tables (iris, wine, breast cancer, diabetes), all in the registry `DATASETS`, and
the train/test split and view bounds every point data set goes through."""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sklearn import datasets as sk_datasets
from sklearn.datasets import make_blobs, make_moons
from sklearn.model_selection import train_test_split

from ._checks import check_int_range, check_real_range

TASKS = ("binary", "multiclass", "regression")
MAX_CLASSES = 8
MIN_SAMPLES, MAX_SAMPLES = 10, 20_000
MAX_NOISE = 0.5
MIN_TRAIN_RATIO, MAX_TRAIN_RATIO = 0.1, 0.9
MAX_COLUMNS = 50  # feature columns a table may have
GENERATED_BOUNDS = (-6.0, 6.0, -6.0, 6.0)
_BOX = 6.0  # generated points lie in [-_BOX, _BOX]^2
COMPARABLE = 2.0  # axes whose ranges differ by at most this factor share one square view
SCALES = ("standard", "none")  # what 'auto' scaling means for a data set


def view_bounds(P: np.ndarray) -> tuple[float, float, float, float]:
    """The view of points P (n, 2): each axis's range padded by 10 % per side. When the two
    ranges are comparable (within a factor of 2), both axes are made as wide as the wider,
    so that distances look the same both ways; otherwise each keeps its own range."""
    P = np.asarray(P, dtype=np.float64)
    lo, hi = P.min(axis=0), P.max(axis=0)
    centre = (lo + hi) / 2
    width = hi - lo
    for k in range(2):
        if width[k] == 0:
            width[k] = max(1.0, abs(float(centre[k])) * 0.1)
    if width.max() <= COMPARABLE * width.min():
        width[:] = width.max()
    half = 0.6 * width
    return (float(centre[0] - half[0]), float(centre[0] + half[0]),
            float(centre[1] - half[1]), float(centre[1] + half[1]))


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of points with d >= 2 numeric columns. X_*: (n, d) float64 in the
    data's own units; y_*: (n,) int64 class ids 0..n_classes-1 for classification, float64
    targets for regression (n_classes 0).

    columns names the d columns and target the label column; class_names names the classes
    (empty: they are shown as numbers). default_pair is the two columns the map shows unless
    told otherwise, and bounds its view (x_min, x_max, y_min, y_max). scale is what 'auto'
    scaling means for this data: 'standard' for real tables whose columns differ in scale,
    'none' for the generated sets, whose scales are part of the lesson."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    bounds: tuple[float, float, float, float]
    columns: tuple[str, ...] = ("x1", "x2")
    target: str = "label"
    class_names: tuple[str, ...] = ()
    default_pair: tuple[int, int] = (0, 1)
    scale: str = "none"

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {self.task!r}")
        d = len(self.columns)
        for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test)):
            if X.ndim != 2 or X.shape[1] != d or y.shape != (X.shape[0],):
                raise ValueError(f"X must be (n, {d}), one column per name, and y (n,); "
                                 f"got {X.shape} and {y.shape}")
        n = len(self.y_train) + len(self.y_test)
        if n > MAX_SAMPLES:
            raise ValueError(f"{n:,} points are over the limit of {MAX_SAMPLES:,}")
        if d < 2 or len(set(self.columns)) != d:
            raise ValueError(f"need at least 2 distinct column names; got {self.columns}")
        i, j = self.default_pair
        if not (0 <= i < d and 0 <= j < d and i != j):
            raise ValueError(f"default_pair must be two different columns; got {(i, j)}")
        if self.class_names and len(self.class_names) != self.n_classes:
            raise ValueError(f"{self.n_classes} classes but {len(self.class_names)} names")
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {self.scale!r}")

    def replace(self, **changes) -> "Dataset":
        """A copy with `changes` (e.g. other rows), keeping the names and the view."""
        return replace(self, **changes)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def pair(self, x: str = "", y: str = "") -> tuple[int, int]:
        """The indices of the two columns the map shows: `x` and `y` by name, each '' for the
        default pair's; ValueError naming the columns there are."""
        return check_pair(self.columns, self.default_pair, x, y)

    def pair_bounds(self, i: int, j: int) -> tuple[float, float, float, float]:
        """The view of columns i and j: `bounds` for the default pair, else their padded
        range (see view_bounds)."""
        if (i, j) == tuple(self.default_pair):
            return self.bounds
        return view_bounds(self.X[:, [i, j]])

    def class_name(self, k: int) -> str:
        return self.class_names[k] if self.class_names else str(k)

    @property
    def X(self) -> np.ndarray:
        """All points, training first: (n_train + n_test, d)."""
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        """All labels or targets, training first: (n_train + n_test,)."""
        return np.concatenate([self.y_train, self.y_test])

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"


GenerateFn = Callable[[int, float, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Table:
    """A real data set as it comes: X (n, d) in its own units, y (n,), and their names."""

    X: np.ndarray
    y: np.ndarray
    columns: tuple[str, ...]
    target: str
    class_names: tuple[str, ...]
    default_pair: tuple[int, int]


@dataclass(frozen=True)
class DatasetSpec:
    """A registry entry. A generated set has `generate(n_samples, noise, rng, n_classes) ->
    (X (n, 2), y (n,))`; a real one has `table() -> Table` instead (its rows are fixed: the
    number of samples, the noise and the number of classes do not apply)."""

    name: str
    label: str
    task: str
    generate: GenerateFn | None
    default_samples: int
    description: str
    table: Callable[[], Table] | None = None

    @property
    def real(self) -> bool:
        return self.table is not None


# --- TensorFlow Playground's generators (labels +1/-1 there become 1/0 here) ---------------

def _halves(n: int) -> tuple[int, int]:
    """Sizes of the label-1 and label-0 halves; the label-1 half takes an odd point."""
    return (n + 1) // 2, n // 2


def _circle(n, noise, rng, n_classes):
    radius = 5.0
    n1, n0 = _halves(n)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n1),
                        rng.uniform(radius * 0.7, radius, n0)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    label = np.hypot(x + nx, y + ny) < radius * 0.5
    return np.column_stack([x, y]), label.astype(np.int64)


def _xor(n, noise, rng, n_classes):
    padding = 0.3
    x = rng.uniform(-5, 5, n)
    x += np.where(x > 0, padding, -padding)
    y = rng.uniform(-5, 5, n)
    y += np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5, 5, n) * noise
    ny = rng.uniform(-5, 5, n) * noise
    label = (x + nx) * (y + ny) >= 0
    return np.column_stack([x, y]), label.astype(np.int64)


def _gauss(n, noise, rng, n_classes):
    variance = 0.5 + (4.0 - 0.5) * noise / MAX_NOISE
    std = math.sqrt(variance)
    n1, n0 = _halves(n)
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n1, n0], axis=0)
    X = centres + std * rng.standard_normal((n, 2))
    # TF Playground lets the widest clouds spill past the view; redraw those points instead.
    out = np.abs(X).max(axis=1) > _BOX
    while out.any():
        X[out] = centres[out] + std * rng.standard_normal((int(out.sum()), 2))
        out = np.abs(X).max(axis=1) > _BOX
    return X, np.repeat(np.array([1, 0], dtype=np.int64), [n1, n0])


def _spiral(n, noise, rng, n_classes):
    parts = []
    for m, delta_t in zip(_halves(n), (0.0, np.pi), strict=True):
        i = np.arange(m)
        r = i / m * 5
        t = 1.75 * i / m * 2 * np.pi + delta_t
        x = r * np.sin(t) + rng.uniform(-1, 1, m) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, m) * noise
        parts.append(np.column_stack([x, y]))
    n1, n0 = _halves(n)
    return np.concatenate(parts), np.repeat(np.array([1, 0], dtype=np.int64), [n1, n0])


def _jittered_uniform(n, noise, rng):
    """Points uniform in the box plus TF's label jitter: (X (n, 2), x + nx, y + ny)."""
    x = rng.uniform(-_BOX, _BOX, n)
    y = rng.uniform(-_BOX, _BOX, n)
    nx = rng.uniform(-_BOX, _BOX, n) * noise
    ny = rng.uniform(-_BOX, _BOX, n) * noise
    return np.column_stack([x, y]), x + nx, y + ny


def _plane(n, noise, rng, n_classes):
    X, xj, yj = _jittered_uniform(n, noise, rng)
    return X, (xj + yj) / 10.0  # TF maps x + y from [-10, 10] to [-1, 1], unclamped


_GAUSSIAN_CENTRES = np.array([
    [-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
    [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1],
], dtype=np.float64)


def _multi_gaussian(n, noise, rng, n_classes):
    X, xj, yj = _jittered_uniform(n, noise, rng)
    cx, cy, sign = _GAUSSIAN_CENTRES.T
    d = np.hypot(xj[:, None] - cx, yj[:, None] - cy)  # (n, 6)
    values = sign * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    # The value largest in magnitude wins; argmax keeps the first on ties, as TF does.
    best = np.abs(values).argmax(axis=1)
    return X, values[np.arange(n), best]


# --- scikit-learn's generators and a k-arm spiral ------------------------------------------

def _draw_inside(draw, counts, rng, max_rounds=200):
    """Call `draw(per_class_counts, seed) -> (X, y)` until each class c has counts[c] points
    inside the box; returns (X (sum(counts), 2), y) grouped by class."""
    need = np.asarray(counts, dtype=np.int64).copy()
    kept = [[] for _ in counts]
    for _ in range(max_rounds):
        if not need.any():
            break
        X, y = draw(np.maximum(2 * need, 1), int(rng.integers(2**31 - 1)))
        inside = np.abs(X).max(axis=1) <= _BOX
        for c in np.flatnonzero(need):
            pts = X[inside & (y == c)][: need[c]]
            kept[c].append(pts)
            need[c] -= len(pts)
    if need.any():  # unreachable for the ranges make_dataset allows
        raise RuntimeError("could not place the points inside the view")
    X = np.concatenate([p for parts in kept for p in parts])
    return X, np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def _moons(n, noise, rng, n_classes):
    def draw(sizes, seed):
        X, y = make_moons(n_samples=tuple(int(s) for s in sizes), noise=noise, random_state=seed)
        # make_moons spans x in [-1, 2], y in [-0.5, 1]; centre it and scale to about [-5, 5].
        return (X - [0.5, 0.25]) * 3.5, y

    return _draw_inside(draw, [n - n // 2, n // 2], rng)


def _blobs(n, noise, rng, n_classes):
    k = n_classes
    phase = rng.uniform(0, 2 * np.pi)
    angles = phase + 2 * np.pi * np.arange(k) / k
    centres = 3.5 * np.column_stack([np.cos(angles), np.sin(angles)])

    def draw(sizes, seed):
        return make_blobs(n_samples=sizes, centers=centres, cluster_std=0.6 + 3 * noise,
                          random_state=seed)

    return _draw_inside(draw, _even_counts(n, k), rng)


def _even_counts(n: int, k: int) -> list[int]:
    """n split into k near-equal counts, the first ones taking the remainder."""
    return [n // k + (j < n % k) for j in range(k)]


def _spiral_k(n, noise, rng, n_classes):
    k = n_classes
    # Fewer turns for more arms keeps the gap between neighbouring arms about 1.1-1.4 units.
    sweep = 2 * np.pi * max(0.75, 3.5 / k)
    parts = []
    for j, m in enumerate(_even_counts(n, k)):
        s = np.linspace(0, 1, m + 1)[1:]  # skip r = 0, where all arms would meet
        t = s * sweep + 2 * np.pi * j / k + rng.standard_normal(m) * noise * np.pi / k
        r = 5 * s
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    return np.concatenate(parts), np.repeat(np.arange(k, dtype=np.int64), _even_counts(n, k))


# --- scikit-learn's bundled real tables (nothing is downloaded) --------------------------------

def _bunch_table(load, target, class_names, pair, **kw) -> Callable[[], Table]:
    def table() -> Table:
        b = load(**kw)
        columns = tuple(str(c) for c in b.feature_names)
        X = np.ascontiguousarray(b.data, dtype=np.float64)
        names = ()
        if class_names is None:
            y = b.target.astype(np.float64)
        else:  # classes in the order of their names, as a CSV of this table reads back
            names = tuple(sorted(class_names))
            y = np.array([names.index(n) for n in class_names], dtype=np.int64)[b.target]
        for a in (X, y):
            a.flags.writeable = False
        return Table(X, y, columns, target, names,
                     (columns.index(pair[0]), columns.index(pair[1])))
    return table


_TABLES: dict[str, Table] = {}


def real_table(name: str) -> Table:
    """The real data set `name`, loaded once per process (its arrays are read-only)."""
    if name not in _TABLES:
        _TABLES[name] = DATASETS[name].table()
    return _TABLES[name]


_REAL = [
    DatasetSpec("iris", "Iris", "multiclass", None, 150,
                "Fisher's iris flowers: 150 plants, 4 measurements in cm, 3 species.",
                _bunch_table(sk_datasets.load_iris, "species",
                             ("setosa", "versicolor", "virginica"),
                             ("petal length (cm)", "petal width (cm)"))),
    DatasetSpec("wine", "Wine", "multiclass", None, 178,
                "178 Italian wines from 3 cultivars, 13 chemical measurements each.",
                _bunch_table(sk_datasets.load_wine, "cultivar",
                             ("cultivar 1", "cultivar 2", "cultivar 3"),
                             ("alcohol", "proline"))),
    DatasetSpec("breast_cancer", "Breast cancer", "binary", None, 569,
                "569 breast tumours, malignant or benign, 30 measurements of their cells.",
                _bunch_table(sk_datasets.load_breast_cancer, "diagnosis",
                             ("malignant", "benign"),
                             ("worst radius", "worst concave points"))),
    DatasetSpec("diabetes", "Diabetes", "regression", None, 442,
                "442 patients: 10 measurements, and how far the disease went in a year.",
                _bunch_table(sk_datasets.load_diabetes, "progression", None, ("bmi", "s5"),
                             scaled=False)),
]


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec for spec in [
        DatasetSpec("circle", "Circle", "binary", _circle, 500,
                    "A disc of one class inside a ring of the other."),
        DatasetSpec("xor", "Exclusive or", "binary", _xor, 500,
                    "Four quadrants; the class is whether x₁ and x₂ share a sign."),
        DatasetSpec("gauss", "Gaussian", "binary", _gauss, 500,
                    "Two round clouds whose spread grows with the noise."),
        DatasetSpec("spiral", "Spiral", "binary", _spiral, 500,
                    "Two arms winding around each other."),
        DatasetSpec("plane", "Plane", "regression", _plane, 1200,
                    "The target rises linearly along the diagonal."),
        DatasetSpec("multi_gaussian", "Multi Gaussian", "regression", _multi_gaussian, 1200,
                    "Six bumps of alternating sign on a flat floor."),
        DatasetSpec("moons", "Moons", "binary", _moons, 500,
                    "Two interlocking half circles."),
        DatasetSpec("blobs", "Blobs", "multiclass", _blobs, 500,
                    "One round cluster per class, spaced on a circle."),
        DatasetSpec("spiral_k", "Spiral (k arms)", "multiclass", _spiral_k, 600,
                    "One spiral arm per class, interleaved."),
        *_REAL,
    ]
}


def _split_seed(seed: int) -> int:
    return int(np.random.default_rng([seed, 1]).integers(2**31 - 1))


def split_points(X, y, train_ratio, seed, classification):
    """Shuffle and split; stratified for classification whenever each class can be on both
    sides. Always leaves at least one training and one test point (needs len(y) >= 2)."""
    n = len(y)
    n_train = min(max(round(train_ratio * n), 1), n - 1)
    stratify = None
    if classification:
        counts = np.bincount(y)
        k = np.count_nonzero(counts)
        if counts[counts > 0].min() >= 2 and n_train >= k and n - n_train >= k:
            stratify = y
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, train_size=n_train, random_state=_split_seed(seed), stratify=stratify)
    return X_tr, y_tr, X_te, y_te


def as_dataset(X_tr, y_tr, X_te, y_te, task, n_classes, bounds, **names) -> Dataset:
    """A Dataset of contiguous float64 points and int64 classes (float64 targets); `names`
    are Dataset's naming fields (columns, target, class_names, default_pair, scale)."""
    y_dtype = np.float64 if task == "regression" else np.int64
    return Dataset(
        X_train=np.ascontiguousarray(X_tr, dtype=np.float64),
        y_train=np.ascontiguousarray(y_tr, dtype=y_dtype),
        X_test=np.ascontiguousarray(X_te, dtype=np.float64),
        y_test=np.ascontiguousarray(y_te, dtype=y_dtype),
        task=task, n_classes=n_classes, bounds=tuple(float(b) for b in bounds), **names)


def columns_of(name: str) -> tuple[tuple[str, ...], tuple[int, int]]:
    """The columns of registry set `name` and its default pair: ('x1', 'x2') for a
    generated one."""
    spec = DATASETS[name]
    if not spec.real:
        return ("x1", "x2"), (0, 1)
    t = real_table(name)
    return t.columns, t.default_pair


def check_pair(columns, default_pair, x: str, y: str) -> tuple[int, int]:
    """The indices of the map's columns `x` and `y` ('' for the default pair's) among
    `columns`; ValueError naming the columns there are."""
    def index(name: str, fallback: int) -> int:
        if not name:
            return fallback
        if name not in columns:
            shown = ", ".join(repr(c) for c in columns[:12])
            more = f" and {len(columns) - 12} more" if len(columns) > 12 else ""
            raise ValueError(f"the data has no column {name!r}; its columns are {shown}{more}")
        return list(columns).index(name)

    i, j = index(x, default_pair[0]), index(y, default_pair[1])
    if i == j:
        raise ValueError(f"the map needs two different columns; both are {columns[i]!r}")
    return i, j


# --- public API -----------------------------------------------------------------------------

def make_dataset(name: str, n_samples: int | None = None, noise: float = 0.0,
                 train_ratio: float = 0.5, seed: int = 0, n_classes: int = 3) -> Dataset:
    """Generate dataset `name` and split it: X_* (n, 2) float64, y_* (n,); a real set's
    rows are split as they are (n_samples, noise and n_classes do not apply to it).

    noise is in [0, 0.5]; n_classes (2..8) is used by multiclass sets only. The same
    arguments always give bit-identical arrays."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if spec.real:
        train_ratio = check_real_range("train_ratio", train_ratio, MIN_TRAIN_RATIO,
                                       MAX_TRAIN_RATIO)
        seed = check_int_range("seed", seed, 0)
        t = real_table(name)
        k = len(t.class_names)
        parts = split_points(t.X, t.y, train_ratio, seed, spec.task != "regression")
        return as_dataset(*parts, spec.task, k, view_bounds(t.X[:, list(t.default_pair)]),
                          columns=t.columns, target=t.target, class_names=t.class_names,
                          default_pair=t.default_pair, scale="standard")
    if n_samples is None:
        n_samples = spec.default_samples
    n_samples = check_int_range("n_samples", n_samples, MIN_SAMPLES, MAX_SAMPLES)
    noise = check_real_range("noise", noise, 0.0, MAX_NOISE)
    train_ratio = check_real_range("train_ratio", train_ratio, MIN_TRAIN_RATIO, MAX_TRAIN_RATIO)
    seed = check_int_range("seed", seed, 0)
    if spec.task == "multiclass":
        n_classes = check_int_range("n_classes", n_classes, 2, MAX_CLASSES)
    else:
        n_classes = 2 if spec.task == "binary" else 0

    rng = np.random.default_rng([seed, 0])
    X, y = spec.generate(n_samples, noise, rng, n_classes)
    parts = split_points(X, y, train_ratio, seed, spec.task != "regression")
    return as_dataset(*parts, spec.task, n_classes, GENERATED_BOUNDS)
