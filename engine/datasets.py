"""Toy 2-D datasets, user data from points or CSV, and the input-feature transforms."""

import csv
import io
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_blobs, make_moons
from sklearn.model_selection import train_test_split

TASKS = ("binary", "multiclass", "regression")
MAX_CLASSES = 8
MIN_SAMPLES, MAX_SAMPLES = 10, 20_000
MAX_NOISE = 0.5
MIN_TRAIN_RATIO, MAX_TRAIN_RATIO = 0.1, 0.9
GENERATED_BOUNDS = (-6.0, 6.0, -6.0, 6.0)
_BOX = 6.0  # generated points lie in [-_BOX, _BOX]^2


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of 2-D points. X_*: (n, 2) float64; y_*: (n,) int64 class ids
    0..n_classes-1 for classification, float64 targets for regression (n_classes 0).
    bounds is the view (x1_min, x1_max, x2_min, x2_max)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    bounds: tuple[float, float, float, float]

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {self.task!r}")
        for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test)):
            if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
                raise ValueError(f"X must be (n, 2) and y (n,); got {X.shape} and {y.shape}")

    @property
    def X(self) -> np.ndarray:
        """All points, training first: (n_train + n_test, 2)."""
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
class DatasetSpec:
    """A registry entry: `generate(n_samples, noise, rng, n_classes) -> (X (n, 2), y (n,))`."""

    name: str
    label: str
    task: str
    generate: GenerateFn
    default_samples: int
    description: str


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
    ]
}


# --- validation helpers ---------------------------------------------------------------------

def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_int_range(name: str, value, low: int, high: int | None = None) -> int:
    ok = _is_int(value) and value >= low and (high is None or value <= high)
    if not ok:
        allowed = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be a whole number {allowed}; got {value!r}")
    return int(value)


def _check_real_range(name: str, value, low: float, high: float) -> float:
    if not (_is_real(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}")
    return float(value)


def _split_seed(seed: int) -> int:
    return int(np.random.default_rng([seed, 1]).integers(2**31 - 1))


def _split(X, y, train_ratio, seed, classification):
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


def _as_dataset(X_tr, y_tr, X_te, y_te, task, n_classes, bounds) -> Dataset:
    y_dtype = np.float64 if task == "regression" else np.int64
    return Dataset(
        X_train=np.ascontiguousarray(X_tr, dtype=np.float64),
        y_train=np.ascontiguousarray(y_tr, dtype=y_dtype),
        X_test=np.ascontiguousarray(X_te, dtype=np.float64),
        y_test=np.ascontiguousarray(y_te, dtype=y_dtype),
        task=task, n_classes=n_classes, bounds=tuple(float(b) for b in bounds))


# --- public API -----------------------------------------------------------------------------

def make_dataset(name: str, n_samples: int | None = None, noise: float = 0.0,
                 train_ratio: float = 0.5, seed: int = 0, n_classes: int = 3) -> Dataset:
    """Generate dataset `name` and split it: X_* (n, 2) float64, y_* (n,).

    noise is in [0, 0.5]; n_classes (2..8) is used by multiclass sets only. The same
    arguments always give bit-identical arrays."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if n_samples is None:
        n_samples = spec.default_samples
    n_samples = _check_int_range("n_samples", n_samples, MIN_SAMPLES, MAX_SAMPLES)
    noise = _check_real_range("noise", noise, 0.0, MAX_NOISE)
    train_ratio = _check_real_range("train_ratio", train_ratio, MIN_TRAIN_RATIO, MAX_TRAIN_RATIO)
    seed = _check_int_range("seed", seed, 0)
    if spec.task == "multiclass":
        n_classes = _check_int_range("n_classes", n_classes, 2, MAX_CLASSES)
    else:
        n_classes = 2 if spec.task == "binary" else 0

    rng = np.random.default_rng([seed, 0])
    X, y = spec.generate(n_samples, noise, rng, n_classes)
    parts = _split(X, y, train_ratio, seed, spec.task != "regression")
    return _as_dataset(*parts, spec.task, n_classes, GENERATED_BOUNDS)


def _default_bounds(X: np.ndarray) -> tuple[float, float, float, float]:
    """The data's range padded by 10 % per side, both axes as wide as the wider one."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre = (lo + hi) / 2
    width = float((hi - lo).max())
    if width == 0:
        width = max(1.0, float(np.abs(centre).max()) * 0.1)
    half = 0.6 * width
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def _check_bounds(bounds) -> tuple[float, float, float, float]:
    try:
        b = tuple(float(v) for v in bounds)
    except (TypeError, ValueError):
        b = ()
    if len(b) != 4 or not all(map(math.isfinite, b)) or b[0] >= b[1] or b[2] >= b[3]:
        raise ValueError("bounds must be 4 finite numbers (x1_min, x1_max, x2_min, x2_max) "
                         f"with each min below its max; got {bounds!r}")
    return b


def _classes(y: np.ndarray, task: str | None) -> tuple[str, np.ndarray, int]:
    """Resolve the task; for classification remap labels to 0..k-1 in sorted order."""
    if task is None:
        integral = bool(np.all(y == np.round(y)))
        task = "classification" if integral and len(np.unique(y)) <= MAX_CLASSES else "regression"
    if task == "regression":
        return task, y, 0
    bad = np.flatnonzero(y != np.round(y))
    if bad.size:
        raise ValueError("classification labels must be whole numbers; "
                         f"point {bad[0]} has label {float(y[bad[0]]):g}")
    values, y_int = np.unique(y, return_inverse=True)
    k = len(values)
    if k < 2:
        raise ValueError(f"only one class (label {values[0]:g}) found; "
                         "classification needs at least 2 classes")
    if k > MAX_CLASSES:
        raise ValueError(f"found {k} classes; at most {MAX_CLASSES} are supported")
    if task == "binary" and k != 2:
        raise ValueError(f"task 'binary' needs exactly 2 classes; found {k}")
    if task == "classification":
        task = "binary" if k == 2 else "multiclass"
    return task, y_int.astype(np.int64), k


def _from_points(X, y, task, train_ratio, seed, bounds, is_train=None) -> Dataset:
    """from_points, or with `is_train` (n,) bool a fixed split kept in the given order."""
    if task not in (None, *TASKS):
        raise ValueError(f"task must be None or one of {', '.join(TASKS)}; got {task!r}")
    train_ratio = _check_real_range("train_ratio", train_ratio, MIN_TRAIN_RATIO, MAX_TRAIN_RATIO)
    seed = _check_int_range("seed", seed, 0)
    try:
        X = np.array(X, dtype=np.float64)
        y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points and labels must be numbers ({exc})") from None
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2); got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"labels must have shape ({len(X)},), one per point; got {y.shape}")
    if len(X) < 2:
        raise ValueError(f"need at least 2 points (one to train on, one to test); got {len(X)}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("points and labels must be finite (no NaN or infinite values)")
    bounds = _default_bounds(X) if bounds is None else _check_bounds(bounds)

    task, y, n_classes = _classes(y, task)
    if is_train is None:
        parts = _split(X, y, train_ratio, seed, task != "regression")
    else:
        parts = X[is_train], y[is_train], X[~is_train], y[~is_train]
    return _as_dataset(*parts, task, n_classes, bounds)


def from_points(X, y, task: str | None = None, train_ratio: float = 0.5, seed: int = 0,
                bounds: Sequence[float] | None = None) -> Dataset:
    """Split user points X (n, 2) with labels or targets y (n,) into a Dataset.

    task None infers it: whole-number labels with at most 8 distinct values are classes,
    anything else is a regression target. Class labels are remapped to 0..k-1 in sorted
    order. bounds default to the data's range plus 10 % per side, made square."""
    return _from_points(X, y, task, train_ratio, seed, bounds)


# --- CSV --------------------------------------------------------------------------------------

_CSV_COLUMNS = "expected 3 columns: x1, x2, label (or a 4th named 'split' in the header)"


def _read_text(source, max_bytes: int) -> str:
    if isinstance(source, str):
        data = source
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise TypeError(f"source must be CSV text, bytes or a file object; got {type(source)}")
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise ValueError(f"the file is too large: over the limit of {max_bytes / 1e6:g} MB")
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read); "
                         "save it as CSV with UTF-8 encoding") from None


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _show(cell: str, limit: int = 20) -> str:
    if not cell:
        return "the empty cell"
    return repr(cell if len(cell) <= limit else cell[: limit - 1] + "…")


def _columns_error(found: int, row: int, expected: str) -> ValueError:
    hint = " (separate values with commas)" if found == 1 else ""
    noun = "column" if found == 1 else "columns"
    return ValueError(f"found {found} {noun} on row {row}{hint}; {expected}")


def load_csv(source, train_ratio: float = 0.5, seed: int = 0, max_rows: int = 10_000,
             max_bytes: int = 2_000_000, task: str | None = None) -> Dataset:
    """Read a CSV of x1, x2, label rows (optional header) into a Dataset.

    source is CSV text, bytes, or a file object (binary or text). A 4th header column
    named `split` (values train/test) keeps that split instead of drawing one. task None
    infers classification or regression as `from_points` does. Raises ValueError with a
    message naming the row and column for every problem found."""
    text = _read_text(source, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    names = ["x1", "x2", "label"]
    rows: list[list[float]] = []
    splits: list[bool] = []
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue  # blank line
            row = reader.line_num
            if header is None:
                # A header row has no numbers; a row mixing both is data with a bad cell.
                if all(_number(c) is None for c in cells):
                    header = cells
                    has_split = len(cells) == 4 and cells[3].lower() == "split"
                    if len(cells) != 3 and not has_split:
                        raise _columns_error(len(cells), row, _CSV_COLUMNS)
                    names = [c or f"column {i + 1}" for i, c in enumerate(cells)]
                    continue
                header = []  # no header: the first row is data
            width = len(names)
            if len(cells) != width:
                expected = (_CSV_COLUMNS if width == 3
                            else "expected 4 columns: x1, x2, label, split")
                raise _columns_error(len(cells), row, expected)
            if len(rows) >= max_rows:
                raise ValueError(f"the file has more than {max_rows:,} data rows; "
                                 f"the limit is {max_rows:,}")
            values = []
            for col, cell in enumerate(cells[:3]):
                value = _number(cell)
                where = f"row {row}, column {col + 1} ({names[col]})"
                if value is None:
                    raise ValueError(f"{where}: {_show(cell)} is not a number")
                if not math.isfinite(value):
                    raise ValueError(f"{where}: {_show(cell)} is NaN or infinite; "
                                     "only finite numbers are allowed")
                values.append(value)
            rows.append(values)
            if width == 4:
                split = cells[3].lower()
                if split not in ("train", "test"):
                    raise ValueError(f"row {row}, column 4 ({names[3]}): {_show(cells[3])} "
                                     "must be 'train' or 'test'")
                splits.append(split == "train")
    except csv.Error as exc:
        raise ValueError(f"row {reader.line_num}: the file is not valid CSV ({exc})") from None

    if not rows:
        raise ValueError("the file has a header but no data rows" if header
                         else "the file is empty: no data rows found")
    data = np.array(rows, dtype=np.float64)
    if splits:
        is_train = np.array(splits)
        if is_train.all() or not is_train.any():
            raise ValueError("the split column must mark at least one row 'train' and one 'test'")
        return _from_points(data[:, :2], data[:, 2], task, train_ratio, seed, None, is_train)
    return from_points(data[:, :2], data[:, 2], task, train_ratio, seed)


def to_csv(dataset: Dataset) -> str:
    """The dataset as CSV text: header x1,x2,label,split, training rows first; floats are
    written with repr, so `load_csv` reads back the exact same points and split."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["x1", "x2", "label", "split"])
    for split, X, y in (("train", dataset.X_train, dataset.y_train),
                        ("test", dataset.X_test, dataset.y_test)):
        labels = y.tolist()  # Python ints for classes, floats for targets
        for (x1, x2), label in zip(X.tolist(), labels, strict=True):
            writer.writerow([repr(x1), repr(x2), repr(label), split])
    return out.getvalue()


# --- input features -------------------------------------------------------------------------

@dataclass(frozen=True)
class Feature:
    """An input column computed from the raw coordinates: fn(x1 (n,), x2 (n,)) -> (n,)."""

    name: str
    label: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    description: str


FEATURES: dict[str, Feature] = {
    f.name: f for f in [
        Feature("x1", "x₁", lambda x1, x2: x1, "The first coordinate."),
        Feature("x2", "x₂", lambda x1, x2: x2, "The second coordinate."),
        Feature("x1_sq", "x₁²", lambda x1, x2: x1**2, "The first coordinate squared."),
        Feature("x2_sq", "x₂²", lambda x1, x2: x2**2, "The second coordinate squared."),
        Feature("x1_x2", "x₁·x₂", lambda x1, x2: x1 * x2, "The product of the coordinates."),
        Feature("sin_x1", "sin x₁", lambda x1, x2: np.sin(x1), "The sine of the first coordinate."),
        Feature("sin_x2", "sin x₂", lambda x1, x2: np.sin(x2),
                "The sine of the second coordinate."),
    ]
}


def transform(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Compute the chosen features: X (n, 2) -> (n, len(features)) float64, C-contiguous,
    columns in the order given."""
    if isinstance(features, str):
        raise TypeError("features must be a list of feature names, not a single string")
    features = list(features)
    if not features:
        raise ValueError("choose at least one input feature")
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; choose from: {', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        raise ValueError(f"each feature can be chosen once; got {features}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2); got {X.shape}")
    out = np.empty((len(X), len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        out[:, j] = FEATURES[name].fn(X[:, 0], X[:, 1])
    return out
