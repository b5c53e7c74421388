"""Compare on GANs (ui/compare/kinds/gan.py): each variable changes only its setting, the runs
start from the same weights of both networks and the same noise, the link round-trips, the
results row and the map per run; and the Compare page with the GAN kind (AppTest)."""

import json

import apptest_pages
import numpy as np
import plotly.graph_objects as go
import pytest

from engine import GanConfig, GanTrainer
from engine.gan import DISTANCE_THRESHOLD, GAN_LOSSES
from ui.compare.kinds import KINDS
from ui.compare.kinds.gan import GAN_VARIABLES, PRESETS
from ui.compare.model import Comparison, kind_of, run_configs

KIND = KINDS["gan"]


@pytest.mark.parametrize("name", list(GAN_VARIABLES))
def test_every_variable_changes_only_its_setting(name):
    base = GanConfig()
    var = GAN_VARIABLES[name]
    configs = run_configs(base, name, list(var.defaults))
    allowed = {"d_lr"} if name == "lr_ratio" else {name}
    for c in configs:
        assert {f for f in base.to_dict() if getattr(c, f) != getattr(base, f)} <= allowed
        assert kind_of(c) == "gan"
    assert len({c.to_json() for c in configs}) == len(configs)


def test_the_ratio_sets_the_discriminator_s_rate_from_the_generator_s():
    configs = run_configs(GanConfig(g_lr=0.001), "lr_ratio", [1.0, 4.0])
    assert [(c.g_lr, c.d_lr) for c in configs] == [(0.001, 0.001), (0.001, 0.004)]
    assert GAN_VARIABLES["lr_ratio"].show(4.0) == "D rate 4× G's"


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_runs_start_from_the_same_weights_and_noise_and_train(name):
    cmp = Comparison.preset(name)
    assert cmp.kind == "gan"
    runs = [GanTrainer(c) for c in cmp.configs()]
    first = runs[0]
    for t in runs[1:]:
        np.testing.assert_array_equal(t.generator.flat, first.generator.flat)
        np.testing.assert_array_equal(t.discriminator.flat, first.discriminator.flat)
        np.testing.assert_array_equal(t.eval_noise, first.eval_noise)
        np.testing.assert_array_equal(t.X_train, first.X_train)
    # The same noise in training, too: one round of each draws the same generated batch.
    draws = [t._noise(t._noise_rng, 4) for t in runs]
    for d in draws[1:]:
        np.testing.assert_array_equal(d, draws[0])
    for t in runs:
        t.run(2)
        assert t.epoch == 2


def test_the_default_compares_the_three_losses_with_the_distance_threshold_as_target():
    cmp = Comparison.start("gan")
    assert cmp.variable == "loss" and set(cmp.values) == set(GAN_LOSSES)
    assert cmp.target == DISTANCE_THRESHOLD == Comparison.preset("gan_rates").target
    assert Comparison.preset("shifts").target == 0.1  # other kinds keep the page's default
    assert cmp.labels() == [GAN_LOSSES[v].label for v in cmp.values]


def test_a_gan_comparison_round_trips_through_its_link():
    cmp = Comparison.preset("gan_rates")
    q = cmp.to_query()
    assert q["kind"] == "gan" and q["vary"] == "lr_ratio" and q["values"] == "1;4"
    back, warnings = Comparison.from_query(q)
    assert (back, warnings) == (cmp, [])


def test_the_results_row_and_the_map_per_run():
    cmp = Comparison.preset("gan_losses")
    runs = [GanTrainer(c) for c in cmp.configs()]
    for t in runs:
        t.run(3)
    row = KIND.row("Minimax", runs[0], 0.5)
    h = runs[0].history
    assert row["distance"] == h.last["test_loss"] and row["best distance"] == min(h["test_loss"])
    assert row["mode coverage"] == h.last["modes_covered"] / 8
    assert row["epochs to target"] == next(e for e, v in zip(h["epoch"], h["test_loss"],
                                                             strict=True) if v <= 0.5)
    assert np.isnan(KIND.row("x", GanTrainer(GanConfig(distribution="moons")), 0.1)
                    ["mode coverage"])
    snap = KIND.snapshot(runs, cmp.labels())
    fig = KIND.figures(snap, 0)["cmp_gan"]
    go.Figure(fig)
    assert len(fig["layout"]["images"]) == 3 and len(fig["data"]) == 3
    assert [a["text"] for a in fig["layout"]["annotations"]] == \
        [f"<b>{label}</b>" for label in cmp.labels()]
    np.testing.assert_array_equal(snap.runs[1].fake, runs[1].samples(200))
    assert not snap.runs[2].probability  # least squares: a score


def test_the_compare_page_runs_gans(root):
    at = apptest_pages.open_page(root, "pages/2_Compare.py")
    try:
        at.radio(key="cmp.kind").set_value("gan").run()
        assert not at.exception, [e.message for e in at.exception]
        r = at.session_state["cmp.runner"]
        assert all(isinstance(t, GanTrainer) for t in r.trainers)
        assert r.labels == ["Minimax", "Non-saturating", "Least squares"]
        assert at.number_input(key="cmp.target").value == DISTANCE_THRESHOLD
        keys = {json.loads(c.proto.json).get("key") for c in at.get("bidi_component")
                if c.proto.component_name.endswith("nnp_live_chart")}
        assert {"cmp_gan", "cmp_loss"} <= keys
        at.button(key="cmp.step_epoch").click().run()
        assert all(t.epoch == 1 for t in r.trainers)
        columns = list(at.table[0].value.columns)
        assert {"distance", "mode coverage", "D loss", "G loss"} <= set(columns)
        assert at.query_params["kind"] in ("gan", ["gan"])
        # Shared settings reach every run; the varied one is disabled.
        assert at.selectbox(key="cmp.g.loss").disabled
        at.selectbox(key="cmp.g.distribution").set_value("grid").run()
        assert not at.exception, [e.message for e in at.exception]
        assert all((t.config.distribution, t.config.modes) == ("grid", 5) for t in r.trainers)
        at.selectbox(key="cmp.g.distribution").set_value("moons").run()
        assert "cmp.g.modes" not in {w.key for w in at.number_input}
        at.text_input(key="cmp.g.d_hidden").set_value("16").run()
        assert all(t.config.d_hidden == (16,) for t in r.trainers)
        at.selectbox(key="cmp.vary").set_value("lr_ratio").run()
        assert not at.exception, [e.message for e in at.exception]
        assert r.labels == ["D rate 1× G's", "D rate 4× G's"]
        assert [t.config.d_lr for t in r.trainers] == [0.001, 0.004]
        at.button(key="cmp.preset.gan_losses").click().run()
        assert r.labels == ["Minimax", "Non-saturating", "Least squares"]
        at.radio(key="cmp.kind").set_value("points").run()
        assert not at.exception and not isinstance(r.trainers[0], GanTrainer)
    finally:
        at.session_state["cmp.runner"].close()
