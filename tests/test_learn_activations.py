"""Activation functions: saturated and dead regions from the engine's derivatives on known
cases, the overview covers the whole registry, and stacked linear layers draw a straight line on
xor while one tanh layer solves it."""

import math

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import ACTIVATIONS
from ui.charts.activations import activation_figure
from ui.charts.learn.nonlinearity import demo_figure
from ui.learn import nonlinearity as nl


def test_relu_is_dead_exactly_for_z_at_most_zero():
    r = nl.regions("relu")
    assert r["saturated"] == []
    (a, b), = r["dead"]
    assert a == nl.Z_RANGE[0] and b == pytest.approx(0.0, abs=1e-12)


def test_sigmoid_saturates_in_both_tails_where_its_slope_falls_below_one_percent():
    r = nl.regions("sigmoid")
    assert r["dead"] == []
    (a1, b1), (a2, b2) = r["saturated"]
    assert (a1, b2) == nl.Z_RANGE
    # sigma'(z) = 1 / (4 cosh(z/2)^2) = 0.0025 (1 % of its peak) at |z| = 2 acosh(10) = 5.986
    edge = 2 * math.acosh(10)
    assert b1 == pytest.approx(-edge, abs=0.011) and a2 == pytest.approx(edge, abs=0.011)


def test_tanh_saturates_beyond_about_three():
    (_, b1), (a2, _) = nl.regions("tanh")["saturated"]
    edge = math.atanh(math.sqrt(0.99))  # 1 - tanh^2 = 0.01
    assert b1 == pytest.approx(-edge, abs=0.011) and a2 == pytest.approx(edge, abs=0.011)


@pytest.mark.parametrize("name", ["linear", "leaky_relu", "sine"])
def test_some_activations_neither_saturate_nor_die(name):
    assert nl.regions(name) == {"dead": [], "saturated": []}


@pytest.mark.parametrize("name", ["elu", "gelu", "silu", "softplus"])
def test_smooth_relus_saturate_on_the_left_only(name):
    r = nl.regions(name)
    assert r["dead"] == []
    (a, b), = r["saturated"]
    assert a == nl.Z_RANGE[0] and -7 < b < -2


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_regions_agree_with_the_engines_derivative(name):
    z = nl.z_grid()
    act = ACTIVATIONS[name]
    d = np.abs(np.asarray(act.deriv(z, act.fn(z)), dtype=np.float64) * np.ones_like(z))
    for a, b in nl.regions(name)["dead"]:
        assert (d[(z >= a) & (z <= b)] == 0).all()
    for a, b in nl.regions(name)["saturated"]:
        inside = d[(z >= a) & (z <= b)]
        assert (inside > 0).all() and (inside < 0.01 * d.max()).all()


def test_table_covers_the_registry_in_order():
    rows = nl.table()
    assert [r["activation"] for r in rows] == [a.label for a in ACTIVATIONS.values()]
    relu = rows[list(ACTIVATIONS).index("relu")]
    assert relu["dead"] == "z ≤ 0.00" and relu["saturates"] == "nowhere"
    assert relu["output range"] == "[0, ∞)"  # ReLU reaches 0
    assert rows[list(ACTIVATIONS).index("tanh")]["saturates"] == "z ≤ −3.00, z ≥ 3.00"


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_figure_shades_its_regions(name):
    fig = activation_figure(name, nl.z_grid(), nl.regions(name))
    go.Figure(fig)
    shapes = fig["layout"]["shapes"]
    r = nl.regions(name)
    assert [s for s in shapes if s["name"] == "dead"] == [
        s for s in shapes if s["name"] == "dead" and (s["x0"], s["x1"]) in r["dead"]]
    assert sum(s["name"] == "dead" for s in shapes) == len(r["dead"])
    assert sum(s["name"] == "saturated" for s in shapes) == len(r["saturated"])
    finite = [v for v in ACTIVATIONS[name].output_range if math.isfinite(v)]
    assert sorted(s["y0"] for s in shapes if s["name"] == "range") == sorted(finite)


# --- non-linearity on xor --------------------------------------------------------------------
@pytest.fixture(scope="module", params=[0, 1, 2])
def runs(request):
    return nl.train("linear", request.param), nl.train("tanh", request.param)


def test_the_linear_stack_is_one_affine_map(runs):
    linear, _ = runs
    assert linear.net.sizes == [2, 4, 4, 4, 4, 4, 1]
    assert linear.net.activations == ["linear"] * 5
    W, b = nl.compose(linear)
    X = np.random.default_rng(0).uniform(-6, 6, (500, 2))
    z = X @ W + b
    np.testing.assert_allclose(linear.net.forward(X), 1 / (1 + np.exp(-z)), rtol=1e-12)
    # its decision boundary is the straight line z = 0
    classes = linear.predict_classes(X)
    np.testing.assert_array_equal(classes, (z[:, 0] > 0).astype(int))


def test_tanh_solves_xor_and_the_linear_stack_cannot(runs):
    linear, tanh = runs
    assert tanh.net.sizes == [2, 4, 1] and tanh.net.activations == ["tanh"]
    assert tanh.history.last["test_accuracy"] > 0.85
    assert linear.history.last["test_accuracy"] < 0.7


def test_demo_result_matches_the_trainers():
    result = nl.demo(0, res=30)
    t = nl.train("linear", 0)
    np.testing.assert_array_equal(result["linear"]["grid"], t.predict_grid(30))
    W, b = nl.compose(t)
    np.testing.assert_array_equal(result["affine"][0], W)
    tex = nl.affine_tex(result)
    assert f"{W[0, 0]:.3f}" in tex and f"{b[0]:+.3f}" in tex
    for kind in ("linear", "tanh"):
        fig = demo_figure(result, kind)
        go.Figure(fig)
        assert f"{result[kind]['test_accuracy']:.0%}" in fig["layout"]["title"]["text"]


# --- the page ------------------------------------------------------------------------------
def open_page(root, query=None) -> AppTest:
    return apptest_pages.open_page(root, "pages/4_Activation_functions.py", query)


specs = apptest_pages.plotly_specs


def test_page_shows_chart_table_demo_and_explanations(root):
    at = open_page(root)
    assert [t.value for t in at.title] == ["Activation functions"]
    intro, demo = (root / "assets" / "learn" / "activations.md").read_text().strip().split(
        "\n---\n")
    values = [m.value for m in at.markdown]
    assert intro in values and demo in values
    figs = specs(at)
    assert len(figs) == 3 and figs[0]["layout"]["height"] == 420
    assert len(at.table) == 1
    assert "multiplied out" in at.latex[0].value


def test_every_activation_and_seed(root):
    at = open_page(root)
    for name in ACTIVATIONS:
        at.selectbox(key="act.name").set_value(name).run()
        assert not at.exception
        facts = nl.facts(name)
        assert f"- **dead**: {facts['dead']}" in at.markdown[1].value
        assert ACTIVATIONS[name].label in specs(at)[0]["layout"]["title"]["text"]
    before = at.latex[0].value
    at.number_input(key="act.seed").set_value(1).run()
    assert not at.exception
    assert at.latex[0].value != before
    W, b = nl.compose(nl.train("linear", 1))
    assert f"{W[0, 0]:.3f}" in at.latex[0].value


def test_presenter_view(root):
    at = open_page(root, {"presenter": "1"})
    assert all(f["layout"]["height"] == 640 for f in specs(at))
    assert all(not e.proto.expanded for e in at.expander)


def test_linear_map_draws_its_straight_boundary():
    result = nl.demo(0, res=20)
    W, b = result["affine"]
    line = demo_figure(result, "linear")["data"][-1]
    assert len(line["x"]) == 2
    for x1, x2 in zip(line["x"], line["y"], strict=True):
        assert abs(W[0, 0] * x1 + W[1, 0] * x2 + b[0]) < 1e-9
    assert demo_figure(result, "tanh")["data"][-1]["mode"] == "markers"
