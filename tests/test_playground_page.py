"""AppTest tests of the Playground page: controls, transitions, URL, uploads, messages."""

import io
import json
import time

import apptest_pages
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine import CUSTOM, DIVERGED, Config, Trainer

WIDGET_KINDS = ("select_slider", "slider", "number_input", "checkbox", "toggle", "selectbox",
                "radio", "multiselect", "text_input")


def open_playground(root, query: dict | None = None) -> AppTest:
    return apptest_pages.open_page(root, "pages/1_Playground.py", query)


@pytest.fixture
def page(root):
    at = open_playground(root)
    yield at
    at.session_state["pg.runner"].close()


def widget(at: AppTest, key: str):
    for kind in WIDGET_KINDS:
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(f"no widget with key {key!r}")


def runner(at):
    return at.session_state["pg.runner"]


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def components(page, name: str) -> list[dict]:
    """The data of every v2 component `name` (e.g. nnp_live_status) on the page."""
    return [json.loads(c.proto.json) for c in page.get("bidi_component")
            if c.proto.component_name.endswith(name)]


def status(page) -> str:
    """The status line ("Epoch 1,234 · ...")."""
    (data,) = components(page, "nnp_live_status")
    return data["text"]


def test_page_draws_every_live_chart(page):
    charts = page.get("bidi_component")
    assert len(charts) >= 6  # network, map, loss, metric, weights, gradients (+ confusion)
    assert status(page).startswith("Epoch 0 ·")
    r = runner(page)
    assert r.trainer.config == Config()  # the defaults, with no URL settings


# (widget key, value to set, check on the trainer's config)
CONTROLS = [
    ("cfg.dataset", "xor", lambda c: c.dataset == "xor"),
    ("cfg.n_samples", 200, lambda c: c.n_samples == 200),
    ("cfg.noise", 0.2, lambda c: c.noise == 0.2),
    ("cfg.train_ratio", 0.7, lambda c: c.train_ratio == 0.7),
    ("cfg.batch_size", 32, lambda c: c.batch_size == 32),
    ("cfg.seed_text", "7", lambda c: c.seed == 7),
    ("feat.x1_sq", True, lambda c: c.features == ("x1", "x2", "x1_sq")),
    ("feat.x1", False, lambda c: c.features == ("x2",)),
    ("net.layers", 3, lambda c: c.hidden == (4, 2, 2)),
    ("net.layers", 0, lambda c: c.hidden == ()),
    ("net.width.0", 9, lambda c: c.hidden == (9, 2)),
    ("net.act", "relu", lambda c: c.activation == "relu"),
    ("cfg.init", "he_normal", lambda c: c.init == "he_normal"),
    ("cfg.output", "tanh", lambda c: c.output == "tanh"),
    ("cfg.loss", "mse", lambda c: c.loss == "mse"),
    ("cfg.lr", 0.1, lambda c: c.lr == 0.1),
    ("cfg.optimizer", "adam", lambda c: c.optimizer == "adam"),
    ("cfg.l1", 0.001, lambda c: c.l1 == 0.001),
    ("cfg.l2", 0.01, lambda c: c.l2 == 0.01),
    ("cfg.dropout", 0.2, lambda c: c.dropout == 0.2),
    ("cfg.schedule", "cosine", lambda c: c.schedule == "cosine"),
    ("cfg.early_stopping", True, lambda c: c.early_stopping),
    ("cfg.max_epochs", 100, lambda c: c.max_epochs == 100),
    ("cfg.target_loss", 0.05, lambda c: c.target_loss == 0.05),
    ("ui.task", "regression", lambda c: c.dataset == "plane"),
    ("ui.task", "multiclass", lambda c: c.dataset == "blobs"),
]


@pytest.mark.parametrize("key,value,check", CONTROLS, ids=[f"{k}={v}" for k, v, _ in CONTROLS])
def test_every_control_reaches_the_trainer(page, key, value, check):
    widget(page, key).set_value(value).run()
    assert not page.exception, [e.message for e in page.exception]
    assert check(runner(page).trainer.config), runner(page).trainer.config


def test_optimizer_hyperparameters_come_from_the_registry(page):
    widget(page, "cfg.optimizer").set_value("adamw").run()
    labels = {w.label for w in page.number_input}
    assert {"Beta 1", "Beta 2", "Weight decay"} <= labels
    widget(page, "cfg.weight_decay").set_value(0.05).run()
    opt = runner(page).trainer.optimizer
    assert opt.weight_decay == 0.05 and opt.name == "adamw"


def test_per_layer_activations(page):
    widget(page, "net.per_layer").set_value(True).run()
    widget(page, "net.act.1").set_value("relu").run()
    assert runner(page).trainer.config.activation == ("tanh", "relu")


def test_live_settings_keep_weights_structural_ones_rebuild(page):
    r = runner(page)
    page.button(key="btn.step_epoch").click().run()
    weights, run_id = r.trainer.net.flat.copy(), r.run_id
    for key, value in (("cfg.lr", 0.3), ("cfg.l2", 0.01), ("cfg.batch_size", 25),
                       ("cfg.dropout", 0.1), ("cfg.optimizer", "momentum")):
        widget(page, key).set_value(value).run()
        assert r.run_id == run_id and r.trainer.epoch == 1, key
        np.testing.assert_array_equal(r.trainer.net.flat, weights)
    widget(page, "net.width.0").set_value(5).run()
    assert r.run_id == run_id + 1 and r.trainer.epoch == 0
    assert r.trainer.net.sizes == [2, 5, 2, 1]


def test_play_change_lr_pause_step_reset(page):
    r = runner(page)
    page.button(key="btn.play").click().run()
    assert r.playing, r.error
    assert wait_for(lambda: r.trainer.epoch >= 3)
    widget(page, "cfg.lr").set_value(0.1).run()  # applies live, no reset
    assert r.trainer.config.lr == 0.1 and r.trainer.optimizer.lr == 0.1
    before = r.trainer.epoch
    assert wait_for(lambda: r.trainer.epoch > before)  # still training
    page.button(key="btn.pause").click().run()
    assert not r.playing
    time.sleep(0.2)
    frozen = (r.trainer.epoch, r.trainer.steps)
    time.sleep(0.3)
    assert (r.trainer.epoch, r.trainer.steps) == frozen
    page.button(key="btn.step_epoch").click().run()
    assert r.trainer.epoch == frozen[0] + 1
    steps = r.trainer.steps
    page.button(key="btn.step_batch").click().run()
    assert r.trainer.steps == steps + 1
    page.button(key="btn.reset").click().run()
    assert r.trainer.epoch == 0 and r.trainer.steps == 0
    np.testing.assert_array_equal(r.trainer.net.flat, Trainer(r.trainer.config).net.flat)


def test_speed_limits_training(page):
    r = runner(page)
    widget(page, "pg.speed").set_value("10").run()
    page.button(key="btn.play").click().run()
    time.sleep(1.5)
    page.button(key="btn.pause").click().run()
    assert 5 <= r.trainer.epoch <= 25  # about 10 epochs per second


def test_settings_are_written_to_the_url_and_a_link_reproduces_the_run(root, page):
    widget(page, "cfg.lr").set_value(0.1).run()
    widget(page, "cfg.dataset").set_value("spiral").run()
    widget(page, "cfg.seed_text").set_value("3").run()
    query = {k: page.query_params[k][0] if isinstance(page.query_params[k], list)
             else page.query_params[k] for k in page.query_params}
    assert query["lr"] == "0.1" and query["dataset"] == "spiral" and query["seed"] == "3"
    other = open_playground(root, query)
    try:
        a, b = runner(page).trainer, runner(other).trainer
        assert a.config == b.config
        np.testing.assert_array_equal(a.net.flat, b.net.flat)
        np.testing.assert_array_equal(a.data.X_train, b.data.X_train)
        a.run(5)
        b.run(5)
        assert a.history["train_loss"] == b.history["train_loss"]
    finally:
        runner(other).close()


def test_bad_url_values_open_with_defaults_and_a_warning(root):
    at = open_playground(root, {"lr": "banana", "hidden": "4,x", "noise": "7", "bogus": "1"})
    try:
        warnings = " ".join(texts(at.warning))
        assert "lr" in warnings and "hidden" in warnings and "noise" in warnings
        assert "bogus" in warnings
        cfg = runner(at).trainer.config
        assert cfg.lr == Config().lr and cfg.hidden == Config().hidden
        assert cfg.noise == Config().noise
    finally:
        runner(at).close()


def test_classroom_flags_hide_controls_and_set_presenter(root):
    at = open_playground(root, {"hide": "lr,optimizer", "presenter": "1"})
    try:
        keys = {w.key for kind in WIDGET_KINDS for w in getattr(at, kind)}
        assert "cfg.lr" not in keys and "cfg.optimizer" not in keys
        assert "cfg.noise" in keys
        assert at.session_state["presenter"] is True
        assert at.query_params["hide"] in ("lr,optimizer", ["lr,optimizer"])
    finally:
        runner(at).close()


GOOD_CSV = "x1,x2,label\n" + "\n".join(
    f"{x:.3f},{y:.3f},{int(x * y > 0)}" for x, y in np.random.default_rng(0).uniform(-5, 5,
                                                                                   (60, 2)))


def test_csv_upload_good_file_trains_on_it(page):
    page.file_uploader(key="upload.csv").set_value(("mine.csv", GOOD_CSV.encode(),
                                                    "text/csv")).run()
    assert not page.exception
    r = runner(page)
    assert r.trainer.config.dataset == CUSTOM
    assert len(r.trainer.data.X_train) + len(r.trainer.data.X_test) == 60
    assert any("Loaded 60 points" in t for t in texts(page.success))
    page.button(key="btn.step_epoch").click().run()
    assert r.trainer.epoch == 1


@pytest.mark.parametrize("content,words", [
    (b"x1,x2,label\n1,2,0\n3,oops,1\n", "not a number"),
    (b"x1,x2,label\n1,2\n", "column"),
    (b"x1,x2,label\n1,2,0\n3,4,0\n", "class"),
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
])
def test_csv_upload_bad_file_shows_a_message_and_keeps_the_run(page, content, words):
    r = runner(page)
    page.button(key="btn.step_epoch").click().run()
    before = (r.trainer.config, r.trainer.net.flat.copy())
    page.file_uploader(key="upload.csv").set_value(("bad.csv", content, "text/csv")).run()
    assert not page.exception
    errors = " ".join(texts(page.error))
    assert "bad.csv" in errors and words.lower() in errors.lower(), errors
    assert r.trainer.config == before[0] and r.trainer.epoch == 1
    np.testing.assert_array_equal(r.trainer.net.flat, before[1])


def test_divergence_is_explained_and_the_last_good_state_kept(root):
    at = open_playground(root, {"lr": "10", "activation": "relu", "hidden": "8,8",
                                "dataset": "plane"})
    try:
        r = runner(at)
        for _ in range(30):
            at.button(key="btn.step_epoch").click().run()
            if r.trainer.status == DIVERGED:
                break
        assert r.trainer.status == DIVERGED
        errors = " ".join(texts(at.error))
        assert "diverged" in errors and "learning rate" in errors
        assert np.isfinite(r.trainer.net.flat).all()
        widget(at, "cfg.lr").set_value(0.01).run()
        at.button(key="btn.step_epoch").click().run()
        assert r.trainer.status == "running" and np.isfinite(r.trainer.net.flat).all()
    finally:
        runner(at).close()


def test_config_import_applies_settings_and_bad_file_is_refused(page):
    config = Config(dataset="xor", lr=0.1, hidden=(5, 3), activation="relu")
    page.file_uploader(key="upload.config").set_value(
        ("run.json", config.to_json().encode(), "application/json")).run()
    assert runner(page).trainer.config == config
    assert page.number_input(key="net.width.0").value == 5
    page.file_uploader(key="upload.config").set_value(
        ("broken.json", b"{not json", "application/json")).run()
    assert any("broken.json" in t for t in texts(page.error))
    assert runner(page).trainer.config == config
    bad = json.dumps({**config.to_dict(), "lr": -1}).encode()
    page.file_uploader(key="upload.config").set_value(("neg.json", bad, "application/json")).run()
    assert any("neg.json" in t and "lr" in t for t in texts(page.error))


def test_model_import_restores_weights_exactly(page):
    t = Trainer(Config(dataset="gauss", hidden=(3,), seed=4))
    t.run(7)
    buf = io.BytesIO()
    t.save(buf)
    page.file_uploader(key="upload.model").set_value(("m.npz", buf.getvalue(),
                                                      "application/octet-stream")).run()
    r = runner(page)
    assert r.trainer.epoch == 7 and r.trainer.config == t.config
    np.testing.assert_array_equal(r.trainer.net.flat, t.net.flat)
    assert page.session_state["cfg.dataset"] == "gauss"
    page.file_uploader(key="upload.model").set_value(
        ("x.npz", b"junk", "application/octet-stream")).run()
    assert any("x.npz" in e for e in texts(page.error))
    assert r.trainer.epoch == 7


def test_clicking_the_map_adds_a_point_and_keeps_the_weights(page):
    r = runner(page)
    page.button(key="btn.step_epoch").click().run()
    n, weights = len(r.trainer.data.X_train), r.trainer.net.flat.copy()
    page.session_state["click_label"] = 0
    page.session_state["pending_click"] = ("map", {"x": 1.5, "y": -2.0})
    page.run()
    assert r.trainer.config.dataset == CUSTOM
    assert len(r.trainer.data.X_train) == n + 1
    np.testing.assert_array_equal(r.trainer.data.X_train[-1], [1.5, -2.0])
    assert r.trainer.data.y_train[-1] == 0
    np.testing.assert_array_equal(r.trainer.net.flat, weights)
    assert page.radio(key="cfg.dataset").value == CUSTOM


def test_clicking_a_neuron_shows_it_on_the_map(page):
    page.session_state["pending_click"] = ("node", {"node": (1, 2)})
    page.run()
    assert page.session_state["selected_node"] == (1, 2)
    charts = {c.proto.id: c for c in page.get("bidi_component")}
    spec = [json.loads(c.proto.json) for c in charts.values()]
    maps = [s for s in spec if s.get("key") == "map"]
    assert maps and maps[0]["figure"]["layout"]["title"]["text"].startswith("Showing layer 1")
    page.session_state["pending_click"] = ("node", {"node": (1, 2)})
    page.run()
    assert page.session_state["selected_node"] is None


def test_clear_points_leaves_one_per_class(page):
    buttons = [b for b in page.button if b.label == "Clear points"]
    buttons[0].click().run()
    r = runner(page)
    assert r.trainer.config.dataset == CUSTOM
    assert sorted(r.trainer.data.y_train.tolist()) == [0, 1]
    assert not page.exception


def test_redraw_interval_adapts_to_load_with_hysteresis():
    from ui.live.runner import (
        CROWD,
        CYCLE,
        DRAW_SHARE,
        FRAME_LEVELS,
        FRAME_OVERHEAD,
        TRAIN_SHARE,
        TRAIN_SHARE_CROWD,
        TRAIN_SHARE_SHARED,
        LoadMonitor,
    )

    class Session:  # stands in for a playing Runner (the monitor only keeps weak references)
        pass

    m = LoadMonitor()
    for _ in range(40):
        m.record_frame(0.004)
    m.record_frame(1.0)  # one slow redraw does not move the median
    assert m.frame_cost == pytest.approx(0.004 + FRAME_OVERHEAD)
    assert m.frame_interval() == FRAME_LEVELS[0]  # nobody else playing: the fastest
    sessions = [Session() for _ in range(7)]
    for s in sessions:
        m.set_playing(s, True)
    # 7 sessions x 10 ms per redraw within half a core (DRAW_SHARE): one redraw per 0.15 s each.
    assert DRAW_SHARE == 0.5
    assert m.frame_interval() == 0.15
    m.set_playing(sessions[0], False)  # 6 left would fit 0.125 (0.12): too close, stay
    assert m.frame_interval(current=0.15) == 0.15
    assert m.frame_interval() == 0.125
    m.set_playing(sessions[1], False)  # 5 left: clearly below 0.125 (0.1 <= 0.8 * 0.125)
    assert m.frame_interval(current=0.15) == 0.125
    assert m.train_budget() == pytest.approx(CYCLE * TRAIN_SHARE_SHARED / 5)
    crowd = [Session() for _ in range(CROWD)]
    for s in crowd:
        m.set_playing(s, True)
    assert m.train_budget() == pytest.approx(CYCLE * TRAIN_SHARE_CROWD / (CROWD + 5))
    for s in crowd:
        m.set_playing(s, False)
    for s in sessions[2:]:
        m.set_playing(s, False)
    assert m.train_budget() == pytest.approx(CYCLE * TRAIN_SHARE)


@pytest.mark.parametrize("typed", ["-5", "10" * 10, "3.7", "1e9", "seven", ""])
def test_an_invalid_seed_is_refused_with_a_message_and_the_box_shows_the_seed_in_force(
        page, typed):
    widget(page, "cfg.seed_text").set_value("12").run()
    assert runner(page).trainer.config.seed == 12
    widget(page, "cfg.seed_text").set_value(typed).run()
    assert runner(page).trainer.config.seed == 12
    assert page.text_input(key="cfg.seed_text").value == "12"
    assert any("The seed must be a whole number from 0 to 4,294,967,295" in w.value
               for w in page.warning), texts(page.warning)
    assert page.query_params["seed"] == "12"


def test_regenerate_moves_the_seed_box_and_the_link_together(page):
    widget(page, "cfg.seed_text").set_value("41").run()
    page.button(key="pg.regenerate").click().run()
    assert runner(page).trainer.config.seed == 42
    assert page.text_input(key="cfg.seed_text").value == "42"
    assert page.query_params["seed"] == "42"
