"""Compare's transformer kind: it takes the transformer runs of the sequence trainer, its runs
share data, order and (where shapes match) starting weights, its presets show what their notes
say (no positions: no reversal), and the Compare page runs it."""

import apptest_pages
import numpy as np
import pytest

from engine.sequences import SequenceConfig, SequenceTrainer
from ui.charts import attention as charts
from ui.compare.kinds import KINDS
from ui.compare.kinds import transformer as kind
from ui.compare.model import Comparison, kind_of, results_row, run_configs
from ui.compare.view import snapshot

KIND = KINDS["transformer"]


def test_the_kind_takes_transformer_settings_and_leaves_recurrent_ones():
    assert kind_of(SequenceConfig(model="transformer")) == "transformer"
    assert KIND.accepts(SequenceConfig(model="transformer"))
    assert not KIND.accepts(SequenceConfig(model="gru"))
    assert Comparison.start("transformer") == Comparison.preset("positions")


@pytest.mark.parametrize("name", list(kind.VARIABLES))
def test_every_variable_changes_only_its_setting(name):
    base = SequenceConfig(task="reverse", model="transformer", dim=16)
    var = kind.VARIABLES[name]
    configs = run_configs(base, name, list(var.defaults))
    for c in configs:
        differing = {f for f in base.to_dict() if getattr(c, f) != getattr(base, f)}
        assert differing <= {name}
        assert c.model == "transformer"
    assert len({c.to_json() for c in configs}) == len(var.defaults)


def test_runs_of_other_heads_start_from_identical_weights_and_data():
    cmp = Comparison.preset("heads")
    a, b, c = (SequenceTrainer(x) for x in cmp.configs())
    assert [t.config.heads for t in (a, b, c)] == [1, 2, 4]
    for t in (b, c):
        np.testing.assert_array_equal(t.model.flat, a.model.flat)
        np.testing.assert_array_equal(t.train.inputs, a.train.inputs)
    for t in (a, b, c):
        t.run(1)
    np.testing.assert_array_equal(b.order, a.order)  # the same shuffling


def test_the_positions_preset_shows_that_without_positions_there_is_no_reversal():
    cmp = Comparison.preset("positions")
    runs = {v: SequenceTrainer(c) for v, c in zip(cmp.values, cmp.configs(), strict=True)}
    for t in runs.values():
        t.run(3)
    seq = {v: t.history.last["test_sequence_accuracy"] for v, t in runs.items()}
    assert seq["learned"] >= 0.99 and seq["sinusoidal"] >= 0.99
    assert seq["none"] <= 0.02  # it cannot tell the mirror place


def test_the_heads_preset_shows_what_its_note_says():
    """All three sort over 98 % of the test sequences within a dozen epochs, with the same
    number of parameters."""
    cmp = Comparison.preset("heads")
    runs = [SequenceTrainer(c) for c in cmp.configs()]
    assert len({t.model.n_params for t in runs}) == 1
    for t in runs:
        t.run(12)
    assert min(t.history.last["test_sequence_accuracy"] for t in runs) >= 0.98


def test_snapshot_figures_and_results_row():
    cmp = Comparison.preset("positions")
    trainers = [SequenceTrainer(c) for c in cmp.configs()]
    for t in trainers:
        t.run(2)
    snap = snapshot(trainers, cmp.labels())
    assert [r.label for r in snap.runs] == ["learned positions", "sinusoidal positions",
                                            "no positions"]
    fig = KIND.figures(snap, 0)["cmp_seq"]
    assert len(fig["data"]) == 2 * len(trainers)
    assert fig == charts.sequence_accuracies_chart(snap.runs, revision="seq-0")
    row = results_row("no positions", trainers[2], 0.1)
    assert row["sequence accuracy"] == trainers[2].history.last["test_sequence_accuracy"]
    assert row["position accuracy"] == trainers[2].history.last["test_accuracy"]
    assert row["epoch"] == 2 and row["parameters"] == trainers[2].model.n_params


def test_a_task_whose_options_fix_the_length_takes_it_from_them():
    base = SequenceConfig(task="reverse", length=8, model="transformer")
    assert kind.adjust(base, {"task": "addition", "length": 8})["length"] == 0
    assert kind.adjust(base, {"task": "sort", "length": 8})["length"] == 8
    assert kind.adjust(base.replace(task="copy", length=0), {"task": "max", "length": 0}
                       )["length"] == 8
    assert kind.hidden({"task": "copy"}) == {"length"} and kind.hidden({"task": "sort"}) == set()


def test_a_transformer_comparison_round_trips_through_its_link():
    cmp = Comparison.preset("heads")
    q = cmp.to_query()
    assert q["kind"] == "transformer" and q["vary"] == "heads" and q["values"] == "1;2;4"
    back, warnings = Comparison.from_query(q)
    assert (back, warnings) == (cmp, [])


def test_the_compare_page_runs_transformers(root):
    page = apptest_pages.open_page(root, "pages/2_Compare.py")
    try:
        page.radio(key="cmp.kind").set_value("transformer").run()
        assert not page.exception, [e.message for e in page.exception]
        r = page.session_state["cmp.runner"]
        assert all(isinstance(t, SequenceTrainer) and t.config.model == "transformer"
                   for t in r.trainers)
        assert r.labels == ["learned positions", "sinusoidal positions", "no positions"]
        page.button(key="cmp.step_epoch").click().run()
        columns = list(page.table[0].value.columns)
        assert "sequence accuracy" in columns and "position accuracy" in columns
        assert page.query_params["kind"] == "transformer"
        page.selectbox(key="cmp.t.task").set_value("addition").run()
        assert not page.exception, [e.message for e in page.exception]
        assert all(t.config.task == "addition" and t.T == 9 for t in r.trainers)
        page.selectbox(key="cmp.vary").set_value("heads").run()
        assert r.labels == ["1 head", "2 heads", "4 heads"]
        page.button(key="cmp.preset.heads").click().run()
        assert [t.config.task for t in r.trainers] == ["sort"] * 3
    finally:
        for k in ("cmp.runner", "pg.runner"):
            if k in page.session_state:
                page.session_state[k].close()
