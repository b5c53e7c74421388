"""Comparisons: identical starts, identical data order, one setting varied."""

import base64
import csv
import io
import math
import time

import numpy as np
import pytest

from engine import CUSTOM, DIVERGED, Config, Trainer
from engine.images import ImageTrainer
from ui.charts import compare as compare_charts
from ui.compare import view as compare_view
from ui.compare.model import (
    KINDS,
    PRESETS,
    VARIABLES,
    Comparison,
    epochs_to_reach,
    preset_config,
    results_csv,
    results_row,
    run_configs,
)
from ui.live.runner import GroupRunner


@pytest.mark.parametrize("name", list(VARIABLES))
def test_every_variable_changes_only_its_setting(name):
    base = Config(dataset="xor", hidden=(4, 3))
    var = VARIABLES[name]
    values = var.options[:3]
    configs = run_configs(base, name, values)
    assert len(configs) == len(values)
    for c in configs:
        differing = {f for f in base.to_dict() if getattr(c, f) != getattr(base, f)}
        allowed = {name} | ({"activation", "dropout"} if name == "hidden" else set())
        assert differing <= allowed
    assert len({c.to_json() for c in configs}) == len(values)


def test_varied_activation_runs_start_from_identical_weights_and_data_order():
    base, variable, values = preset_config("activations")
    trainers = [Trainer(c) for c in run_configs(base, variable, values)]
    first = trainers[0]
    for t in trainers[1:]:
        np.testing.assert_array_equal(t.net.flat, first.net.flat)
        np.testing.assert_array_equal(t.data.X_train, first.data.X_train)
    for t in trainers:
        t.run(1)
    for t in trainers[1:]:  # same shuffling: the same permutation in the first epoch
        np.testing.assert_array_equal(t.order, first.order)


def test_depth_variation_shares_the_first_layer_when_it_has_the_same_shape():
    base = Config(dataset="circle", hidden=(8,))
    a, b = (Trainer(c) for c in run_configs(base, "hidden", [(8,), (8, 8)]))
    np.testing.assert_array_equal(a.net.params[0], b.net.params[0])


def test_a_diverged_run_does_not_stop_the_others():
    base, variable, values = Config(dataset="plane", hidden=(8,), activation="relu"), "lr", \
        [0.01, 10.0]
    good, bad = (Trainer(c) for c in run_configs(base, variable, values))
    for _ in range(20):
        for t in (good, bad):
            if t.status != DIVERGED:
                t.run(1)
    assert bad.status == DIVERGED
    assert good.status == "running" and good.epoch == 20
    row = results_row("lr 10", bad, 0.01)
    assert row["status"].startswith("diverged: ") and "learning rate" in row["status"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_runs_that_train(name):
    base, variable, values = preset_config(name)
    build = KINDS[PRESETS[name].kind].build
    assert isinstance(base, KINDS[PRESETS[name].kind].settings)
    for c in run_configs(base, variable, values):
        t = build(c)
        t.run(2)
        assert t.epoch == 2 or t.status == DIVERGED


def test_the_mlp_cnn_preset_shows_what_its_note_says():
    """Both read the plain test digits well; the CNN keeps more of the shifted ones."""
    cmp = Comparison.preset("mlp_cnn")
    runs = {v: ImageTrainer(c) for v, c in zip(cmp.values, cmp.configs(), strict=True)}
    for t in runs.values():
        t.run(20)
    last = {v: t.history.last for v, t in runs.items()}
    assert min(x["test_accuracy"] for x in last.values()) >= 0.95
    assert last["cnn"]["shifted_accuracy"] > last["mlp"]["shifted_accuracy"] + 0.05


def test_a_digits_comparison_round_trips_through_its_link():
    cmp = Comparison.preset("shifts")
    q = cmp.to_query()
    assert q["kind"] == "digits" and q["vary"] == "augment" and q["values"] == "false;true"
    back, warnings = Comparison.from_query(q)
    assert (back, warnings) == (cmp, [])
    odd, warnings = Comparison.from_query(q | {"kind": "sounds"})
    assert odd.kind == "points" and any("no comparison of 'sounds'" in w for w in warnings)


def test_run_configs_rejects_bad_requests():
    base = Config()
    with pytest.raises(ValueError, match="cannot vary"):
        run_configs(base, "colour", [1, 2])
    with pytest.raises(ValueError, match="2 to 6"):
        run_configs(base, "lr", [0.1])
    with pytest.raises(ValueError, match="lr 500"):
        run_configs(base, "lr", [0.1, 500.0])


def test_epochs_to_reach_and_results_row():
    assert epochs_to_reach([0, 1, 2, 3], [0.9, 0.5, 0.2, 0.1], 0.3) == 2
    assert epochs_to_reach([0, 1], [0.9, 0.5], 0.1) is None
    t = Trainer(Config(dataset="gauss"))
    t.run(10)
    row = results_row("x", t, 0.05)
    assert row["epoch"] == 10
    assert row["best test loss"] == min(t.history["test_loss"])
    assert row["accuracy"] == t.history.last["test_accuracy"]
    assert math.isclose(row["first-layer gradient"], t.gradient_norms()[0])
    assert 0.0 <= row["dead neurons"] <= 1.0


# --- the Comparison value object and its URL ----------------------------------------------
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_through_the_url(name):
    cmp = Comparison.preset(name)
    back, warnings = Comparison.from_query(cmp.to_query())
    assert warnings == []
    assert back == cmp
    assert [c.to_json() for c in back.configs()] == [c.to_json() for c in cmp.configs()]


def test_depth_values_round_trip_including_no_hidden_layer():
    cmp = Comparison(Config(dataset="xor"), "hidden", ((), (8,), (8, 8)), 0.05)
    q = cmp.to_query()
    assert q["values"] == ";8;8,8"
    assert Comparison.from_query(q) == (cmp, [])


def test_bad_url_values_become_warnings_and_a_valid_comparison():
    cmp, warnings = Comparison.from_query({"vary": "lr", "values": "0.1;abc;500;0.1",
                                           "target": "-1", "hidden": "x"})
    assert cmp.variable == "lr" and cmp.values == VARIABLES["lr"].defaults
    text = " ".join(warnings)
    assert "'abc'" in text and "'500'" in text and "target" in text and "hidden" in text
    cmp.configs()  # valid
    cmp, warnings = Comparison.from_query({"vary": "colour", "values": "1;2"})
    assert cmp == Comparison() and len(warnings) == 1 and "colour" in warnings[0]


def test_comparison_rejects_repeated_values_and_a_negative_target():
    with pytest.raises(ValueError, match="only once"):
        Comparison(Config(), "lr", (0.1, 0.1))
    with pytest.raises(ValueError, match="target"):
        Comparison(target=-1.0)


def test_results_csv_keeps_the_raw_numbers():
    t = Trainer(Config(dataset="xor"))
    t.run(3)
    rows = [results_row("a", t, 0.5), results_row("b", t, 0.0001)]
    parsed = list(csv.DictReader(io.StringIO(results_csv(rows))))
    assert [r["run"] for r in parsed] == ["a", "b"]
    assert float(parsed[0]["test loss"]) == rows[0]["test loss"]
    assert parsed[1]["epochs to target"] == ""  # never reached
    assert results_csv([]) == ""


# --- the lockstep runner ------------------------------------------------------------------
def _wait(cond, timeout=20.0):
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_group_runner_starts_runs_from_identical_weights_and_steps_them_together():
    cmp = Comparison.preset("activations")
    r = GroupRunner(cmp.configs(), cmp.labels())
    try:
        first = r.trainers[0]
        start = first.net.flat.copy()
        for t in r.trainers[1:]:
            np.testing.assert_array_equal(t.net.flat, start)
        r.step_epoch()
        assert [t.epoch for t in r.trainers] == [1, 1, 1]
        for t in r.trainers[1:]:
            np.testing.assert_array_equal(t.order, first.order)
        r.speed = None
        r.play()
        _wait(lambda: r.trainers[0].epoch >= 20)
        r.pause()
        time.sleep(0.1)
        with r.lock:
            epochs = [t.epoch for t in r.trainers]
        assert len(set(epochs)) == 1 and epochs[0] >= 20
        r.reset()
        assert [t.epoch for t in r.trainers] == [0, 0, 0]
        np.testing.assert_array_equal(r.trainers[0].net.flat, start)
    finally:
        r.close()


def test_group_runner_carries_on_when_one_run_diverges_and_stops_when_all_are_over():
    cmp = Comparison(Config(dataset="plane", hidden=(8,), activation="relu", max_epochs=60),
                     "lr", (0.01, 10.0))
    r = GroupRunner(cmp.configs(), cmp.labels())
    try:
        r.speed = None
        r.play()
        _wait(lambda: not r.playing)  # over: one diverged, the other reached its budget
        good, bad = r.trainers
        assert bad.status == DIVERGED and bad.epoch < 60
        assert good.status == "stopped early" and good.epoch == 60
    finally:
        r.close()


def test_group_runner_reset_runs_rejects_bad_configs_and_keeps_the_old_runs():
    cmp = Comparison.preset("optimizers")
    r = GroupRunner(cmp.configs(), cmp.labels())
    try:
        before = r.trainers
        with pytest.raises(ValueError):
            r.reset_runs([Config(dataset=CUSTOM)], ["x"])
        assert r.trainers is before
    finally:
        r.close()


# --- the pictures ---------------------------------------------------------------------------
def _snapshot(cmp: Comparison, epochs: int = 3):
    trainers = [Trainer(c) for c in cmp.configs()]
    for t in trainers:
        t.run(epochs)
    return trainers, compare_view.snapshot(trainers, cmp.labels())


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_maps_grid_has_one_map_per_run_on_one_colour_scale(n):
    cmp = Comparison(Config(dataset="circle"), "lr", tuple(VARIABLES["lr"].options[3:3 + n]))
    trainers, snap = _snapshot(cmp, 0)
    fig = compare_charts.maps_grid(snap)
    assert len(fig["layout"]["images"]) == n and len(fig["data"]) == n
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert all(label in text for label, text in zip(cmp.labels(), texts, strict=True))
    # Untrained runs from the same weights and data predict alike (the learning rate has not
    # acted yet): their maps are the same picture, so the colours mean the same everywhere.
    assert len({img["source"] for img in fig["layout"]["images"]}) == 1
    rows, cols = compare_charts.grid_shape(n)
    domains = [fig["layout"][f"xaxis{'' if i == 0 else i + 1}"]["domain"] for i in range(n)]
    widths = {round(d[1] - d[0], 9) for d in domains}
    assert len(widths) == 1 and rows * cols >= n


def test_a_diverged_run_is_framed_and_named():
    cmp = Comparison(Config(dataset="plane", hidden=(8,), activation="relu"), "lr",
                     (0.01, 10.0))
    trainers, snap = _snapshot(cmp, 30)
    assert trainers[1].status == DIVERGED
    fig = compare_charts.maps_grid(snap)
    assert [s["xref"] for s in fig["layout"]["shapes"]] == ["x2 domain"]
    assert "diverged" in fig["layout"]["annotations"][1]["text"]


def test_losses_chart_draws_train_and_test_of_every_run_in_its_colour():
    cmp = Comparison.preset("optimizers")
    trainers, snap = _snapshot(cmp, 4)
    fig = compare_charts.losses_chart(snap, log=True)
    assert len(fig["data"]) == 2 * len(trainers)
    assert fig["layout"]["yaxis"]["type"] == "log"
    for i, run in enumerate(snap.runs):
        test, train = fig["data"][2 * i: 2 * i + 2]
        assert test["line"]["color"] == train["line"]["color"] == run.color
        ys = np.frombuffer(base64.b64decode(test["y"]["bdata"]), dtype=np.float32)
        np.testing.assert_allclose(ys, trainers[i].history["test_loss"], rtol=1e-6)
    assert compare_view.status_line(snap, 12.0) == "Epoch 4 · 3 runs · 12 epochs/s"


def test_the_zero_init_preset_shows_what_its_note_says():
    """With zeros (and sigmoid, whose value at 0 is not 0) the weights move, but every neuron
    of a layer stays a copy of the others: each layer acts as one neuron."""
    cmp = Comparison.preset("init")
    zeros = Trainer(cmp.configs()[cmp.values.index("zeros")])
    zeros.run(100)
    for W in zeros.net.params[0::2][:-1]:
        assert np.abs(W).max() > 0  # they learn
        np.testing.assert_array_equal(W, W[:, :1].repeat(W.shape[1], axis=1))  # as copies
    tanh = Trainer(cmp.configs()[cmp.values.index("zeros")].replace(activation="tanh"))
    tanh.run(20)
    assert all(np.abs(w).max() == 0 for w in tanh.net.weights())  # what the note warns of
