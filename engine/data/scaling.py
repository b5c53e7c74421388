"""Input scaling: the registry `SCALERS` and scikit-learn's scalers fitted on a training split
only. Real tables need it (proline is in the thousands, alcohol around 13); the generated sets
do not, and their scales are part of the lesson."""

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import MinMaxScaler, StandardScaler

SPREAD_RATIO = 3.0  # columns whose spreads differ by more than this are rescaled by 'auto'
FAR = 10.0  # ... and so are columns with values beyond ±FAR


@dataclass(frozen=True)
class ScalerSpec:
    """A registry entry: `make()` gives an unfitted scikit-learn scaler (None: no scaling)."""

    name: str
    label: str
    description: str
    make: object = None


SCALERS: dict[str, ScalerSpec] = {s.name: s for s in [
    ScalerSpec("auto", "Auto", "Standardize real tables, and uploaded data whose columns differ "
               "in scale; leave the generated sets as they are."),
    ScalerSpec("standard", "Standardize", "Each column minus its training mean, divided by its "
               "training standard deviation.", StandardScaler),
    ScalerSpec("minmax", "Min–max", "Each column stretched so that its training range becomes "
               "−1 to 1.", lambda: MinMaxScaler(feature_range=(-1.0, 1.0))),
    ScalerSpec("none", "None", "The network sees the numbers as they are."),
]}


def scale_hint(X: np.ndarray) -> str:
    """What 'auto' means for data X (n, d): 'standard' when its columns differ in spread by
    more than 3 times or reach beyond ±10, else 'none'."""
    X = np.asarray(X, dtype=np.float64)
    if not len(X):
        return "none"
    spread = X.std(axis=0)
    spread = spread[spread > 0]
    far = float(np.abs(X).max()) > FAR
    uneven = len(spread) > 1 and spread.max() > SPREAD_RATIO * spread.min()
    return "standard" if far or uneven else "none"


def fit_scaler(kind: str, X_train: np.ndarray, columns=None):
    """A scikit-learn scaler of `kind` ('standard', 'minmax') fitted on the training rows
    X_train (n, d) only; None for 'none'. A column with one value in every training row
    cannot be scaled: ValueError naming it."""
    if kind not in SCALERS or kind == "auto":
        raise ValueError(f"scaling must be one of standard, minmax, none; got {kind!r}")
    spec = SCALERS[kind]
    if spec.make is None:
        return None
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim == 2 and len(X_train):
        flat = np.flatnonzero(np.ptp(X_train, axis=0) == 0)
        if flat.size:
            k = int(flat[0])
            name = repr(columns[k]) if columns is not None else f"{k + 1}"
            raise ValueError(f"column {name} has the same value ({X_train[0, k]:g}) in every "
                             f"training row, so it cannot be {_verb(kind)}: choose no "
                             "scaling, or leave the column out")
    return spec.make().fit(X_train)


def _verb(kind: str) -> str:
    return "standardized" if kind == "standard" else "scaled"


def affine(scaler) -> tuple[float, float]:
    """(a, b) with original = a * scaled + b, for a scaler fitted on one column."""
    if scaler is None:
        return 1.0, 0.0
    b = float(scaler.inverse_transform([[0.0]])[0, 0])
    a = float(scaler.inverse_transform([[1.0]])[0, 0]) - b
    return a, b
