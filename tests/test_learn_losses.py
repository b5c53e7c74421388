"""Loss functions: the values and logit gradients shown are the engine's, equal the closed forms
on the page, and agree with central differences; the page reacts to p."""

import math

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import ACTIVATIONS, LOSSES, Network
from ui.charts.learn import loss_view as lc
from ui.learn import loss_view as lv

PS = [0.005, 0.01, 0.1, 1 / 3, 0.5, 0.9, 0.995]
CLOSED = {
    "bce": (lambda p: -math.log(p), lambda p: p - 1),
    "mse": (lambda p: (1 - p) ** 2, lambda p: 2 * (p - 1) * p * (1 - p)),
    "half_mse": (lambda p: 0.5 * (1 - p) ** 2, lambda p: (p - 1) * p * (1 - p)),
}


def test_compared_losses_are_the_registrys_sigmoid_losses():
    assert lv.compared() == [n for n in LOSSES if "sigmoid" in LOSSES[n].outputs]
    assert set(lv.compared()) == set(CLOSED) == set(lv.TEX)


@pytest.mark.parametrize("name", lv.compared())
@pytest.mark.parametrize("p", PS)
def test_values_match_the_closed_forms(name, p):
    loss, grad = lv.at(name, p)
    f, g = CLOSED[name]
    assert loss == pytest.approx(f(p), rel=1e-9)
    assert grad == pytest.approx(g(p), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("name", lv.compared())
@pytest.mark.parametrize("p", PS)
def test_gradient_matches_central_differences_and_the_chain_rule(name, p):
    _, grad = lv.at(name, p)
    net = Network([1, 1], output="sigmoid", loss=name)
    z, h = lv.logit(p), 1e-5
    X, y = np.zeros((1, 1)), np.ones(1)
    net.params[1][...] = z + h
    up = net.loss_value(X, y)
    net.params[1][...] = z - h
    down = net.loss_value(X, y)
    assert grad == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-10)
    P = np.array([[p]])
    chain = LOSSES[name].grad(P, np.ones((1, 1))) * ACTIVATIONS["sigmoid"].deriv(z, P)
    assert grad == pytest.approx(float(chain[0, 0]), rel=1e-9)


def test_curves_show_what_the_page_says():
    c = lv.curves()
    p = c["p"]
    for name in lv.compared():
        assert c[name]["loss"].shape == p.shape
        assert (np.diff(c[name]["loss"]) < 0).all()  # more probability, less loss
        assert (c[name]["grad"] <= 0).all()
    # cross-entropy's push grows as p -> 0; squared error's vanishes there
    assert abs(c["bce"]["grad"][0]) > 0.99
    assert abs(c["mse"]["grad"][0]) < 0.011
    assert c["bce"]["loss"][0] > 5 and c["mse"]["loss"][0] < 1
    i = np.argmax(np.abs(c["half_mse"]["grad"]))
    assert p[i] == pytest.approx(1 / 3, abs=p[1] - p[0])


@pytest.mark.parametrize("what", ["loss", "grad"])
def test_figure_marks_the_value_at_p(what):
    c = lv.curves(51)
    fig = lc.figure(c, lv.values(0.25), what, 0.25)
    go.Figure(fig)
    markers = [t for t in fig["data"] if t["mode"] == "markers"]
    assert len(markers) == len(lv.compared())
    for t, name in zip(markers, lv.compared(), strict=True):
        assert t["x"] == [0.25]
        assert t["y"] == [lv.at(name, 0.25)[0 if what == "loss" else 1]]
    assert fig["layout"]["shapes"][0]["x0"] == 0.25


def test_values_are_the_engines_in_registry_order():
    values = lv.values(0.3)
    assert list(values) == lv.compared()
    assert all(values[name] == lv.at(name, 0.3) for name in values)


def test_lines_plug_in_the_engines_values():
    lines = lv.lines(0.2)
    assert len(lines) == len(lv.compared())
    for line, name in zip(lines, lv.compared(), strict=True):
        loss, grad = lv.at(name, 0.2)
        assert f"= {loss:.4f}" in line and line.endswith(f"= {grad:.4f}")
        assert LOSSES[name].label in line


# --- the page ------------------------------------------------------------------------------
def open_page(root, query=None) -> AppTest:
    return apptest_pages.open_page(root, "pages/7_Loss_functions.py", query)


def test_page_follows_the_slider(root):
    at = open_page(root)
    text = (root / "assets" / "learn" / "loss_functions.md").read_text().strip()
    assert any(m.value == text for m in at.markdown)
    for p in (0.2, 0.01, 0.5, 0.99):
        at.slider(key="loss.p").set_value(p).run()
        assert not at.exception
        assert [x.value.strip("$\n") for x in at.latex] == lv.lines(p)
        figs = apptest_pages.plotly_specs(at)
        assert len(figs) == 2
        assert all(f["layout"]["shapes"][0]["x0"] == p for f in figs)


def test_presenter_view(root):
    at = open_page(root, {"presenter": "1"})
    figs = apptest_pages.plotly_specs(at)
    assert [f["layout"]["height"] for f in figs] == [640, 640]
