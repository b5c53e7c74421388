"""Data of your own: 2-D points with labels or targets, from a list or a CSV file, and back to
CSV."""

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

from ._checks import check_int_range, check_real_range
from .points import (
    MAX_CLASSES,
    MAX_TRAIN_RATIO,
    MIN_TRAIN_RATIO,
    TASKS,
    Dataset,
    as_dataset,
    split_points,
)


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
    train_ratio = check_real_range("train_ratio", train_ratio, MIN_TRAIN_RATIO, MAX_TRAIN_RATIO)
    seed = check_int_range("seed", seed, 0)
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
        parts = split_points(X, y, train_ratio, seed, task != "regression")
    else:
        parts = X[is_train], y[is_train], X[~is_train], y[~is_train]
    return as_dataset(*parts, task, n_classes, bounds)


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
