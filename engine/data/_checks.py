"""Argument checks shared by the data generators: whole numbers and reals in a range, with a
message naming the argument."""

import numbers


def is_int(value) -> bool:
    """A whole number (Python's or NumPy's), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A real number (Python's or NumPy's), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int_range(name: str, value, low: int, high: int | None = None) -> int:
    """value as an int in [low, high] (no upper bound when high is None), else ValueError."""
    ok = is_int(value) and value >= low and (high is None or value <= high)
    if not ok:
        allowed = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be a whole number {allowed}; got {value!r}")
    return int(value)


def check_real_range(name: str, value, low: float, high: float) -> float:
    """value as a float in [low, high], else ValueError."""
    if not (is_real(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}")
    return float(value)
