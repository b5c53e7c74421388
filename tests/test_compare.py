"""Comparisons: identical starts, identical data order, one setting varied."""

import math

import numpy as np
import pytest

from engine import DIVERGED, Config, Trainer
from playground.compare import (
    PRESETS,
    VARIABLES,
    epochs_to_reach,
    preset_config,
    results_row,
    run_configs,
)


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
        np.testing.assert_array_equal(t._perm, first._perm)


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
    for c in run_configs(base, variable, values):
        t = Trainer(c)
        t.run(2)
        assert t.epoch == 2 or t.status == DIVERGED


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
    assert 0.0 <= row["dead units"] <= 1.0
