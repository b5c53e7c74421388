"""Gradient descent on a landscape: surfaces, optimizer paths restated by hand, divergence,
figures, and the page under AppTest."""

import math

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import OPTIMIZERS
from ui.charts.learn import landscape as LC
from ui.learn import landscape as L

PAGE = "pages/6_Gradient_descent.py"


@pytest.fixture(scope="module")
def surfaces() -> dict[str, L.Surface]:
    return {name: L.surface(name) for name in L.SURFACES}


def fd_grad(f, w, h=1e-6):
    w = np.asarray(w, dtype=np.float64)
    out = np.zeros(2)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        out[k] = (f(w + e) - f(w - e)) / (2 * h)
    return out


# --- surfaces ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", L.SURFACES)
def test_gradient_matches_finite_differences(surfaces, name):
    s = surfaces[name]
    x0, x1, y0, y1 = s.bounds
    rng = np.random.default_rng(1)
    for w in rng.uniform([x0, y0], [x1, y1], size=(6, 2)):
        assert np.allclose(s.grad(w), fd_grad(s.loss, w), rtol=1e-5, atol=1e-7), w


def test_network_batch_gradient_is_the_gradient_of_the_batch_loss():
    net, X, y = L.trained_network()
    s = L.network_surface(L.DEFAULT_PAIR)
    (_, ia), (_, ib) = (L.network_weights(net)[k] for k in L.DEFAULT_PAIR)
    rows = np.array([3, 17, 20])

    def batch_loss(w):
        net.flat[ia], net.flat[ib] = w
        return net.loss_value(X[rows], y[rows])

    w = np.array(s.start)
    assert np.allclose(s.grad(w, rows), fd_grad(batch_loss, w), rtol=1e-5, atol=1e-8)
    assert not np.allclose(s.grad(w, rows), s.grad(w))


def test_network_surface_is_the_engine_loss_with_two_weights_moved():
    net, X, y = L.trained_network()
    s = L.network_surface((1, 4))
    labels = L.network_weights(net)
    (la, ia), (lb, ib) = labels[1], labels[4]
    assert s.axis_titles == (la, lb)
    assert s.minimum == (net.flat[ia], net.flat[ib])
    xs, ys, Z = s.grid(7)
    for r, c in [(0, 0), (3, 5), (6, 2)]:
        net.flat[ia], net.flat[ib] = xs[c], ys[r]
        assert Z[r, c] == net.loss_value(X, y)
    # The trained weights are a minimum of the full loss: the gradient there is ~0.
    assert np.linalg.norm(s.grad(np.array(s.minimum))) < 1e-2


def test_formula_minima_are_minima(surfaces):
    for name in L.FORMULAS:
        s = surfaces[name]
        assert np.allclose(s.grad(np.array(s.minimum)), 0.0)
        _, _, Z = s.grid(61)
        assert s.loss(s.minimum) <= Z.min() + 1e-12


def test_unknown_surface_and_equal_weights_are_refused():
    with pytest.raises(ValueError, match="unknown surface"):
        L.surface("volcano")
    with pytest.raises(ValueError, match="two different weights"):
        L.network_surface((2, 2))


# --- optimizer paths restated by hand ---------------------------------------------------------
def hand_path(name: str, lr: float, grad, start, steps: int) -> np.ndarray:
    """The update rules of torch.optim, written out again for one 2-vector."""
    h = {k: v.default for k, v in OPTIMIZERS[name].hyper.items()}
    w = np.array(start, dtype=np.float64)
    b = m = v = s = np.zeros(2)
    out = [w.copy()]
    for t in range(1, steps + 1):
        g = grad(w, t - 1)
        if name == "sgd":
            w = w - lr * g
        elif name in ("momentum", "nesterov"):
            b = g if t == 1 else h["momentum"] * b + g
            step = g + h["momentum"] * b if name == "nesterov" else b
            w = w - lr * step
        elif name == "rmsprop":
            v = h["alpha"] * v + (1 - h["alpha"]) * g**2
            w = w - lr * g / (np.sqrt(v) + h["eps"])
        elif name == "adagrad":
            s = s + g**2
            w = w - lr * g / (np.sqrt(s) + h["eps"])
        elif name in ("adam", "adamw"):
            if name == "adamw":
                w = w * (1 - lr * h["weight_decay"])
            m = h["beta1"] * m + (1 - h["beta1"]) * g
            v = h["beta2"] * v + (1 - h["beta2"]) * g**2
            m_hat = m / (1 - h["beta1"] ** t)
            v_hat = v / (1 - h["beta2"] ** t)
            w = w - lr * m_hat / (np.sqrt(v_hat) + h["eps"])
        else:
            pytest.fail(f"optimizer {name!r} is in the registry but not restated in this test")
        out.append(w.copy())
    return np.array(out)


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@pytest.mark.parametrize("name", L.SURFACES)
def test_paths_equal_the_optimizer_stepped_by_hand(surfaces, name, opt):
    s = surfaces[name]
    lr = s.rates["right"]
    path = L.run_path(s, opt, lr, s.start, 12)
    expected = hand_path(opt, lr, lambda w, k: s.grad(w), s.start, 12)

    assert path.stopped == "" and path.steps == 12
    assert np.allclose(path.points, expected, rtol=1e-12, atol=1e-12)
    assert np.allclose(path.losses, [s.loss(p) for p in expected], rtol=1e-12)


@pytest.mark.parametrize("batch", ["mini", "single"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_noisy_paths_use_the_same_batches_for_every_optimizer(surfaces, batch, opt):
    s = surfaces["network"]
    chosen = L.batches(s.n_examples, batch, 15, seed=4)
    assert all(len(rows) == (1 if batch == "single" else L.MINI_BATCH) for rows in chosen)
    path = L.run_path(s, opt, 0.3, s.start, 15, batch, seed=4)
    expected = hand_path(opt, 0.3, lambda w, k: s.grad(w, chosen[k]), s.start, 15)
    assert np.allclose(path.points, expected, rtol=1e-12, atol=1e-12)
    full = L.run_path(s, opt, 0.3, s.start, 15)
    assert not np.allclose(path.points, full.points)  # the noise shows in the path


def test_full_batch_uses_every_example():
    assert L.batches(54, "full", 3, 0) == [None, None, None]
    with pytest.raises(ValueError, match="batch mode"):
        L.batches(54, "half", 3, 0)


# --- learning rates ---------------------------------------------------------------------------
def test_right_rate_converges_on_the_bowl(surfaces):
    s = surfaces["bowl"]
    for opt in ("sgd", "nesterov", "rmsprop"):
        path = L.run_path(s, opt, s.rates["right"], s.start, 100)
        assert np.hypot(*path.points[-1]) < 1e-3, opt


@pytest.mark.parametrize("name", L.SURFACES)
def test_sgd_rates_too_small_right_too_large(surfaces, name):
    s = surfaces[name]
    small, right, large = (L.run_path(s, "sgd", s.rates[r], s.start, s.steps) for r in L.RATES)
    start_loss = s.loss(s.start)
    assert right.stopped == small.stopped == ""
    assert right.losses[-1] < small.losses[-1] < start_loss
    if name == "network":  # the sigmoid saturates: SGD bounces out of the valley but stays
        # Where a bouncing path ends is chaotic (its last digits differ between CPUs' tanh), so
        # the bounce is read over the path's second half: it keeps leaving the valley.
        second_half = large.losses[len(large.losses) // 2:]
        assert large.stopped == ""
        assert max(second_half) > 2 * right.losses[-1]
    else:
        assert large.stopped.startswith("left the plot at step ")
        assert large.steps < s.steps


def test_sgd_zigzags_across_the_ravine_at_its_preset_rate_as_the_text_says(surfaces):
    s = surfaces["ravine"]
    assert 0.25 < s.rates["right"] < 0.5  # 1 - 4 lr is negative: an overshoot every step
    across = L.run_path(s, "sgd", s.rates["right"], s.start, 20).points[:, 1]
    assert (np.sign(across[1:]) != np.sign(across[:-1])).all()  # zigzag
    calm = L.run_path(s, "sgd", 0.2, s.start, 20).points[:, 1]
    assert (np.sign(calm) == np.sign(calm[0])).all()  # below 0.25: no zigzag


def test_a_diverging_path_stops_at_its_last_finite_point():
    lo, hi, _, _ = L.limits((-3.0, 3.0, -3.0, 3.0))
    assert (lo, hi) == (-9.0, 9.0)
    bowl = L.FORMULAS["bowl"]
    path = L.run_path(bowl, "sgd", 2.1, bowl.start, 100)
    k = int(path.stopped.split()[-1])
    assert path.steps == k and len(path.points) == k + 1
    assert np.abs(path.points[-1]).max() > 9.0 and np.abs(path.points[-2]).max() <= 9.0
    assert np.all(np.isfinite(path.points)) and np.all(np.isfinite(path.losses))

    # A surface whose gradient overflows: the step that makes w infinite is not kept.
    steep = L.Surface("steep", "steep", lambda x, y: x * 0.0, lambda w, b: w * 1e300,
                      (-1e308, 1e308, -1e308, 1e308), (1e10, 1.0), {})
    path = L.run_path(steep, "sgd", 10.0, steep.start, 20)
    assert path.stopped.startswith("became infinite at step ")
    assert np.all(np.isfinite(path.points))


# --- clicks and figures -----------------------------------------------------------------------
def test_start_from_selection():
    event = {"points": [{"curve_number": 1, "point_index": 7, "x": 0.25, "y": -1.5}],
             "point_indices": [7], "box": [], "lasso": []}
    assert L.start_from_selection(event) == (0.25, -1.5)
    for bad in (None, {}, {"points": []}, {"points": [{"x": "a", "y": 1}]},
                {"points": [{"x": math.nan, "y": 1}]}):
        assert L.start_from_selection(bad) is None

    state = {"gd.chart": {"selection": event}, "gd.x0": 1.0, "gd.y0": 1.0}
    L.apply_selection(state)
    assert (state["gd.x0"], state["gd.y0"]) == (0.25, -1.5)
    state["gd.chart"] = {"selection": {"points": []}}
    L.apply_selection(state)
    assert (state["gd.x0"], state["gd.y0"]) == (0.25, -1.5)


def test_clamp_start_keeps_the_start_in_view(surfaces):
    s = surfaces["ravine"]
    state = {"gd.x0": 100.0, "gd.y0": math.nan}
    L.clamp_start(state, s)
    assert state == {"gd.x0": s.bounds[1], "gd.y0": s.start[1]}


def test_the_surface_is_an_image_of_equal_rank_bands(surfaces):
    """Drawn as pixels (plotly.js drops contour traces while it replays the paths): dark blue
    where the loss is lowest, lighter where it is high, right way up."""
    s = surfaces["bowl"]
    xs, ys, Z = s.grid(40)
    img = LC.surface_image(Z, size=120).astype(int)
    assert img.shape == (120, 120, 3)
    centre, corner = img[60, 60], img[0, 0]
    assert centre.sum() < corner.sum()  # the bowl's minimum is dark
    fig = LC.landscape_figure(s, (xs, ys, Z), [], s.start, animate=False)
    (image,) = fig["layout"]["images"]
    assert image["source"].startswith("data:image/png;base64,") and image["layer"] == "below"
    assert not [t for t in fig["data"] if t.get("type") in ("contour", "heatmap")]
    valley = surfaces["valley"]
    v = LC.surface_image(valley.grid(40)[2], size=80).astype(int)
    low = np.unravel_index(v.sum(axis=2).argmin(), v.shape[:2])
    # The valley's minimum (1, 1) is in the upper right quadrant of its view (-2..2, -1..3).
    assert low[0] < 40 and low[1] > 40


def test_landscape_figure_draws_the_paths_and_replays_them(surfaces):
    s = surfaces["valley"]
    paths = L.run_all(s, OPTIMIZERS, s.rates["too large"], s.start, 200)
    fig = LC.landscape_figure(s, s.grid(40), paths, s.start)
    go.Figure(fig)  # valid plotly
    drawn = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert [t["name"] for t in drawn] == [OPTIMIZERS[k].label for k in OPTIMIZERS]
    colours = {t["line"]["color"] for t in drawn}
    assert len(colours) == len(OPTIMIZERS)
    for t, p in zip(drawn, paths, strict=True):
        assert np.allclose(t["x"], p.points[:, 0], atol=1e-6)
        assert np.allclose(t["y"], p.points[:, 1], atol=1e-6)
    frames = fig["frames"]
    assert len(frames) == LC.MAX_FRAMES + 1
    assert [len(t["x"]) for t in frames[0]["data"]] == [1] * len(paths)
    for update, p in zip(frames[-1]["data"], paths, strict=True):
        assert np.allclose(update["x"], p.points[:, 0], atol=1e-4)
        assert np.allclose(update["y"], p.points[:, 1], atol=1e-4)
    mid = frames[len(frames) // 2]
    assert [len(t["x"]) for t in mid["data"]] == [min(int(mid["name"]), p.steps) + 1
                                                  for p in paths]
    assert [st["label"] for st in fig["layout"]["sliders"][0]["steps"]] == \
        [f["name"] for f in frames]
    click = next(t for t in fig["data"] if t["name"] == "start here")
    assert len(click["x"]) == LC.CLICK_GRID ** 2 and click["marker"]["opacity"] == 0


def test_loss_figure_and_summary(surfaces):
    s = surfaces["bowl"]
    paths = L.run_all(s, ["sgd", "adam"], 2.1, s.start, 50)
    fig = LC.loss_figure(s, paths)
    go.Figure(fig)
    assert fig["layout"]["yaxis"]["type"] == "log"
    rows = L.summary(s, paths)
    assert [r["optimizer"] for r in rows] == ["SGD", "Adam"]
    assert rows[0]["note"].startswith("left the plot") and rows[1]["note"] == ""
    assert rows[1]["final loss"] == f"{paths[1].losses[-1]:.4g}"
    assert rows[1]["distance to minimum"] == f"{np.hypot(*paths[1].points[-1]):.3g}"


# --- the page ---------------------------------------------------------------------------------
def open_page(root) -> AppTest:
    return apptest_pages.open_page(root, PAGE)


def landscape(at) -> dict:
    return apptest_pages.plotly_specs(at)[0]


def paths_drawn(at) -> dict[str, list[float]]:
    return {t["name"]: t["x"] for t in landscape(at)["data"] if t.get("mode") == "lines+markers"}


def ok(at):
    assert not at.exception, [e.message for e in at.exception]


def test_page_shows_every_optimizer_from_the_start(root):
    at = open_page(root)
    assert [t.value for t in at.title] == ["Gradient descent on a landscape"]
    drawn = paths_drawn(at)
    assert list(drawn) == [OPTIMIZERS[k].label for k in OPTIMIZERS]
    assert all(x[0] == -2.5 for x in drawn.values())
    bowl = L.FORMULAS["bowl"]
    expected = L.run_path(bowl, "adam", 0.1, bowl.start, 100).points[:, 0]
    assert np.allclose(drawn["Adam"], expected, atol=1e-6)
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == [OPTIMIZERS[k].label for k in OPTIMIZERS]
    assert any(md.value.startswith("**What you see.**") for md in at.markdown)


def test_every_surface_and_every_rate_button(root):
    at = open_page(root)
    for name in L.SURFACES:
        at.selectbox(key="gd.surface").set_value(name).run()
        ok(at)
        s = L.surface(name)
        assert at.number_input(key="gd.lr").value == s.rates["right"]
        assert (at.number_input(key="gd.x0").value, at.number_input(key="gd.y0").value) == \
            tuple(round(v, 2) for v in s.start)
        assert at.slider(key="gd.steps").value == s.steps
        for rate in L.RATES:
            at.button(key=f"gd.rate.{rate}").click().run()
            ok(at)
            assert at.number_input(key="gd.lr").value == s.rates[rate]
            warned = any("too large" in w.value for w in at.warning)
            assert warned == any(p.stopped for p in L.run_all(
                s, OPTIMIZERS, s.rates[rate], s.start, s.steps))
        if name != "network":
            assert any("SGD left the plot" in w.value for w in at.warning)


def test_start_steps_optimizers_and_lr_inputs(root):
    at = open_page(root)
    at.number_input(key="gd.x0").set_value(1.0).run()
    at.number_input(key="gd.y0").set_value(-0.5).run()
    ok(at)
    drawn = paths_drawn(at)
    assert all(x[0] == 1.0 for x in drawn.values())
    star = next(t for t in landscape(at)["data"] if t["name"] == "start")
    assert (star["x"], star["y"]) == ([1.0], [-0.5])

    at.slider(key="gd.steps").set_value(30).run()
    ok(at)
    assert all(len(x) == 31 for x in paths_drawn(at).values())

    at.number_input(key="gd.lr").set_value(0.5).run()
    ok(at)
    bowl = L.FORMULAS["bowl"]
    expected = L.run_path(bowl, "sgd", 0.5, (1.0, -0.5), 30).points[:, 0]
    assert np.allclose(paths_drawn(at)["SGD"], expected, atol=1e-6)

    at.multiselect(key="gd.optimizers").set_value(["sgd", "adagrad"]).run()
    ok(at)
    assert list(paths_drawn(at)) == ["SGD", "Adagrad"]
    at.multiselect(key="gd.optimizers").set_value([]).run()
    ok(at)
    assert paths_drawn(at) == {}
    assert any("at least one optimizer" in i.value for i in at.info)


def test_network_surface_controls(root):
    at = open_page(root)
    at.selectbox(key="gd.surface").set_value("network").run()
    ok(at)
    full = paths_drawn(at)["SGD"]
    for batch in ("mini", "single"):
        at.radio(key="gd.batch").set_value(batch).run()
        ok(at)
        assert paths_drawn(at)["SGD"] != full
    noisy = paths_drawn(at)["SGD"]
    at.number_input(key="gd.seed").set_value(3).run()
    ok(at)
    assert paths_drawn(at)["SGD"] != noisy

    at.selectbox(key="gd.wb").set_value(5).run()
    ok(at)
    s = L.network_surface((0, 5))
    assert landscape(at)["layout"]["xaxis"]["range"] == list(s.bounds[:2])
    assert at.number_input(key="gd.y0").value == round(s.start[1], 2)
    # The same weight twice: a message, and the last good pair stays on the plot.
    at.selectbox(key="gd.wb").set_value(0).run()
    ok(at)
    assert any("two different weights" in e.value for e in at.error)
    assert landscape(at)["layout"]["yaxis"]["title"]["text"] == s.axis_titles[1]


def test_presenter_view_has_larger_charts(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=apptest_pages.TIMEOUT)
    at.query_params["presenter"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    ok(at)
    normal = open_page(root)
    assert landscape(at)["layout"]["height"] > landscape(normal)["layout"]["height"]
