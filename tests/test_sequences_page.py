"""AppTest tests of the Sequences page: every control reaches the trainer, live settings keep
the weights while the task and the network rebuild with a message, the live charts and the
status line, the link (and what it may not hold), the view options, the presets, the gradient
through time in every frame as training recorded it, and a step through the cell with the
current weights that matches the engine's hidden state."""

import base64
import json

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_pages import components, no_exception, status

from engine.layers import GRU, LSTM, RNN
from engine.sequences import SequenceConfig, SequenceTrainer
from ui.charts import sequences as charts
from ui.sequences import walk
from ui.sequences.state import CHOSEN, LAYER, NEURONS, PRESETS, STEP
from ui.sequences.view import SequencesView, window

PAGE = "pages/11_Sequences.py"


def open_sequences(root, query: dict | None = None):
    return apptest_pages.open_page(root, PAGE, query)


@pytest.fixture
def page(root):
    at = open_sequences(root)
    yield at
    at.session_state["seq.runner"].close()


def runner(at):
    return at.session_state["seq.runner"]



def charts_drawn(at) -> dict[str, dict]:
    out = {}
    for c in components(at, "nnp_live_chart"):
        data = json.loads(c.proto.json)
        out[data["key"]] = data["figure"]
    return out




def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_the_page_draws_its_live_charts_and_status(page):
    no_exception(page)
    figs = charts_drawn(page)
    assert {"loss", "metric", "sequence", "grad_time", "hidden", "gates", "unrolled",
            "walk"} <= set(figs)
    for fig in figs.values():
        go.Figure(fig)  # valid plotly figures
    t = runner(page).trainer
    text = status(page)
    assert text.startswith("Epoch 0 ·") and f"{t.model.n_params:,} parameters" in text
    assert "GRU, T = 10" in text and "baseline 50.0 %" in text
    # The metric chart draws the task's baseline; the default run is not rebuilt on opening.
    assert figs["metric"]["layout"]["shapes"][0]["y0"] == pytest.approx(0.5)
    assert not any("Rebuilt" in i for i in infos(page))


# (widget kind, key, value, check on the trainer's config)
CONTROLS = [
    ("selectbox", "seq.task", "sine", lambda c: c.task == "sine"),
    ("number_input", "seq.length", 20, lambda c: c.length == 20),
    ("select_slider", "seq.n_train", 1000, lambda c: c.n_train == 1000),
    ("number_input", "seq.seed", 3, lambda c: c.seed == 3),
    ("radio", "seq.model", "lstm", lambda c: c.model == "lstm"),
    ("slider", "seq.hidden", 5, lambda c: c.hidden == 5),
    ("select_slider", "seq.layers", 2, lambda c: c.layers == 2),
    ("selectbox", "seq.optimizer", "sgd", lambda c: c.optimizer == "sgd"),
    ("select_slider", "seq.lr", 0.003, lambda c: c.lr == 0.003),
    ("number_input", "seq.beta1", 0.8, lambda c: c.beta1 == 0.8),
    ("number_input", "seq.beta2", 0.99, lambda c: c.beta2 == 0.99),
    ("select_slider", "seq.batch_size", 64, lambda c: c.batch_size == 64),
    ("toggle", "seq.clip", True, lambda c: c.clip),
    ("number_input", "seq.bptt", 5, lambda c: c.bptt == 5),
    ("number_input", "seq.max_epochs", 7, lambda c: c.max_epochs == 7),
]


@pytest.mark.parametrize("kind, key, value, check", CONTROLS,
                         ids=[f"{k}={v}" for _, k, v, _ in CONTROLS])
def test_every_control_reaches_the_trainer(page, kind, key, value, check):
    getattr(page, kind)(key=key).set_value(value).run()
    no_exception(page)
    assert check(runner(page).trainer.config), runner(page).trainer.config


def test_the_task_options_and_the_clipping_threshold(page):
    page.selectbox(key="seq.task").set_value("sine").run()
    for key, value in (("seq.noise", 0.1), ("seq.min_freq", 0.1), ("seq.max_freq", 0.3)):
        page.number_input(key=key).set_value(value).run()
        no_exception(page)
    c = runner(page).trainer.config
    assert (c.noise, c.min_freq, c.max_freq, c.length) == (0.1, 0.1, 0.3, 50)
    page.selectbox(key="seq.task").set_value("copy").run()
    assert "seq.length" not in {w.key for w in page.number_input}  # copy's options fix T
    page.number_input(key="seq.n_tokens").set_value(2).run()
    page.number_input(key="seq.delay").set_value(5).run()
    t = runner(page).trainer
    assert (t.config.n_tokens, t.config.delay, t.T) == (2, 5, 10)
    assert any("T = 2·n_tokens + delay + 1 = 10 steps" in c.value for c in page.caption)
    page.toggle(key="seq.clip").set_value(True).run()
    page.select_slider(key="seq.clip_norm").set_value(5.0).run()
    assert runner(page).trainer.config.clip_norm == 5.0
    page.selectbox(key="seq.optimizer").set_value("momentum").run()
    page.number_input(key="seq.momentum").set_value(0.5).run()
    assert runner(page).trainer.config.momentum == 0.5


def test_a_new_task_gets_its_own_length(page):
    page.selectbox(key="seq.task").set_value("adding").run()
    assert page.number_input(key="seq.length").value == 30
    assert runner(page).trainer.T == 30
    page.selectbox(key="seq.task").set_value("parity").run()
    assert runner(page).trainer.T == 10


def test_live_settings_keep_the_weights_and_the_cell_rebuilds_with_a_message(page):
    r = runner(page)
    page.button(key="seq.step_epoch").click().run()
    weights, run_id = r.trainer.model.flat.copy(), r.run_id
    for kind, key, value in (("select_slider", "seq.lr", 0.003), ("toggle", "seq.clip", True),
                             ("number_input", "seq.bptt", 4),
                             ("select_slider", "seq.batch_size", 16)):
        getattr(page, kind)(key=key).set_value(value).run()
        assert r.run_id == run_id and r.trainer.epoch == 1, key
        np.testing.assert_array_equal(r.trainer.model.flat, weights)
        assert not any("Rebuilt" in i for i in infos(page)), key
    page.radio(key="seq.model").set_value("lstm").run()
    no_exception(page)
    assert r.run_id == run_id + 1 and r.trainer.epoch == 0
    assert isinstance(r.trainer.model.layers[0], LSTM)
    (note,) = [i for i in infos(page) if i.startswith("Rebuilt")]
    assert "a new LSTM" in note and "Network: GRU → LSTM" in note
    assert f"{r.trainer.model.n_params:,} parameters" in note
    assert "gates" in charts_drawn(page)
    page.radio(key="seq.model").set_value("rnn").run()
    assert isinstance(r.trainer.model.layers[0], RNN)
    assert "gates" not in charts_drawn(page)  # a plain RNN has none


def test_bad_settings_are_explained_and_the_run_is_kept(page):
    page.selectbox(key="seq.task").set_value("adding").run()
    before = runner(page).trainer.config
    page.number_input(key="seq.length").set_value(1).run()  # the adding problem needs 2 steps
    no_exception(page)
    assert runner(page).trainer.config == before
    assert any("Not applied" in w.value and "T must be" in w.value for w in page.warning), \
        [w.value for w in page.warning]
    page.selectbox(key="seq.task").set_value("sine").run()
    page.number_input(key="seq.min_freq").set_value(0.4).run()  # above the highest frequency
    assert any("min_freq must not exceed max_freq" in w.value for w in page.warning)
    assert runner(page).trainer.config.min_freq == 0.05


def test_step_batch_step_epoch_and_reset(page):
    r = runner(page)
    page.button(key="seq.step_batch").click().run()
    assert r.trainer.steps == 1
    page.button(key="seq.step_epoch").click().run()
    assert r.trainer.epoch == 1 and status(page).startswith("Epoch 1 ·")
    page.button(key="seq.reset").click().run()
    assert (r.trainer.epoch, r.trainer.steps) == (0, 0)
    page.select_slider(key="seq.speed").set_value("max").run()
    assert r.speed is None
    page.select_slider(key="seq.speed").set_value("3").run()
    assert r.speed == 3.0


@pytest.mark.parametrize("optimizer, key, value", [("rmsprop", "seq.alpha", 0.9),
                                                   ("adamw", "seq.weight_decay", 0.05),
                                                   ("nesterov", "seq.momentum", 0.7)])
def test_each_optimizer_s_own_settings(page, optimizer, key, value):
    page.selectbox(key="seq.optimizer").set_value(optimizer).run()
    page.number_input(key=key).set_value(value).run()
    no_exception(page)
    c = runner(page).trainer.config
    assert c.optimizer == optimizer and getattr(c, key.split(".")[1]) == value


def test_play_and_pause(page):
    r = runner(page)
    page.button(key="seq.play").click().run()
    assert r.playing
    page.button(key="seq.pause").click().run()
    assert not r.playing


def test_the_link_holds_the_settings_and_opens_them(root, page):
    page.radio(key="seq.model").set_value("lstm").run()
    page.select_slider(key="seq.lr").set_value(0.003).run()
    query = page.query_params.to_dict() if hasattr(page.query_params, "to_dict") else \
        {k: page.query_params[k] for k in page.query_params}
    query = {k: v[0] if isinstance(v, list) else v for k, v in query.items()}
    assert query["model"] == "lstm" and query["lr"] == "0.003"
    other = open_sequences(root, query)
    try:
        assert runner(other).trainer.config == runner(page).trainer.config
    finally:
        runner(other).close()


@pytest.mark.parametrize("query, words", [
    ({"model": "transformer"}, "the transformer trains on the Attention page"),
    ({"task": "reverse"}, "needs the whole sequence at once"),
    ({"lr": "fast"}, "lr"),
])
def test_a_link_this_page_cannot_use_opens_a_recurrent_run(root, query, words):
    at = open_sequences(root, query)
    try:
        no_exception(at)
        c = runner(at).trainer.config
        assert c.model in ("rnn", "gru", "lstm") and c.task in ("sine", "parity", "adding", "copy")
        assert any("The link had a setting" in w.value and words in w.value for w in at.warning)
    finally:
        runner(at).close()


def test_the_view_options_follow_the_chosen_sequence_step_and_layer(page):
    page.select_slider(key="seq.layers").set_value(2).run()
    page.number_input(key=CHOSEN).set_value(7).run()
    page.slider(key=STEP).set_value(6).run()
    page.radio(key=LAYER).set_value(2).run()
    no_exception(page)
    figs = charts_drawn(page)
    assert "Test sequence #7" in figs["sequence"]["layout"]["title"]["text"]
    assert "layer 2" in figs["gates"]["layout"]["title"]["text"]
    assert len([d for d in figs["hidden"]["data"] if d["type"] == "heatmap"]) == 2
    assert "steps 2–9" in figs["unrolled"]["layout"]["title"]["text"]
    assert "step t = 6 of test sequence #7, layer 2 (GRU)" in \
        figs["walk"]["layout"]["title"]["text"]
    assert figs["walk"]["data"][0]["x"][0] == "x_t"  # layer 1's h_t
    page.toggle(key="seq.slow").set_value(False).run()
    figs = charts_drawn(page)
    assert "hidden" not in figs and "walk" not in figs and "grad_time" in figs


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_sets_up_the_page_and_plays(page, name):
    r = runner(page)
    page.button(key=f"seq.preset.{name}").click().run()
    no_exception(page)
    try:
        assert r.trainer.config == PRESETS[name].config().replace(
            length=r.trainer.config.length)
        assert r.playing and r.trainer.T == PRESETS[name].config().resolved()
        assert any(PRESETS[name].note in i for i in infos(page))
    finally:
        r.pause()


def test_the_explanations_are_there(page):
    text = " ".join(m.value for m in page.markdown)
    for words in ("unrolled", "backpropagation through time", "vanishing gradient",
                  "forget", "Clipping by norm"):
        assert words in text


# --- the cell step, the view and the charts without a browser ----------------------------
@pytest.mark.parametrize("model", ["rnn", "gru", "lstm"])
def test_the_cell_step_matches_the_engine_s_states_and_gates(model):
    t = SequenceTrainer(SequenceConfig(task="copy", model=model, hidden=6, layers=2,
                                       max_epochs=0))
    t.run(1)
    states = t.hidden_states(3)
    cells = [x for x in t.model.layers if isinstance(x, RNN | GRU | LSTM)]
    xs = [np.eye(10)[t.test.inputs[3]], states[0].T]
    gates = t.gates(3) if model != "rnn" else None
    names = {"gru": {"r": "reset", "z": "update", "n": "new"},
             "lstm": {"i": "input", "f": "forget", "g": "cell", "o": "output"}}
    for layer in (0, 1):
        for step in (0, 5, t.T - 1):
            s = walk.cell_step(cells[layer], xs[layer], step)
            np.testing.assert_allclose(s.h, states[layer][:, step], atol=1e-12)
            if step:
                np.testing.assert_allclose(s.h_prev, states[layer][:, step - 1], atol=1e-12)
            for short, long in names.get(model, {}).items():
                np.testing.assert_allclose(s.gates[short], gates[layer][long][:, step],
                                           atol=1e-12)
    with pytest.raises(ValueError, match="the step must be 1 to"):
        walk.cell_step(cells[0], xs[0], t.T)


def walk_table(fig: dict) -> dict[str, list[str]]:
    """The walk chart's columns: name -> the numbers written in its cells."""
    (trace,) = fig["data"]
    names = trace["x"]
    return {n: [row[i] for row in trace["text"]] for i, n in enumerate(names)}


def test_the_step_through_the_cell_shows_the_current_weights_numbers(page):
    page.radio(key="seq.model").set_value("lstm").run()
    page.slider(key=STEP).set_value(4).run()
    assert any(r"c_t &= f \odot c_{t-1}" in x.value for x in page.latex)  # the formulas
    t = runner(page).trainer
    table = walk_table(charts_drawn(page)["walk"])
    assert {"h_(t-1)", "c_(t-1)", "a<sup>x</sup><sub>i</sub>", "a<sup>h</sup><sub>o</sub>",
            "gate f", "c_t", "h_t", "h_t<br>(engine)"} <= set(table)
    assert len(table["h_t"]) == 8  # of the 32 neurons: the first 8
    assert "neurons 1–8 of 32" in charts_drawn(page)["walk"]["layout"]["title"]["text"]
    expected = [f"{v:.4f}" for v in t.hidden_states(0)[0][:8, 3]]
    assert table["h_t"] == table["h_t<br>(engine)"] == expected
    # Trained on: the numbers follow the weights without any widget touched.
    r = runner(page)
    r.step_epoch()
    page.run()
    after = walk_table(charts_drawn(page)["walk"])
    assert after["h_t"] == [f"{v:.4f}" for v in t.hidden_states(0)[0][:8, 3]] != expected
    # Other neurons: from neuron 20, the rows are 20 to 27.
    page.number_input(key=NEURONS).set_value(20).run()
    fig = charts_drawn(page)["walk"]
    assert fig["data"][0]["y"] == list(range(20, 28))
    assert "neurons 20–27 of 32" in fig["layout"]["title"]["text"]
    assert walk_table(fig)["h_t"] == [f"{v:.4f}" for v in t.hidden_states(0)[0][19:27, 3]]
    assert page.number_input(key=NEURONS).max == 25  # the last 8 start at 25
    page.slider(key="seq.hidden").set_value(8).run()  # 8 neurons: no choice to make
    no_exception(page)
    assert NEURONS not in {w.key for w in page.number_input}
    assert "all 8 neurons" in charts_drawn(page)["walk"]["layout"]["title"]["text"]
    # The view's copy: the formulas give the engine's h_t to rounding.
    w = SequencesView(step=4).snapshot(r, "all").slow.walk
    np.testing.assert_allclose(w.step.h, w.engine_h, atol=1e-12)
    assert w.step.t == 3 and w.layer == 0 and "x_t = (" in charts_drawn(page)["walk"][
        "layout"]["title"]["text"]


class _R:  # the runner a view reads: only its trainer
    def __init__(self, trainer):
        self.trainer = trainer


@pytest.mark.parametrize("task", ["sine", "parity", "adding", "copy"])
def test_the_view_draws_every_task(task):
    t = SequenceTrainer(SequenceConfig(task=task, model="lstm", hidden=8, max_epochs=0))
    v = SequencesView(chosen=2, step=3)
    f = v.snapshot(_R(t), "all")
    figs = v.figures(f, 0, "all")
    assert set(figs) == {"loss", "metric", "sequence", "grad_time", "hidden", "gates",
                         "unrolled", "walk"}
    for fig in figs.values():
        go.Figure(fig)
    assert len(f.gradients[0]) == t.T
    assert figs["metric"]["layout"]["shapes"][0]["y0"] == pytest.approx(t.baseline)
    (heat,) = [d for d in figs["unrolled"]["data"] if d["type"] == "heatmap"]
    assert len(heat["x"]) == 2 * min(8, t.T)  # a column per cell and a gap between cells
    assert "annotations" not in figs["unrolled"]["layout"]  # traces only: cheap to redraw
    assert f"T = {t.T}" in v.status(f, 0.0) and "baseline" in v.status(f, 0.0)


def test_every_frame_draws_the_gradient_training_recorded():
    t = SequenceTrainer(SequenceConfig(task="adding", length=12, model="lstm", hidden=6,
                                       layers=2, max_epochs=0))
    v = SequencesView()
    f = v.snapshot(_R(t), "main")  # nothing trained: the first training sequences
    assert f.slow is None and not f.recorded
    for g, e in zip(f.gradients, t.gradient_through_time(), strict=True):
        np.testing.assert_array_equal(g, e)
    figs = v.figures(f, 0, "main")
    assert "first 32 sequences" in figs["grad_time"]["layout"]["title"]["text"]
    for _ in range(3):
        t.step()
    f = v.snapshot(_R(t), "main")
    assert f.recorded
    figs = v.figures(f, 0, "main")
    assert set(figs) == {"loss", "metric", "sequence", "grad_time"}
    assert "last batches" in figs["grad_time"]["layout"]["title"]["text"]
    recorded = t.recorded_gradient_through_time()
    for i, trace in enumerate(figs["grad_time"]["data"][:2]):
        drawn = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), dtype=np.float32)
        np.testing.assert_allclose(drawn, recorded[i], rtol=1e-6)
    t.step()
    assert v.figures(v.snapshot(_R(t), "main"), 0, "main")["grad_time"]["data"][0]["y"] != \
        figs["grad_time"]["data"][0]["y"]  # the next batch moved it


def test_the_gradient_chart_shows_the_ratio_and_a_floor_for_cut_steps():
    fig = charts.gradient_through_time([np.array([0.0, 1e-3, 0.5, 1.0])], bptt=2)
    assert "cut every 2 steps" in fig["layout"]["title"]["text"]
    assert fig["layout"]["yaxis"]["type"] == "log"
    line, ratio = fig["data"]
    assert ratio["text"] == ["step 1: 0× step T"] and ratio["y"] == [3.0]  # above the lines
    fig = charts.gradient_through_time([np.array([1e-6, 1e-3, 1.0])])
    assert fig["data"][1]["text"] == ["step 1: 1.0e-6× step T"]
    # Training changes only the data: the layout (title included) stays, so redraws restyle.
    other = charts.gradient_through_time([np.array([1e-2, 1e-1, 2.0])])
    assert other["layout"] == fig["layout"]


def test_the_sequence_and_unrolled_charts_keep_their_layout_while_numbers_change():
    x = np.stack([np.linspace(0, 1, 6), [1, 0, 0, 1, 0, 0]], axis=1)
    a = charts.adding_sequence(x, 1.0, 0.4, "t")
    b = charts.adding_sequence(x, 1.0, 0.9, "t")
    assert a["layout"] == b["layout"] and a["data"][-1]["text"] == ["answer 0.40"]
    states = np.zeros((4, 3))
    a = charts.unrolled([1, 2, 3], list("abc"), ["x", "y", "z"], states, "gru", 1, False)
    b = charts.unrolled([1, 2, 3], list("abc"), ["p", "q", "r"], states + 0.5, "gru", 1, False)
    assert a["layout"] == b["layout"]
    texts = [d["text"] for d in b["data"] if d.get("mode") == "text"]
    assert texts[:3] == [list("abc"), ["p", "q", "r"], ["t = 1", "t = 2", "t = 3"]]


def test_the_unrolled_window():
    assert window(30, 1) == list(range(1, 9))
    assert window(30, 15) == list(range(11, 19))
    assert window(30, 30) == list(range(23, 31))
    assert window(5, 3) == [1, 2, 3, 4, 5]


def test_the_metric_chart_keeps_the_baseline_readable():
    ep = [0, 1, 2, 3, 4]
    fig = charts.metric_chart(ep, [1.0, 0.17, 0.16, 0.01, 0.005], [1.1, 0.17, 0.16, 0.01, 0.004],
                              "mse", 1 / 6)
    assert fig["layout"]["yaxis"]["range"] == [0, pytest.approx(2.5 / 6)]
    assert fig["layout"]["shapes"][0]["y0"] == pytest.approx(1 / 6)
    assert "baseline 0.167" in fig["layout"]["title"]["text"]
    fig = charts.metric_chart(ep, [1.0] * 5, [1.0, 0.17, 0.16, 0.9, 0.9], "mse", 1 / 6)
    assert "range" not in fig["layout"]["yaxis"]  # a late value above: the axis follows it


def test_the_token_chart_colours_right_and_wrong_scored_steps():
    fig = charts.token_sequence(list("12"), list("ab"), list("ac"), np.array([1.0, 1.0]),
                                np.array([True, True]), np.array([True, False]), "t")
    z = fig["data"][0]["z"]
    assert z[0] == [1.0, -1.0] and fig["data"][0]["y"] == ["prediction", "target", "input"]
    fig = charts.token_sequence(list("12"), list("ab"), list("ac"), np.array([1.0, 1.0]),
                                np.array([False, True]), np.array([False, True]), "t")
    assert fig["data"][0]["z"][0] == [0.0, 1.0]  # an unscored step stays grey


def test_classroom_flags_hide_controls_and_enlarge_the_charts(root):
    at = open_sequences(root, {"hide": "lr,presets,explain,bptt", "presenter": "1"})
    try:
        no_exception(at)
        keys = {w.key for kind in ("select_slider", "number_input", "button")
                for w in getattr(at, kind)}
        assert "seq.lr" not in keys and "seq.bptt" not in keys
        assert not any(k and k.startswith("seq.preset.") for k in keys)
        assert "seq.optimizer" in {w.key for w in at.selectbox}
        assert not any("How recurrent networks learn" in h.value for h in at.subheader)
        figs = charts_drawn(at)
        assert figs["grad_time"]["layout"]["font"]["size"] == 18
        query = at.query_params
        assert query["hide"] in ("bptt,explain,lr,presets", ["bptt,explain,lr,presets"])
        at.radio(key="seq.model").set_value("lstm").run()  # hidden ones keep their values
        assert runner(at).trainer.config.lr == 0.01
    finally:
        runner(at).close()
