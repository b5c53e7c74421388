"""What hidden layers see: the maps and the warped grid are the engine's layer outputs, and the
page under AppTest."""


import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import ACTIVATIONS, DATASETS, Trainer, grid_points, transform
from ui.charts.learn import hidden as HC
from ui.learn import hidden as H

PAGE = "pages/9_Hidden_layers.py"


@pytest.fixture(scope="module")
def trained() -> tuple[H.HiddenResult, Trainer]:
    """The page's default result, and the same training redone with the engine directly."""
    result = H.train()
    trainer = Trainer(H.config())
    trainer.run(H.EPOCHS)
    return result, trainer


def test_choices_come_from_the_registry():
    assert H.CHOICES == [k for k, s in DATASETS.items() if s.task != "regression"]
    assert H.DEFAULT_DATASET in H.CHOICES and H.DEFAULT_ACTIVATION in ACTIVATIONS


def test_grid_lines_cover_the_view():
    lines = H.grid_lines((-6.0, 6.0, -4.0, 4.0), n_lines=5, res=9)
    assert lines.shape == (10, 9, 2)
    assert np.array_equal(lines[:5, :, 0], np.repeat(np.linspace(-6, 6, 5)[:, None], 9, 1))
    assert np.array_equal(lines[:5, 0, 1], np.full(5, -4.0))
    assert np.array_equal(lines[5:, :, 1], np.repeat(np.linspace(-4, 4, 5)[:, None], 9, 1))
    assert np.array_equal(lines[5:, -1, 0], np.full(5, 6.0))


def test_the_network_learned(trained):
    result, trainer = trained
    assert result.epochs == H.EPOCHS
    assert result.test_accuracy == trainer.history.last["test_accuracy"] > 0.9


def test_warped_coordinates_are_the_engine_layer_outputs(trained):
    result, trainer = trained
    net, feats = trainer.net, trainer.config.features
    lines_in = H.grid_lines(trainer.data.bounds)
    assert np.array_equal(result.lines, lines_in)
    for layer, width in enumerate(result.hidden):
        for i, j in [(0, 1), (width - 1, 0)]:
            lines, points = H.warped(result, layer, i, j)
            want_lines = net.layer_outputs(transform(lines_in.reshape(-1, 2), feats))[layer]
            want_points = net.layer_outputs(transform(trainer.data.X, feats))[layer]
            assert np.array_equal(lines.reshape(-1, 2), want_lines[:, [i, j]])
            assert np.array_equal(points, want_points[:, [i, j]])


def test_neuron_maps_are_the_engine_layer_grids(trained):
    result, trainer = trained
    grids = trainer.layer_grids(H.MAP_RES, trainer.data.bounds)
    assert [m.shape for m in result.maps] == [(w, H.MAP_RES, H.MAP_RES)
                                              for w in [*result.hidden, 1]]
    for mine, theirs in zip(result.maps, grids, strict=True):
        assert np.array_equal(mine, theirs)
    # One map: neuron 3 of layer 1 at grid point (row r, column c) is tanh(x W + b).
    _, _, pts = grid_points(H.MAP_RES, trainer.data.bounds)
    W, b = trainer.net.params[0], trainer.net.params[1]
    assert np.allclose(result.maps[0][2].ravel(), np.tanh(pts @ W[:, 2] + b[2]))


def test_neuron_maps_figure(trained):
    result, _ = trained
    fig = HC.neuron_maps_figure(result)
    go.Figure(fig)
    heatmaps = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == sum(result.hidden) + 1
    assert np.allclose(heatmaps[3]["customdata"], result.maps[0][3], atol=1e-4)
    assert [a["text"] for a in fig["layout"]["annotations"]] == \
        [f"<b>{n}</b>" for n in HC.layer_names(result)]


def test_the_output_boundary_separates_the_last_hidden_layer(trained):
    result, trainer = trained
    last = len(result.hidden) - 1
    xs, ys = HC.boundary_line(result, last, 0, 1, [-1.0, 1.0])
    W, b = result.out_weights[:, 0], result.out_bias[0]
    for x, y in zip(xs, ys, strict=True):
        assert W[0] * x + W[1] * y + b == pytest.approx(0.0, abs=1e-12)
    # The side of the line a point lies on is the network's prediction for it.
    h = result.data_outputs[last]
    side = (h @ W + b > 0).astype(int)
    assert np.array_equal(side, trainer.predict_classes(trainer.data.X))
    assert HC.boundary_line(result, 0, 0, 1, [-1.0, 1.0]) is None  # not the last layer


def test_warp_figure(trained):
    result, _ = trained
    fig = HC.warp_figure(result, 0, 2, 5, H.warped(result, 0, 2, 5))
    go.Figure(fig)
    lines, points = H.warped(result, 0, 2, 5)
    right = [t for t in fig["data"] if t["xaxis"] == "x2"]
    dots = [t for t in right if t["mode"] == "markers"]
    assert sum(len(t["x"]) for t in dots) == len(points)
    first = next(t for t in dots if t["name"] == "class 0")
    sel = result.y == 0
    assert np.allclose(first["x"], points[sel, 0], atol=1e-4)
    assert "neuron 3" in fig["layout"]["xaxis2"]["title"]["text"]
    assert not any(t["name"] == "output boundary" for t in fig["data"])
    last = HC.warp_figure(result, 2, 1, 0, H.warped(result, 2, 1, 0))
    assert any(t["name"] == "output boundary" for t in last["data"])


def test_bad_choices_are_refused(trained):
    result, _ = trained
    for args, msg in [((3, 0, 1), "hidden layer from 1 to 3"), ((2, 0, 2), "neurons 1 to 2"),
                      ((0, 4, 4), "two different neurons")]:
        with pytest.raises(ValueError, match=msg):
            H.warped(result, *args)


def test_pick_keeps_choices_valid(trained):
    result, _ = trained
    state = {}
    assert H.pick(state, result) == 2 and (state["hl.i"], state["hl.j"]) == (0, 1)
    state = {"hl.layer": 0, "hl.i": 7, "hl.j": 5}
    assert H.pick(state, result) == 0 and (state["hl.i"], state["hl.j"]) == (7, 5)
    small = H.train("xor", (4, 2))
    assert H.pick(state, small) == 0 and (state["hl.i"], state["hl.j"]) == (0, 1)
    state = {"hl.layer": 5}
    assert H.pick(state, small) == 1


# --- the page ---------------------------------------------------------------------------------
def open_page(root, presenter: bool = False) -> AppTest:
    return apptest_pages.open_page(root, PAGE, {"presenter": "1"} if presenter else None)


charts = apptest_pages.plotly_specs


def ok(at):
    assert not at.exception, [e.message for e in at.exception]


def test_page_shows_maps_and_warp(root, trained):
    result, _ = trained
    at = open_page(root)
    assert [t.value for t in at.title] == ["What hidden layers see"]
    maps, warp = charts(at)
    assert len(maps["data"]) == sum(result.hidden) + 1
    assert f"test accuracy **{100 * result.test_accuracy:.1f} %**" in at.markdown[0].value
    assert at.selectbox(key="hl.layer").value == 2
    assert any(t["name"] == "output boundary" for t in warp["data"])


def test_every_dataset_architecture_and_activation(root):
    at = open_page(root)
    seen = set()
    for dataset in H.CHOICES:
        at.selectbox(key="hl.dataset").set_value(dataset).run()
        ok(at)
        seen.add(at.markdown[0].value)
    assert len(seen) > 1
    at.selectbox(key="hl.dataset").set_value("xor").run()
    for k, arch in enumerate(H.ARCHITECTURES):
        at.selectbox(key="hl.arch").set_value(k).run()
        ok(at)
        maps = charts(at)[0]
        assert len(maps["data"]) == sum(arch) + 1
        assert at.selectbox(key="hl.layer").value < len(arch)
    for act in ("relu", "sigmoid", "sine"):
        at.selectbox(key="hl.activation").set_value(act).run()
        ok(at)
    at.selectbox(key="hl.arch").set_value(H.ARCHITECTURES.index((3,))).run()
    ok(at)
    assert len(charts(at)) == 2


def test_layer_and_neuron_choices(root):
    at = open_page(root)
    at.selectbox(key="hl.layer").set_value(0).run()
    ok(at)
    assert at.selectbox(key="hl.i").options == [f"neuron {k}" for k in range(1, 9)]
    at.selectbox(key="hl.i").set_value(4).run()
    at.selectbox(key="hl.j").set_value(6).run()
    ok(at)
    warp = charts(at)[1]
    assert warp["layout"]["xaxis2"]["title"]["text"] == "hidden layer 1, neuron 5"
    assert warp["layout"]["yaxis2"]["title"]["text"] == "neuron 7"
    at.selectbox(key="hl.j").set_value(4).run()
    ok(at)
    assert any("two different neurons" in e.value for e in at.error)
    assert len(charts(at)) == 1
    # Back to a smaller network: the choices shrink to what exists.
    at.selectbox(key="hl.arch").set_value(H.ARCHITECTURES.index((4, 2))).run()
    ok(at)
    assert at.selectbox(key="hl.i").options == ["neuron 1", "neuron 2", "neuron 3", "neuron 4"]


def test_presenter_view(root):
    at, normal = open_page(root, presenter=True), open_page(root)
    assert charts(at)[1]["layout"]["height"] > charts(normal)[1]["layout"]["height"]


def test_learn_pages_link_on_to_the_training_pages_that_carry_their_idea(root):
    """Every link of assets/learn/further.toml names a page script that exists, and the
    Hidden layers page shows its link to the Digits page."""
    import tomllib

    import apptest_pages

    from ui.learn import common

    table = tomllib.loads((root / "assets" / "learn" / "further.toml").read_text())
    assert table, "no links"
    for title, links in table.items():
        for script, label in links:
            assert (root / script).is_file(), (title, script)
            assert label.strip()
    assert common.further_links("What hidden layers see")[0][0] == "pages/10_Digits.py"
    at = apptest_pages.open_page(root, "pages/9_Hidden_layers.py")
    assert not at.exception, [e.message for e in at.exception]
    pages = [el.proto.page for el in at.get("page_link")]
    assert "Digits" in pages, pages  # the url path of pages/10_Digits.py
