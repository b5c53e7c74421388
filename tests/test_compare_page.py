"""AppTest tests of the Compare page: presets, controls, transport, URL, bad input."""

import json
import time
from urllib.parse import parse_qsl, urlsplit

import apptest_pages
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine import Config
from ui.compare.model import PRESETS, VARIABLES, Comparison


def open_compare(root, query: dict | None = None) -> AppTest:
    return apptest_pages.open_page(root, "pages/2_Compare.py", query)


def close(at: AppTest) -> None:
    for k in ("cmp.runner", "pg.runner"):
        if k in at.session_state:
            at.session_state[k].close()


@pytest.fixture
def page(root):
    at = open_compare(root)
    yield at
    close(at)


def runner(at: AppTest):
    return at.session_state["cmp.runner"]


def heading(at: AppTest) -> str:
    """The status line ("Epoch 12 · 3 runs"), drawn by the live framework's status component."""
    (text,) = [json.loads(c.proto.json)["text"] for c in at.get("bidi_component")
               if c.proto.component_name.endswith("nnp_live_status")]
    return text


def table_runs(at: AppTest) -> list[str]:
    return list(at.table[0].value.index)


def wait_epoch(r, epoch: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while min(t.epoch for t in r.trainers) < epoch:
        assert time.monotonic() < end, "training did not advance"
        time.sleep(0.02)


def test_default_page_shows_three_runs_from_identical_weights(page):
    r = runner(page)
    assert heading(page) == "Epoch 0 · 3 runs"
    assert table_runs(page) == Comparison().labels() == r.labels
    for t in r.trainers[1:]:
        np.testing.assert_array_equal(t.net.flat, r.trainers[0].net.flat)
    assert page.query_params["vary"] in ("activation", ["activation"])


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_loads_in_one_click_and_trains(page, name):
    page.button(key=f"cmp.preset.{name}").click().run()
    assert not page.exception, [e.message for e in page.exception]
    r = runner(page)
    want = Comparison.preset(name)
    assert r.labels == want.labels() == table_runs(page)
    assert [t.config for t in r.trainers] == want.configs()
    assert r.playing
    wait_epoch(r, 2)
    page.button(key="cmp.pause").click().run()
    assert not r.playing
    assert page.session_state["cmp.vary"] == want.variable
    assert list(page.session_state["cmp.values"]) == list(want.values)
    assert page.query_params["vary"] in (want.variable, [want.variable])


def test_step_reset_and_play_pause(page):
    r = runner(page)
    page.button(key="cmp.step_epoch").click().run()
    assert heading(page) == "Epoch 1 · 3 runs"
    assert [t.epoch for t in r.trainers] == [1, 1, 1]
    page.button(key="cmp.play").click().run()
    assert r.playing and page.button(key="cmp.pause")
    wait_epoch(r, 5)
    page.button(key="cmp.pause").click().run()
    epochs = {t.epoch for t in r.trainers}
    assert len(epochs) == 1 and epochs.pop() >= 5  # lockstep
    page.button(key="cmp.reset").click().run()
    assert heading(page) == "Epoch 0 · 3 runs"


def test_changing_the_varied_setting_offers_its_values_and_rebuilds(page):
    r = runner(page)
    page.button(key="cmp.step_epoch").click().run()
    page.selectbox(key="cmp.vary").set_value("optimizer").run()
    assert list(page.session_state["cmp.values"]) == list(VARIABLES["optimizer"].defaults)
    assert r.labels == ["SGD", "Momentum", "Adam"] == table_runs(page)
    assert [t.epoch for t in r.trainers] == [0, 0, 0]
    assert page.selectbox(key="cmp.optimizer").disabled
    assert not page.selectbox(key="cmp.activation").disabled


@pytest.mark.parametrize("name", list(VARIABLES))
def test_every_variable_runs_with_its_default_values(page, name):
    page.selectbox(key="cmp.vary").set_value(name).run()
    assert not page.exception, [e.message for e in page.exception]
    assert runner(page).labels == [VARIABLES[name].show(v) for v in VARIABLES[name].defaults]
    page.button(key="cmp.step_epoch").click().run()
    assert heading(page).startswith("Epoch 1")


def test_values_can_be_added_up_to_six(page):
    page.multiselect(key="cmp.values").select("gelu").select("elu").run()
    assert runner(page).labels[-2:] == ["GELU", "ELU"]
    assert len(page.multiselect(key="cmp.values").value) == 5


def test_one_value_is_not_applied_and_the_runs_are_kept(page):
    r = runner(page)
    labels = list(r.labels)
    page.multiselect(key="cmp.values").set_value(["relu"]).run()
    assert any("Not applied" in w.value and "2 to 6" in w.value for w in page.warning)
    assert r.labels == labels


def test_bad_hidden_layers_text_is_explained(page):
    page.text_input(key="cmp.hidden").input("8, x").run()
    assert any("Not applied" in w.value for w in page.warning)
    assert not page.exception
    page.text_input(key="cmp.hidden").input("4, 4").run()
    assert runner(page).trainers[0].config.hidden == (4, 4)


def test_shared_settings_reach_every_run(page):
    page.selectbox(key="cmp.dataset").set_value("xor").run()
    page.select_slider(key="cmp.lr").set_value(0.1).run()
    page.number_input(key="cmp.seed").set_value(7).run()
    page.select_slider(key="cmp.batch_size").set_value(25).run()
    page.slider(key="cmp.noise").set_value(0.2).run()
    page.multiselect(key="cmp.features").select("x1_x2").run()
    page.number_input(key="cmp.max_epochs").set_value(3).run()
    r = runner(page)
    for t in r.trainers:
        c = t.config
        assert (c.dataset, c.lr, c.seed, c.batch_size, c.noise, c.max_epochs) == \
            ("xor", 0.1, 7, 25, 0.2, 3)
        assert "x1_x2" in c.features
    page.button(key="cmp.play").click().run()
    end = time.monotonic() + 20
    while r.playing:  # the epoch budget stops every run, and so the runner
        assert time.monotonic() < end
        time.sleep(0.02)
    assert [t.epoch for t in r.trainers] == [3, 3, 3]


def test_target_loss_changes_the_table_not_the_runs(page):
    r = runner(page)
    page.button(key="cmp.step_epoch").click().run()
    trainers = list(r.trainers)
    page.number_input(key="cmp.target").set_value(0.0001).run()
    assert set(page.table[0].value["epochs to target"]) == {"–"}  # not reached
    page.number_input(key="cmp.target").set_value(5.0).run()
    assert set(page.table[0].value["epochs to target"]) == {"0"}  # reached at the start
    assert r.trainers == trainers and [t.epoch for t in trainers] == [1, 1, 1]


def test_log_toggle_and_exports(page):
    page.toggle(key="cmp.log").set_value(True).run()
    assert not page.exception
    code = page.code[0].value
    query = dict(parse_qsl(urlsplit(code).query))
    assert Comparison.from_query(query) == (page.session_state["cmp.good"], [])
    assert page.get("download_button")


def test_a_link_opens_its_comparison(root):
    cmp = Comparison.preset("learning_rates")
    at = open_compare(root, cmp.to_query())
    try:
        assert runner(at).labels == cmp.labels()
        assert [t.config for t in runner(at).trainers] == cmp.configs()
        assert not at.warning
    finally:
        close(at)


@pytest.mark.parametrize("kind", ["digits", "recurrent", "transformer"])
def test_a_link_to_a_kind_alone_opens_that_kind(root, kind):
    at = open_compare(root, {"kind": kind})
    try:
        assert at.session_state["cmp.kind"] == kind
        assert runner(at).labels == Comparison.start(kind).labels()
        assert not at.warning
    finally:
        close(at)


def test_a_bad_link_opens_with_defaults_and_a_warning(root):
    at = open_compare(root, {"vary": "colour", "values": "red;blue", "lr": "fast"})
    try:
        text = " ".join(w.value for w in at.warning)
        assert "colour" in text and "lr" in text
        assert runner(at).labels == Comparison().labels()
    finally:
        close(at)


def test_defaults_to_the_playground_settings(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=apptest_pages.TIMEOUT)
    at.query_params["dataset"] = "xor"
    at.query_params["hidden"] = "5"
    at.run()
    at.switch_page("pages/1_Playground.py").run()
    at.switch_page("pages/2_Compare.py").run()
    try:
        assert not at.exception
        base = at.session_state["cmp.good"].base
        assert (base.dataset, base.hidden) == ("xor", (5,))
        at.selectbox(key="cmp.dataset").set_value("circle").run()
        at.button(key="cmp.from_playground").click().run()
        assert at.session_state["cmp.good"].base.dataset == "xor"
    finally:
        close(at)


def test_the_playground_button_explains_when_there_is_nothing_to_use(page):
    page.button(key="cmp.from_playground").click().run()
    assert any("Playground page first" in i.value for i in page.info)
    assert page.session_state["cmp.good"].base == Config()


@pytest.mark.parametrize("dataset", ["plane", "blobs", "spiral_k"])
def test_regression_and_multiclass_datasets_compare(page, dataset):
    page.selectbox(key="cmp.dataset").set_value(dataset).run()
    page.button(key="cmp.step_epoch").click().run()
    assert not page.exception, [e.message for e in page.exception]
    task = runner(page).trainers[0].task
    columns = list(page.table[0].value.columns)
    assert ("R²" in columns) == (task == "regression")
    assert heading(page).startswith("Epoch 1")


def test_settings_survive_a_visit_to_another_page(page):
    page.selectbox(key="cmp.vary").set_value("lr").run()
    page.select_slider(key="cmp.speed").set_value("10").run()
    page.toggle(key="cmp.log").set_value(True).run()
    good = page.session_state["cmp.good"]
    page.switch_page("app.py").run()
    page.switch_page("pages/2_Compare.py").run()
    assert not page.exception, [e.message for e in page.exception]
    assert page.session_state["cmp.good"] == good
    assert page.selectbox(key="cmp.vary").value == "lr"
    assert page.select_slider(key="cmp.speed").value == "10"
    assert page.toggle(key="cmp.log").value is True


def test_a_typed_value_becomes_a_run_and_runs_follow_the_order_of_the_values(page):
    page.selectbox(key="cmp.vary").set_value("lr").run()
    page.multiselect(key="cmp.values").set_value([1.0, "0.0003", 0.03]).run()
    assert not page.exception, [e.message for e in page.exception]
    assert runner(page).labels == ["lr 0.0003", "lr 0.03", "lr 1"]
    assert table_runs(page) == ["lr 0.0003", "lr 0.03", "lr 1"]
    assert "0.0003" in page.query_params["values"]


def test_a_typed_value_that_is_not_one_is_explained(page):
    page.selectbox(key="cmp.vary").set_value("batch_size").run()
    before = runner(page).labels
    page.multiselect(key="cmp.values").set_value([10, "ten"]).run()
    assert runner(page).labels == before
    assert any("'ten' is not a value of batch size" in w.value for w in page.warning)


@pytest.mark.parametrize("variable, words", [
    ("activation", "from the same starting weights"),
    ("hidden", "cannot be the same weights"),
    ("init", "with its own initializer"),
])
def test_the_caption_says_what_the_runs_share(page, variable, words):
    page.selectbox(key="cmp.vary").set_value(variable).run()
    assert any(words in c.value for c in page.caption), [c.value for c in page.caption]


def test_a_preset_explains_itself_while_it_holds(page):
    page.button(key="cmp.preset.vanishing").click().run()
    assert any(PRESETS["vanishing"].note in i.value for i in page.info)
    page.selectbox(key="cmp.vary").set_value("lr").run()  # no longer the preset
    assert not any(PRESETS["vanishing"].note in i.value for i in page.info)


def test_the_vanishing_preset_shows_what_it_claims(page):
    """Its note sends the class to the start gradients: sigmoid's first layer gets far less
    than its own last layer and than ReLU's first."""
    page.button(key="cmp.preset.vanishing").click().run()
    norms = dict(zip(runner(page).labels, page.session_state["cmp.start_grads"], strict=True))
    assert norms["Sigmoid"][0] < norms["Sigmoid"][-1] / 100
    assert norms["Sigmoid"][0] < norms["ReLU"][0] / 100
    assert norms["Sigmoid"][0] < norms["Tanh"][0] / 100
    (chart,) = [c for c in apptest_pages.plotly_specs(page)
                if "Gradient norm per layer" in c["layout"]["title"]["text"]]
    assert [t["name"] for t in chart["data"]] == ["Sigmoid", "ReLU", "Tanh"]


def test_the_digits_compare_mlp_with_cnn_on_the_same_split(page):
    from engine.images import ImageTrainer

    page.radio(key="cmp.kind").set_value("digits").run()
    assert not page.exception, [e.message for e in page.exception]
    r = runner(page)
    assert all(isinstance(t, ImageTrainer) for t in r.trainers)
    assert r.labels == ["MLP", "CNN"]
    a, b = r.trainers
    np.testing.assert_array_equal(a.X_test, b.X_test)  # the same split and test digits
    page.button(key="cmp.step_epoch").click().run()
    np.testing.assert_array_equal(a.order, b.order)  # and the same order of digits
    columns = list(page.table[0].value.columns)
    assert "shifted accuracy" in columns and "parameters" in columns
    assert heading(page).startswith("Epoch 1 · 2 runs")
    assert page.query_params["kind"] == "digits"
    page.selectbox(key="cmp.vary").set_value("filters").run()
    assert r.labels == ["filters 2", "filters 8", "filters 16"]
    page.text_input(key="cmp.d.hidden").set_value("32").run()  # the MLP's, shared
    assert not page.exception
    page.radio(key="cmp.kind").set_value("points").run()
    assert isinstance(runner(page).trainers[0], type(runner(page).trainer))
    assert runner(page).labels == ["ReLU", "Tanh", "Sigmoid"]
