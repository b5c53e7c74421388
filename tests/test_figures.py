"""Figures are plain functions from arrays to plotly figures: validated by plotly itself and
checked for what they show (orientation, colours, values)."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from engine import ACTIVATIONS, Config, Trainer
from ui.charts import base, curves, heatmaps, maps, network
from ui.charts.activations import activation_figure
from ui.playground import view as views


def decode(spec) -> np.ndarray:
    if isinstance(spec, dict):
        dtype = {"f4": np.float32, "f8": np.float64, "u1": np.uint8, "i4": np.int32}[
            spec["dtype"]]
        a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)
        if "shape" in spec:
            a = a.reshape([int(s) for s in spec["shape"].split(",")])
        return a
    return np.asarray(spec)


def png(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def valid(fig: dict) -> go.Figure:
    return go.Figure(fig)  # raises on any property plotly does not know


@pytest.fixture(scope="module")
def trained():
    t = Trainer(Config(dataset="xor", hidden=(4, 3)))
    t.run(30)
    return t


def test_typed_arrays_round_trip():
    a = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
    np.testing.assert_array_equal(decode(base.typed(a, "f8")), a)
    np.testing.assert_array_equal(decode(base.typed(a)), a.astype(np.float32))


def test_diverging_colours_ends_and_middle():
    rgb = base.diverging_rgb(np.array([0.0, 0.5, 1.0]))
    assert tuple(rgb[0]) == base.ORANGE
    assert tuple(rgb[1]) == base.WHITE
    assert tuple(rgb[2]) == base.BLUE


def test_class_blend_is_pure_when_sure_and_grey_when_unsure():
    P = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]])
    rgb = base.class_blend_rgb(P)
    assert tuple(rgb[0]) == base.CLASS_COLORS[0]
    assert tuple(rgb[1]) == base.CLASS_COLORS[2]
    assert tuple(rgb[2]) == base.WHITE


def test_output_map_is_the_right_way_up(trained):
    # A grid that is 1 (blue) in its top rows (largest x2) and 0 (orange) at the bottom.
    grid = np.zeros((100, 100))
    grid[50:] = 1.0
    fig = maps.output_map(grid, (-6, 6, -6, 6), "binary", "sigmoid",
                             trained.data.X_train, trained.data.y_train)
    valid(fig)
    img = png(fig["layout"]["images"][0]["source"])
    assert img.shape[:2] == (100, 100)
    top, bottom = img[0, 0, :3].astype(int), img[-1, 0, :3].astype(int)
    assert top[2] > top[0]  # blue at the top
    assert bottom[0] > bottom[2]  # orange at the bottom
    image = fig["layout"]["images"][0]
    assert image["y"] == 6 and image["x"] == -6  # top-left corner placed at (x1min, x2max)


def test_output_map_discretize_and_multiclass():
    grid = np.linspace(0.2, 0.8, 100)[None, :].repeat(100, 0)
    fig = maps.output_map(grid, (-6, 6, -6, 6), "binary", "sigmoid", np.zeros((0, 2)),
                             np.zeros(0, dtype=int), discretize=True)
    colours = {tuple(c) for c in png(fig["layout"]["images"][0]["source"])[50, :, :3]}
    assert len(colours) == 2  # only the two class colours, no shading
    P = np.random.default_rng(0).dirichlet(np.ones(3), size=(20, 20))
    valid(maps.output_map(P, (-6, 6, -6, 6), "multiclass", "softmax", np.zeros((3, 2)),
                             np.array([0, 1, 2])))


def test_points_carry_their_class_colours(trained):
    fig = views.build_figures(views.snapshot(trained, views.ViewOptions(show_test=True)),
                              views.ViewOptions(show_test=True), 0)["map"]
    valid(fig)
    train, test = fig["data"][1], fig["data"][2]
    np.testing.assert_array_equal(decode(train["x"]), trained.data.X_train[:, 0])
    expected = [base.hexcolor(base.CLASS_COLORS[c]) for c in trained.data.y_train]
    assert train["marker"]["color"] == expected
    assert len(decode(test["x"])) == len(trained.data.X_test)


def test_network_diagram_hover_and_neuron_sprite(trained):
    snap = views.snapshot(trained, views.ViewOptions())
    fig = views.build_figures(snap, views.ViewOptions(), 0)["net"]
    valid(fig)
    sizes = [2, 4, 3, 1]
    n_links = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    hover = next(d for d in fig["data"] if d.get("name") == "weights")["text"]
    assert len(hover) == n_links
    assert f"w = {snap.weights[0][0, 0]:.4f}" in hover[0]
    # One links image per gap between columns, then one sprite with every neuron's map; the
    # first input's map sits at its top-left.
    images = fig["layout"]["images"]
    assert len(images) == len(sizes)
    sprite = png(images[-1]["source"])
    thumbs = network.node_thumbnails(snap.feature_grids, snap.layer_grids, snap.ranges)
    res = thumbs[0][0].shape[0]
    assert sprite.shape[2] == 4 and sprite[..., 3].max() == 255 and sprite[..., 3].min() == 0
    column0 = sprite[:, :res, :3][sprite[:, :res, 3] == 255].reshape(-1, res, 3)
    assert any((column0[k:k + res] == thumbs[0][0]).all() for k in range(0, len(column0), res))
    assert int((sprite[..., 3] == 255).sum()) == sum(sizes) * res * res
    # Every trace is hover-only: a live update swaps image sources and restyles nothing.
    assert all(d.get("meta") == base.HOVER_ONLY for d in fig["data"])


def _colour_masks(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels that are mostly blue, and mostly orange, among the visible ones."""
    rgb, a = img[..., :3].astype(int), img[..., 3]
    seen = a > 40
    blue = seen & (rgb[..., 2] > rgb[..., 0] + 60)
    orange = seen & (rgb[..., 0] > rgb[..., 2] + 60)
    return blue, orange


def test_links_are_drawn_by_sign_width_and_place():
    """Two inputs to one output, w = +1 from the top input and -0.25 from the bottom one: a
    blue line falling from the top-left to the output, a thinner orange one rising to it."""
    thumb = np.zeros((20, 20, 3), dtype=np.uint8)
    fig = network.network_diagram(["x1", "x2"], [np.array([[1.0], [-0.25]])],
                                  [np.zeros(1)], [[thumb, thumb], [thumb]], [])
    valid(fig)
    links, sprite = fig["layout"]["images"]
    assert links["x"] == pytest.approx(0.4) and links["sizex"] == pytest.approx(0.2)
    assert links["layer"] == "below" and sprite["layer"] == "above"
    img = png(links["source"])
    blue, orange = _colour_masks(img)
    assert blue.sum() > 2 * orange.sum() > 0  # width grows with |w|
    assert img[..., 3].max() == network.LINK_ALPHA  # drawn at 75 % opacity

    def mean_row(mask, col):
        return float(np.flatnonzero(mask[:, col]).mean())

    # Rows grow downwards: the blue line falls from left to right, the orange one rises, and
    # both meet at the output's height (the middle of the image), the stronger on top.
    mid = img.shape[1] // 2
    assert mean_row(blue, 0) < mean_row(blue, mid) < mean_row(blue, -1)
    assert mean_row(orange, 0) > mean_row(orange, mid)
    assert mean_row(blue, 0) < img.shape[0] / 2 < mean_row(orange, 0)
    assert abs(mean_row(blue, -1) - img.shape[0] / 2) <= 4
    assert not orange[:, -1].any()

    # All weights positive: no orange anywhere.
    fig = network.network_diagram(["x1", "x2"], [np.array([[1.0], [0.25]])], [np.zeros(1)],
                                  [[thumb, thumb], [thumb]], [])
    assert _colour_masks(png(fig["layout"]["images"][0]["source"]))[1].sum() == 0


def test_weight_heatmaps_show_the_weights_exactly(trained):
    W = [w.copy() for w in trained.net.params[0::2]]
    fig = heatmaps.weight_heatmaps(W, ["layer 1", "layer 2", "output"])
    valid(fig)
    for trace, w in zip(fig["data"], W, strict=True):
        np.testing.assert_array_equal(decode(trace["z"]), w)
        assert trace["zmin"] == -trace["zmax"]


def test_loss_chart_thins_but_keeps_ends_and_hover():
    epochs = list(range(5000))
    loss = list(np.linspace(1, 0.01, 5000))
    fig = curves.loss_chart(epochs, loss, loss, log=True, max_points=400)
    valid(fig)
    x = decode(fig["data"][0]["x"])
    assert len(x) <= 400 and x[0] == 0 and x[-1] == 4999
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert fig["layout"]["hovermode"] == "x unified"


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_figure_for_every_activation(name):
    fig = activation_figure(name)
    valid(fig)
    z, f = decode(fig["data"][0]["x"]), decode(fig["data"][0]["y"])
    np.testing.assert_allclose(f, ACTIVATIONS[name].fn(z.astype(np.float64)), rtol=1e-6,
                               atol=1e-6)


def test_confusion_and_gradient_charts(trained):
    figs = views.internal_figures(views.internals(trained), 0)
    cm = np.asarray(figs["confusion"]["data"][0]["z"])
    assert cm.sum() == len(trained.data.X_test)
    assert np.trace(cm) / cm.sum() == pytest.approx(trained.history.last["test_accuracy"])
    valid(figs["grads"])
    assert figs["grads"]["data"][0]["y"] == pytest.approx(
        [max(v, 1e-12) for v in trained.gradient_norms()])


def test_scatter_thumbnail_is_the_right_way_up():
    X = np.array([[-6.0, 6.0], [6.0, -6.0]])
    img = maps.scatter_thumbnail(X, np.array([0, 1]), "binary", (-6, 6, -6, 6), size=10)
    assert tuple(img[0, 0]) == base.ORANGE  # top-left: x1 small, x2 large
    assert tuple(img[9, 9]) == base.BLUE  # bottom-right


def test_every_live_figure_is_valid_for_every_task():
    for cfg in (Config(dataset="spiral_k", n_classes=4, hidden=(5,)),
                Config(dataset="plane", hidden=()), Config(dataset="circle", output="tanh")):
        t = Trainer(cfg)
        t.run(2)
        for opts in (views.ViewOptions(), views.ViewOptions(selected=(1, 0) if cfg.hidden
                                                            else (0, 1), discretize=True)):
            for fig in views.build_figures(views.snapshot(t, opts), opts, 1).values():
                valid(fig)
        for fig in views.internal_figures(views.internals(t), 1).values():
            valid(fig)


def test_conv_step_marks_the_window_and_numbers_where_they_are_drawn():
    """The outlined window covers the pixels the products come from, and each number sits on
    its own cell of the filter and product tiles."""
    from ui.charts import images

    image = np.arange(64, dtype=float).reshape(8, 8) / 64
    kernel = np.arange(9, dtype=float).reshape(3, 3) - 4
    fig = images.conv_step(image, kernel, 0.5, 2, 5, 1, 0.0)
    go.Figure({k: v for k, v in fig.items() if k != "config"})
    (img,) = fig["layout"]["images"]
    top = img["y"]
    (rect,) = fig["layout"]["shapes"]
    assert (rect["x0"], rect["x1"]) == (5, 8) and (rect["y1"], rect["y0"]) == (top - 2, top - 5)
    numbers = [a for a in fig["layout"]["annotations"] if a["text"].lstrip("-").replace(
        ".", "").isdigit()]
    assert len(numbers) == 18
    first = numbers[0]  # kernel[0, 0], top-left cell of the second tile
    assert first["text"] == f"{kernel[0, 0]:.2f}" and first["y"] == top - 0.5
    padded = np.pad(image, 1)
    products = padded[2:5, 5:8] * kernel
    assert numbers[9]["text"] == f"{products[0, 0]:.2f}"
    assert f"= {products.sum() + 0.5:.3f}" in fig["layout"]["title"]["text"]


def test_image_charts_are_valid_and_say_what_they_show():
    from ui.charts import images

    rng = np.random.default_rng(0)
    digits = rng.random((5, 8, 8))
    fig = images.mistakes(digits, np.array([1, 2, 3, 4, 5]), np.array([7, 7, 8, 9, 0]),
                          np.array([0.9, 0.8, 0.7, 0.6, 0.5]), total=11)
    go.Figure({k: v for k, v in fig.items() if k != "config"})
    assert "5 of 11" in fig["layout"]["title"]["text"]
    assert [a["text"] for a in fig["layout"]["annotations"]][:2] == ["1 → 7 (90%)", "2 → 7 (80%)"]
    assert len(fig["data"][0]["x"]) == 5  # one clickable marker per tile, point i = tile i
    none = images.mistakes(digits[:0], *(np.array([], int) for _ in range(2)), np.array([]), 0)
    assert none["layout"]["title"]["text"].endswith("none")

    w = rng.normal(size=(3, 8, 8))
    rgb = images.signed_rgb(np.array([[-2.0, 0.0, 2.0]]))
    assert tuple(rgb[0, 1]) == base.WHITE  # zero is the middle of the scale
    assert tuple(rgb[0, 0]) == base.ORANGE and tuple(rgb[0, 2]) == base.BLUE
    go.Figure({k: v for k, v in images.weight_images(w).items() if k != "config"})
    fil = images.filters([rng.normal(size=(4, 1, 3, 3)), rng.normal(size=(2, 4, 3, 3))])
    assert len(fil["data"][0]["x"]) == 4 + 8 and fil["layout"]["annotations"][5]["text"] == \
        "c2 f1·2"
    p = images.probabilities(np.eye(10)[3] * 0.9 + 0.01, true=3)
    assert p["data"][0]["marker"]["color"][3] == "#0877bd"
    steps = images.drawing_steps(rng.random((64, 64)), rng.random((30, 20)),
                                 rng.random((30, 30)), rng.random((8, 8)))
    assert [a["text"] for a in steps["layout"]["annotations"]] == ["you drew", "cropped",
                                                                   "centred", "8×8"]
    steps = images.drawing_steps(rng.random((64, 64)), rng.random((30, 20)),
                                 rng.random((30, 30)), rng.random((8, 8)), rng.random((33, 33)))
    assert [a["text"] for a in steps["layout"]["annotations"]] == ["you drew", "cropped",
                                                                   "centred", "adjusted", "8×8"]
