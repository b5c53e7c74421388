"""Forward and backward step by step: every number is the engine's; the chain-rule gradients
equal `loss_and_grads` and central finite differences; the batch gradient is the mean of the
per-example gradients; the page walks every stage and reacts to every control."""


import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import ACTIVATIONS
from ui.charts.learn.stepthrough import diagram
from ui.learn import stepthrough as sth

CASES = [sth.Setup(h, act, loss, x, y, 0.3, seed)
         for h in sth.HIDDEN for act in ACTIVATIONS for loss in sth.sigmoid_losses()
         for x, y, seed in [((1.0, -0.5), 1, 0), ((-2.2, 0.7), 0, 5)]]


@pytest.fixture(scope="module", params=CASES, ids=lambda s: f"2-{s.hidden}-1-{s.activation}-"
                f"{s.loss}-y{s.y}")
def case(request):
    return request.param, sth.trace(request.param)


def test_forward_numbers_are_the_engines(case):
    setup, t = case
    net = setup.network()
    X = np.array([setup.x])
    a1, p = net.layer_outputs(X)
    np.testing.assert_array_equal(t.z1, net.layers[0].z[0])  # the engine's cached sums
    np.testing.assert_array_equal(t.a1, a1[0])
    assert t.z2 == pytest.approx(net.layers[1].z[0, 0], rel=1e-15, abs=1e-15)
    assert t.p == p[0, 0]
    assert t.loss == net.loss_value(X, [setup.y])
    np.testing.assert_array_equal(t.W1, net.params[0])
    np.testing.assert_array_equal(t.W2, net.params[2][:, 0])


def test_chain_rule_equals_loss_and_grads(case):
    setup, t = case
    loss, grads = setup.network().loss_and_grads(np.array([setup.x]), [setup.y])
    assert loss == pytest.approx(t.loss, rel=1e-14)
    for chain, engine, shown in zip(t.chain, grads, t.engine, strict=True):
        assert chain.shape == engine.shape
        np.testing.assert_allclose(chain, engine, rtol=1e-10, atol=1e-15)
        np.testing.assert_array_equal(shown, engine)


def test_finite_differences_agree_with_the_engine(case):
    _, t = case
    for fd, engine in zip(t.fd, t.engine, strict=True):
        np.testing.assert_allclose(fd, engine, rtol=1e-6, atol=1e-9)


def test_update_is_one_sgd_step_and_lowers_the_loss(case):
    setup, t = case
    old = [t.W1, t.b1, t.W2[:, None], np.array([t.b2])]
    for new, w, g in zip(t.new, old, t.engine, strict=True):
        np.testing.assert_allclose(new, w - setup.lr * g, rtol=1e-15, atol=1e-16)
    net = setup.network()
    for p, new in zip(net.params, t.new, strict=True):
        p[...] = new
    assert t.new_loss == net.loss_value(np.array([setup.x]), [setup.y])
    if any(np.abs(g).max() > 1e-6 for g in t.engine):
        assert t.new_loss < t.loss


def test_stage_lines_show_the_traced_numbers(case):
    setup, t = case
    stages = sth.stages(t)
    assert len(stages) == sth.N_STAGES
    assert [s.phase for s in stages] == ["setup"] + ["forward"] * 5 + ["backward"] * 4 + [
        "update"]
    h = setup.hidden
    assert len(stages[1].lines) == h
    for j in range(h):
        assert stages[1].lines[j].endswith(f"= {sth.num(t.z1[j])}")
        assert stages[2].lines[j].endswith(f"= {sth.num(t.a1[j])}")
        assert stages[7].lines[j].endswith(f"= {sth.num(t.gW2[j])}")
    assert stages[3].lines[0].endswith(f"= {sth.num(t.z2)}")
    assert stages[4].lines[0].endswith(f"= {sth.num(t.p)}")
    assert f"= {sth.num(t.loss)}" in stages[5].lines[0]
    assert stages[6].lines[1].endswith(f"= {sth.num(t.dz2)}")
    assert stages[9].lines[-1].endswith(f"= {sth.num(t.gb1[-1])}")
    assert stages[10].lines[-1].endswith(rf"\rightarrow {sth.num(t.new_loss)}")
    assert stages[7].table == (2, 3) and stages[9].table == (0, 1)


def test_gradient_rows_pair_every_gradient_with_its_estimate(case):
    setup, t = case
    h = setup.hidden
    rows = sth.gradient_rows(t, [0, 1])
    assert [r["parameter"] for r in rows] == sth.param_names(h)[0] + sth.param_names(h)[1]
    assert len(sth.gradient_rows(t, [2, 3])) == h + 1
    for r in rows:
        assert abs(float(r["chain rule"]) - float(r["finite difference"])) < 1e-8
        assert float(r["|chain − finite diff.|"]) < 1e-8


def test_finite_differences_perturb_the_flat_buffer():
    net = sth.Setup(hidden=3).network()
    before = net.flat.copy()
    index = sth.flat_index(net)
    for p, ix in zip(net.params, index, strict=True):
        np.testing.assert_array_equal(net.flat[ix], p)
    assert sorted(np.concatenate([ix.ravel() for ix in index])) == list(range(net.n_params))
    fd = sth.finite_differences(net, np.array([[0.3, -0.2]]), [1])
    np.testing.assert_array_equal(net.flat, before)  # restored
    # a quadratic loss's central difference is exact up to rounding
    lin = sth.Setup(activation="linear", loss="mse").network()
    X = np.array([[0.5, 1.5]])
    _, g = lin.loss_and_grads(X, [1])
    for a, b in zip(sth.finite_differences(lin, X, [1]), g, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)
    assert len(fd) == 4


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("setup", [sth.Setup(), sth.Setup(3, "relu", "mse", (0.5, 2.0), 0)])
def test_batch_gradient_is_the_mean_of_the_examples(setup, k):
    X, y = sth.batch(setup, k)
    assert X.shape == (k, 2) and tuple(X[0]) == setup.x and y[0] == setup.y
    per, whole = sth.batch_gradients(setup, k)
    assert per.shape == (k, setup.network().n_params)
    np.testing.assert_allclose(per.mean(axis=0), whole, rtol=1e-12, atol=1e-16)
    assert not np.allclose(per[0], per[1])  # the examples pull different ways
    rows = sth.batch_rows(setup, k)
    assert len(rows) == setup.network().n_params
    assert all(float(r["|mean − batch|"]) < 1e-12 for r in rows)
    assert all(f"example {k}" in r for r in rows)


def test_go_moves_within_the_stages():
    state = {"fb.stage": 0}
    sth.go(state, -1)
    assert state["fb.stage"] == 0
    for _ in range(20):
        sth.go(state, 1)
    assert state["fb.stage"] == sth.N_STAGES - 1
    sth.go(state, None)
    assert state["fb.stage"] == 0


def test_diagram_reveals_numbers_stage_by_stage():
    t = sth.trace(sth.Setup(hidden=3))
    texts = []
    for stage in range(sth.N_STAGES):
        fig = diagram(t, stage)
        go.Figure(fig)
        assert len(fig["data"]) == 3 * 2 + 3 + 1  # edges, then the nodes
        texts.append(" ".join(fig["data"][-1]["text"]) + " ".join(
            a["text"] for a in fig["layout"]["annotations"]))
    assert "z = " not in texts[0] and f"z = {t.z1[0]:.3f}" in texts[1]
    assert f"p = {t.p:.3f}" in texts[4] and f"p = {t.p:.3f}" not in texts[3]
    assert "∂L/∂w" not in texts[6] and f"∂L/∂w={t.engine[2][0, 0]:.4f}" in texts[7]
    assert f"∂L/∂w={t.engine[0][0, 0]:.4f}" in texts[9]
    assert f"w={t.new[0][0, 0]:.3f}" in texts[10] and "∂L/∂w" not in texts[10]
    # stages outside the range draw as the nearest end: nothing before the start, all at the end
    assert diagram(t, -3) == diagram(t, 0) and diagram(t, sth.N_STAGES + 4) == diagram(t, 10)


# --- the page ------------------------------------------------------------------------------
def open_page(root, query=None) -> AppTest:
    return apptest_pages.open_page(root, "pages/5_Forward_and_backward.py", query)


def expected(at) -> list[str]:
    ss = at.session_state
    setup = sth.Setup(ss["fb.hidden"], ss["fb.act"], ss["fb.loss"], (ss["fb.x1"], ss["fb.x2"]),
                      ss["fb.y"], ss["fb.lr"], int(ss["fb.seed"]))
    return sth.stages(sth.trace(setup))[ss["fb.stage"]].lines


def shown(at) -> list[str]:
    return [x.value.strip("$\n") for x in at.latex][:len(expected(at))]


def check(at):
    assert not at.exception, [e.message for e in at.exception]
    assert shown(at) == expected(at)


def test_next_back_restart_walk_every_stage(root):
    at = open_page(root)
    assert at.button(key="fb.back").disabled
    titles = []
    for stage in range(sth.N_STAGES):
        assert at.session_state["fb.stage"] == stage
        check(at)
        titles.append(at.markdown[1].value)
        tables = len(at.dataframe)
        assert tables == (3 if stage in (7, 9) else 2)  # + batch examples and batch gradients
        assert len(at.expander) == (2 if stage else 1)  # settings (+ earlier stages)
        if stage < sth.N_STAGES - 1:
            at.button(key="fb.next").click().run()
    assert at.button(key="fb.next").disabled
    assert len(set(titles)) == sth.N_STAGES
    fig = apptest_pages.plotly_specs(at)[0]
    assert "L after" in " ".join(fig["data"][-1]["text"])
    at.button(key="fb.back").click().run()
    assert at.session_state["fb.stage"] == sth.N_STAGES - 2
    check(at)
    at.button(key="fb.restart").click().run()
    assert at.session_state["fb.stage"] == 0
    check(at)


@pytest.mark.parametrize("key, kind, values", [
    ("fb.hidden", "radio", [3, 2]),
    ("fb.act", "selectbox", list(ACTIVATIONS)),
    ("fb.loss", "selectbox", sth.sigmoid_losses()),
    ("fb.lr", "select_slider", [sth.LRS[0], sth.LRS[-1]]),
    ("fb.x1", "number_input", [-3.0, 0.0, 2.7]),
    ("fb.x2", "number_input", [3.0, -1.3]),
    ("fb.y", "radio", [0, 1]),
    ("fb.seed", "number_input", [1, 999]),
])
def test_every_control_changes_the_numbers(root, key, kind, values):
    at = open_page(root)
    for _ in range(10):  # go to the update stage, where every number shows
        at.button(key="fb.next").click().run()
    seen = {tuple(shown(at))}
    for v in values:
        getattr(at, kind)(key=key).set_value(v).run()
        check(at)
        assert at.session_state[key] == v
        seen.add(tuple(shown(at)))
    assert len(seen) > 1


def test_batch_size_control(root):
    at = open_page(root)
    for k in (2, 4, 3):
        at.select_slider(key="fb.batch").set_value(k).run()
        assert not at.exception
        examples, grads = at.dataframe[-2].value, at.dataframe[-1].value
        assert len(examples) == k and len(grads) == sth.Setup().network().n_params
        assert f"example {k}" in grads.columns
        assert (grads["|mean − batch|"].astype(float) < 1e-12).all()


def test_presenter_view(root):
    at = open_page(root, {"presenter": "1"})
    fig = apptest_pages.plotly_specs(at)[0]
    assert fig["layout"]["height"] == 640
    assert [e.proto.label for e in at.expander] == ["What happens here",
                                                    "The example and the network"]
    assert all(not e.proto.expanded for e in at.expander)


def test_a_sum_at_relus_kink_is_flagged_and_explains_the_difference(root):
    t = sth.trace(sth.Setup(activation="relu", x=(0.0, 0.0)))  # zero biases: every z is 0
    assert sth.at_kink(t)
    np.testing.assert_array_equal(t.z1, 0.0)
    # one side has slope 1, the other 0: the central difference sees half (up to O(h))
    np.testing.assert_allclose(t.fd[1], 0.5 * t.dz2 * t.W2, rtol=1e-4)
    np.testing.assert_array_equal(t.chain[1], 0.0)  # the engine's relu'(0) is 0
    assert not sth.at_kink(sth.trace(sth.Setup(activation="tanh", x=(0.0, 0.0))))
    assert not sth.at_kink(sth.trace(sth.Setup(activation="relu")))
    at = open_page(root)
    at.selectbox(key="fb.act").set_value("relu").run()
    at.number_input(key="fb.x1").set_value(0.0).run()
    at.number_input(key="fb.x2").set_value(0.0).run()
    for _ in range(9):
        at.button(key="fb.next").click().run()
    assert not at.exception
    assert len(at.info) == 1 and "kink" in at.info[0].value
    at.selectbox(key="fb.act").set_value("tanh").run()
    assert len(at.info) == 0
