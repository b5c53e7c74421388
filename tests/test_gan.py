"""Tests for engine.gan: GanConfig (fields, limits, round trips), the losses' gradients, one
round of updates restated as gradient descent on each network's loss (by finite differences),
sub-steps and single updates, the views (the discriminator's map, the warped noise grid,
fixed-noise samples, the gradient arrows by finite differences), the distance against
distributions.mmd, the diagnosis of collapse and of a rising distance, the presets converging
or collapsing as stated, the digits GAN and the memory a run holds. The training core's
contract for GanTrainer is in test_training.py."""

import time
import tracemalloc

import numpy as np
import pytest

from engine import GAN_PRESETS, DigitsGanConfig, DigitsGanTrainer, GanConfig, GanTrainer
from engine.data import mmd, sample
from engine.gan import (
    DISTANCE_THRESHOLD,
    FIELDS,
    GAN_LOSSES,
    N_EVAL,
    MmdReference,
)

LIVE = {"g_optimizer", "g_lr", "g_updates", "d_optimizer", "d_lr", "d_updates", "momentum",
        "alpha", "beta1", "beta2", "eps", "weight_decay", "batch_size", "schedule", "lr_decay",
        "lr_period", "early_stopping", "patience", "max_epochs", "target_loss", "eval_every"}
QUICK = {"n_samples": 256, "batch_size": 32, "schedule": "constant"}


@pytest.fixture(scope="module")
def ring() -> GanTrainer:
    """The ring preset after 40 epochs: spread over the modes."""
    t = GanTrainer(GAN_PRESETS["ring"].config)
    t.run(40)
    return t


def copy_rng(rng: np.random.Generator) -> np.random.Generator:
    twin = np.random.default_rng()
    twin.bit_generator.state = rng.bit_generator.state
    return twin


def numeric_grad(f, flat: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of f() over the entries of flat (changed in place, restored)."""
    g = np.empty_like(flat)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f()
        flat[i] = keep - h
        down = f()
        flat[i] = keep
        g[i] = (up - down) / (2 * h)
    return g


# --- settings -----------------------------------------------------------------------------------

def test_every_field_has_a_label_a_help_and_its_live_or_rebuild_class():
    for f in FIELDS:
        assert f.label and f.help and f.help[0].isupper(), f.name
    assert GanConfig.live_fields() == LIVE
    assert DigitsGanConfig.live_fields() == LIVE
    assert GanConfig().beta1 == 0.5 and GanConfig().d_updates == 1 and GanConfig().g_updates == 1


@pytest.mark.parametrize("config", [
    GanConfig(),
    GanConfig(distribution="grid", modes=4, loss="least_squares", g_hidden=(), d_hidden=(64,) * 4,
              d_updates=2, noise_dim=1, noise="uniform", d_optimizer="sgd", seed=3),
    GanConfig(distribution="points", spread=0.0, g_activation="tanh", beta1=0.9, max_epochs=50,
              early_stopping=True, target_loss=0.01),
], ids=["default", "grid", "points"])
def test_settings_round_trip_through_dict_json_and_url(config):
    assert GanConfig.from_dict(config.to_dict()) == config
    assert GanConfig.from_json(config.to_json()) == config
    back, warnings = GanConfig.from_query(config.to_query())
    assert back == config and warnings == []
    digits = DigitsGanConfig(digit="3", noise_dim=8, g_hidden=(128, 64))
    assert DigitsGanConfig.from_query(digits.to_query()) == (digits, [])


@pytest.mark.parametrize("changes, message", [
    ({"distribution": "grid", "modes": 8}, "a grid has 2 to 7 modes per side, not 8"),
    ({"distribution": "donut"}, "distribution must be one of"),
    ({"g_hidden": (32,) * 5}, "at most 4 hidden layers of 1 to 64"),
    ({"d_hidden": (65,)}, "at most 4 hidden layers of 1 to 64"),
    ({"noise_dim": 3}, "noise_dim must be between 1 and 2"),
    ({"loss": "wasserstein"}, "loss must be one of: minimax, non_saturating, least_squares"),
    ({"d_updates": 0}, "d_updates must be between 1 and 5"),
])
def test_invalid_settings_raise_readable_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        GanConfig(**changes)


def test_your_points_are_needed_for_points_and_only_there():
    with pytest.raises(ValueError, match="samples your own points: draw or upload them"):
        GanTrainer(GanConfig(distribution="points"))
    with pytest.raises(ValueError, match="points of your own are for the distribution"):
        GanTrainer(GanConfig(), data=np.zeros((20, 2)))
    with pytest.raises(ValueError, match="points must lie inside the view"):
        GanTrainer(GanConfig(distribution="points"), data=np.full((20, 2), 3.0))


def test_settings_of_another_distribution_rebuild_nothing():
    t = GanTrainer(GanConfig(**QUICK))
    t.run(1)
    assert t.apply(t.config.replace(spread=0.1)) is False  # a ring's spread is fixed
    assert t.apply(t.config.replace(modes=6)) is True
    t = GanTrainer(GanConfig(distribution="moons", **QUICK))
    assert t.apply(t.config.replace(modes=3)) is False and t.modes_total is None


# --- losses and updates -------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(GAN_LOSSES))
def test_the_losses_gradients_by_finite_differences(name):
    loss = GAN_LOSSES[name]
    rng = np.random.default_rng(0)
    sr, sf = rng.normal(0, 2, (5, 1)), rng.normal(0, 2, (7, 1))
    _, dr, df = loss.d(sr, sf)
    np.testing.assert_allclose(dr.ravel(), numeric_grad(lambda: loss.d(sr, sf)[0], sr.ravel()),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(df.ravel(), numeric_grad(lambda: loss.d(sr, sf)[0], sf.ravel()),
                               rtol=1e-6, atol=1e-9)
    per_point, d = loss.g(sf)
    np.testing.assert_allclose(d.ravel(), numeric_grad(lambda: loss.g(sf)[0].sum(), sf.ravel()),
                               rtol=1e-6, atol=1e-9)
    if loss.probability:  # the generator gains when D says "real"
        assert (d < 0).all()


@pytest.mark.parametrize("name", list(GAN_LOSSES))
def test_a_round_is_gradient_descent_on_each_networks_loss(name):
    # tanh: no kinks for the finite differences to straddle
    config = GanConfig(loss=name, g_hidden=(6,), d_hidden=(5, 4), g_activation="tanh",
                       d_activation="tanh", d_optimizer="sgd", g_optimizer="sgd", d_lr=0.1,
                       g_lr=0.2, **QUICK)
    t = GanTrainer(config)
    t.run(1)
    t.step()  # into the next epoch, whose order is now known
    G, D, m, loss = t.generator, t.discriminator, config.batch_size, GAN_LOSSES[name]
    real = t.X_train[t.order[t.position:t.position + m]]
    rng = copy_rng(t.rngs["noise"])
    fake = G.forward(rng.standard_normal((m, 2)))
    z = rng.standard_normal((m, 2))  # the generator's update, after the discriminator's
    x = np.concatenate([real, fake])

    def d_loss():
        s = D.forward(x)
        return loss.d(s[:m], s[m:])[0]

    d_before, g_before = D.flat.copy(), G.flat.copy()
    d_grad = numeric_grad(d_loss, D.flat)
    D.flat[...] = d_before - 0.1 * d_grad
    g_grad = numeric_grad(lambda: loss.g(D.forward(G.forward(z)))[0].mean(), G.flat)
    D.flat[...] = d_before
    t.step()
    np.testing.assert_allclose(D.flat, d_before - 0.1 * d_grad, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(G.flat, g_before - 0.2 * g_grad, rtol=1e-6, atol=1e-9)
    assert np.abs(d_grad).max() > 1e-4 and np.abs(g_grad).max() > 1e-4


def test_sub_steps_are_a_round_update_by_update():
    config = GanConfig(d_updates=2, g_updates=3, **QUICK)
    a, b = GanTrainer(config), GanTrainer(config)
    seen = []
    for who, k in a.substeps():
        seen.append((who, k, a.discriminator.flat.copy(), a.generator.flat.copy()))
    assert [(w, k) for w, k, _, _ in seen] == [("discriminator", 0), ("discriminator", 1),
                                               ("generator", 0), ("generator", 1),
                                               ("generator", 2)]
    g0 = b.generator.flat.copy()
    np.testing.assert_array_equal(seen[1][3], g0)  # the generator waits for its turn
    assert not np.array_equal(seen[0][2], seen[1][2])
    np.testing.assert_array_equal(seen[2][2], seen[4][2])  # then the discriminator waits
    b.step()
    assert (a.steps, a.position, a.status) == (b.steps, b.position, b.status) == (1, 64,
                                                                                  "running")
    np.testing.assert_array_equal(a.discriminator.flat, b.discriminator.flat)
    np.testing.assert_array_equal(a.generator.flat, b.generator.flat)


def test_a_round_left_half_way_is_finished_and_pauses_are_not_training_time():
    config = GanConfig(d_updates=2, **QUICK)
    a, b = GanTrainer(config), GanTrainer(config)
    rounds = a.substeps()
    next(rounds)
    time.sleep(0.25)
    next(rounds)
    rounds.close()
    b.step()
    assert a.steps == 1 and a.train_time < 0.25
    np.testing.assert_array_equal(a.generator.flat, b.generator.flat)
    a.run(1), b.run(1)
    np.testing.assert_array_equal(a.discriminator.flat, b.discriminator.flat)


def test_single_updates_move_one_network_and_no_counter():
    t = GanTrainer(GanConfig(**QUICK))
    d, g = t.discriminator.flat.copy(), t.generator.flat.copy()
    t.step_discriminator()
    assert not np.array_equal(t.discriminator.flat, d)
    np.testing.assert_array_equal(t.generator.flat, g)
    d = t.discriminator.flat.copy()
    t.step_generator()
    assert not np.array_equal(t.generator.flat, g)
    np.testing.assert_array_equal(t.discriminator.flat, d)
    assert (t.steps, t.epoch, t.position) == (0, 0, t.n_train)
    assert (t.d_optimizer.t, t.g_optimizer.t) == (1, 1)


# --- history and distance -------------------------------------------------------------------

def test_the_distance_is_distributions_mmd():
    x, y = sample("ring", 300, 0), sample("moons", 200, 1)
    ref = MmdReference(x)
    assert ref(y) == pytest.approx(mmd(x, y), rel=1e-10, abs=1e-13)
    assert ref(y, ref.self_term(y)) == ref(y)
    assert np.isnan(ref(np.full((5, 2), np.nan)))
    t = GanTrainer(GanConfig(**QUICK))
    fake = t.samples(N_EVAL)
    assert t.history.last["train_loss"] == pytest.approx(mmd(t.X_train[:N_EVAL], fake),
                                                         rel=1e-10)
    assert t.history.last["test_loss"] == pytest.approx(mmd(t.X_test[:N_EVAL], fake),
                                                        rel=1e-10)


def test_history_keys_for_mixtures_and_the_rest():
    t = GanTrainer(GanConfig(**QUICK))
    assert t.history.keys[1:-2] == ("train_loss", "test_loss", "d_loss", "g_loss", "d_real",
                                    "d_fake", "modes_covered")
    assert t.modes_total == 8 and t.distance_threshold == DISTANCE_THRESHOLD
    row = t.history.last
    assert 0 <= row["modes_covered"] <= 8 and 0 < row["d_real"] < 1 and 0 < row["d_fake"] < 1
    assert t.coverage() == (row["modes_covered"], 8)
    lines = GanTrainer(GanConfig(distribution="line", **QUICK))
    assert "modes_covered" not in lines.history.keys
    with pytest.raises(ValueError, match="line has no modes"):
        lines.coverage()
    grid = GanTrainer(GanConfig(distribution="grid", modes=3, loss="least_squares", **QUICK))
    assert grid.modes_total == 9
    assert grid.history.last["d_fake"] == pytest.approx(
        float(grid.discriminator.forward(grid.samples(N_EVAL)).mean()))  # raw scores


def test_a_rising_distance_is_explained_and_training_goes_on(ring):
    assert ring.diagnosis == ""
    t = GanTrainer(GAN_PRESETS["ring"].config)
    t.run(40)
    last = dict(t.history.last)
    for k in range(1, 12):
        t.history.append(last | {"epoch": last["epoch"] + k, "train_loss": 0.01 * 1.5 ** k})
    assert "has risen over the last 10 records" in t.diagnosis
    assert t.run(1) == "running"


# --- views ------------------------------------------------------------------------------------

def test_the_discriminators_map_and_the_warped_noise_grid(ring):
    grid = ring.discriminator_grid(30)
    assert grid.shape == (30, 30) and ((grid > 0) & (grid < 1)).all()
    noise = ring.noise_grid(7)
    assert noise.shape == (7, 7, 2) and noise.min() == -2.0 and noise.max() == 2.0
    m = ring.manifold(7)
    assert m.shape == (7, 7, 2)
    np.testing.assert_allclose(m[3, 5], ring.generator.forward(noise[3, 5][None])[0],
                               rtol=1e-12)
    one = GanTrainer(GanConfig(noise_dim=1, noise="uniform", **QUICK))
    assert one.noise_grid(5).ravel().tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert one.manifold(5).shape == (5, 2)
    with pytest.raises(ValueError, match="resolution must be 2 to 200"):
        ring.discriminator_grid(500)


def test_fixed_noise_samples_move_as_the_generator_learns():
    t = GanTrainer(GanConfig(**QUICK))
    a = t.samples(100)
    np.testing.assert_array_equal(a, t.samples(100))
    np.testing.assert_array_equal(a, t.samples(N_EVAL)[:100])
    t.step()
    b = t.samples(100)
    assert b.shape == (100, 2) and not np.array_equal(a, b)
    assert t.real_samples(10).shape == (10, 2)


@pytest.mark.parametrize("name", list(GAN_LOSSES))
def test_the_gradient_arrows_by_finite_differences(ring, name):
    t = GanTrainer(GAN_PRESETS["ring"].config.replace(loss=name))
    t.run(3)
    x = t.samples(40)
    arrows = t.gradients(x)
    h = 1e-6
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        numeric = (t.point_loss(x + step) - t.point_loss(x - step)) / (2 * h)
        np.testing.assert_allclose(arrows[:, k], -numeric, rtol=1e-5, atol=1e-8)
    assert np.abs(arrows).max() > 1e-3
    np.testing.assert_array_equal(t.gradients(), t.gradients(t.samples()))


# --- presets ------------------------------------------------------------------------------------

def converged(t: GanTrainer) -> bool:
    row = t.history.last
    return row["train_loss"] < DISTANCE_THRESHOLD and (
        t.modes_total is None or row["modes_covered"] == t.modes_total)


def test_every_preset_says_what_to_watch():
    assert set(GAN_PRESETS) == {"ring", "moons", "line", "collapse"}
    for p in GAN_PRESETS.values():
        assert p.label and p.watch.endswith(".") and len(p.watch) < 300


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ["ring", "moons", "line"])
def test_the_converging_presets_cover_every_mode_and_close_the_distance(name, seed):
    preset = GAN_PRESETS[name]
    assert preset.converges
    t = GanTrainer(preset.config.replace(seed=seed))
    start = t.history.last["train_loss"]
    while t.epoch < preset.epochs and not converged(t):
        t.run(1)
    assert converged(t), (t.epoch, t.history.last)
    assert start > 5 * DISTANCE_THRESHOLD
    x = t.samples(N_EVAL)
    if name == "moons":  # each moon holds a fair share of the points near it
        a = np.linspace(0, np.pi, 200)
        upper = np.column_stack([np.cos(a) - 0.5, np.sin(a) - 0.25])
        near = [np.sqrt(((x[:, None] - c[None]) ** 2).sum(-1)).min(axis=1)
                for c in (upper, -upper)]  # the lower moon is the upper one turned half round
        on_upper = (near[0] < near[1]) & (near[0] < 0.2)
        on_lower = (near[1] <= near[0]) & (near[1] < 0.2)
        assert 0.3 < on_upper.mean() < 0.7 and 0.3 < on_lower.mean() < 0.7
    if name == "line":  # the whole diagonal is reached
        along = x @ np.array([1.0, 1.0]) / 2
        assert along.min() < -1.2 and along.max() > 1.2
    assert t.diagnosis == ""


def test_the_collapse_preset_collapses():
    preset = GAN_PRESETS["collapse"]
    assert not preset.converges
    t = GanTrainer(preset.config)
    t.run(preset.epochs)
    covered = t.history["modes_covered"]
    assert max(covered[-50:]) <= 2 and min(t.history["train_loss"][-50:]) > 0.1
    assert t.diagnosis.startswith("Mode collapse: the generated points huddle together")
    assert t.status == "running"  # explained, not stopped


# --- digits -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits() -> DigitsGanTrainer:
    t = DigitsGanTrainer(DigitsGanConfig(digit="0", batch_size=16, max_epochs=0))
    t.run(20)
    return t


def test_the_digits_gan_learns_and_shows_its_digits(digits):
    t = digits
    assert t.history["train_loss"][-1] < 0.5 * t.history["train_loss"][0]
    grid = t.sample_grid()
    assert grid.shape == (16, 8, 8) and ((grid > 0) & (grid < 1)).all()
    walk = t.walk(2, 5, 6)
    assert walk.shape == (6, 8, 8)
    samples = t.samples(6)
    np.testing.assert_allclose(walk[0], samples[2], rtol=1e-12)
    np.testing.assert_allclose(walk[-1], samples[5], rtol=1e-12)
    assert t.real_samples(4).shape == (4, 8, 8) and t.n_train < 200  # the zeros only
    with pytest.raises(ValueError, match="steps must be 2 to 64"):
        t.walk(0, 1, 1)
    with pytest.raises(ValueError, match="noise vectors are numbered 0 to 511"):
        t.walk(0, 512)
    for view in (t.discriminator_grid, t.manifold, t.noise_grid):
        with pytest.raises(ValueError, match="digits have no 2-D view"):
            view()
    arrows = t.gradients(t.samples(3).reshape(3, 64))
    assert arrows.shape == (3, 64)


def test_the_digits_gan_resumes_from_a_file(digits):
    b = DigitsGanTrainer.load(digits.to_bytes())
    a = DigitsGanTrainer.load(digits.to_bytes())
    for t in (a, b):
        t.run(1)
    np.testing.assert_array_equal(a.generator.flat, b.generator.flat)
    with pytest.raises(ValueError, match="another kind of model"):
        GanTrainer.load(digits.to_bytes())


# --- memory -----------------------------------------------------------------------------------

def peak_of(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_the_largest_runs_hold_under_50_mb():
    def largest_2d():
        t = GanTrainer(GanConfig(n_samples=10_000, g_hidden=(64,) * 4, d_hidden=(64,) * 4,
                                 batch_size=512, d_updates=5, g_updates=5))
        t.step()
        t.discriminator_grid(200), t.manifold(200), t.gradients(), t.diagnosis, t.to_bytes()

    def largest_digits():
        t = DigitsGanTrainer(DigitsGanConfig(noise_dim=32, g_hidden=(128,) * 4,
                                             d_hidden=(128,) * 4, batch_size=512, d_updates=5,
                                             g_updates=5))
        t.step()
        t.sample_grid(), t.walk(0, 1, 64), t.gradients(), t.to_bytes()

    assert peak_of(largest_2d) < 50
    assert peak_of(largest_digits) < 50
    with pytest.raises(ValueError, match="at most 4 hidden layers of 1 to 128"):
        DigitsGanConfig(g_hidden=(129,))
