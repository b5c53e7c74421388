"""One way to show numbers across the app: losses, gradients and values with a few significant
digits, percentages one way, counts with thousands separators; huge or tiny values in
scientific notation, infinities as "overflow", missing values as a dash. Never a number with
hundreds of digits: a diverging run's losses reach 1e300."""

import math

DASH = "–"
SMALL, LARGE = 1e-4, 1e6  # outside these magnitudes (zero aside), scientific notation


def number(x, digits: int = 4) -> str:
    """A loss, gradient or value with `digits` significant digits: '0.1235', '12.35',
    '1.23e+7', '3.20e-9', '0', 'overflow', '–'."""
    if x is None:
        return DASH
    try:
        x = float(x)
    except OverflowError:  # an int beyond the float range
        x = math.inf if x > 0 else -math.inf
    if math.isnan(x):
        return DASH
    if math.isinf(x):
        return "overflow" if x > 0 else "-overflow"
    if x == 0:
        return "0"
    if SMALL <= abs(x) < LARGE:
        text = f"{x:.{digits}g}"
        return f"{x:.0f}" if "e" in text else text  # 123457, not 1.235e+05
    mantissa, exponent = f"{x:.{max(digits - 2, 1)}e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def percent(x, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.972 -> '97.2 %'."""
    if x is None or not math.isfinite(float(x)):
        return DASH
    return f"{100 * float(x):.{decimals}f} %"


def count(n) -> str:
    """A whole number with thousands separators: 12345 -> '12,345'."""
    return DASH if n is None else f"{int(n):,}"


# plotly.js formats for hover labels: 4 significant digits, trailing zeros trimmed, scientific
# notation where it is shorter. d3-format's "~g".
HOVER = ".4~g"


PLOT_LIMIT = 1e30  # the largest magnitude a chart draws: finite in float32


def plottable(values, limit: float = PLOT_LIMIT) -> list:
    """Values a chart can draw: non-finite ones become gaps (None) and huge ones are clipped to
    +-limit, which stays finite in the float32 arrays the charts send."""
    out = []
    for v in values:
        v = float(v)
        out.append(None if not math.isfinite(v) else max(-limit, min(limit, v)))
    return out
