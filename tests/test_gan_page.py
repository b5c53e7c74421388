"""AppTest tests of the GAN page: every control reaches its trainer, live settings keep the
weights, the transport bar (step the discriminator only, the generator only, slow motion), the
presets, your own points (clicks and CSV), the link, the digits mode and its walk; and the
runner, the charts and the digits judge without a browser."""

import base64
import io
import json

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_pages import components, no_exception, status
from PIL import Image
from streamlit.testing.v1 import AppTest

from engine import GAN_PRESETS, DigitsGanConfig, GanConfig, GanTrainer
from engine.data.user import load_points_csv
from ui.charts import gan as charts
from ui.charts.base import png_uri
from ui.gan import judge, panels
from ui.gan.runner import SLOW_MOTION_RATE, GanRunner
from ui.live import panel

PAGE = "pages/13_GAN.py"


def open_gan(root, query: dict | None = None) -> AppTest:
    return apptest_pages.open_page(root, PAGE, query)


def close(at: AppTest) -> None:
    for k in ("gan.runner", "gand.runner"):
        if k in at.session_state:
            at.session_state[k].close()


@pytest.fixture
def page(root):
    at = open_gan(root)
    yield at
    close(at)


def runner(at, name: str = "gan") -> GanRunner:
    return at.session_state[f"{name}.runner"]



def charts_drawn(at: AppTest) -> dict:
    out = {}
    for c in components(at, "nnp_live_chart"):
        d = json.loads(c.proto.json)
        out[d.get("key")] = d.get("figure")
    return out




# --- the 2-D page ---------------------------------------------------------------------------------
def test_the_page_draws_its_live_charts_and_status(page):
    figs = charts_drawn(page)
    assert {"samples", "manifold", "losses", "distance", "outputs", "coverage"} <= set(figs)
    assert status(page).startswith("Epoch 0 · round 0 ·") and "modes" in status(page)
    assert runner(page).trainer.config == GanConfig()
    # The samples chart: the map as an image, real and generated points, the push arrows.
    names = [t.get("name") for t in figs["samples"]["data"]]
    assert {"real", "generated", "generator's push"} <= set(names)
    assert figs["samples"]["layout"]["images"][0]["source"].startswith("data:image/png")
    # The map, the generated points and the arrows are images one over the other; the
    # manifold's real points and grid lines too. plotly.js draws one image per place and size.
    for key, n in (("samples", 3), ("manifold", 2)):
        ims = figs[key]["layout"]["images"]
        assert len({(im["xref"], im["x"], im["sizex"], im["yref"], im["y"], im["sizey"])
                    for im in ims}) == len(ims) == n


# (widget kind, key, value, check on the trainer's config)
CONTROLS = [
    ("selectbox", "gan.distribution", "moons", lambda c: c.distribution == "moons"),
    ("number_input", "gan.modes", 6, lambda c: c.modes == 6),
    ("select_slider", "gan.n_samples", 1000, lambda c: c.n_samples == 1000),
    ("select_slider", "gan.noise_dim", 1, lambda c: c.noise_dim == 1),
    ("selectbox", "gan.noise", "uniform", lambda c: c.noise == "uniform"),
    ("selectbox", "gan.loss", "least_squares", lambda c: c.loss == "least_squares"),
    ("text_input", "gan.g_hidden", "16, 16", lambda c: c.g_hidden == (16, 16)),
    ("text_input", "gan.g_hidden", "", lambda c: c.g_hidden == ()),
    ("selectbox", "gan.g_activation", "tanh", lambda c: c.g_activation == "tanh"),
    ("text_input", "gan.d_hidden", "64", lambda c: c.d_hidden == (64,)),
    ("selectbox", "gan.d_activation", "leaky_relu", lambda c: c.d_activation == "leaky_relu"),
    ("number_input", "gan.seed", 3, lambda c: c.seed == 3),
    ("selectbox", "gan.g_optimizer", "sgd", lambda c: c.g_optimizer == "sgd"),
    ("select_slider", "gan.g_lr", 0.003, lambda c: c.g_lr == 0.003),
    ("select_slider", "gan.g_updates", 2, lambda c: c.g_updates == 2),
    ("selectbox", "gan.d_optimizer", "rmsprop", lambda c: c.d_optimizer == "rmsprop"),
    ("select_slider", "gan.d_lr", 0.01, lambda c: c.d_lr == 0.01),
    ("select_slider", "gan.d_updates", 3, lambda c: c.d_updates == 3),
    ("number_input", "gan.beta1", 0.7, lambda c: c.beta1 == 0.7),
    ("select_slider", "gan.batch_size", 64, lambda c: c.batch_size == 64),
    ("selectbox", "gan.schedule", "constant", lambda c: c.schedule == "constant"),
    ("number_input", "gan.max_epochs", 40, lambda c: c.max_epochs == 40),
]


def _widget(at, kind, key):
    return getattr(at, kind)(key=key)


@pytest.mark.parametrize("kind, key, value, check", CONTROLS,
                         ids=[f"{k}={v}" for _, k, v, _ in CONTROLS])
def test_every_control_reaches_the_trainer(page, kind, key, value, check):
    _widget(page, kind, key).set_value(value).run()
    no_exception(page)
    assert check(runner(page).trainer.config), runner(page).trainer.config


def test_the_spread_of_the_line_and_momentum_of_sgd_with_momentum(page):
    page.selectbox(key="gan.distribution").set_value("line").run()
    page.number_input(key="gan.spread").set_value(0.02).run()
    page.selectbox(key="gan.g_optimizer").set_value("momentum").run()
    page.selectbox(key="gan.d_optimizer").set_value("momentum").run()
    page.number_input(key="gan.momentum").set_value(0.5).run()
    no_exception(page)
    c = runner(page).trainer.config
    assert (c.distribution, c.spread, c.momentum) == ("line", 0.02, 0.5)
    assert "coverage" not in charts_drawn(page)  # a line has no modes
    assert "modes" not in status(page)


@pytest.mark.parametrize("text, words", [("8, x", "whole numbers"), ("8, 8, 8, 8, 8", "at most 4"),
                                         ("80", "64")])
def test_bad_widths_are_explained_and_the_run_is_kept(page, text, words):
    r = runner(page)
    page.button(key="gan.step_batch").click().run()
    before, weights = r.trainer.config, r.trainer.generator.flat.copy()
    page.text_input(key="gan.g_hidden").set_value(text).run()
    no_exception(page)
    assert r.trainer.config == before and r.trainer.steps == 1
    np.testing.assert_array_equal(r.trainer.generator.flat, weights)
    assert any(words in w.value for w in page.warning), [w.value for w in page.warning]


def test_live_settings_keep_the_weights_and_structural_ones_rebuild(page):
    r = runner(page)
    r.step_epoch()
    page.run()
    weights, run_id = r.trainer.generator.flat.copy(), r.run_id
    for kind, key, value in (("select_slider", "gan.g_lr", 0.003),
                             ("select_slider", "gan.d_updates", 2),
                             ("selectbox", "gan.g_optimizer", "rmsprop")):
        _widget(page, kind, key).set_value(value).run()
        assert r.run_id == run_id and r.trainer.epoch == 1, key
        np.testing.assert_array_equal(r.trainer.generator.flat, weights)
    page.selectbox(key="gan.loss").set_value("minimax").run()
    assert r.run_id == run_id + 1 and r.trainer.epoch == 0


def test_step_round_epoch_and_reset(page):
    r = runner(page)
    page.button(key="gan.step_batch").click().run()
    assert r.trainer.steps == 1 and status(page).startswith("Epoch 0 · round 1 ·")
    for _ in range(r.trainer.steps_per_epoch):
        page.button(key="gan.step_batch").click().run()
    assert r.trainer.epoch == 1 and status(page).startswith("Epoch 1 ·")
    assert "gan.step_epoch" not in {b.key for b in page.button}
    page.button(key="gan.reset").click().run()
    assert (r.trainer.epoch, r.trainer.steps) == (0, 0)
    labels = {b.key: b.label for b in page.button}
    assert labels["gan.step_batch"] == "Step round"
    assert labels["gan.step_d"] == "Step D only" and labels["gan.step_g"] == "Step G only"


def test_step_d_only_moves_only_the_discriminator_and_step_g_only_the_generator(page):
    r = runner(page)
    t = r.trainer
    g, d = t.generator.flat.copy(), t.discriminator.flat.copy()
    figs = charts_drawn(page)
    page.button(key="gan.step_d").click().run()
    no_exception(page)
    np.testing.assert_array_equal(t.generator.flat, g)
    assert not np.array_equal(t.discriminator.flat, d)
    assert t.steps == 0 and t.epoch == 0  # not a round
    after_d = charts_drawn(page)

    def images(f):  # (the map, the generated points, the arrows)
        return tuple(im["source"] for im in f["samples"]["layout"]["images"])

    assert images(after_d)[0] != images(figs)[0]
    assert images(after_d)[1] == images(figs)[1]
    assert images(after_d)[2] != images(figs)[2]  # the push comes through the discriminator
    assert after_d["samples"]["data"][2] == figs["samples"]["data"][2]  # generated points
    assert "only its map changed" in " ".join(c.value for c in page.caption)
    d = t.discriminator.flat.copy()
    page.button(key="gan.step_g").click().run()
    np.testing.assert_array_equal(t.discriminator.flat, d)
    assert not np.array_equal(t.generator.flat, g)
    after_g = charts_drawn(page)
    assert images(after_g)[0] == images(after_d)[0]
    assert images(after_g)[1] != images(after_d)[1]
    assert after_g["samples"]["data"][2] != after_d["samples"]["data"][2]
    assert "only the generated points moved" in " ".join(c.value for c in page.caption)


def test_slow_motion_steps_one_update_at_a_time(page):
    r = runner(page)
    page.toggle(key="gan.slow_motion").set_value(True).run()
    assert r.slow_motion and r.speed == SLOW_MOTION_RATE
    page.button(key="gan.step_batch").click().run()
    assert r.phase == ("discriminator", 1, 1)
    assert "slow motion: after discriminator update 1 of 1" in status(page)
    assert "after discriminator update" in charts_drawn(page)["samples"]["layout"]["title"]["text"]
    page.button(key="gan.step_batch").click().run()
    assert r.phase == ("generator", 1, 1)
    page.button(key="gan.step_batch").click().run()
    assert r.phase == ("discriminator", 1, 1) and r.trainer.steps == 1
    page.toggle(key="gan.slow_motion").set_value(False).run()  # the round is finished
    assert not r.slow_motion and r.phase is None and r.trainer.steps == 2


def test_the_arrows_toggle(page):
    page.toggle(key="gan.arrows").set_value(False).run()
    names = [t.get("name") for t in charts_drawn(page)["samples"]["data"]]
    assert "generator's push" not in names and "generated" in names


@pytest.mark.parametrize("name", list(GAN_PRESETS))
def test_a_preset_loads_its_settings_and_says_what_to_watch(page, name):
    page.selectbox(key="gan.loss").set_value("minimax").run()
    page.button(key=f"gan.preset.{name}").click().run()
    no_exception(page)
    preset = GAN_PRESETS[name]
    assert runner(page).trainer.config == preset.config
    assert page.session_state["gan.loss"] == preset.config.loss
    assert any(preset.watch in i.value for i in page.info)
    help_ = page.button(key=f"gan.preset.{name}").help
    assert preset.watch in help_ and ("converge" in help_) == preset.converges


def test_the_collapse_preset_is_explained_when_it_collapses(root):
    at = open_gan(root)
    try:
        at.button(key="gan.preset.collapse").click().run()
        r = runner(at)
        with r.lock:
            r.trainer.run(GAN_PRESETS["collapse"].epochs)
        at.run()
        assert any(w.value.startswith("Mode collapse") for w in at.warning), \
            [w.value for w in at.warning]
        assert "Mode collapse" in charts_drawn(at)["samples"]["layout"]["annotations"][0]["text"]
        assert r.trainer.epoch == GAN_PRESETS["collapse"].epochs  # the state is kept
    finally:
        close(at)


def test_a_divergence_is_explained_and_the_last_good_weights_are_kept(root):
    at = open_gan(root, {"g_optimizer": "sgd", "d_optimizer": "sgd", "g_lr": "1", "d_lr": "1",
                         "g_hidden": "64,64", "d_hidden": "64,64", "schedule": "constant"})
    try:
        r = runner(at)
        assert (r.trainer.config.g_lr, r.trainer.config.d_lr) == (1.0, 1.0)
        for _ in range(40):
            at.button(key="gan.step_batch").click().run()
            if r.trainer.status == "diverged":
                break
        no_exception(at)
        assert r.trainer.status == "diverged"
        assert any("Training diverged" in e.value and "learning rates" in e.value
                   for e in at.error), [e.value for e in at.error]
        assert np.isfinite(r.trainer.generator.flat).all()  # the last good weights, kept
        assert "samples" in charts_drawn(at)
    finally:
        close(at)


def click(at: AppTest, x: float, y: float) -> None:
    """A click on the samples chart, as actions.on_click queues it."""
    at.session_state["gan.pending_point"] = (x, y)
    at.run()


def test_clicked_points_become_the_real_data_from_ten_on(page):
    page.toggle(key="gan.click_adds").set_value(True).run()
    r = runner(page)
    rng = np.random.default_rng(0)
    xy = rng.uniform(-1.5, 1.5, (10, 2))
    for x, y in xy[:9]:
        click(page, x, y)
    no_exception(page)
    assert page.session_state["gan.distribution"] == "points"
    assert r.trainer.config.distribution == "ring"  # too few yet: the run goes on
    assert any("9 so far" in i.value for i in page.info)
    user = [t for t in charts_drawn(page)["samples"]["data"] if t.get("name") == "your points"]
    assert len(user) == 1
    click(page, *xy[9])
    assert r.trainer.config.distribution == "points"
    np.testing.assert_allclose(r.trainer.custom_data, xy)
    page.button(key="gan.step_batch").click().run()
    assert r.trainer.steps == 1
    page.button(key="gan.clear_points").click().run()
    no_exception(page)
    assert r.trainer.config.distribution == "ring" and r.trainer.custom_data is None
    assert page.session_state["gan.points"] == []


def upload_script(text: str, name: str) -> None:
    """Runs in AppTest: what the uploader's callback does with a file of `text`."""
    import io as _io

    import streamlit as st

    from ui.gan import actions

    f = _io.StringIO(text)
    f.name = name
    st.session_state["gan.upload"] = f
    st.session_state.setdefault("gan.distribution", "ring")
    actions.on_csv_upload()
    for kind, message in st.session_state.pop("gan.messages", []):
        getattr(st, kind)(message)


@pytest.mark.parametrize("text, ok, words", [
    ("x,y,label\n" + "\n".join(f"{i / 10},{-i / 10},a" for i in range(12)), True, "12 points"),
    ("1,2\n3,4\n", False, "need from 10"),
    ("x,y\n1,oops\n", False, "row 2, column 2"),
    ("x,y\n" + "\n".join(f"{i},{i}" for i in range(12)), False, "inside the view"),
])
def test_a_csv_of_points_is_read_or_explained(text, ok, words):
    at = AppTest.from_function(upload_script, args=(text, "pts.csv"))
    at.session_state["gan.points"] = [[0.0, 0.0]]
    at.run()
    assert not at.exception
    shown = [m.value for m in (at.success if ok else at.error)]
    assert any(words in m for m in shown), shown
    if ok:
        assert len(at.session_state["gan.points"]) == 12
        assert at.session_state["gan.distribution"] == "points"
    else:
        assert at.session_state["gan.points"] == [[0.0, 0.0]]  # nothing lost


def test_load_points_csv_reads_two_columns_and_names_bad_cells():
    pts = load_points_csv("x,y,label,split\n0.5,1,a,train\n-1,2,b,test\n")
    np.testing.assert_array_equal(pts, [[0.5, 1.0], [-1.0, 2.0]])
    np.testing.assert_array_equal(load_points_csv("1,2\n3,4\n"), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="row 3, column 1: 'nan' is not a finite number"):
        load_points_csv("x,y\n1,2\nnan,3\n")
    with pytest.raises(ValueError, match="at least two columns"):
        load_points_csv("1\n2\n")
    with pytest.raises(ValueError, match="no rows"):
        load_points_csv("x,y\n")


def test_the_link_holds_the_settings_and_opens_them(root, page):
    page.selectbox(key="gan.distribution").set_value("grid").run()
    page.select_slider(key="gan.g_lr").set_value(0.003).run()
    query = page.query_params.to_dict() if hasattr(page.query_params, "to_dict") else \
        {k: page.query_params[k] for k in page.query_params}
    query = {k: v[0] if isinstance(v, list) else v for k, v in query.items()}
    assert query["distribution"] == "grid" and query["g_lr"] == "0.003"
    other = open_gan(root, query)
    try:
        assert runner(other).trainer.config == runner(page).trainer.config
    finally:
        close(other)
    mine = open_gan(root, {"distribution": "points", "g_lr": "fast"})
    try:
        assert runner(mine).trainer.config.distribution == "ring"
        assert any("your own points" in i.value for i in mine.info)
        assert any("The link had a setting" in w.value for w in mine.warning)
    finally:
        close(mine)


# --- the digits mode ------------------------------------------------------------------------------
@pytest.fixture
def digits(root):
    at = open_gan(root, {"mode": "digits"})
    yield at
    close(at)


def test_the_digits_mode_draws_its_grid_walk_and_measure(digits):
    assert digits.radio(key="gan.mode").value == "digits"
    figs = charts_drawn(digits)
    assert {"grid", "walk", "walk_at", "judged", "losses", "distance"} <= set(figs)
    assert "samples" not in figs
    text = status(digits)
    assert text.startswith("Epoch 0 · round 0 ·") and "recognisable" in text
    assert len(figs["grid"]["data"][0]["x"]) == 16 and len(figs["walk"]["data"][0]["x"]) == 9
    assert runner(digits, "gand").trainer.config == DigitsGanConfig()
    assert digits.query_params["mode"] in ("digits", ["digits"])


DIGIT_CONTROLS = [
    ("selectbox", "gand.digit", "3", lambda c: c.digit == "3"),
    ("select_slider", "gand.noise_dim", 8, lambda c: c.noise_dim == 8),
    ("selectbox", "gand.noise", "uniform", lambda c: c.noise == "uniform"),
    ("selectbox", "gand.loss", "minimax", lambda c: c.loss == "minimax"),
    ("text_input", "gand.g_hidden", "64, 64", lambda c: c.g_hidden == (64, 64)),
    ("selectbox", "gand.g_activation", "tanh", lambda c: c.g_activation == "tanh"),
    ("text_input", "gand.d_hidden", "32", lambda c: c.d_hidden == (32,)),
    ("selectbox", "gand.d_activation", "sigmoid", lambda c: c.d_activation == "sigmoid"),
    ("number_input", "gand.seed", 2, lambda c: c.seed == 2),
    ("selectbox", "gand.g_optimizer", "rmsprop", lambda c: c.g_optimizer == "rmsprop"),
    ("select_slider", "gand.g_lr", 0.003, lambda c: c.g_lr == 0.003),
    ("select_slider", "gand.g_updates", 2, lambda c: c.g_updates == 2),
    ("selectbox", "gand.d_optimizer", "sgd", lambda c: c.d_optimizer == "sgd"),
    ("select_slider", "gand.d_lr", 0.01, lambda c: c.d_lr == 0.01),
    ("select_slider", "gand.d_updates", 3, lambda c: c.d_updates == 3),
    ("number_input", "gand.beta1", 0.6, lambda c: c.beta1 == 0.6),
    ("select_slider", "gand.batch_size", 32, lambda c: c.batch_size == 32),
    ("selectbox", "gand.schedule", "cosine", lambda c: c.schedule == "cosine"),
    ("number_input", "gand.max_epochs", 20, lambda c: c.max_epochs == 20),
]


@pytest.mark.parametrize("kind, key, value, check", DIGIT_CONTROLS,
                         ids=[f"{k}={v}" for _, k, v, _ in DIGIT_CONTROLS])
def test_every_digits_control_reaches_its_trainer(digits, kind, key, value, check):
    _widget(digits, kind, key).set_value(value).run()
    no_exception(digits)
    assert check(runner(digits, "gand").trainer.config)


def test_bad_digits_widths_are_explained_in_the_digits_mode(digits):
    before = runner(digits, "gand").trainer.config
    digits.text_input(key="gand.d_hidden").set_value("300").run()
    no_exception(digits)
    assert runner(digits, "gand").trainer.config == before
    assert any("128" in w.value for w in digits.warning), [w.value for w in digits.warning]


def test_the_digits_transport_and_walk(digits):
    r = runner(digits, "gand")
    digits.button(key="gand.step_batch").click().run()
    assert r.trainer.steps == 1
    g = r.trainer.generator.flat.copy()
    digits.button(key="gand.step_d").click().run()
    np.testing.assert_array_equal(r.trainer.generator.flat, g)
    digits.button(key="gand.step_g").click().run()
    assert not np.array_equal(r.trainer.generator.flat, g)
    digits.toggle(key="gand.slow_motion").set_value(True).run()
    digits.button(key="gand.step_batch").click().run()
    assert r.phase == ("discriminator", 1, 1)
    digits.number_input(key="gand.walk_a").set_value(3).run()
    digits.number_input(key="gand.walk_b").set_value(7).run()
    digits.slider(key="gand.walk_t").set_value(1.0).run()
    no_exception(digits)
    figs = charts_drawn(digits)
    assert "from #3 to #7" in figs["walk"]["layout"]["title"]["text"]
    # The digit at t = 1 is digit #7 of the grid.
    with r.lock:
        expected = r.trainer.walk(3, 7, 9)[-1]
        grid7 = r.trainer.sample_grid()[7]
    np.testing.assert_allclose(expected, grid7, atol=1e-12)
    digits.button(key="gand.reset").click().run()
    assert r.trainer.steps == 0


def test_both_modes_keep_their_runs(digits):
    r = runner(digits, "gand")
    r.step_epoch()
    digits.radio(key="gan.mode").set_value("points").run()
    no_exception(digits)
    assert "samples" in charts_drawn(digits)
    assert "mode" not in digits.query_params
    digits.radio(key="gan.mode").set_value("digits").run()
    assert runner(digits, "gand") is r and r.trainer.epoch == 1


# --- the runner, the transport's extension, the charts, the judge ------------------------------
def test_the_runner_s_slow_motion_is_a_round_update_by_update():
    config = GanConfig(d_updates=2, g_updates=1)
    r, plain = GanRunner(config), GanTrainer(config)
    try:
        r.set_slow_motion(True)
        phases = []
        for _ in range(6):
            r.step_batch()
            phases.append(r.phase)
        assert phases == [("discriminator", 1, 2), ("discriminator", 2, 2), ("generator", 1, 1)] * 2
        r.finish_round()
        plain.step()
        plain.step()
        np.testing.assert_allclose(r.trainer.generator.flat, plain.generator.flat)
        np.testing.assert_allclose(r.trainer.discriminator.flat, plain.discriminator.flat)
        assert r._units_per_epoch() == 1
        r.set_slow_motion(False)
        r.speed = 30.0
        assert r.speed == 30.0 and r._units_per_epoch() == r.trainer.steps_per_epoch
        r.step_discriminator()
        assert (r.last, r.phase) == ("discriminator", None)
    finally:
        r.close()


def test_the_transport_bar_s_extension_keeps_its_defaults():
    t = panel.Transport("x")
    assert (t.steps, t.labels, t.extra) == (("epoch", "batch"), {}, ())


def transport_script() -> None:
    import streamlit as st

    from engine import GanConfig
    from ui.gan.runner import GanRunner
    from ui.live import panel
    from ui.live.session import LivePage

    page = LivePage("tx", lambda: GanRunner(GanConfig()))
    r = page.runner()
    panel.transport(page, r, panel.Transport(
        "tx", steps=("batch",), labels={"batch": "Step round"}, help={"x": "An extra."},
        extra=(panel.Action("x", "Extra", lambda r: st.session_state.__setitem__("hit", 1)),)))
    plain = LivePage("ty", lambda: GanRunner(GanConfig()))
    panel.transport(plain, plain.runner(), panel.Transport("ty"))


def test_the_transport_bar_s_extra_buttons_run_their_action():
    at = AppTest.from_function(transport_script, default_timeout=60).run()
    try:
        assert not at.exception
        keys = [b.key for b in at.button]
        assert keys == ["tx.play", "tx.step_batch", "tx.x", "tx.reset",
                        "ty.play", "ty.step_epoch", "ty.step_batch", "ty.reset"]
        assert at.button(key="tx.step_batch").label == "Step round"
        assert at.button(key="ty.step_batch").label == "Step batch"
        assert at.button(key="tx.x").help == "An extra."
        at.button(key="tx.x").click().run()
        assert at.session_state["hit"] == 1
    finally:
        for k in ("tx.runner", "ty.runner"):
            at.session_state[k].close()


def test_the_charts_are_valid_plotly_figures():
    t = GanTrainer(GanConfig())
    t.run(2)
    fake = t.samples(50)
    figs = [charts.samples_map(t.discriminator_grid(30), t.bounds, t.real_samples(80), fake,
                               t.gradients(fake), user=np.zeros((3, 2)), note="⚠ x"),
            charts.manifold_chart(t.manifold(10), t.bounds, t.real_samples(80)),
            charts.manifold_chart(GanTrainer(GanConfig(noise_dim=1)).manifold(10), t.bounds,
                                  t.real_samples(10)),
            charts.curves_chart([1, 2], {"a": [0.1, 0.2]}, {"a": "#000"}, "t", "r", log=True,
                                threshold=0.01),
            charts.digit_grid(np.zeros((4, 8, 8)), ["a", "b", "c", "d"], cols=2)]
    for fig in figs:
        go.Figure(fig)


def test_arrows_point_along_the_push_and_the_longest_has_the_given_length():
    start = np.array([[0.0, 0.0], [1.0, 1.0]])
    push = np.array([[2.0, 0.0], [0.0, -1.0]])
    seg = charts.arrow_segments(start, push, 0.5).reshape(2, 7, 2)
    np.testing.assert_allclose(seg[:, 0], start)
    np.testing.assert_allclose(seg[0, 1], [0.5, 0.0])  # the longest: length 0.5
    np.testing.assert_allclose(seg[1, 1], [1.0, 0.75])  # half as long, same direction
    assert np.isnan(seg[:, 2]).all() and np.isnan(seg[:, 6]).all()
    # The head's strokes come back from the tip, against the push.
    assert (seg[0, 3, 0] < 0.5) and (seg[0, 5, 0] < 0.5)


def test_the_noise_grid_lines_and_the_map_s_orientation():
    warped = np.arange(3 * 4 * 2, dtype=float).reshape(3, 4, 2)
    rows, cols = charts.grid_lines(warped)
    assert rows.shape == (3 * 5, 2) and cols.shape == (4 * 4, 2)
    np.testing.assert_array_equal(rows[:4], warped[0])
    np.testing.assert_array_equal(cols[:3], warped[:, 0])
    curve, none = charts.grid_lines(warped[0])
    assert curve.shape == (4, 2) and none.shape == (0, 2)
    grid = np.zeros((4, 4))
    grid[0] = 1.0  # "real" along the lowest y
    rgb = charts.d_rgb(grid)
    assert rgb[-1, 0, 2] > rgb[-1, 0, 0] and rgb[0, 0, 0] > rgb[0, 0, 2]  # blue at the bottom


def decode(uri: str) -> np.ndarray:
    """A PNG data URI's pixels as RGBA (h, w, 4)."""
    raw = base64.b64decode(uri.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGBA"))


def test_the_generated_points_and_arrows_are_drawn_where_they_are():
    bounds = (-2.0, 2.0, -2.0, 2.0)
    size = charts.OVERLAY
    fake = np.array([[0.0, 0.0], [-1.0, 1.0]])
    img = decode(charts.points_overlay(fake, bounds))
    assert img.shape == (size, size, 4)
    centre, corner = (size // 2, size // 2), (size // 4, size // 4)  # (0, 0) and (-1, 1)
    for r, c in (centre, corner):  # a purple dot, opaque in the middle, nothing far from it
        assert img[r, c, 3] > 150 and tuple(img[r, c, :3]) == pytest.approx(charts.FAKE_RGB,
                                                                           abs=2)
    assert img[centre[0], centre[1] - 12, 3] == 0 and img[:, -5:, 3].max() == 0
    # The first point's push is to the right: a red arrow from it (the longest: 0.08 of the
    # view's width), the second has none.
    arrows = decode(charts.arrows_overlay(fake, np.array([[1.0, 0.0], [0.0, 0.0]]), bounds))
    tip = centre[1] + int(0.08 * size) - 2
    assert arrows[centre[0], tip, 3] > 150
    assert tuple(arrows[centre[0], tip, :3]) == pytest.approx(charts.ARROW_RGB, abs=2)
    assert arrows[centre[0], centre[1] - int(0.08 * size) + 2, 3] == 0
    assert (arrows[corner[0] - 20: corner[0] + 20, corner[1] - 20: corner[1] + 20, 3] == 0).all()


def test_the_noise_grid_is_drawn_where_the_generator_sends_it():
    bounds = (-2.0, 2.0, -2.0, 2.0)
    size = charts.OVERLAY
    half = 0.5 * 4.0 / size  # half a pixel: the lines run through the middle of pixels
    rows = np.array([[-1.0, -half], [1.0, -half], [np.nan, np.nan], [-1.0, 1.0 - half],
                     [1.0, 1.0 - half]])
    cols = np.array([[half, -1.0], [half, 1.0]])
    img = decode(charts.lines_overlay(rows, cols, bounds))
    mid, quarter = size // 2, size // 4
    assert img[mid, quarter + 10, 3] == 255  # on the line y = 0, dark purple
    assert tuple(img[mid, quarter + 10, :3]) == pytest.approx(charts.ROW_RGB, abs=2)
    assert img[quarter, quarter + 10, 3] == 255  # y = 1
    assert img[mid, mid, 3] == 255  # where the column line crosses: light purple, on top
    assert tuple(img[mid, mid, :3]) == pytest.approx(charts.COL_RGB, abs=2)
    assert img[mid - 30, quarter + 10, 3] == 0  # between the lines: nothing (the gap)
    assert img[mid, size - quarter + 10, 3] == 0  # past the lines' ends


def test_a_palette_png_holds_its_colours():
    index = np.array([[0, 1], [2, 1]], dtype=np.uint8)
    palette = np.array([[0, 0, 0, 0], [255, 0, 0, 255], [0, 0, 255, 128]], dtype=np.uint8)
    img = decode(png_uri(index, palette))
    np.testing.assert_array_equal(img, palette[index])
    assert png_uri(index, palette) != png_uri(index, palette[::-1].copy())


def test_the_judge_tells_real_digits_from_noise():
    real, noise = judge.reference()
    assert real > 0.7 and noise == 0.0
    t = judge.judge().trainer
    assert t.history.last["test_accuracy"] > 0.95
    classes, conf, ok = judge.read(t.X_test[:, 0])
    assert (classes == t.y_test).mean() > 0.95 and ok.dtype == bool
    assert ok.mean() == pytest.approx(real)
    assert judge.score(np.full((5, 8, 8), 0.5)) == 0.0  # grey blobs are not digits
    # The numbers assets/gan/measure.md states.
    text = (panels.TEXTS / "measure.md").read_text()
    assert "about 98 %" in text and abs(t.history.last["test_accuracy"] - 0.98) < 0.01
    assert "score about 0.8" in text and abs(real - 0.8) < 0.05
    noise_conf = judge.read(np.random.default_rng(0).uniform(0, 1, (256, 8, 8)))[1].mean()
    assert "79 % sure" in text and abs(noise_conf - 0.79) < 0.01


def test_a_csv_file_object_is_read_too():
    f = io.BytesIO(b"\xef\xbb\xbfx,y\n" + b"\n".join(b"0.1,0.2" for _ in range(3)))
    assert load_points_csv(f).shape == (3, 2)


def test_points_are_drawn_into_the_image_the_right_way_up():
    white = np.full((5, 5, 3), 255, dtype=np.uint8)
    img = charts.draw_points(white, np.array([[-2.0, 2.0], [0.0, 0.0], [9.0, 0.0]]),
                             (-2, 2, -2, 2), (0, 0, 0))
    assert (white == 255).all()  # a copy
    dark = {tuple(rc) for rc in np.argwhere(img[..., 0] == 0)}
    # (-2, 2) is the top-left pixel (and its neighbours inside); (0, 0) the centre, a plus;
    # (9, 0) is outside the view and left out.
    assert dark == {(0, 0), (1, 0), (0, 1), (2, 2), (1, 2), (3, 2), (2, 1), (2, 3)}


def test_the_texts_state_the_page_s_numbers():
    from engine.gan import DISTANCE_THRESHOLD, N_EVAL
    from engine.gan import GanTrainer as T
    from ui.gan import view
    from ui.live.widgets import help_text

    text = panels.text("charts")
    assert f"{view.GRID_RESOLUTION} × {view.GRID_RESOLUTION} grid" in text
    assert f"{view.N_FAKE} fixed noise vectors" in text
    assert f"{N_EVAL} generated points" in text and f"({DISTANCE_THRESHOLD:g})" in text
    t = T(GanConfig())
    s = np.zeros((4, 1))
    assert "2 ln 2 ≈ 1.39" in text and t.loss.d(s, s)[0] == pytest.approx(2 * np.log(2))
    assert SLOW_MOTION_RATE == 2 and "two per second" in help_text("gan_slow_motion")
