"""Data of your own: points with two or more numeric columns and a label or target, from a
list or a CSV file, and back to CSV."""

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

from ._checks import check_int_range, check_real_range
from .points import (
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_SAMPLES,
    MAX_TRAIN_RATIO,
    MIN_TRAIN_RATIO,
    TASKS,
    Dataset,
    as_dataset,
    split_points,
    view_bounds,
)
from .scaling import scale_hint

MAX_ABS = 1e100  # the largest number a point may hold: its spread's square stays finite
BEYOND = "1e100"  # MAX_ABS in messages


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


def _from_points(X, y, task, train_ratio, seed, bounds, is_train=None, columns=None,
                 target="label", class_names=()) -> Dataset:
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
    if X.ndim != 2 or not 2 <= X.shape[1] <= MAX_COLUMNS:
        raise ValueError(f"points must have shape (n, d) with 2 to {MAX_COLUMNS} columns; "
                         f"got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"labels must have shape ({len(X)},), one per point; got {y.shape}")
    if len(X) < 2:
        raise ValueError(f"need at least 2 points (one to train on, one to test); got {len(X)}")
    if len(X) > MAX_SAMPLES:
        raise ValueError(f"{len(X):,} points are over the limit of {MAX_SAMPLES:,}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("points and labels must be finite (no NaN or infinite values)")
    for what, a in (("point", X), ("label", y)):
        big = np.flatnonzero(np.abs(a).reshape(len(a), -1).max(axis=1) > MAX_ABS)
        if big.size:
            raise ValueError(f"{what} {big[0]} has a value beyond ±{BEYOND}; scale the "
                             "numbers down (their spread would overflow)")
    columns = tuple(columns) if columns is not None else \
        tuple(f"x{k + 1}" for k in range(X.shape[1]))
    bounds = view_bounds(X[:, :2]) if bounds is None else _check_bounds(bounds)

    task, y, n_classes = _classes(y, task)
    if class_names and task == "regression":
        raise ValueError("named classes need a classification task")
    if is_train is None:
        parts = split_points(X, y, train_ratio, seed, task != "regression")
    else:
        parts = X[is_train], y[is_train], X[~is_train], y[~is_train]
    return as_dataset(*parts, task, n_classes, bounds, columns=columns, target=target,
                      class_names=tuple(class_names), scale=scale_hint(X))


def from_points(X, y, task: str | None = None, train_ratio: float = 0.5, seed: int = 0,
                bounds: Sequence[float] | None = None, columns: Sequence[str] | None = None,
                target: str = "label") -> Dataset:
    """Split user points X (n, d), 2 <= d <= 50 columns, with labels or targets y (n,) into a
    Dataset whose columns are named `columns` (default x1, x2, ...).

    task None infers it: whole-number labels with at most 8 distinct values are classes,
    anything else is a regression target. Class labels are remapped to 0..k-1 in sorted
    order. bounds (the view of the first two columns) default to their range plus 10 % per
    side (see view_bounds). The data's 'auto' scaling is 'standard' when its columns differ
    in scale (see scale_hint)."""
    return _from_points(X, y, task, train_ratio, seed, bounds, columns=columns, target=target)


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


def _names_text(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


_LAYOUT = ("expected two or more feature columns, then the label (and, in a header, an "
           "optional last column named 'split')")


def _layout(width: int, row: int, has_split: bool) -> int:
    """The number of feature columns of a file whose rows have `width` cells."""
    n_features = width - 1 - has_split
    if n_features < 2:
        raise _columns_error(width, row, _LAYOUT)
    if n_features > MAX_COLUMNS:
        raise ValueError(f"found {n_features} feature columns on row {row}; at most "
                         f"{MAX_COLUMNS} are supported (leave some out)")
    return n_features


def _labels(cells: list[str], rows: list[int], name: str, task: str | None):
    """The label column as numbers, or as class names when any label is not a number:
    (y (n,) float64, class names or ())."""
    values = [_number(c) for c in cells]
    if all(v is not None for v in values):
        for v, c, row in zip(values, cells, rows, strict=True):
            if not math.isfinite(v):
                raise ValueError(f"row {row}, label column ({name}): {_show(c)} is NaN or "
                                 "infinite; only finite numbers are allowed")
        for v, c, row in zip(values, cells, rows, strict=True):
            if abs(v) > MAX_ABS:
                raise ValueError(f"row {row}, label column ({name}): {_show(c)} is beyond "
                                 f"±{BEYOND}; scale the labels down")
        return np.array(values, dtype=np.float64), ()
    for c, row in zip(cells, rows, strict=True):
        if not c:
            raise ValueError(f"row {row}, label column ({name}): the cell is empty; "
                             "every row needs a label")
    if task == "regression":
        bad = next(i for i, v in enumerate(values) if v is None)
        raise ValueError(f"row {rows[bad]}, label column ({name}): {_show(cells[bad])} is not "
                         "a number, and a regression target must be one")
    names = sorted(set(cells))
    if len(names) < 2:
        raise ValueError(f"the label column ({name}) has only one class ({names[0]!r}); "
                         "classification needs at least 2 classes")
    if len(names) > MAX_CLASSES:
        raise ValueError(f"the label column ({name}) has {len(names)} classes; at most "
                         f"{MAX_CLASSES} are supported")
    index = {n: k for k, n in enumerate(names)}
    return np.array([index[c] for c in cells], dtype=np.float64), tuple(names)


def load_csv(source, train_ratio: float = 0.5, seed: int = 0, max_rows: int = 10_000,
             max_bytes: int = 2_000_000, task: str | None = None) -> Dataset:
    """Read a CSV of rows x1, x2, ..., label (optional header) into a Dataset.

    Every column but the last holds numbers (2 to 50 feature columns); the last is the label:
    numbers, or class names (any text: the classes are then the names, in sorted order). A
    last header column named `split` (values train/test) keeps that split instead of drawing
    one. task None infers classification or regression as `from_points` does. Raises
    ValueError with a message naming the row and column of every problem found, and the
    column that holds one value only (it could not be standardized)."""
    text = _read_text(source, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    names: list[str] = []
    rows: list[list[float]] = []
    labels: list[str] = []
    label_rows: list[int] = []
    splits: list[bool] = []
    has_split = False
    n_features = 0
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
                    has_split = cells[-1].lower() == "split"
                    n_features = _layout(len(cells), row, has_split)
                    names = [c or f"column {i + 1}" for i, c in enumerate(cells)]
                    if len(set(names)) != len(names):
                        twice = next(n for n in names if names.count(n) > 1)
                        raise ValueError(f"row {row}: the header names column {twice!r} twice; "
                                         "each column needs a name of its own")
                    continue
                header = []  # no header: the first row is data
                n_features = _layout(len(cells), row, False)
                names = [f"x{k + 1}" for k in range(n_features)] + ["label"]
            width = len(names)
            if len(cells) != width:
                raise _columns_error(len(cells), row,
                                     f"expected {width} columns: {_names_text(names)}")
            if len(rows) >= max_rows:
                raise ValueError(f"the file has more than {max_rows:,} data rows; "
                                 f"the limit is {max_rows:,}")
            values = []
            for col, cell in enumerate(cells[:n_features]):
                value = _number(cell)
                where = f"row {row}, column {col + 1} ({names[col]})"
                if value is None:
                    raise ValueError(f"{where}: {_show(cell)} is not a number; every column "
                                     "but the label must hold numbers")
                if not math.isfinite(value):
                    raise ValueError(f"{where}: {_show(cell)} is NaN or infinite; "
                                     "only finite numbers are allowed")
                if abs(value) > MAX_ABS:
                    raise ValueError(f"{where}: {_show(cell)} is beyond ±{BEYOND}; scale "
                                     "the column down (its spread would overflow)")
                values.append(value)
            rows.append(values)
            labels.append(cells[n_features])
            label_rows.append(row)
            if has_split:
                split = cells[-1].lower()
                if split not in ("train", "test"):
                    raise ValueError(f"row {row}, column {width} ({names[-1]}): "
                                     f"{_show(cells[-1])} must be 'train' or 'test'")
                splits.append(split == "train")
    except csv.Error as exc:
        raise ValueError(f"row {reader.line_num}: the file is not valid CSV ({exc})") from None

    if not rows:
        raise ValueError("the file has a header but no data rows" if header
                         else "the file is empty: no data rows found")
    data = np.array(rows, dtype=np.float64)
    if len(data) > 1:
        flat = np.flatnonzero(np.ptp(data, axis=0) == 0)
        if flat.size:
            k = int(flat[0])
            raise ValueError(f"column {k + 1} ({names[k]}) has the same value ({data[0, k]:g}) "
                             "in every row: it tells the classes apart no more than nothing, "
                             "and cannot be standardized; leave it out")
    y, class_names = _labels(labels, label_rows, names[n_features], task)
    if class_names:
        task = "binary" if len(class_names) == 2 and task in (None, "binary") else \
            (task or "multiclass")
    else:
        try:
            _classes(y, task)
        except ValueError as e:
            raise ValueError(f"the label column ({names[n_features]}): {e}") from None
    is_train = None
    if splits:
        is_train = np.array(splits)
        if is_train.all() or not is_train.any():
            raise ValueError("the split column must mark at least one row 'train' and one 'test'")
    return _from_points(data, y, task, train_ratio, seed, None, is_train,
                        columns=names[:n_features], target=names[n_features],
                        class_names=class_names)


def to_csv(dataset: Dataset) -> str:
    """The dataset as CSV text: a header of its column names, its label's name and split,
    training rows first, classes by name when they have names; floats are written with repr,
    so `load_csv` reads back the exact same points and split."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*dataset.columns, dataset.target, "split"])
    for split, X, y in (("train", dataset.X_train, dataset.y_train),
                        ("test", dataset.X_test, dataset.y_test)):
        labels = [dataset.class_names[k] for k in y.tolist()] if dataset.class_names \
            else y.tolist()  # Python ints for classes, floats for targets
        for row, label in zip(X.tolist(), labels, strict=True):
            writer.writerow([*(repr(v) for v in row), label if isinstance(label, str)
                             else repr(label), split])
    return out.getvalue()


def load_points_csv(source, max_rows: int = 10_000, max_bytes: int = 2_000_000) -> np.ndarray:
    """Read a CSV of 2-D points (a GAN's real data) into an (n, 2) array: the first two columns
    are x and y, any further ones (a label, a split) are ignored; an optional header row has no
    numbers in its first two cells. Raises ValueError naming the row and column of a cell that
    is not a finite number, or a file with fewer than two columns or no rows. (The points'
    count and range are checked by distributions.check_points.)"""
    text = _read_text(source, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[float]] = []
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            row = reader.line_num
            if len(cells) < 2:
                raise ValueError(f"row {row}: expected at least two columns (x, y), found "
                                 f"{len(cells)}")
            if not rows and all(_number(c) is None for c in cells[:2]):
                continue  # the header
            values = []
            for col, cell in enumerate(cells[:2]):
                value = _number(cell)
                if value is None or not math.isfinite(value):
                    raise ValueError(f"row {row}, column {col + 1}: {_show(cell)} is not a "
                                     "finite number")
                values.append(value)
            if len(rows) >= max_rows:
                raise ValueError(f"the file has more than {max_rows:,} rows; the limit is "
                                 f"{max_rows:,}")
            rows.append(values)
    except csv.Error as exc:
        raise ValueError(f"row {reader.line_num}: the file is not valid CSV ({exc})") from None
    if not rows:
        raise ValueError("the file has no rows of points")
    return np.array(rows, dtype=np.float64)
