"""Input features: columns computed from the raw 2-D coordinates, in the registry `FEATURES`."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


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
