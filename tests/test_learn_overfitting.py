"""Overfitting lab: the default run really overfits, each remedy helps, the marks are right,
and the page under AppTest."""

import json

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import Trainer
from ui.charts.learn import overfitting as OC
from ui.charts.numbers import number, percent
from ui.learn import overfitting as O

PAGE = "pages/8_Overfitting_lab.py"
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def default_runs() -> dict[int, O.LabResult]:
    return {seed: O.run(O.Remedies(), seed) for seed in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_default_overfits(default_runs, seed):
    r = default_runs[seed]
    # The training loss keeps falling to almost nothing ...
    assert r.final_train < 0.02
    assert r.train_loss[-1] < r.train_loss[r.best_epoch] / 5
    # ... while the test loss turns upward: it ends far above its lowest value (measured over
    # seeds 0-4: 149 % to 743 % above).
    assert r.best_epoch < O.EPOCHS / 4
    assert r.final_test > 2.0 * r.min_test
    assert r.rise > 1.0
    assert r.train_accuracy == 1.0 and r.test_accuracy < 0.9


def test_the_curves_are_the_engine_trainers(default_runs):
    r = default_runs[0]
    d = O.data(False, 0)
    trainer = Trainer(O.config(O.Remedies(), 0, d.n_train), d)
    trainer.run(O.EPOCHS)
    assert r.test_loss == trainer.history["test_loss"]
    assert r.train_loss == trainer.history["train_loss"]
    assert r.epochs == list(range(O.EPOCHS + 1))
    assert r.min_test == min(r.test_loss) and r.test_loss[r.best_epoch] == r.min_test
    assert r.n_train == O.SMALL and len(r.X_test) == O.POOL // 2
    assert np.array_equal(r.grid, trainer.predict_grid(O.GRID))


def test_more_data_keeps_the_same_test_set():
    small, more = O.data(False, 1), O.data(True, 1)
    assert small.n_train == O.SMALL and more.n_train == O.POOL // 2
    assert np.array_equal(small.X_test, more.X_test)
    assert np.array_equal(small.X_train, more.X_train[:O.SMALL])


@pytest.mark.parametrize("remedy", list(O.REMEDIES))
@pytest.mark.parametrize("seed", SEEDS)
def test_each_remedy_lowers_the_final_test_loss_and_the_rise(default_runs, remedy, seed):
    base = default_runs[seed]
    r = O.run(O.Remedies(**{remedy: True}), seed)
    # Measured over seeds 0-4: every remedy ends at most 0.77 x the default's test loss.
    assert r.final_test < 0.8 * base.final_test
    assert r.rise < base.rise


@pytest.mark.parametrize("seed", SEEDS)
def test_early_stopping_keeps_the_best_weights(default_runs, seed):
    r = O.run(O.Remedies(early_stopping=True), seed)
    base = default_runs[seed]
    assert r.best_epoch == base.best_epoch  # the same run up to there
    assert r.stop_epoch == r.best_epoch + O.PATIENCE
    assert r.epochs[-1] == r.stop_epoch
    assert r.final_test == pytest.approx(r.min_test, rel=1e-12)
    assert "early stopping" in r.reason


def test_loss_figure_marks_the_turning_point_and_the_stop(default_runs):
    base = default_runs[0]
    fig = OC.loss_figure(base)
    go.Figure(fig)
    assert base.max_epochs == O.EPOCHS and fig["layout"]["xaxis"]["range"] == [0, O.EPOCHS]
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [base.best_epoch]
    best = next(t for t in fig["data"] if t["name"] == "lowest test loss")
    assert (best["x"], best["y"]) == ([base.best_epoch], [base.min_test])

    stopped = O.run(O.Remedies(early_stopping=True), 0)
    fig = OC.loss_figure(stopped, base)
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [stopped.best_epoch,
                                                          stopped.stop_epoch]
    assert "stopped, epoch" in fig["layout"]["annotations"][1]["text"]
    ref = fig["data"][0]
    assert ref["name"] == "test loss, no remedy" and ref["y"] == base.test_loss


def test_boundary_figure_and_numbers(default_runs):
    r = default_runs[0]
    fig = OC.boundary_figure(r)
    go.Figure(fig)
    assert "config" not in fig
    rows = O.numbers(r)
    assert rows[0]["test"] == number(r.final_test) and float(rows[0]["test"]) == \
        pytest.approx(r.final_test, rel=1e-3)
    assert rows[1]["training"] == percent(r.train_accuracy) and rows[1]["training"].endswith("%")
    assert "None" not in str(rows) and rows[1]["lowest test"] == ""


# --- the page ---------------------------------------------------------------------------------
def open_page(root, presenter: bool = False) -> AppTest:
    return apptest_pages.open_page(root, PAGE, {"presenter": "1"} if presenter else None)


charts = apptest_pages.plotly_specs


def headline(at) -> str:
    return at.markdown[0].value


def test_page_shows_the_overfitting_run(root, default_runs):
    at = open_page(root)
    r = default_runs[0]
    assert [t.value for t in at.title] == ["Overfitting lab"]
    assert f"Lowest test loss {r.min_test:.3f} at epoch {r.best_epoch}" in headline(at)
    assert f"{100 * r.rise:.0f} % above it" in headline(at)
    loss, _ = charts(at)
    assert next(t for t in loss["data"] if t["name"] == "test loss")["y"] == r.test_loss
    assert any(md.value.startswith("**What you see.**") for md in at.markdown)


def test_every_toggle_changes_the_curves_and_the_map(root):
    at = open_page(root)
    base_loss, base_map = charts(at)
    for remedy in O.REMEDIES:
        at.toggle(key=f"of.{remedy}").set_value(True).run()
        assert not at.exception, [e.message for e in at.exception]
        loss, boundary = charts(at)
        r = O.run(O.Remedies(**{remedy: True}), 0)
        assert next(t for t in loss["data"] if t["name"] == "test loss")["y"] == r.test_loss
        assert loss["data"][0]["name"] == "test loss, no remedy"
        assert boundary["layout"]["images"] != base_map["layout"]["images"]
        assert f"{r.final_test:.3f}" in headline(at)
        if remedy == "early_stopping":
            assert f"stopped, epoch {r.stop_epoch}" in json.dumps(loss, ensure_ascii=False)
        at.toggle(key=f"of.{remedy}").set_value(False).run()
    assert charts(at)[0] == base_loss

    for remedy in O.REMEDIES:  # all at once
        at.toggle(key=f"of.{remedy}").set_value(True)
    at.run()
    assert not at.exception
    assert "stopped" in headline(at) or "early stopping" in headline(at)


def test_seed_changes_the_data_and_presenter_hides_it(root):
    at = open_page(root)
    before = headline(at)
    at.number_input(key="of.seed").set_value(3).run()
    assert not at.exception
    r = O.run(O.Remedies(), 3)
    assert headline(at) != before and f"{r.min_test:.3f}" in headline(at)

    presenter = open_page(root, presenter=True)
    assert not presenter.number_input and not presenter.dataframe
    assert charts(presenter)[0]["layout"]["height"] > charts(at)[0]["layout"]["height"]
