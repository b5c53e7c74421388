"""Tests for engine.trainer: convergence, determinism, divergence, save and load, live settings,
schedules, stop conditions, history thinning, inspection, and random configs (hypothesis)."""

import io
import math
import signal
import time
import warnings
from contextlib import contextmanager
from dataclasses import fields
from math import cos, floor, pi

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    DIVERGED,
    FEATURES,
    LIVE_FIELDS,
    OPTIMIZERS,
    READY,
    RUNNING,
    SCHEDULES,
    STOPPED,
    Config,
    Dataset,
    History,
    Trainer,
    from_points,
    grid_points,
    make_dataset,
)
from engine.losses import LOSSES
from engine.outputs import task_outputs
from engine.trainer import FORMAT

FIELDS = [f.name for f in fields(Config)]
ALL_FEATURES = tuple(FEATURES)


def history_rows(h: History, skip=("time",)) -> dict:
    """The history's columns and last row, without wall-time columns."""
    data = {k: list(v) for k, v in h.data.items() if k not in skip}
    last = {k: v for k, v in h.last.items() if k not in skip}
    return {"data": data, "last": last, "stride": h.stride}


def optimizer_bytes(opt) -> tuple:
    state = opt.state_dict()
    bufs = state["buffers"]
    return state["t"], None if not bufs else {  # SGD's buffers: {} or None, the same
        k: [b.tobytes() for b in v] for k, v in sorted(bufs.items())}


def assert_same_run(a: Trainer, b: Trainer, with_time=False):
    assert a.net.flat.tobytes() == b.net.flat.tobytes()
    skip = () if with_time else ("time",)
    assert history_rows(a.history, skip) == history_rows(b.history, skip)
    assert (a.epoch, a.steps, a.status, a.status_reason) == \
        (b.epoch, b.steps, b.status, b.status_reason)
    assert optimizer_bytes(a.optimizer) == optimizer_bytes(b.optimizer)
    assert a.optimizer.lr == b.optimizer.lr


@contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging, e.g. when a stopped trainer's run() keeps looping."""
    def fail(signum, frame):
        raise AssertionError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(autouse=True)
def _no_test_hangs():
    with time_limit(60):
        yield


def epochs_with_weights(t: Trainer, epochs: int) -> dict[int, np.ndarray]:
    """Run epoch by epoch; the weights at the end of each epoch completed, by epoch (not those
    restored on divergence)."""
    flats = {t.epoch: t.net.flat.copy()}
    for _ in range(epochs):
        if t.run(1) == DIVERGED:
            break
        flats[t.epoch] = t.net.flat.copy()
        if t.status == STOPPED:
            break
    return flats


# --- convergence ------------------------------------------------------------------------------

SPIRAL = Config(dataset="spiral", features=ALL_FEATURES, hidden=(8, 8, 8), optimizer="adam",
                lr=0.01)


@pytest.mark.parametrize("config, metric, goal, budget", [
    (Config(dataset="xor"), "test_accuracy", 0.95, 600),
    (Config(dataset="circle"), "test_accuracy", 0.95, 400),
    (Config(dataset="circle", output="tanh"), "test_accuracy", 0.95, 400),
    (Config(dataset="circle", output="linear"), "test_accuracy", 0.95, 400),
    (SPIRAL, "test_accuracy", 0.90, 300),
    (Config(dataset="blobs"), "test_accuracy", 0.95, 100),
    (Config(dataset="plane"), "test_r2", 0.95, 300),
], ids=["xor", "circle", "circle-tanh", "circle-linear", "spiral", "blobs", "plane"])
def test_default_settings_converge(config, metric, goal, budget):
    t = Trainer(config)
    assert t.status == READY and t.epoch == 0
    while t.epoch < budget and t.history.last[metric] < goal:
        t.run(5)
    assert t.history.last[metric] >= goal, (t.epoch, t.history.last)
    assert t.status == RUNNING
    # The metric restated from predictions on the raw test points.
    d = t.data
    if t.task == "regression":
        p = t.predict(d.X_test)[:, 0]
        r2 = 1 - ((p - d.y_test) ** 2).sum() / ((d.y_test - d.y_test.mean()) ** 2).sum()
        assert r2 == pytest.approx(t.history.last["test_r2"], rel=1e-10)
    else:
        acc = (t.predict_classes(d.X_test) == d.y_test).mean()
        assert acc == t.history.last["test_accuracy"]


# --- determinism ------------------------------------------------------------------------------

@pytest.mark.parametrize("config", [
    Config(),
    Config(dropout=0.3, optimizer="adam", lr=0.01, hidden=(6, 6)),
    Config(dataset="blobs", dropout=(0.5, 0.1), optimizer="nesterov", l1=1e-3, l2=1e-2),
], ids=["default", "dropout-adam", "multiclass-dropout-penalties"])
def test_same_config_gives_a_bit_identical_run(config):
    np.random.seed(1)
    a = Trainer(config)
    a.run(6)
    for _ in range(4):
        a.step()
    np.random.seed(2)  # the global generator plays no part
    b = Trainer(config)
    b.run(6)
    for _ in range(4):
        b.step()
    assert_same_run(a, b)
    assert len(a.history) == 7 and a.steps == 6 * 25 + 4
    c = Trainer(config.replace(seed=1))
    c.run(6)
    assert not np.array_equal(a.net.flat, c.net.flat)


def test_dropout_changes_training():
    a, b = Trainer(Config()), Trainer(Config(dropout=0.3))
    assert a.net.flat.tobytes() == b.net.flat.tobytes()  # same start
    a.run(2)
    b.run(2)
    assert not np.array_equal(a.net.flat, b.net.flat)


# --- divergence -------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, high", [("sgd", 30), ("momentum", 100)])
def test_divergence_keeps_the_last_good_epoch_and_training_can_go_on(optimizer, high):
    config = Config(dataset="plane", activation="relu", hidden=(8, 8), lr=0.03,
                    optimizer=optimizer)
    t = Trainer(config)
    flats = epochs_with_weights(t, 5)
    good_loss = t.history.last["train_loss"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow on the way is no warning
        assert t.apply(config.replace(lr=high)) is False
        steps, rows, opts = {}, {}, {}
        for _ in range(20):
            steps[t.epoch], rows[t.epoch] = t.steps, history_rows(t.history)
            flats[t.epoch], opts[t.epoch] = t.net.flat.copy(), optimizer_bytes(t.optimizer)
            if t.run(1) == DIVERGED:
                break
    good = t.epoch
    assert t.status == DIVERGED and good >= 5
    assert "learning rate" in t.status_reason and f"({high})" in t.status_reason
    assert f"at epoch {good + 1}:" in t.status_reason
    assert f"The weights of epoch {good}, the last good ones, are kept" in t.status_reason
    assert np.isfinite(t.net.flat).all()
    assert t.net.flat.tobytes() == flats[good].tobytes()
    assert t.steps == steps[good] and history_rows(t.history) == rows[good]
    assert optimizer_bytes(t.optimizer) == opts[good] and t.optimizer.t == t.steps

    assert t.apply(config.replace(lr=0.01)) is False
    assert t.status == DIVERGED  # until training resumes
    assert t.run(10) == RUNNING
    assert t.epoch == good + 10 and t.history["epoch"][-1] == good + 10
    assert np.isfinite(t.history["train_loss"]).all()
    if optimizer == "sgd":  # momentum's last finite epoch is already far off
        assert t.history.last["train_loss"] < good_loss
    else:
        assert t.history.last["train_loss"] < rows[good]["last"]["train_loss"]


def test_divergence_in_the_first_epoch_restores_the_initial_weights():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow on the way is no warning
        t = Trainer(Config(dataset="plane", activation="relu", hidden=(8, 8), lr=10))
        start = t.net.flat.copy()
        assert t.run(3) == DIVERGED
    assert "the learning rate (10) is probably too high" in t.status_reason
    assert t.net.flat.tobytes() == start.tobytes() and (t.epoch, t.steps) == (0, 0)
    assert len(t.history) == 1
    loss0 = t.history.last["train_loss"]
    t.apply(t.config.replace(lr=0.01))
    t.run(5)
    assert t.status == RUNNING and t.history.last["train_loss"] < loss0


# --- save and load ------------------------------------------------------------------------------

def custom_data():
    rng = np.random.default_rng(5)
    X = rng.uniform(-3, 3, (80, 2))
    return from_points(X, (X[:, 0] * X[:, 1] > 0).astype(int), seed=3)


EARLY = Config(dataset="spiral", noise=0.3, n_samples=100, hidden=(8, 8), optimizer="adam",
               lr=0.05, early_stopping=True, patience=10)
SAVE_CASES = {
    "default": (Config(), None, 3, 0),
    "mid-epoch": (Config(), None, 2, 7),
    "adam-mid-epoch": (Config(optimizer="adam", lr=0.01), None, 2, 3),
    "dropout": (Config(dropout=0.3, optimizer="momentum", l2=1e-3), None, 2, 5),
    "early-stopping": (EARLY, None, 8, 1),
    "custom": (Config(dataset=CUSTOM, optimizer="rmsprop", batch_size=7), custom_data(), 2, 3),
    "multiclass": (Config(dataset="blobs", optimizer="adamw", schedule="step",
                          lr_period=2), None, 3, 0),
    "regression-budget": (Config(dataset="plane", max_epochs=6), None, 4, 2),
}


def save_and_load(t: Trainer, how: str, tmp_path) -> Trainer:
    if how == "path":
        path = tmp_path / "model.npz"
        t.save(path)
        return Trainer.load(path)
    if how == "str-path":
        path = tmp_path / "model.npz"
        t.save(str(path))
        return Trainer.load(str(path))
    if how == "file":
        buf = io.BytesIO()
        t.save(buf)
        buf.seek(0)
        return Trainer.load(buf)
    return Trainer.load(t.to_bytes())


@pytest.mark.parametrize("how", ["path", "str-path", "file", "bytes"])
@pytest.mark.parametrize("case", list(SAVE_CASES))
def test_load_resumes_bit_identically(case, how, tmp_path):
    config, data, epochs, steps = SAVE_CASES[case]
    a = Trainer(config, data)
    a.run(epochs)
    for _ in range(steps):
        a.step()
    b = save_and_load(a, how, tmp_path)
    assert b.config == a.config
    assert_same_run(a, b, with_time=True)
    assert b.best_epoch == a.best_epoch
    np.testing.assert_array_equal(b.predict_grid(9), a.predict_grid(9))
    if data is not None:
        np.testing.assert_array_equal(b.data.X_train, data.X_train)
        np.testing.assert_array_equal(b.data.y_test, data.y_test)
        assert b.data.bounds == data.bounds and b.data.task == data.task
    # Training on after loading is exactly training on without the interruption.
    a.run(12)
    b.run(12)
    assert_same_run(a, b)
    if case == "early-stopping":
        assert a.status == STOPPED and "early stopping" in a.status_reason
    if case == "regression-budget":
        assert a.status == STOPPED and a.epoch == 6
    for _ in range(3):
        a.step()
        b.step()
    assert_same_run(a, b)


def test_load_after_divergence_and_after_early_stop(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        a = Trainer(Config(dataset="plane", activation="relu", hidden=(8, 8), lr=0.03))
        a.run(3)
        a.apply(a.config.replace(lr=30))
        a.run(10)
    assert a.status == DIVERGED
    b = Trainer.load(a.to_bytes())
    assert_same_run(a, b, with_time=True)
    for t in (a, b):
        t.apply(t.config.replace(lr=0.01))
        t.run(4)
    assert_same_run(a, b)


def build_npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def good_file() -> bytes:
    t = Trainer(Config(n_samples=40))
    t.run(1)
    return t.to_bytes()


def replaced(**changes) -> bytes:
    with np.load(io.BytesIO(good_file())) as z:
        arrays = {k: z[k] for k in z.files}
    assert str(arrays["format"]) == FORMAT
    arrays.update(changes)
    return build_npz(**{k: v for k, v in arrays.items() if v is not None})


def npy_file() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    return buf.getvalue()


BAD_FILES = {
    "empty": lambda: b"",
    "text": lambda: b"hello, this is not a model",
    "truncated": lambda: good_file()[:300],
    "half": lambda: good_file()[: len(good_file()) // 2],
    "npy": npy_file,
    "other npz": lambda: build_npz(a=np.zeros(3)),
    "wrong format": lambda: replaced(format=np.array("something-else-v9")),
    "object array": lambda: replaced(state=np.array([{"epoch": 1}], dtype=object)),
    "missing state": lambda: replaced(state=None),
    "bad state json": lambda: replaced(state=np.array("{not json")),
    "incomplete state": lambda: replaced(state=np.array('{"epoch": 1}')),
    "bad config": lambda: replaced(config=np.array('{"lr": -1}')),
    "wrong weights": lambda: replaced(flat=np.zeros(3)),
    "missing weights": lambda: replaced(flat=None),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_model_files_raise_a_readable_value_error(name):
    content = BAD_FILES[name]()
    with pytest.raises(ValueError) as e:
        Trainer.load(content)
    message = str(e.value)
    assert "model file" in message or "config" in message or "lr must be" in message, message
    assert len(message) < 300
    with pytest.raises(ValueError):
        Trainer.load(io.BytesIO(content))


def test_load_refuses_pickles(monkeypatch):
    calls = []
    original = np.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return original(*args, **kwargs)

    good, pickled = good_file(), replaced(config=np.array([Config()], dtype=object))
    monkeypatch.setattr(np, "load", spy)
    Trainer.load(good)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        Trainer.load(pickled)
    assert calls == [False, False]


# --- live settings ----------------------------------------------------------------------------

LIVE_CHANGES = {
    "optimizer": "rmsprop", "lr": 0.1, "momentum": 0.5, "alpha": 0.9, "beta1": 0.8,
    "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1, "batch_size": 25, "l1": 1e-3, "l2": 1e-2,
    "dropout": 0.2, "schedule": "step", "lr_decay": 0.3, "lr_period": 5, "early_stopping": True,
    "patience": 7, "max_epochs": 100, "target_loss": 0.01, "eval_every": 3,
}
STRUCTURAL_CHANGES = {
    "dataset": "xor", "n_samples": 200, "noise": 0.1, "train_ratio": 0.6, "n_classes": 4,
    "features": ("x1", "x2", "x1_x2"), "hidden": (3,), "activation": "relu", "output": "tanh",
    "loss": "mse", "init": "he_uniform", "seed": 3, "scale": "standard", "x_col": "x1",
    "y_col": "x2",
}


def test_every_field_is_classified():
    assert set(LIVE_CHANGES) == LIVE_FIELDS
    assert set(STRUCTURAL_CHANGES) == set(FIELDS) - LIVE_FIELDS


def trained(config=None, epochs=2, steps=3):
    t = Trainer(config or Config(optimizer="adam", lr=0.01))
    t.run(epochs)
    for _ in range(steps):
        t.step()
    return t


@pytest.mark.parametrize("field", sorted(LIVE_FIELDS))
def test_live_change_keeps_weights_and_optimizer_state(field):
    t = trained()
    before = (t.net.flat.copy(), optimizer_bytes(t.optimizer), t.epoch, t.steps,
              history_rows(t.history, ()))
    new = t.config.replace(**{field: LIVE_CHANGES[field]})
    assert t.apply(new) is False
    assert t.config == new
    assert t.net.flat.tobytes() == before[0].tobytes()
    assert (t.epoch, t.steps, history_rows(t.history, ())) == before[2:]
    if field == "optimizer":
        assert t.optimizer.name == "rmsprop" and optimizer_bytes(t.optimizer) == (0, None)
    else:
        assert t.optimizer.name == "adam" and optimizer_bytes(t.optimizer) == before[1]
    for k, h in OPTIMIZERS[new.optimizer].hyper.items():
        v = getattr(new, k)
        assert getattr(t.optimizer, k) == (h.default if v is None else v)
    assert t.net.l1 == new.l1 and t.net.l2 == new.l2 and t.net.dropout == new.dropouts
    t.run(1)  # and training goes on
    assert t.epoch == before[2] + 1 and np.isfinite(t.net.flat).all()


def expected_sgd_step(t: Trainer, rows, lr, dropout_rng=None):
    """The weights after one SGD step on training rows `rows`, restated: the data gradient
    from Network.loss_and_grads without penalty, plus l1 sign(w) + l2 w on the weights."""
    net = t.net
    l1, l2 = net.l1, net.l2
    net.l1 = net.l2 = 0.0
    try:
        _, grads = net.loss_and_grads(t.X_train[rows], t.Y_train[rows], rng=dropout_rng)
    finally:
        net.l1, net.l2 = l1, l2
    out = []
    for i, (p, g) in enumerate(zip(net.params, grads, strict=True)):
        if i % 2 == 0:  # weights
            g = g + l2 * p + l1 * np.sign(p)
        out.append((p - lr * g).ravel())
    return np.concatenate(out)  # the flat buffer: layer by layer, W then b


def next_rows(t: Trainer, batch: int):
    assert 0 < t.position < t.n_train, "mid-epoch, so the permutation is known"
    return t.order[t.position:t.position + batch]


def test_learning_rate_change_applies_on_the_next_step():
    t = trained(Config(), epochs=1, steps=2)
    assert t.apply(t.config.replace(lr=0.5)) is False
    expected = expected_sgd_step(t, next_rows(t, 10), 0.5)
    t.step()
    np.testing.assert_allclose(t.net.flat, expected, rtol=1e-13, atol=1e-15)
    assert t.optimizer.lr == 0.5


def test_batch_size_change_applies_on_the_next_step():
    t = trained(Config(), epochs=1, steps=3)
    assert t.position == 30 and t.n_train == 250
    assert t.apply(t.config.replace(batch_size=100)) is False
    expected = expected_sgd_step(t, next_rows(t, 100), 0.03)
    t.step()
    np.testing.assert_allclose(t.net.flat, expected, rtol=1e-13, atol=1e-15)
    steps = t.steps
    t.run(1)  # 130..230, 230..250: the epoch ends after two more steps
    assert t.steps == steps + 2 and t.epoch == 2
    t.run(1)
    assert t.steps == steps + 5


def test_l1_and_l2_apply_on_the_next_step():
    t = trained(Config(), epochs=1, steps=2)
    assert t.apply(t.config.replace(l1=0.01, l2=0.2)) is False
    expected = expected_sgd_step(t, next_rows(t, 10), 0.03)
    t.step()
    np.testing.assert_allclose(t.net.flat, expected, rtol=1e-13, atol=1e-15)
    plain = expected_sgd_step(t, next_rows(t, 10), 0.03)
    t.net.l1 = t.net.l2 = 0.0
    assert not np.allclose(plain, expected_sgd_step(t, next_rows(t, 10), 0.03), rtol=1e-6)


def test_dropout_change_applies_on_the_next_step():
    t = trained(Config(hidden=(16, 16)), epochs=1, steps=2)
    assert t.apply(t.config.replace(dropout=(0.5, 0.25))) is False
    assert t.net.dropout == [0.5, 0.25]
    rng = np.random.default_rng()
    rng.bit_generator.state = t.rngs["dropout"].bit_generator.state
    expected = expected_sgd_step(t, next_rows(t, 10), 0.03, rng)
    t.step()
    np.testing.assert_allclose(t.net.flat, expected, rtol=1e-13, atol=1e-15)
    masks = [layer.mask for layer in t.net.layers[:-1]]
    assert all(m is not None for m in masks)
    assert 0.3 < (masks[0] == 0).mean() < 0.7 and (masks[1] == 0).mean() < 0.5
    assert t.apply(t.config.replace(dropout=0.0)) is False
    t.step()
    assert all(layer.mask is None for layer in t.net.layers)


@pytest.mark.parametrize("field", sorted(STRUCTURAL_CHANGES))
def test_structural_change_rebuilds(field):
    t = trained(Config(), epochs=2, steps=1)
    new = t.config.replace(**{field: STRUCTURAL_CHANGES[field]})
    assert t.apply(new) is True
    fresh = Trainer(new)
    assert t.config == new and (t.epoch, t.steps, t.status, len(t.history)) == (0, 0, READY, 1)
    assert_same_run(t, fresh, with_time=True)
    np.testing.assert_array_equal(t.X_train, fresh.X_train)
    t.run(2)
    fresh.run(2)
    assert_same_run(t, fresh)


@pytest.mark.parametrize("bad", [
    Config(dataset=CUSTOM),
    {"lr": 0.1, "hiden": (3,)},
    "not a config",
], ids=["custom-without-data", "unknown-key", "wrong-type"])
def test_invalid_change_raises_and_leaves_the_trainer_as_it_was(bad):
    t, twin = trained(), trained()
    before = dict(vars(t))
    with pytest.raises(ValueError):
        t.apply(bad)
    assert vars(t).keys() == before.keys()
    assert all(vars(t)[k] is v for k, v in before.items())
    assert_same_run(t, twin)
    t.run(3)
    twin.run(3)
    assert_same_run(t, twin)


def test_custom_data_survives_a_rebuild():
    data = custom_data()
    t = Trainer(Config(dataset=CUSTOM), data)
    t.run(2)
    assert t.apply(t.config.replace(hidden=(5,))) is True
    assert t.data is data and t.net.sizes == [2, 5, 1]


# --- schedules --------------------------------------------------------------------------------

FACTORS = {
    "constant": lambda e, d, p: 1.0,
    "step": lambda e, d, p: d ** floor(e / p),
    "exponential": lambda e, d, p: d ** (e / p),
    "cosine": lambda e, d, p: d + (1 - d) * (1 + cos(pi * min(e, p) / p)) / 2,
}


def test_every_schedule_is_restated():
    assert set(FACTORS) == set(SCHEDULES)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_history_lr_follows_the_schedule(name):
    config = Config(n_samples=40, schedule=name, lr=0.2, lr_decay=0.3, lr_period=4)
    t = Trainer(config)
    t.run(12)
    # Row e ends epoch e, trained at the rate for e - 1 completed epochs.
    for e, lr in zip(t.history["epoch"], t.history["lr"], strict=True):
        assert lr == pytest.approx(0.2 * FACTORS[name](max(e - 1, 0), 0.3, 4), rel=1e-12)
    if name != "constant":
        assert len(set(t.history["lr"])) >= 3
    # The rate recorded is the rate the optimizer used.
    assert t.optimizer.lr == t.history.last["lr"]


# --- stop conditions --------------------------------------------------------------------------

def test_early_stopping_restores_the_best_weights():
    t = Trainer(EARLY)
    flats = epochs_with_weights(t, 300)
    assert t.status == STOPPED
    assert t.status_reason.startswith("early stopping") and "for 10 epochs" in t.status_reason
    losses = t.history["test_loss"]
    best = 1 + int(np.argmin(losses[1:]))
    assert t.best_epoch == best and f"epoch {best}" in t.status_reason
    assert t.epoch - best == EARLY.patience
    assert t.net.flat.tobytes() == flats[best].tobytes()
    assert all(loss > losses[best] for loss in losses[best + 1:])
    # The latest row describes the restored weights: the best epoch's, not the last one trained.
    last = t.history.last
    assert last["epoch"] == best and last["test_loss"] == losses[best]
    assert last["train_loss"] == t.history["train_loss"][best]


def test_train_time_counts_training_steps_only():
    t = Trainer(Config(n_samples=400, batch_size=10))  # 20 steps an epoch
    for _ in range(5):
        t.step()
    time.sleep(0.3)  # a pause in the middle of the epoch
    while t.epoch < 1:
        t.step()
    assert 0 < t.history.last["time"] == t.train_time < 0.2


def test_turning_early_stopping_on_live_starts_counting_then():
    t = trained(EARLY.replace(early_stopping=False), epochs=30, steps=0)
    assert t.best_epoch is None
    t.apply(t.config.replace(early_stopping=True))
    t.run(1)
    assert t.best_epoch == 31


def test_target_loss_stops_with_a_clear_reason():
    t = Trainer(Config(target_loss=0.3))
    assert t.run(1000) == STOPPED
    assert t.status_reason == f"reached the target loss 0.3 at epoch {t.epoch}"
    losses = t.history["train_loss"]
    assert losses[-1] <= 0.3 and all(loss > 0.3 for loss in losses[:-1])


def test_epoch_budget_stops_and_then_nothing_more_happens():
    t = Trainer(Config(max_epochs=7))
    assert t.run(100) == STOPPED and t.epoch == 7
    assert t.status_reason == "reached the budget of 7 epochs"
    flat, steps, rows = t.net.flat.copy(), t.steps, history_rows(t.history)
    assert t.run(5) == STOPPED
    t.step()
    assert t.net.flat.tobytes() == flat.tobytes() and t.steps == steps and t.epoch == 7
    assert history_rows(t.history) == rows
    t.apply(t.config.replace(max_epochs=9))
    assert t.run(100) == STOPPED and t.epoch == 9
    assert t.status_reason == "reached the budget of 9 epochs"


# --- history ----------------------------------------------------------------------------------

@pytest.mark.parametrize("max_points", [3, 8, 9, 100])
def test_history_thinning_keeps_exact_rows_in_bounded_memory(max_points):
    h = History(("a", "b"), max_points)
    rows = {}
    for e in range(1000):
        row = {"epoch": e, "a": math.sin(e), "b": e * 0.1}
        rows[e] = dict(row)
        h.append(row)
        assert len(h) < max_points or len(h) == max_points == 1
        assert h.last == rows[e]
        stored = h["epoch"]
        assert stored[0] == 0 and stored == sorted(set(stored))
        for i, epoch in enumerate(stored):
            assert (h["a"][i], h["b"][i]) == (rows[epoch]["a"], rows[epoch]["b"])
    # The stored rows are evenly spaced and reach into the last stride of the run.
    gaps = set(np.diff(h["epoch"]))
    assert gaps == {h.stride} and h["epoch"][-1] > 999 - 2 * h.stride


def test_history_is_compact_and_gives_lists_and_arrays():
    """A full history of 7 columns holds 8 bytes a value, not a Python float each; `h[key]` is a
    list (epochs as integers), `h.column(key, index)` a NumPy array that does not alias it."""
    h = History(("a", "b", "c", "d", "e", "f"), 4000)
    for e in range(3999):
        h.append({"epoch": e, **{k: e * 0.5 for k in "abcdef"}})
    assert len(h) == 3999
    assert sum(col.buffer_info()[1] * col.itemsize for col in h.data.values()) == 7 * 8 * 3999
    assert h["epoch"][:3] == [0, 1, 2] and all(type(e) is int for e in h["epoch"][:3])
    assert h["a"][-1] == 1999.0
    col = h.column("a", np.array([0, 3998]))
    np.testing.assert_array_equal(col, [0.0, 1999.0])
    assert h.column("epoch").dtype == np.int64
    whole = h.column("b", slice(None))
    h.append({"epoch": 3999, **{k: 1.0 for k in "abcdef"}})  # the history may grow after
    assert len(whole) == 3999 and len(h) == 2000
    assert History(("a",)).column("a", slice(None)).shape == (0,)


@pytest.mark.parametrize("bad", [["x", "y"], [None, 1.0], [[1.0], 2.0]])
def test_history_from_a_file_with_non_numbers_is_refused(bad):
    h = History(("a",))
    h.append({"epoch": 0, "a": 1.0})
    h.append({"epoch": 1, "a": 2.0})
    d = h.to_dict()
    assert History.from_dict(d)["a"] == [1.0, 2.0]
    d["data"]["a"] = bad
    with pytest.raises(ValueError, match="not numbers"):
        History.from_dict(d)


def test_trainer_history_is_thinned_and_last_is_the_newest_epoch():
    t = Trainer(Config(n_samples=40), max_history=10)
    seen = {0: dict(t.history.last)}
    for _ in range(60):
        t.run(1)
        seen[t.epoch] = dict(t.history.last)
        assert len(t.history) < 10 and t.history.last["epoch"] == t.epoch
    for i, e in enumerate(t.history["epoch"]):
        for k in t.history.keys:
            assert t.history[k][i] == seen[e][k]
    assert set(t.history.keys) == {"epoch", "train_loss", "test_loss", "train_accuracy",
                                   "test_accuracy", "time", "lr"}
    times = t.history["time"]
    assert times == sorted(times)
    r = Trainer(Config(dataset="plane", n_samples=40))
    assert set(r.history.keys) >= {"train_r2", "test_r2", "train_rmse", "test_rmse"}


def test_history_metrics_are_restated():
    t = trained(Config(dataset="plane", n_samples=100), epochs=3, steps=0)
    net, last = t.net, t.history.last
    for part, X, Y in (("train", t.X_train, t.Y_train), ("test", t.X_test, t.Y_test)):
        p = net.forward(X)
        assert last[f"{part}_loss"] == pytest.approx(((p - Y) ** 2).mean(), rel=1e-12)
        assert last[f"{part}_rmse"] == pytest.approx(np.sqrt(((p - Y) ** 2).mean()), rel=1e-12)


# --- inspection -------------------------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["circle", "blobs"])
def test_predict_grid_orientation(dataset):
    t = trained(Config(dataset=dataset, features=("x1", "x2", "x1_sq", "sin_x2")), 2, 0)
    bounds = (-3.0, 5.0, -2.0, 4.0)  # not square, so a transpose would show
    grid = t.predict_grid(7, bounds)
    k = t.data.n_classes if t.task == "multiclass" else 1
    assert grid.shape == ((7, 7) if k == 1 else (7, 7, k))
    x1s, x2s, points = grid_points(7, bounds)
    np.testing.assert_array_equal(x1s, np.linspace(-3, 5, 7))
    np.testing.assert_array_equal(x2s, np.linspace(-2, 4, 7))
    for i in range(7):
        for j in range(7):
            p = t.predict(np.array([[x1s[j], x2s[i]]]))[0]
            np.testing.assert_allclose(grid[i, j], p if k > 1 else p[0], rtol=1e-12)
    default = t.predict_grid(5)
    x1s, x2s, _ = grid_points(5, t.data.bounds)
    np.testing.assert_allclose(default[4, 0], t.predict(np.array([[x1s[0], x2s[4]]]))[0],
                               rtol=1e-12)


def test_layer_and_feature_grids():
    t = trained(Config(features=("x1_sq", "x2", "sin_x1"), hidden=(5, 3)), 1, 0)
    bounds = (-1.0, 2.0, 0.0, 5.0)
    layers = t.layer_grids(6, bounds)
    assert [g.shape for g in layers] == [(5, 6, 6), (3, 6, 6), (1, 6, 6)]
    feats = t.feature_grids(6, bounds)
    assert feats.shape == (3, 6, 6)
    x1s, x2s, _ = grid_points(6, bounds)
    for i in (0, 3, 5):
        for j in (0, 2, 5):
            x1, x2 = x1s[j], x2s[i]
            np.testing.assert_allclose(feats[:, i, j], [x1**2, x2, np.sin(x1)], rtol=1e-15)
            outs = t.net.layer_outputs(np.array([[x1**2, x2, np.sin(x1)]]))
            for grid, out in zip(layers, outs, strict=True):
                np.testing.assert_allclose(grid[:, i, j], out[0], rtol=1e-12)
    np.testing.assert_allclose(layers[-1][0], t.predict_grid(6, bounds), rtol=1e-12)


@pytest.mark.parametrize("config", [Config(), Config(l1=0.01, l2=0.1, dropout=0.4),
                                    Config(dataset="blobs", hidden=(3, 3, 3))],
                         ids=["plain", "penalties-dropout", "multiclass"])
def test_gradient_norms_are_full_batch_gradients(config):
    t = trained(config, 2, 3)
    twin = trained(config, 2, 3)
    norms = t.gradient_norms()
    _, grads = t.net.loss_and_grads(t.X_train, t.Y_train)  # no rng: no dropout
    expected = [np.sqrt((grads[i] ** 2).sum() + (grads[i + 1] ** 2).sum())
                for i in range(0, len(grads), 2)]
    assert len(norms) == len(config.hidden) + 1
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    # Inspecting does not disturb training.
    t.weight_stats(), t.dead_fractions(), t.predict_grid(5), t.layer_grids(4)
    t.run(2)
    twin.run(2)
    assert_same_run(t, twin)


def test_weight_stats():
    t = trained(Config(hidden=(6, 3)), 1, 0)
    stats = t.weight_stats()
    assert len(stats) == 3
    for s, W in zip(stats, t.net.params[0::2], strict=True):
        assert s == pytest.approx({"mean": W.mean(), "std": W.std(), "min": W.min(),
                                   "max": W.max(), "norm": np.linalg.norm(W)}, rel=1e-12)


def test_dead_fractions_count_units_that_never_activate():
    t = Trainer(Config(activation="relu", hidden=(4, 5), features=("x1_sq", "x2_sq")))
    W, b = t.net.params[0], t.net.params[1]
    W[:, 1] = -2.0  # the inputs are squares, so this unit's sum is below -3 everywhere
    b[1] = -3.0
    fractions = t.dead_fractions()
    # Restated: a ReLU unit is dead when its sum is <= 0 on every training point.
    z1 = t.X_train @ W + b
    a1 = np.maximum(z1, 0)
    z2 = a1 @ t.net.params[2] + t.net.params[3]
    expected = [(z1.max(axis=0) <= 0).mean(), (z2.max(axis=0) <= 0).mean()]
    assert fractions == expected and fractions[0] >= 0.25
    assert t.dead_fraction() == pytest.approx((4 * expected[0] + 5 * expected[1]) / 9)
    fresh = Trainer(Config(hidden=(8, 8)))
    assert fresh.dead_fractions() == [0.0, 0.0] and fresh.dead_fraction() == 0.0
    assert Trainer(Config(hidden=())).dead_fractions() == []


def test_trainer_arguments_are_validated():
    with pytest.raises(ValueError, match="expected a Config or a dict of settings, not str"):
        Trainer("circle")
    with pytest.raises(ValueError, match="there is no data of your own yet"):
        Trainer(Config(dataset=CUSTOM))
    assert Trainer({"lr": 0.5}).config == Config(lr=0.5)
    assert Trainer().config == Config()


# --- random configs ---------------------------------------------------------------------------

@st.composite
def configs(draw):
    dataset = draw(st.sampled_from(list(DATASETS)))
    task = DATASETS[dataset].task
    hidden = draw(st.lists(st.integers(1, 8), max_size=3))
    n = len(hidden)
    acts = list(ACTIVATIONS)
    output = draw(st.sampled_from(["auto", *task_outputs(task)]))
    resolved = Config(dataset=dataset, output=output).resolve_output(task)[0]
    loss = draw(st.sampled_from(["auto", *[k for k, v in LOSSES.items() if resolved in v.outputs]]))
    return Config(
        dataset=dataset, n_samples=draw(st.integers(20, 120)),
        noise=draw(st.floats(0, 0.5)), n_classes=draw(st.integers(2, 5)),
        features=tuple(draw(st.lists(st.sampled_from(ALL_FEATURES), min_size=1, max_size=7,
                                     unique=True))),
        hidden=tuple(hidden),
        activation=draw(st.sampled_from(acts) | st.tuples(*[st.sampled_from(acts)] * n)),
        output=output, loss=loss,
        optimizer=draw(st.sampled_from(list(OPTIMIZERS))),
        lr=10 ** draw(st.floats(-4, 1)),
        batch_size=draw(st.integers(1, 64)),
        l1=draw(st.sampled_from([0.0, 1e-4, 0.01, 1.0])),
        l2=draw(st.sampled_from([0.0, 1e-3, 0.1, 5.0])),
        dropout=draw(st.sampled_from([0.0, 0.2, 0.9])),
        schedule=draw(st.sampled_from(list(SCHEDULES))),
        lr_period=draw(st.integers(1, 5)),
        early_stopping=draw(st.booleans()), patience=draw(st.integers(1, 3)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(configs(), st.integers(0, 30))
def test_random_configs_train_without_errors(config, extra_steps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t = Trainer(config)
        status = t.run(3)
        if status == DIVERGED:
            assert "learning rate" in t.status_reason
        else:
            assert t.epoch == 3 or status == STOPPED
            assert len(t.history) == t.epoch + 1
        for _ in range(extra_steps):
            t.step()
    assert t.status in (RUNNING, STOPPED, DIVERGED)
    assert np.isfinite(t.net.flat).all()
    losses = t.history["train_loss"] + t.history["test_loss"]
    assert all(math.isfinite(v) for v in losses)
    assert t.predict_grid(4).shape[:2] == (4, 4)
    assert_same_run(t, Trainer.load(t.to_bytes()), with_time=True)


# --- evaluation cadence, empty test sets, equivalent settings ------------------------------
def test_eval_every_records_every_kth_epoch_and_trains_identically():
    a = Trainer(Config(dataset="xor", seed=2))
    b = Trainer(Config(dataset="xor", seed=2, eval_every=5))
    a.run(20)
    b.run(20)
    assert b.history["epoch"] == [0, 5, 10, 15, 20]
    np.testing.assert_array_equal(a.net.flat, b.net.flat)  # evaluation never changes training
    assert b.history["train_loss"][-1] == a.history["train_loss"][-1]
    assert b.history.last["epoch"] == 20


def test_eval_every_still_honours_the_epoch_budget():
    t = Trainer(Config(dataset="xor", eval_every=7, max_epochs=10))
    t.run(50)
    assert t.epoch == 10 and t.status == "stopped early"
    assert t.history["epoch"][-1] == 10


def test_an_empty_test_set_trains_with_undefined_test_metrics():
    d = make_dataset("circle", n_samples=100, seed=0)
    data = Dataset(d.X_train, d.y_train, d.X_test[:0], d.y_test[:0], d.task, d.n_classes,
                   d.bounds)
    t = Trainer(Config(dataset="custom", early_stopping=True, patience=1), data)
    t.run(5)
    assert t.status == "running" and t.epoch == 5
    assert np.isnan(t.history.last["test_loss"]) and np.isnan(t.history.last["test_accuracy"])
    assert np.isfinite(t.history.last["train_loss"])


def test_one_activation_for_all_layers_equals_the_same_one_per_layer():
    t = Trainer(Config(hidden=(4, 2), activation="relu"))
    t.run(1)
    rebuilt = t.apply(Config(hidden=(4, 2), activation=("relu", "relu")))
    assert not rebuilt and t.epoch == 1
