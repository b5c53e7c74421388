"""One neuron: its numbers are the engine's, its line is z = 0, gradient descent starts from the
sliders, and the page reacts to every control."""

import base64

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import ACTIVATIONS, OPTIMIZERS, Network, grid_points, make_optimizer
from ui.charts.learn import neuron as NC
from ui.learn import neuron

X, Y = neuron.toy_data()


def decode(spec) -> np.ndarray:
    if isinstance(spec, dict):
        dtype = {"f4": np.float32, "f8": np.float64, "i4": np.int32}[spec["dtype"]]
        a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)
        return a.reshape([int(s) for s in spec["shape"].split(",")]) if "shape" in spec else a
    return np.asarray(spec)


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_neuron_output_is_the_activation_of_the_weighted_sum(act):
    w1, w2, b = 0.7, -1.3, 0.4
    z, a = neuron.evaluate(w1, w2, b, act, X)
    np.testing.assert_allclose(z, w1 * X[:, 0] + w2 * X[:, 1] + b, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(a, ACTIVATIONS[act].fn(z))


def test_sigmoid_neuron_equals_a_2_1_network():
    _, a = neuron.evaluate(0.7, -1.3, 0.4, "sigmoid", X)
    net = neuron.sigmoid_neuron(0.7, -1.3, 0.4)
    np.testing.assert_allclose(a, net.forward(X)[:, 0], rtol=1e-15)


@pytest.mark.parametrize("w1, w2, b", [(1, 1, 0), (0.5, -2, 3), (0, 1, 1), (2, 0, -1),
                                       (-3, 0.25, 7.5)])
def test_boundary_segment_lies_on_z_zero_inside_the_box(w1, w2, b):
    xs, ys = NC.boundary(w1, w2, b, neuron.BOUNDS)
    assert len(xs) == 2 and (xs[0], ys[0]) != (xs[1], ys[1])
    for x1, x2 in zip(xs, ys, strict=True):
        assert abs(w1 * x1 + w2 * x2 + b) < 1e-12
        assert -4 <= x1 <= 4 and -4 <= x2 <= 4


def test_boundary_is_empty_when_the_line_misses_the_box_or_has_no_direction():
    assert NC.boundary(0, 0, 1, neuron.BOUNDS) == ([], [])
    assert NC.boundary(1, 0, 10, neuron.BOUNDS) == ([], [])


def test_accuracy_counts_points_on_their_side():
    assert neuron.accuracy(0, 0, 1, X, Y) == 0.5  # z > 0 everywhere: class 1 predicted
    assert neuron.accuracy(0, 0, -1, X, Y) == 0.5


def test_learning_starts_from_the_sliders_and_follows_the_engines_sgd():
    run = neuron.learn(1.0, 1.0, 0.0, X, Y, "sgd", 0.3, 5)
    assert tuple(run.params[0]) == (1.0, 1.0, 0.0)
    net = Network([2, 1], output="sigmoid")
    net.params[0][...] = [[1.0], [1.0]]
    net.params[1][...] = [0.0]
    for i in range(5):
        loss, (gW, gb) = net.loss_and_grads(X, Y)
        assert run.loss[i] == pytest.approx(loss, rel=1e-14)
        w = np.array([*net.params[0][:, 0], net.params[1][0]])
        np.testing.assert_allclose(run.params[i + 1], w - 0.3 * np.array([*gW[:, 0], gb[0]]),
                                   rtol=1e-13)
        net.params[0][...] -= 0.3 * gW
        net.params[1][...] -= 0.3 * gb


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_every_optimizer_fits_the_separable_set(opt):
    run = neuron.learn(-1.0, 1.0, 0.0, X, Y, opt, 0.3, 200)  # starts with every point wrong
    assert run.accuracy[0] == 0.0
    assert run.accuracy[-1] == 1.0  # the set is linearly separable
    assert run.loss[-1] < run.loss[0] / 5
    net = neuron.sigmoid_neuron(*run.params[0])
    o = make_optimizer(opt, 0.3)
    _, g = net.loss_and_grads(X, Y)
    o.step(net.params, g)
    np.testing.assert_allclose(run.params[1], [*net.params[0][:, 0], net.params[1][0]],
                               rtol=1e-13)


def test_plane_is_the_neurons_output_over_the_grid():
    plane = neuron.plane(0.5, -1.0, 0.5, "relu", res=11)
    x1s, x2s, G = grid_points(11, neuron.BOUNDS)
    assert np.array_equal(plane.x1s, x1s) and np.array_equal(plane.x2s, x2s)
    assert plane.a.shape == (11, 11) and plane.bounds == neuron.BOUNDS
    np.testing.assert_array_equal(plane.a.ravel(), neuron.evaluate(0.5, -1.0, 0.5, "relu", G)[1])
    assert plane.a[0, -1] == max(0.0, 0.5 * 4 - 1.0 * -4 + 0.5)  # row 0: x2 = -4; x1 = 4


@pytest.mark.parametrize("steps", [5, 200])
def test_replay_shows_the_first_and_last_step_and_the_sigmoid_outputs(steps):
    run = neuron.learn(1.0, 1.0, 0.0, X, Y, "sgd", 0.3, steps)
    rep = neuron.replay(run, res=9)
    assert rep.steps[0] == 0 and rep.steps[-1] == steps
    assert len(rep.steps) == min(steps + 1, neuron.MAX_FRAMES)
    assert (np.diff(rep.steps) > 0).all() and rep.p.shape == (len(rep.steps), 9, 9)
    _, _, G = grid_points(9, neuron.BOUNDS)
    for k, i in enumerate(rep.steps):
        p = neuron.evaluate(*run.params[i], "sigmoid", G)[1]
        np.testing.assert_array_equal(rep.p[k].ravel(), p)


def test_run_figure_animates_the_line_and_the_loss():
    run = neuron.learn(1.0, 1.0, 0.0, X, Y, "sgd", 0.3, 200)
    fig = NC.run_figure(run, neuron.replay(run), X, Y)
    go.Figure(fig)  # valid for plotly
    frames = fig["frames"]
    assert 2 <= len(frames) <= neuron.MAX_FRAMES
    assert frames[0]["name"] == "0" and frames[-1]["name"] == "200"
    last = frames[-1]["data"]
    xs, ys = last[1]["x"], last[1]["y"]
    w1, w2, b = run.params[-1]
    assert abs(w1 * xs[0] + w2 * ys[0] + b) < 1e-9
    assert last[2]["y"] == [pytest.approx(run.loss[-1])]
    p = decode(last[0]["z"])
    assert p.shape == (41, 41) and p.min() >= 0 and p.max() <= 1
    labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["▶ Play", "❚❚ Pause"]
    assert len(fig["layout"]["sliders"][0]["steps"]) == len(frames)


def test_plane_figure_shows_the_output_line_data_and_point():
    fig = NC.plane_figure(neuron.plane(0.5, -1.0, 0.5, "tanh", res=21), X, Y, (1.0, 2.0))
    go.Figure(fig)
    heat, line, pts, mark = fig["data"]
    a = decode(heat["z"])
    assert a.shape == (21, 21)
    assert (heat["zmin"], heat["zmax"]) == (-1.0, 1.0)  # tanh's range
    assert a[0, 0] == pytest.approx(np.tanh(0.5 * -4 - 1.0 * -4 + 0.5), rel=1e-6)
    assert mark["x"] == [1.0] and mark["y"] == [2.0]
    assert len(decode(pts["x"])) == len(X)


def test_use_learned_writes_rounded_and_clipped_weights():
    run = neuron.learn(1.0, 1.0, 0.0, X, Y, "sgd", 0.3, 100)
    state = {"neuron.learned": True, "neuron.act": "relu"}
    neuron.use_learned(state, run)
    w1, w2, b = run.learned
    assert state["neuron.w1"] == pytest.approx(w1, abs=0.025)
    assert state["neuron.w2"] == pytest.approx(w2, abs=0.025)
    assert state["neuron.b"] == pytest.approx(b, abs=0.025)
    assert state["neuron.act"] == "sigmoid" and not state["neuron.learned"]
    assert "rounded" in state["neuron.note"]
    # The switch from ReLU is said, not silent.
    assert "activation is now sigmoid (it was ReLU)" in state["neuron.note"]
    big = neuron.learn(1.0, 1.0, 0.0, X, Y, "sgd", 3.0, 500)
    assert big.learned[0] > neuron.W_RANGE[1]
    neuron.use_learned(state, big)
    assert state["neuron.w1"] == neuron.W_RANGE[1]
    assert "outside" in state["neuron.note"] and "it was" not in state["neuron.note"]


def test_formulas_plug_in_the_engines_numbers():
    ztex, atex = neuron.formulas(0.5, -1.0, 0.25, "relu", (2.0, 1.5))
    assert ztex.endswith(r"&= -0.2500 \end{aligned}")
    assert "(0.50)(2.00)" in ztex and "(-1.00)(1.50)" in ztex
    assert atex.endswith("= 0.0000") and r"\text{ReLU}" in atex


# --- the page ------------------------------------------------------------------------------
def open_page(root, query=None) -> AppTest:
    return apptest_pages.open_page(root, "pages/3_One_neuron.py", query)


plotly_specs = apptest_pages.plotly_specs


def check(at):
    assert not at.exception, [e.message for e in at.exception]


@pytest.fixture(scope="module")
def page(root):
    return open_page(root)


def test_page_shows_formulas_chart_and_explanation(page, root):
    assert [t.value for t in page.title] == ["One neuron"]
    text = (root / "assets" / "learn" / "one_neuron.md").read_text().strip()
    assert any(m.value == text for m in page.markdown)
    z, a = neuron.evaluate(1.0, 1.0, 0.0, "sigmoid", [[1.0, 0.5]])
    assert page.latex[0].value.strip("$\n").endswith(f"= {z[0]:.4f} \\end{{aligned}}")
    assert page.latex[1].value.strip("$\n").endswith(f"= {a[0]:.4f}")
    (fig,) = plotly_specs(page)
    assert fig["layout"]["height"] == 420


@pytest.mark.parametrize("key, values", [
    ("neuron.w1", [-4.0, -0.35, 2.5, 4.0]), ("neuron.w2", [-4.0, 0.0, 3.15]),
    ("neuron.b", [-8.0, 0.6, 8.0]), ("neuron.x1", [-4.0, 0.3, 4.0]),
    ("neuron.x2", [-4.0, -1.7, 4.0])])
def test_every_slider_changes_the_numbers(root, key, values):
    at = open_page(root)
    for v in values:
        at.slider(key=key).set_value(v).run()
        check(at)
        ss = at.session_state
        w = (ss["neuron.w1"], ss["neuron.w2"], ss["neuron.b"])
        point = (ss["neuron.x1"], ss["neuron.x2"])
        assert ss[key] == v
        assert [x.value for x in at.latex] == [f"$$\n{t}\n$$" for t in neuron.formulas(
            *w, ss["neuron.act"], point)]
        acc = neuron.accuracy(*w, X, Y)
        assert any(m.value.startswith(f"**{acc:.0%}**") for m in at.markdown)


def test_every_activation_draws(root):
    at = open_page(root)
    seen = set()
    for act in ACTIVATIONS:
        at.selectbox(key="neuron.act").set_value(act).run()
        check(at)
        assert ACTIVATIONS[act].label in at.latex[1].value
        (fig,) = plotly_specs(at)
        seen.add(decode(fig["data"][0]["z"]).tobytes())
    assert len(seen) == len(ACTIVATIONS)  # every activation draws a different map


def test_learn_then_use_learned_weights(root):
    at = open_page(root)
    at.slider(key="neuron.w1").set_value(-1.0).run()
    at.button(key="neuron.learn").click().run()
    check(at)
    run = neuron.learn(-1.0, 1.0, 0.0, X, Y, "sgd", 0.3, 100)
    figs = plotly_specs(at)
    assert len(figs) == 2 and len(figs[1]["frames"]) == neuron.MAX_FRAMES
    assert figs[1]["frames"][0]["data"][1]["x"] == NC.boundary(-1.0, 1.0, 0.0, neuron.BOUNDS)[0]
    assert any(f"w₁ = {run.learned[0]:.3f}" in m.value for m in at.markdown)
    at.button(key="neuron.use").click().run()
    check(at)
    assert at.slider(key="neuron.w1").value == neuron.to_slider(run.learned[0], -4, 4)
    assert at.slider(key="neuron.b").value == neuron.to_slider(run.learned[2], -8, 8)
    assert len(at.info) == 1
    assert len(plotly_specs(at)) == 1  # the run is over; Learn again starts from here
    assert any(m.value.startswith("**100%**") for m in at.markdown)


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_learning_settings(root, opt):
    at = open_page(root)
    at.selectbox(key="neuron.opt").set_value(opt).run()
    at.select_slider(key="neuron.lr").set_value(neuron.LRS[-1]).run()
    at.select_slider(key="neuron.steps").set_value(neuron.STEPS[0]).run()
    at.button(key="neuron.learn").click().run()
    check(at)
    run = neuron.learn(1.0, 1.0, 0.0, X, Y, opt, neuron.LRS[-1], neuron.STEPS[0])
    assert plotly_specs(at)[1]["frames"][-1]["name"] == str(neuron.STEPS[0])
    assert any(f"loss {run.loss[-1]:.4f}" in m.value for m in at.markdown)


def test_presenter_view_has_large_charts_and_folded_settings(root):
    at = open_page(root, {"presenter": "1"})
    (fig,) = plotly_specs(at)
    assert fig["layout"]["height"] == 640
    assert at.expander and all(not e.proto.expanded for e in at.expander)


@pytest.mark.parametrize("learn_page", ["2_Compare", "3_One_neuron", "4_Activation_functions",
                                        "5_Forward_and_backward", "7_Loss_functions"])
def test_playground_keeps_its_settings_across_a_visit_to_a_learn_page(root, learn_page):
    # Streamlit drops the state of widgets that are not drawn; the Playground keeps a copy
    # (state.init), so coming back neither crashes nor resets it.
    at = AppTest.from_file(str(root / "app.py"), default_timeout=apptest_pages.TIMEOUT).run()
    at.switch_page("pages/1_Playground.py").run()
    at.session_state["cfg.noise"] = 0.2
    at.run()
    try:
        at.switch_page(f"pages/{learn_page}.py").run()
        check(at)
        at.switch_page("pages/1_Playground.py").run()
        check(at)
        assert at.session_state["pg.runner"].trainer.config.noise == 0.2
    finally:
        at.session_state["pg.runner"].close()
