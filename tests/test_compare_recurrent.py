"""The recurrent kind of comparison: RNN, GRU and LSTM (or one setting of them) on the same
sequences in the same order; its presets show what their notes say; its link, results row,
chart and caption; and on the Compare page."""

import math

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest

from engine.sequences import SequenceConfig, SequenceTrainer
from ui.compare import view as compare_view
from ui.compare.kinds import KINDS, recurrent
from ui.compare.model import Comparison, kind_of, results_row, run_configs
from ui.compare.page import format_rows


def test_recurrent_settings_are_this_kind_s_and_the_transformer_s_are_not():
    assert kind_of(SequenceConfig(model="lstm")) == "recurrent"
    assert KINDS["recurrent"].accepts(SequenceConfig(model="rnn"))
    assert not KINDS["recurrent"].accepts(SequenceConfig(model="transformer"))


@pytest.mark.parametrize("name", list(recurrent.VARIABLES))
def test_every_variable_changes_only_its_setting(name):
    base = SequenceConfig(task="adding", length=12, model="gru", hidden=8)
    var = recurrent.VARIABLES[name]
    values = list(var.defaults)
    configs = run_configs(base, name, values)
    for c in configs:
        differing = {f for f in base.to_dict() if getattr(c, f) != getattr(base, f)}
        assert differing <= {name}
    assert len({c.to_json() for c in configs}) == len(values)


def test_the_cell_variable_refuses_the_transformer():
    with pytest.raises(ValueError, match="compares RNN, GRU, LSTM"):
        run_configs(SequenceConfig(model="gru"), "model", ["rnn", "transformer"])


def test_runs_share_the_sequences_and_their_order():
    cmp = Comparison.preset("rnn_gru_lstm")
    trainers = [SequenceTrainer(c) for c in cmp.configs()]
    assert [t.config.model for t in trainers] == ["rnn", "gru", "lstm"]
    first = trainers[0]
    for t in trainers:
        t.run(1)
    for t in trainers[1:]:
        np.testing.assert_array_equal(t.train.inputs, first.train.inputs)
        np.testing.assert_array_equal(t.test.targets, first.test.targets)
        np.testing.assert_array_equal(t.order, first.order)  # the same shuffling


def test_other_variables_start_from_the_same_weights():
    a, b = (SequenceTrainer(c) for c in run_configs(SequenceConfig(task="parity"), "lr",
                                                    [0.001, 0.01]))
    np.testing.assert_array_equal(a.model.flat, b.model.flat)


def test_the_rnn_gru_lstm_preset_shows_what_its_note_says():
    """On the adding problem at T = 30 the GRU and the LSTM fall far below the baseline within
    a few epochs; the vanilla RNN stays on it."""
    cmp = Comparison.preset("rnn_gru_lstm")
    runs = {c.model: SequenceTrainer(c) for c in cmp.configs()}
    for t in runs.values():
        t.run(14)
    mse = {m: t.history.last["test_mse"] for m, t in runs.items()}
    baseline = runs["rnn"].baseline
    assert baseline == pytest.approx(1 / 6)
    assert mse["gru"] < 0.02 and mse["lstm"] < 0.02, mse
    assert mse["rnn"] > 0.9 * baseline, mse
    rows = {m: results_row(m, t, 0.1) for m, t in runs.items()}
    assert rows["rnn"]["epochs to target"] is None and rows["lstm"]["epochs to target"] <= 14
    # The gradient that reaches step 1: the learned LSTM's, not the RNN's.
    assert rows["lstm"]["gradient at step 1 / step T"] > \
        100 * rows["rnn"]["gradient at step 1 / step T"]


def test_the_truncation_preset_shows_what_its_note_says():
    cmp = Comparison.preset("truncation")
    full, cut = (SequenceTrainer(c) for c in cmp.configs())
    assert cut.config.bptt == 5
    for t in (full, cut):
        t.run(14)
        assert t.history.last["test_mse"] < 0.05
    grad = cut.gradient_through_time()[0]
    assert (grad[:-5] == 0).all() and (grad[-5:] > 0).all()


def test_the_results_row_snapshot_chart_and_caption():
    cmp = Comparison(SequenceConfig(task="copy", model="gru", hidden=8), "model",
                     ("rnn", "lstm"))
    trainers = [SequenceTrainer(c) for c in cmp.configs()]
    for t in trainers:
        t.run(1)
    row = results_row("GRU", trainers[0], 0.5)
    assert row["accuracy"] == trainers[0].history.last["test_accuracy"]
    assert row["sequence accuracy"] == trainers[0].history.last["test_sequence_accuracy"]
    assert row["baseline"] == 1 / 8 and row["parameters"] == trainers[0].model.n_params
    grad = trainers[0].gradient_through_time()[0]
    assert math.isclose(row["gradient at step 1 / step T"], grad[0] / grad[-1])
    cells = format_rows([row])[0]
    assert cells["sequence accuracy"].endswith("%") and cells["epoch"] == "1"
    snap = compare_view.snapshot(trainers, cmp.labels())
    assert (snap.metric, snap.baseline) == ("accuracy", 1 / 8)
    (fig,) = KINDS["recurrent"].figures(snap, 0).values()
    go.Figure(fig)
    assert [d["name"] for d in fig["data"]] == ["RNN", "LSTM"]
    assert fig["layout"]["shapes"][0]["y0"] == 1 / 8
    assert "same sequences" in KINDS["recurrent"].caption(cmp)
    assert "same starting weights" in KINDS["recurrent"].caption(
        Comparison(SequenceConfig(), "lr", (0.001, 0.01)))


def test_a_recurrent_comparison_round_trips_through_its_link():
    cmp = Comparison.preset("truncation")
    q = cmp.to_query()
    assert q["kind"] == "recurrent" and q["vary"] == "bptt" and q["values"] == "0;5"
    assert Comparison.from_query(q) == (cmp, [])
    odd, warnings = Comparison.from_query(q | {"vary": "model", "values": "rnn;transformer;lstm"})
    assert odd.values == ("rnn", "lstm") and any("transformer" in w for w in warnings)


def test_copy_takes_its_length_from_its_options():
    assert recurrent.hidden({"task": "copy"}) == {"length"}
    assert recurrent.hidden({"task": "adding"}) == set()
    base = SequenceConfig(task="adding", length=30)
    assert recurrent.adjust(base, {"task": "copy"})["length"] == 0
    assert "length" not in recurrent.adjust(base, {"task": "parity"})


def test_the_compare_page_runs_rnn_gru_and_lstm(root):
    at = apptest_pages.open_page(root, "pages/2_Compare.py")
    try:
        at.radio(key="cmp.kind").set_value("recurrent").run()
        assert not at.exception, [e.message for e in at.exception]
        r = at.session_state["cmp.runner"]
        assert r.labels == ["RNN", "GRU", "LSTM"]
        assert all(isinstance(t, SequenceTrainer) for t in r.trainers)
        assert r.trainers[0].T == 30
        at.button(key="cmp.step_epoch").click().run()
        columns = list(at.table[0].value.columns)
        assert "test MSE" in columns and "gradient at step 1 / step T" in columns
        assert at.query_params["kind"] in ("recurrent", ["recurrent"])
        at.selectbox(key="cmp.r.task").set_value("copy").run()  # copy: no length box
        assert not at.exception, [e.message for e in at.exception]
        assert "cmp.r.length" not in {w.key for w in at.number_input}
        assert r.trainers[0].config.task == "copy" and r.trainers[0].T == 17
        at.selectbox(key="cmp.vary").set_value("hidden").run()
        assert r.labels == ["4 neurons", "16 neurons", "64 neurons"]
    finally:
        at.session_state["cmp.runner"].close()
