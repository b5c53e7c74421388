"""One way to show numbers (ui/charts/numbers.py): huge, tiny, NaN and infinite values read as
short text everywhere, and charts stay drawable when a run's losses explode."""

import base64
import math

import numpy as np
import pytest

from ui.charts import curves
from ui.charts.numbers import DASH, count, number, percent, plottable
from ui.playground.view import Status, status_line


@pytest.mark.parametrize("x, text", [
    (0.12345, "0.1235"), (1.23456, "1.235"), (12.3456, "12.35"), (123456.7, "123457"),
    (1234567.8, "1.23e+6"), (1e250, "1.00e+250"), (-1e250, "-1.00e+250"), (3.2e-9, "3.20e-9"),
    (0.00012345, "0.0001234"), (0.0, "0"), (-0.5, "-0.5"), (float("nan"), DASH), (None, DASH),
    (float("inf"), "overflow"), (-float("inf"), "-overflow"), (np.float32(0.25), "0.25"),
    (10**400, "overflow"),
])
def test_number(x, text):
    try:
        assert number(x) == text
    except OverflowError:
        pytest.fail("a huge int must not raise")


def test_percent_and_count():
    assert percent(0.972) == "97.2 %" and percent(1) == "100.0 %" and percent(0.5, 0) == "50 %"
    assert percent(float("nan")) == DASH and percent(None) == DASH
    assert count(1234567) == "1,234,567" and count(None) == DASH


def test_no_number_is_long():
    for exponent in range(-320, 309, 7):
        for sign in (1, -1):
            assert len(number(sign * 1.234 * 10.0**exponent)) <= 10


def test_a_diverged_run_s_status_line_stays_short():
    s = Status(epoch=12, task="regression", restored=None,
               last={"train_loss": 1e250, "test_loss": float("inf"), "test_r2": -1e300,
                     "test_rmse": 1e125})
    line = status_line(s, 0.0)
    assert len(line) < 120, line
    assert "1.00e+250" in line and "overflow" in line


def decode(spec: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.float32)


def test_exploded_losses_stay_drawable():
    assert plottable([1.0, float("nan"), 1e300, -float("inf")]) == [1.0, None, 1e30, None]
    fig = curves.loss_chart([0, 1, 2, 3], [0.5, 1e250, float("inf"), 0.2], [0.6, 0.7, 1e40, 0.3])
    for trace in fig["data"]:
        ys = decode(trace["y"])
        assert not np.isinf(ys).any()  # float32 of 1e250 would be inf: an empty chart
        assert np.isfinite(ys).sum() >= 3
    assert math.isnan(decode(fig["data"][0]["y"])[2])  # a gap where the value was inf
    assert "~g" in fig["data"][0]["hovertemplate"]
