"""AppTest tests of the Digits page: every control reaches the trainer, live settings keep the
weights, the live charts and the status line, the link, the drawing canvas (its state set as
the browser sets it), the chosen digit and a convolution step computed with the engine's
numbers."""

import base64
import json
from types import SimpleNamespace

import apptest_pages
import numpy as np
import pytest
from apptest_pages import components, no_exception, status
from streamlit.testing.v1 import AppTest

from engine.data.images import preprocess_drawing
from engine.images import ImageConfig, Mistakes
from ui.charts import images
from ui.digits import panels
from ui.digits.state import CHOSEN

PAGE = "pages/10_Digits.py"


def open_digits(root, query: dict | None = None) -> AppTest:
    return apptest_pages.open_page(root, PAGE, query)


@pytest.fixture
def page(root):
    at = open_digits(root)
    yield at
    at.session_state["dig.runner"].close()


def runner(at):
    return at.session_state["dig.runner"]





def test_the_page_draws_its_live_charts_and_status(page):
    keys = {json.loads(c.proto.json).get("key") for c in components(page, "nnp_live_chart")}
    assert {"loss", "accuracy", "mistakes", "confusion", "weights", "features", "chosen"} <= keys
    text = status(page)
    n = runner(page).trainer.model.n_params
    assert text.startswith("Epoch 0 ·") and f"{n:,} parameters" in text
    assert "shifted" in text and "test accuracy" in text


# (widget kind, key, value, check on the trainer's config)
CONTROLS = [
    ("radio", "dig.model", "mlp", lambda c: c.model == "mlp"),
    ("text_input", "dig.filters", "8, 16", lambda c: c.filters == (8, 16)),
    ("select_slider", "dig.kernel", 5, lambda c: c.kernel == 5),
    ("selectbox", "dig.pooling", "avg", lambda c: c.pooling == "avg"),
    ("toggle", "dig.padding", False, lambda c: c.padding is False),
    ("selectbox", "dig.conv_activation", "tanh", lambda c: c.conv_activation == "tanh"),
    ("text_input", "dig.dense", "32", lambda c: c.dense == (32,)),
    ("toggle", "dig.augment", True, lambda c: c.augment),
    ("slider", "dig.test_size", 0.3, lambda c: c.test_size == 0.3),
    ("number_input", "dig.seed", 4, lambda c: c.seed == 4),
    ("selectbox", "dig.optimizer", "sgd", lambda c: c.optimizer == "sgd"),
    ("select_slider", "dig.lr", 0.003, lambda c: c.lr == 0.003),
    ("select_slider", "dig.batch_size", 64, lambda c: c.batch_size == 64),
    ("select_slider", "dig.l2", 0.001, lambda c: c.l2 == 0.001),
    ("slider", "dig.dropout", 0.2, lambda c: c.dropout == 0.2),
    ("number_input", "dig.max_epochs", 5, lambda c: c.max_epochs == 5),
]


@pytest.mark.parametrize("kind, key, value, check", CONTROLS,
                         ids=[f"{k}={v}" for _, k, v, _ in CONTROLS])
def test_every_control_reaches_the_trainer(page, kind, key, value, check):
    getattr(page, kind)(key=key).set_value(value).run()
    no_exception(page)
    assert check(runner(page).trainer.config), runner(page).trainer.config


def test_the_mlp_s_controls(page):
    page.radio(key="dig.model").set_value("mlp").run()
    page.text_input(key="dig.hidden").set_value("32, 16").run()
    page.selectbox(key="dig.activation").set_value("tanh").run()
    c = runner(page).trainer.config
    assert (c.model, c.hidden, c.activation) == ("mlp", (32, 16), "tanh")
    assert "weights" in {json.loads(x.proto.json).get("key")
                         for x in components(page, "nnp_live_chart")}


@pytest.mark.parametrize("text, words", [("8, x", "whole numbers"), ("8, 16, 16", "at most 2"),
                                         ("40", "convolution layers of 2 to 16 filters")])
def test_bad_widths_are_explained_and_the_run_is_kept(page, text, words):
    before = runner(page).trainer.config
    page.text_input(key="dig.filters").set_value(text).run()
    no_exception(page)
    assert runner(page).trainer.config == before
    assert any(words in w.value for w in page.warning), [w.value for w in page.warning]


def test_live_settings_keep_the_weights_and_structural_ones_rebuild(page):
    r = runner(page)
    page.button(key="dig.step_epoch").click().run()
    weights, run_id = r.trainer.model.flat.copy(), r.run_id
    for kind, key, value in (("select_slider", "dig.lr", 0.003), ("slider", "dig.dropout", 0.1),
                             ("toggle", "dig.augment", True)):
        getattr(page, kind)(key=key).set_value(value).run()
        assert r.run_id == run_id and r.trainer.epoch == 1, key
        np.testing.assert_array_equal(r.trainer.model.flat, weights)
    page.text_input(key="dig.filters").set_value("4").run()
    assert r.run_id == run_id + 1 and r.trainer.epoch == 0


def test_step_batch_step_epoch_and_reset(page):
    r = runner(page)
    page.button(key="dig.step_batch").click().run()
    assert r.trainer.steps == 1
    page.button(key="dig.step_epoch").click().run()
    assert r.trainer.epoch == 1
    assert status(page).startswith("Epoch 1 ·")
    page.button(key="dig.reset").click().run()
    assert (r.trainer.epoch, r.trainer.steps) == (0, 0)


def test_the_link_holds_the_settings_and_opens_them(root, page):
    page.radio(key="dig.model").set_value("mlp").run()
    page.select_slider(key="dig.lr").set_value(0.003).run()
    query = dict(page.query_params.to_dict()) if hasattr(page.query_params, "to_dict") else \
        {k: page.query_params[k] for k in page.query_params}
    assert query["model"] == "mlp" and query["lr"] == "0.003"
    other = open_digits(root, query)
    try:
        assert runner(other).trainer.config == runner(page).trainer.config
    finally:
        runner(other).close()
    bad = open_digits(root, {"model": "rnn", "lr": "fast"})
    try:
        assert runner(bad).trainer.config == ImageConfig()
        assert len([w for w in bad.warning if "The link had a setting" in w.value]) == 2
    finally:
        runner(bad).close()


def drawing(image: np.ndarray) -> dict:
    """The canvas component's state after a stroke, as the browser sends it."""
    return {"image": {"n": 1, "size": 64, "data": base64.b64encode(
        (image * 255).astype(np.uint8).tobytes()).decode()}}


def test_a_drawing_is_read_by_the_network_being_trained(page):
    assert any("Draw a digit in the square" in i.value for i in page.info)
    img = np.zeros((64, 64))
    img[8:56, 30:36] = 1.0  # a one
    page.session_state["dig.canvas"] = drawing(img)
    page.run()
    no_exception(page)
    r = runner(page)
    digit = preprocess_drawing(img)
    expected = int(r.trainer.predict(digit.image))
    assert any(f"It reads a **{expected}**" in c.value for c in page.caption)
    np.testing.assert_array_equal(page.session_state["dig.drawn"], digit.image)
    steps = [f for f in apptest_pages.plotly_specs(page)
             if "From your drawing" in str(f["layout"].get("title"))]
    assert [a["text"] for a in steps[0]["layout"]["annotations"]] == [
        "you drew", "cropped", "centred", "adjusted", "8×8"]
    keys = {json.loads(c.proto.json).get("key") for c in components(page, "nnp_live_chart")}
    assert "drawn" in keys


@pytest.mark.parametrize("what", ["dot", "full", "huge", "empty"])
def test_nothing_breaks_on_odd_drawings(page, what):
    img = np.zeros((64, 64))
    if what == "dot":
        img[30, 30] = 1.0
    elif what == "full":
        img[:] = 1.0
    elif what == "huge":
        img[2:62, 2:62] = 1.0
        img[20:44, 20:44] = 0.0
    page.session_state["dig.canvas"] = drawing(img)
    page.run()
    no_exception(page)
    if what == "empty":
        assert any("Draw a digit" in i.value for i in page.info)
    else:
        assert any("It reads a" in c.value for c in page.caption)


def test_the_chosen_digit_and_a_click_on_a_mistake(page):
    page.number_input(key=CHOSEN).set_value(7).run()
    no_exception(page)
    (chart,) = [json.loads(c.proto.json) for c in components(page, "nnp_live_chart")
                if json.loads(c.proto.json).get("key") == "chosen"]
    assert "Test digit #7" in json.dumps(chart)

    # A click on tile 1 of the gallery picks the frame's mistake 1.
    frame = SimpleNamespace(slow=SimpleNamespace(mistakes=Mistakes(
        np.array([41, 99]), np.array([3, 5]), np.array([5, 3]), np.array([0.9, 0.8]), 2)))
    assert panels.clicked_digit("mistakes", {"point": 1}, frame) == 99
    assert panels.clicked_digit("mistakes", {"point": 5}, frame) is None
    assert panels.clicked_digit("confusion", {"point": 1}, frame) is None
    assert panels.clicked_digit("mistakes", {"point": 0}, SimpleNamespace(slow=None)) is None


def test_a_convolution_step_uses_the_engine_s_numbers(page):
    r = runner(page)
    page.button(key="dig.step_epoch").click().run()
    t = r.trainer
    conv = t.conv_layers()[0]
    image = t.X_test[3, 0]
    out = t.feature_maps(3)[0][1]
    pad = 1
    for f, row, col in ((0, 0, 0), (2, 3, 4), (7, 7, 7)):
        window = np.pad(image, pad)[row:row + 3, col:col + 3]
        z = float((window * conv.weight[f, 0]).sum() + conv.bias[f])
        assert max(z, 0.0) == pytest.approx(out[f, row, col], rel=1e-12, abs=1e-12)
        fig = images.conv_step(image, conv.weight[f, 0], float(conv.bias[f]), row, col, pad,
                               float(out[f, row, col]), "relu")
        assert f"= {z:.3f}" in fig["layout"]["title"]["text"]
    page.session_state[CHOSEN] = 3
    page.run()
    no_exception(page)
    assert any("The value the engine computed there" in c.value for c in page.caption)


def charts(at: AppTest) -> dict[str, dict]:
    """The live charts on the page, by key (each as the component holds it)."""
    return {d.get("key"): d for d in (json.loads(c.proto.json)
                                      for c in components(at, "nnp_live_chart"))}


def test_the_loss_chart_has_the_shifted_test_loss_and_leaves_out_the_penalty(page):
    page.button(key="dig.step_epoch").click().run()
    text = json.dumps(charts(page)["loss"])
    assert "shifted test loss" in text and "without the L2 penalty" in text
    last = runner(page).trainer.history.last
    assert np.isfinite(last["shifted_loss"]) and last["shifted_loss"] > last["test_loss"]


def test_the_view_toggles_and_the_speed(page):
    from ui.live.runner import SPEEDS

    assert "(test set)" in json.dumps(charts(page)["confusion"])
    page.toggle(key="dig.shifted").set_value(True).run()
    no_exception(page)
    assert "(shifted test set)" in json.dumps(charts(page)["confusion"])
    assert "digits of the shifted test set" in json.dumps(charts(page)["testset"])
    page.toggle(key="dig.slow").set_value(False).run()
    no_exception(page)
    assert not {"mistakes", "confusion", "testset"} & set(charts(page))
    assert {"loss", "accuracy"} <= set(charts(page))
    for value in ("1", "30"):
        page.select_slider(key="dig.speed").set_value(value).run()
        assert runner(page).speed == SPEEDS[value]


def test_an_optimizer_hyperparameter_reaches_the_optimizer(page):
    page.selectbox(key="dig.optimizer").set_value("momentum").run()
    page.number_input(key="dig.momentum").set_value(0.5).run()
    no_exception(page)
    t = runner(page).trainer
    assert t.config.momentum == 0.5 and t.optimizer.momentum == 0.5


def test_a_click_on_a_test_digit_chooses_it(page):
    (strip,) = [c for c in components(page, "nnp_live_chart")
                if json.loads(c.proto.json).get("key") == "testset"]
    assert "click one to look inside" in json.dumps(json.loads(strip.proto.json))
    frame = SimpleNamespace(slow=SimpleNamespace(strip_labels=np.arange(30)))
    assert panels.clicked_digit("testset", {"point": 4}, frame) == 4
    assert panels.clicked_digit("testset", {"point": 30}, frame) is None


def test_the_convolution_step_s_controls(page):
    page.button(key="dig.step_epoch").click().run()
    page.number_input(key="dig.conv_f").set_value(3).run()
    page.slider(key="dig.conv_r").set_value(5).run()
    page.slider(key="dig.conv_c").set_value(2).run()
    no_exception(page)
    out = runner(page).trainer.feature_maps(0)[0][1]
    assert any(f"there: {out[2, 5, 2]:.3f} (feature map 3 " in c.value for c in page.caption)
