"""AppTest tests of real data on the pages: the real tables in the Playground's picker, the
column pickers and the held columns, scaling, tables uploaded as CSV (good and bad), the map in
the data's units, the link, and real tables on the Compare and Hidden-layers pages."""

import json

import apptest_pages
import numpy as np
import pytest
from test_playground_page import open_playground, runner, status, texts, widget
from test_real_data import cancer_csv, iris_csv, wine_pair_csv

from engine import CUSTOM
from engine.data.points import MAX_COLUMNS


@pytest.fixture
def page(root):
    at = open_playground(root)
    yield at
    runner(at).close()


def map_figure(at) -> dict:
    specs = [json.loads(c.proto.json) for c in at.get("bidi_component")]
    (fig,) = [s["figure"] for s in specs if s.get("key") == "map"]
    return fig


def upload(at, name: str, text: str):
    at.file_uploader(key="upload.csv").set_value((name, text.encode(), "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]


def test_real_tables_are_in_the_picker_and_train(page):
    widget(page, "ui.task").set_value("multiclass").run()
    assert {"Iris", "Wine"} <= set(page.radio(key="cfg.dataset").options)
    widget(page, "cfg.dataset").set_value("wine").run()
    assert not page.exception
    t = runner(page).trainer
    assert t.config.dataset == "wine" and t.axis_names == ("alcohol", "proline")
    labels = [w.label for w in page.sidebar.slider] + [w.label for w in page.sidebar.select_slider]
    assert "Noise" not in labels and "Samples" not in labels  # a real table's rows are fixed
    assert page.selectbox(key="cfg.x_col").value == "alcohol"
    assert "flavanoids" in page.selectbox(key="cfg.x_col").options
    fig = map_figure(page)
    assert fig["layout"]["xaxis"]["title"]["text"] == "x₁: alcohol"
    assert fig["layout"]["xaxis"]["range"] == pytest.approx(list(t.bounds[:2]))
    assert fig["layout"]["yaxis"]["range"][1] > 1500  # proline in its own units
    assert "scaleanchor" not in fig["layout"]["yaxis"]  # each axis its own range
    assert "11 other inputs held at their medians" in fig["layout"]["title"]["text"]


def test_column_pickers_and_scaling_reach_the_trainer(page):
    widget(page, "ui.task").set_value("multiclass").run()
    widget(page, "cfg.dataset").set_value("wine").run()
    page.selectbox(key="cfg.x_col").set_value("flavanoids").run()
    t = runner(page).trainer
    assert t.axis_names == ("flavanoids", "proline") and t.config.x_col == "flavanoids"
    assert page.query_params["x_col"] in ("flavanoids", ["flavanoids"])
    page.selectbox(key="cfg.scale").set_value("minmax").run()
    assert runner(page).trainer.scale == "minmax"
    page.selectbox(key="cfg.y_col").set_value("flavanoids").run()  # the same column twice
    warnings = " ".join(texts(page.warning))
    assert "two different columns" in warnings
    assert runner(page).trainer.axis_names == ("flavanoids", "proline")  # the last good one
    widget(page, "ui.task").set_value("binary").run()  # another data set: its usual pair
    assert runner(page).trainer.config.dataset == "circle"
    assert runner(page).trainer.config.x_col == ""


def test_other_inputs_held_by_hand_nearby_or_at_medians(page):
    upload(page, "iris.csv", iris_csv())
    page.selectbox(key="cfg.x_col").set_value("petal length").run()
    page.selectbox(key="cfg.y_col").set_value("petal width").run()
    t = runner(page).trainer
    assert t.axis_names == ("petal length", "petal width") and t.hold == "median"
    page.radio(key="pg.hold").set_value("values").run()
    sliders = {s.label: s for s in page.sidebar.slider}
    assert {"sepal length", "sepal width"} <= set(sliders)
    assert sliders["sepal width"].value == pytest.approx(float(np.median(
        t.data.X_train[:, 1])))
    sliders["sepal width"].set_value(4.0).run()
    t = runner(page).trainer
    assert t.hold == "values" and t.held[1] == pytest.approx(4.0)
    assert "held at your values" in map_figure(page)["layout"]["title"]["text"]
    page.radio(key="pg.hold").set_value("nearby").run()
    assert runner(page).trainer.hold == "nearby"
    assert "like the nearby points" in map_figure(page)["layout"]["title"]["text"]


def test_uploaded_table_says_what_it_is_and_trains(page):
    upload(page, "wine.csv", wine_pair_csv())
    success = " ".join(texts(page.success))
    assert "Loaded 178 points from wine.csv (2 columns; 3 classes)" in success
    assert "standardized" in success
    t = runner(page).trainer
    assert t.config.dataset == CUSTOM and t.scale == "standard"
    x0, x1, _, _ = t.bounds
    assert 10 < x0 < 11 and 15 < x1 < 16  # alcohol's range, not a square around proline
    widget(page, "cfg.optimizer").set_value("adam").run()  # the default network, Adam
    page.button(key="btn.step_epoch").click().run()
    r = runner(page)
    assert r.trainer.epoch == 1 and r.trainer.config.optimizer == "adam"
    with r.lock:
        r.trainer.run(199)
    page.run()
    accuracy = float(status(page).split("test accuracy ")[1].split(" %")[0])
    assert accuracy >= 84.0, status(page)
    # The points fill the view: each axis spans their range plus a tenth on each side.
    fig = map_figure(page)
    for axis, values in (("xaxis", t.data.X[:, 0]), ("yaxis", t.data.X[:, 1])):
        lo, hi = fig["layout"][axis]["range"]
        assert (values.max() - values.min()) / (hi - lo) == pytest.approx(1 / 1.2)


def test_thirty_column_table_holds_28_columns(page):
    upload(page, "cancer.csv", cancer_csv())
    t = runner(page).trainer
    assert t.data.n_columns == 30 and len(t.others) == 28 and t.net.sizes[0] == 30
    assert "28 other inputs held at their medians" in map_figure(page)["layout"]["title"]["text"]
    assert t.data.class_names == ("benign", "malignant")
    assert page.radio(key="click_label").options == ["orange (benign)", "blue (malignant)"]
    page.button(key="btn.step_epoch").click().run()  # it trains on all 30 columns
    assert not page.exception, [e.message for e in page.exception]
    t = runner(page).trainer
    assert t.epoch == 1 and np.isfinite(t.history.last["test_loss"])
    assert t.history.last["test_accuracy"] > 0.8


def test_a_table_with_a_numeric_target_says_it_is_regression(page):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.2f},{b:.2f},{2 * a - b + 1:.3f}" for a, b in rng.uniform(0, 5, (60, 2)))
    upload(page, "plane.csv", "size,age,price\n" + rows + "\n")
    assert runner(page).trainer.data.task == "regression"
    assert any("regression: price is a number to predict" in s.value for s in page.success), \
        [s.value for s in page.success]


def test_a_click_on_a_tables_map_adds_a_full_row(page):
    upload(page, "iris.csv", iris_csv())
    r = runner(page)
    n = len(r.trainer.data.X_train)
    held = r.trainer.held.copy()
    page.session_state["click_label"] = 2
    page.session_state["pending_click"] = ("map", {"x": 6.5, "y": 3.1})
    page.run()
    d = runner(page).trainer.data
    assert len(d.X_train) == n + 1 and d.y_train[-1] == 2
    np.testing.assert_array_equal(d.X_train[-1], [6.5, 3.1, *held])


BAD_TABLES = [
    ("a,colour,b,y\n1,red,2,0\n2,blue,3,1\n", "column 2 (colour)"),
    ("a,b,c,y\n1,7,2,0\n2,7,3,1\n3,7,1,0\n", "column 2 (b) has the same value"),
    (",".join(f"c{k}" for k in range(MAX_COLUMNS + 5)) + ",y\n" +
     ",".join("1" for _ in range(MAX_COLUMNS + 6)) + "\n", f"at most {MAX_COLUMNS}"),
    ("a,b,species\n1,2,setosa\n2,3,setosa\n3,1,setosa\n", "only one class ('setosa')"),
]


@pytest.mark.parametrize("text, words", BAD_TABLES, ids=["text", "constant", "wide", "one"])
def test_bad_tables_get_a_message_and_lose_nothing(page, text, words):
    r = runner(page)
    page.button(key="btn.step_epoch").click().run()
    before = (r.trainer.config, r.trainer.net.flat.copy())
    upload(page, "bad.csv", text)
    errors = " ".join(texts(page.error))
    assert "bad.csv" in errors and words in errors, errors
    assert r.trainer.config == before[0] and r.trainer.epoch == 1
    np.testing.assert_array_equal(r.trainer.net.flat, before[1])


def test_the_link_opens_the_table_with_its_columns_and_scaling(root):
    at = open_playground(root, {"dataset": "iris", "x_col": "sepal length (cm)",
                                "y_col": "petal width (cm)", "scale": "minmax"})
    try:
        t = runner(at).trainer
        assert t.axis_names == ("sepal length (cm)", "petal width (cm)")
        assert t.scale == "minmax"
        assert at.selectbox(key="cfg.x_col").value == "sepal length (cm)"
    finally:
        runner(at).close()


def test_a_broken_link_column_is_named_and_the_usual_pair_used(root):
    at = open_playground(root, {"dataset": "wine", "x_col": "colour"})
    try:
        assert "no column 'colour'" in " ".join(texts(at.warning))
        assert runner(at).trainer.axis_names == ("alcohol", "proline")
    finally:
        runner(at).close()


def test_regression_table_in_its_own_units(root):
    at = open_playground(root, {"dataset": "diabetes", "optimizer": "adam"})
    try:
        at.button(key="btn.step_epoch").click().run()
        t = runner(at).trainer
        lo, hi = t.target_range()
        assert (lo, hi) == (float(t.data.y_train.min()), float(t.data.y_train.max()))
        fig = map_figure(at)
        train = [d for d in fig["data"] if d.get("name") == "train"][0]
        assert train["marker"]["cmin"] == lo and train["marker"]["cmax"] == hi
        rmse = t.history.last["test_rmse"]
        assert rmse > 10 and f"test RMSE {rmse:.3g}"[:12] in status(at)  # progression's units
        slider = at.slider(key="click_value")
        assert (slider.min, slider.max) == (lo, hi)
    finally:
        runner(at).close()


def test_compare_runs_a_real_table_and_its_scaling_preset(root):
    at = apptest_pages.open_page(root, "pages/2_Compare.py")
    try:
        at.button(key="cmp.preset.scaling").click().run()
        assert not at.exception
        r = at.session_state["cmp.runner"]
        assert [t.config.scale for t in r.trainers] == ["none", "standard", "minmax"]
        assert all(t.config.dataset == "wine" for t in r.trainers)
        for _ in range(3):
            at.button(key="cmp.step_epoch").click().run()
        with r.lock:  # the runner's thread may still be stepping
            for t in r.trainers:
                t.run(40 - t.epoch)
        acc = [t.history.last["test_accuracy"] for t in r.trainers]
        assert acc[0] < 0.6 < 0.9 < min(acc[1:])
    finally:
        at.session_state["cmp.runner"].close()


def test_hidden_layers_page_takes_a_real_table(root):
    at = apptest_pages.open_page(root, "pages/9_Hidden_layers.py")
    at.selectbox(key="hl.dataset").set_value("iris").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("petal length (cm)" in c for c in texts(at.caption))
    specs = apptest_pages.plotly_specs(at)
    warp = specs[-1]["layout"]
    assert warp["xaxis"]["title"]["text"] == "petal length (cm)"
