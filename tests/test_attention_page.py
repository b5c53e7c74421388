"""AppTest tests of the Attention page: every control reaches the trainer, live settings keep
the weights, the live charts (every head's map, the output) and the status line, a typed
sequence (validated, the last good one kept), the classroom demos, the link, and one head step
by step against the engine's own attention map."""

import json

import apptest_pages
import numpy as np
import pytest
from apptest_pages import components, no_exception, status
from streamlit.testing.v1 import AppTest

from engine.sequences import SequenceConfig
from ui.attention import state
from ui.attention.panels import stages
from ui.attention.view import AttentionView

PAGE = "pages/12_Attention.py"


def open_attention(root, query: dict | None = None) -> AppTest:
    return apptest_pages.open_page(root, PAGE, query)


@pytest.fixture
def page(root):
    at = open_attention(root)
    yield at
    at.session_state["att.runner"].close()


def runner(at):
    return at.session_state["att.runner"]



def charts(at: AppTest) -> dict[str, dict]:
    """The live charts' figures by key."""
    out = {}
    for c in components(at, "nnp_live_chart"):
        data = json.loads(c.proto.json)
        out[data["key"]] = data["figure"]
    return out




def test_the_page_draws_its_live_charts_and_status(page):
    figs = charts(page)
    assert {"loss", "accuracy", "attention", "output", "positions"} <= set(figs)
    t = runner(page).trainer
    assert (t.config.model, t.config.task, t.T) == ("transformer", "reverse", 8)
    heat = [d for d in figs["attention"]["data"] if d["type"] == "heatmap"]
    assert len(heat) == t.config.blocks * t.config.heads  # a map per head of every block
    np.testing.assert_allclose(np.array(heat[0]["z"]), t.attention(0)[0, 0], atol=1e-3)
    assert figs["attention"]["layout"]["xaxis"]["ticktext"] == list(t.predict_sequence(0).text)
    text = status(page)
    assert text.startswith("Epoch 0 · step 0 ·")
    assert f"{t.model.n_params:,} parameters" in text and "whole sequences right" in text


# (widget kind, key, value, check on the trainer's config)
CONTROLS = [
    ("selectbox", "att.task", "sort", lambda c: c.task == "sort"),
    ("slider", "att.length", 6, lambda c: c.length == 6),
    ("number_input", "att.vocab", 5, lambda c: c.vocab == 5),
    ("select_slider", "att.n_train", 500, lambda c: c.n_train == 500),
    ("select_slider", "att.dim", 16, lambda c: c.dim == 16),
    ("select_slider", "att.heads", 4, lambda c: c.heads == 4),
    ("select_slider", "att.blocks", 2, lambda c: c.blocks == 2),
    ("select_slider", "att.ff", 32, lambda c: c.ff == 32),
    ("radio", "att.position", "sinusoidal", lambda c: c.position == "sinusoidal"),
    ("number_input", "att.seed", 3, lambda c: c.seed == 3),
    ("toggle", "att.causal", True, lambda c: c.causal),
    ("slider", "att.dropout", 0.1, lambda c: c.dropout == 0.1),
    ("selectbox", "att.optimizer", "sgd", lambda c: c.optimizer == "sgd"),
    ("select_slider", "att.lr", 0.003, lambda c: c.lr == 0.003),
    ("number_input", "att.beta1", 0.8, lambda c: c.beta1 == 0.8),
    ("number_input", "att.beta2", 0.99, lambda c: c.beta2 == 0.99),
    ("select_slider", "att.batch_size", 64, lambda c: c.batch_size == 64),
    ("toggle", "att.clip", True, lambda c: c.clip),
    ("number_input", "att.max_epochs", 5, lambda c: c.max_epochs == 5),
]


@pytest.mark.parametrize("kind, key, value, check", CONTROLS,
                         ids=[f"{k}={v}" for _, k, v, _ in CONTROLS])
def test_every_control_reaches_the_trainer(page, kind, key, value, check):
    getattr(page, kind)(key=key).set_value(value).run()
    no_exception(page)
    config = runner(page).trainer.config
    assert check(config), config
    assert config.model == "transformer"


@pytest.mark.parametrize("task, key, value, T", [("copy", "att.delay", 2, 9),
                                                 ("copy", "att.n_tokens", 2, 15),
                                                 ("addition", "att.digits", 1, 6)])
def test_task_options_replace_the_length_and_set_it(page, task, key, value, T):
    page.selectbox(key="att.task").set_value(task).run()
    no_exception(page)
    assert "att.length" not in [w.key for w in page.slider]  # the options fix the length
    page.number_input(key=key).set_value(value).run()
    no_exception(page)
    t = runner(page).trainer
    assert (t.config.task, t.T) == (task, T)
    page.selectbox(key="att.task").set_value("max").run()  # back to a free length
    assert runner(page).trainer.T == 8 and page.slider(key="att.length").value == 8


def test_a_smaller_vocabulary_is_trained_on_and_typed_tokens_follow_it(page):
    page.number_input(key="att.vocab").set_value(4).run()
    no_exception(page)
    t = runner(page).trainer
    assert t.config.vocab == 4 and t.train.inputs.max() == 3
    assert any("Vocabulary: 4 tokens (0 1 2 3)" in c.value for c in page.sidebar.caption)
    page.text_input(key="att.typed").set_value("01233210").run()
    assert charts(page)["attention"]["layout"]["xaxis"]["ticktext"] == list("01233210")
    page.text_input(key="att.typed").set_value("01234567").run()
    assert any("'4', '5', '6', '7' are not tokens of Reverse; use only 0 1 2 3" in w.value
               for w in page.warning), [w.value for w in page.warning]


def test_clipping_threshold_and_optimizer_hyperparameters(page):
    page.toggle(key="att.clip").set_value(True).run()
    page.select_slider(key="att.clip_norm").set_value(0.5).run()
    assert runner(page).trainer.config.clip_norm == 0.5
    page.selectbox(key="att.optimizer").set_value("momentum").run()
    page.number_input(key="att.momentum").set_value(0.5).run()
    no_exception(page)
    c = runner(page).trainer.config
    assert (c.optimizer, c.momentum) == ("momentum", 0.5)


def test_settings_that_do_not_fit_are_explained_and_the_run_is_kept(page):
    page.selectbox(key="att.task").set_value("copy").run()
    before = runner(page).trainer.config
    page.number_input(key="att.delay").set_value(200).run()  # 2·3 + 200 + 1 steps: too long
    no_exception(page)
    assert runner(page).trainer.config == before
    assert any("Not applied" in w.value and "longer than the 100 offered" in w.value
               for w in page.warning), [w.value for w in page.warning]


def test_live_settings_keep_the_weights_and_structural_ones_rebuild(page):
    r = runner(page)
    page.button(key="att.step_epoch").click().run()
    weights, run_id = r.trainer.model.flat.copy(), r.run_id
    for kind, key, value in (("select_slider", "att.lr", 0.003), ("toggle", "att.causal", True),
                             ("slider", "att.dropout", 0.1)):
        getattr(page, kind)(key=key).set_value(value).run()
        assert r.run_id == run_id and r.trainer.epoch == 1, key
        np.testing.assert_array_equal(r.trainer.model.flat, weights)
    assert r.trainer.config.causal
    page.select_slider(key="att.heads").set_value(1).run()
    assert r.run_id == run_id + 1 and r.trainer.epoch == 0


def test_the_causal_mask_shows_in_the_maps(page):
    page.toggle(key="att.causal").set_value(True).run()
    for d in charts(page)["attention"]["data"]:
        z = np.array(d["z"])
        assert np.all(np.triu(z, 1) == 0) and np.allclose(z.sum(axis=1), 1, atol=0.01)


def test_transport_step_batch_step_epoch_reset_play_pause_and_speed(page):
    r = runner(page)
    page.button(key="att.step_batch").click().run()
    assert r.trainer.steps == 1
    page.button(key="att.step_epoch").click().run()
    assert r.trainer.epoch == 1
    assert status(page).startswith("Epoch 1 ·")
    page.select_slider(key="att.speed").set_value("10").run()
    assert r.speed == 10.0
    page.button(key="att.play").click().run()
    assert r.playing
    page.button(key="att.pause").click().run()
    assert not r.playing
    page.button(key="att.reset").click().run()
    assert (r.trainer.epoch, r.trainer.steps) == (0, 0)


def test_a_chosen_test_sequence_is_shown(page):
    page.number_input(key="att.chosen").set_value(7).run()
    t = runner(page).trainer
    figs = charts(page)
    assert figs["attention"]["layout"]["xaxis"]["ticktext"] == list(t.predict_sequence(7).text)
    assert "test sequence #7" in figs["attention"]["layout"]["title"]["text"]


def test_a_typed_sequence_shows_its_maps_and_output(page):
    page.button(key="att.step_epoch").click().run()
    page.text_input(key="att.typed").set_value("12345678").run()
    no_exception(page)
    t = runner(page).trainer
    figs = charts(page)
    assert figs["attention"]["layout"]["xaxis"]["ticktext"] == list("12345678")
    assert "your sequence" in figs["attention"]["layout"]["title"]["text"]
    heat = [d for d in figs["attention"]["data"] if d["type"] == "heatmap"]
    np.testing.assert_allclose(np.array(heat[1]["z"]), t.attention("12345678")[0, 1], atol=1e-3)
    expected = "".join(str(d) for d in t.predict_sequence("12345678").prediction)
    assert f"Output for 12345678: {expected}" in figs["output"]["layout"]["title"]["text"]
    # The head step by step follows it too.
    assert any("on your sequence, 12345678" in m.value for m in page.markdown)


@pytest.mark.parametrize("typed, words", [("1234", "trained on sequences of 8 tokens; got 4"),
                                          ("12a45678", "'a' is not a token of Reverse"),
                                          ("1+345678", "'+' is not a token")])
def test_a_typed_sequence_that_does_not_fit_is_explained_and_the_last_good_kept(page, typed,
                                                                                words):
    page.text_input(key="att.typed").set_value("87654321").run()
    page.text_input(key="att.typed").set_value(typed).run()
    no_exception(page)
    warnings = [w.value for w in page.warning]
    assert any(words in w and "your last sequence, 87654321" in w for w in warnings), warnings
    assert charts(page)["attention"]["layout"]["xaxis"]["ticktext"] == list("87654321")


def test_a_typed_sequence_is_read_again_when_the_length_changes(page):
    page.text_input(key="att.typed").set_value("87654321").run()
    page.slider(key="att.length").set_value(5).run()
    no_exception(page)
    assert any("trained on sequences of 5 tokens; got 8" in w.value for w in page.warning)
    assert len(charts(page)["attention"]["layout"]["xaxis"]["ticktext"]) == 5


def test_the_position_embeddings_chart_follows_its_toggle_and_the_setting(page):
    assert "positions" in charts(page)
    page.toggle(key="att.slow").set_value(False).run()
    assert "positions" not in charts(page)
    page.toggle(key="att.slow").set_value(True).run()
    page.radio(key="att.position").set_value("none").run()
    no_exception(page)
    assert "positions" not in charts(page)  # no position information: nothing to draw


@pytest.mark.parametrize("name", list(state.PRESETS))
def test_every_classroom_demo_sets_its_settings_and_says_what_to_watch(page, name):
    page.button(key=f"att.preset.{name}").click().run()
    no_exception(page)
    assert runner(page).trainer.config == state.preset_config(name)
    assert any(state.PRESETS[name].note in i.value for i in page.info)


def test_the_head_step_by_step_matches_the_engine(page):
    page.button(key="att.step_epoch").click().run()
    page.number_input(key="att.head").set_value(2).run()
    page.select_slider(key="att.stage").set_value(5).run()
    no_exception(page)
    caption = next(c.value for c in page.caption if "largest difference" in c.value)
    assert float(caption.split("difference ")[1].rstrip(".")) < 1e-9
    (fig,) = apptest_pages.plotly_specs(page)
    t = runner(page).trainer
    np.testing.assert_allclose(np.array(fig["data"][0]["z"]), t.attention(0)[0, 1], atol=1e-4)
    page.button(key="att.back").click().run()
    assert page.select_slider(key="att.stage").value == 4
    assert any("divided by √16" in c.value for c in page.caption)
    page.button(key="att.next").click().run()
    page.button(key="att.next").click().run()
    assert page.select_slider(key="att.stage").value == 6
    np.testing.assert_allclose(np.array(apptest_pages.plotly_specs(page)[0]["data"][0]["z"]),
                               t.head_steps(0, 0, 1).output, atol=1e-4)
    page.select_slider(key="att.blocks").set_value(2).run()
    page.number_input(key="att.block").set_value(2).run()
    no_exception(page)


def test_the_stages_restate_a_head_from_its_weights(root):
    from engine.sequences import SequenceTrainer

    t = SequenceTrainer(state.DEFAULT.replace(causal=True))
    t.run(1)
    s = t.head_steps(3, 0, 1)
    st_ = stages(s, causal=True)
    assert [x.title for x in st_][4:6] == ["Scaled scores", "Softmax"]
    np.testing.assert_allclose(st_[6].matrix, st_[5].matrix @ st_[3].matrix)
    assert np.isneginf(st_[4].matrix[0, 1])  # the causal mask


def test_the_link_holds_the_settings_and_opens_them(root, page):
    page.select_slider(key="att.heads").set_value(4).run()
    page.radio(key="att.position").set_value("none").run()
    query = {k: page.query_params[k] for k in page.query_params}
    assert query["heads"] == "4" and query["position"] == "none"
    assert query["model"] == "transformer" and query["task"] == "reverse"
    other = open_attention(root, query)
    try:
        assert runner(other).trainer.config == runner(page).trainer.config
    finally:
        runner(other).close()


def test_a_link_to_another_network_or_task_keeps_the_page_s(root):
    bad = open_attention(root, {"model": "gru", "task": "sine", "heads": "three"})
    try:
        c = runner(bad).trainer.config
        assert (c.model, c.task, c.heads) == ("transformer", "reverse", 2)
        assert len([w for w in bad.warning if "The link had a setting" in w.value]) == 3
    finally:
        runner(bad).close()


def test_the_view_falls_back_to_the_test_sequence_when_the_typed_one_no_longer_fits():
    from engine.sequences import SequenceTrainer
    from ui.live.runner import Runner

    r = Runner(SequenceConfig(task="sort", length=5, model="transformer"),
               build=SequenceTrainer)
    try:
        view = AttentionView(chosen=2, typed=np.arange(8) % 10)
        with r.lock:
            f = view.snapshot(r, "all")
        assert f.label == "test sequence #2" and f.weights.shape == (1, 2, 5, 5)
        figs = view.figures(f, 0, "all")
        assert {"loss", "accuracy", "attention", "output", "positions"} <= set(figs)
    finally:
        r.close()


def test_classroom_flags_hide_controls_and_enlarge_the_charts(root):
    at = open_attention(root, {"hide": "lr,optimizer,presets,length", "presenter": "1"})
    try:
        no_exception(at)
        keys = {w.key for kind in ("select_slider", "selectbox", "button", "slider")
                for w in getattr(at, kind)}
        assert not keys & {"att.lr", "att.optimizer", "att.length", "att.preset.reverse"}
        assert {"att.heads", "att.task", "att.play"} <= keys
        figs = charts(at)
        assert figs["attention"]["layout"]["font"]["size"] >= 18
        at.select_slider(key="att.heads").set_value(1).run()
        assert runner(at).trainer.config.heads == 1
        assert runner(at).trainer.config.lr == state.DEFAULT.lr  # hidden, kept
        assert at.query_params["hide"] == "length,lr,optimizer,presets"
        assert at.query_params["presenter"] == "1"
    finally:
        runner(at).close()
