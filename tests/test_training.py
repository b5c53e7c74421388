"""The training core's contract, for every kind of trainer: determinism, divergence and early
stopping restoring weights and optimizer state, budget and target, live settings against
rebuilds, gradient clipping, save and load (bit-identical resume, damaged files, a file asking
for a huge network refused before anything is allocated) and a Runner driving it. The 2-D
trainer's own details are in test_trainer.py, the image trainer's in test_images.py, the
sequence trainer's in test_sequences.py and the GANs' in test_gan.py. A trainer with several
models (a GAN) is read through `pairs`, each model with its optimizer."""

import io
import json
import tracemalloc
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pytest

from engine import (
    DIVERGED,
    READY,
    RUNNING,
    STOPPED,
    Config,
    GanConfig,
    GanTrainer,
    ImageConfig,
    ImageTrainer,
    SequenceConfig,
    SequenceTrainer,
    Trainer,
)
from engine.data import make_digits
from engine.training import OPTIONAL_SETTINGS, clip_by_global_norm
from ui.live.runner import Runner


@dataclass
class Kind:
    cls: type
    config: object  # quick to train
    diverging: object  # trains at its rate; diverges once `high` applies
    high: float
    early: object  # stops early within a few hundred epochs
    live: dict  # a live change
    structural: dict  # a change that rebuilds
    huge: dict  # settings beyond the limits: a network too large to build
    data: object = None
    extra_state: list = field(default_factory=list)
    rates: tuple = ("lr",)  # the learning-rate settings `high` sets
    updates: tuple = (1,)  # optimizer updates per step of `diverging`, for each of `pairs`
    new_optimizer: dict = field(default_factory=lambda: {"optimizer": "rmsprop"})
    target: float = 0.5  # a target loss reached within 200 epochs, from above

    def too_high(self) -> str:
        """The part of the divergence message that names the rates."""
        if len(self.rates) == 1:
            return f"learning rate ({self.high:g}) is probably too high"
        return (f"learning rates (discriminator {self.high:g}, generator {self.high:g}) are "
                "probably too high")


def small_digits():
    d = make_digits(seed=3)
    return type(d)(d.X_train[:300], d.y_train[:300], d.X_test[:100], d.y_test[:100],
                    d.n_classes, d.test_shifts[:100])


KINDS = {
    "2-D": Kind(
        Trainer, Config(n_samples=100, hidden=(5,), optimizer="adam", lr=0.01),
        Config(dataset="plane", activation="relu", hidden=(8, 8), lr=0.03), 30.0,
        Config(dataset="spiral", noise=0.3, n_samples=100, hidden=(8, 8), optimizer="adam",
               lr=0.05, early_stopping=True, patience=10),
        {"lr": 0.1}, {"hidden": (3,)}, {"hidden": [1024] * 40}),
    "images": Kind(
        ImageTrainer, ImageConfig(filters=(4,), max_epochs=0, dropout=0.2),
        ImageConfig(model="mlp", optimizer="sgd", activation="linear", lr=0.01, max_epochs=0),
        10.0, ImageConfig(early_stopping=True, patience=2, max_epochs=0),
        {"lr": 0.001}, {"filters": (2,)}, {"model": "mlp", "hidden": [100_000, 100_000]}),
    "images-own-data": Kind(
        ImageTrainer, ImageConfig(model="mlp", hidden=(16,), augment=True, max_epochs=0),
        ImageConfig(model="mlp", optimizer="sgd", activation="linear", lr=0.01, max_epochs=0),
        10.0, ImageConfig(model="mlp", early_stopping=True, patience=2, max_epochs=0),
        {"augment": False}, {"hidden": (8,)}, {"hidden": [257]}, data=small_digits()),
    "sequences": Kind(
        SequenceTrainer, SequenceConfig(task="sine", model="lstm", hidden=8, length=20,
                                        n_train=200, n_test=64, clip=True, max_epochs=0),
        SequenceConfig(task="sine", model="rnn", hidden=8, n_train=200, n_test=64,
                       optimizer="sgd", lr=0.01, max_epochs=0), 10.0,
        SequenceConfig(task="sine", model="gru", hidden=16, length=10, n_train=32, n_test=64,
                       early_stopping=True, patience=2, max_epochs=0),
        {"lr": 0.001, "bptt": 5, "clip": False}, {"hidden": 4},
        {"hidden": 100_000, "layers": 2}),
    "transformer": Kind(
        SequenceTrainer, SequenceConfig(task="reverse", model="transformer", dim=16, ff=16,
                                        n_train=200, n_test=64, dropout=0.1, max_epochs=0),
        SequenceConfig(task="sine", model="transformer", dim=16, ff=16, n_train=200,
                       n_test=64, optimizer="sgd", lr=0.01, max_epochs=0), 10.0,
        SequenceConfig(task="sort", model="transformer", dim=16, ff=16, n_train=64,
                       n_test=64, early_stopping=True, patience=2, max_epochs=0),
        {"dropout": 0.0, "causal": True}, {"position": "sinusoidal"},
        {"dim": 4096, "blocks": 100}),
    "gan": Kind(
        GanTrainer, GanConfig(n_samples=640, batch_size=64, d_updates=2, schedule="constant"),
        GanConfig(d_optimizer="sgd", g_optimizer="sgd", d_activation="linear",
                  g_activation="linear", n_samples=640, batch_size=64, d_updates=2, d_lr=0.01,
                  g_lr=0.01, schedule="constant"), 1.0,
        GanConfig(n_samples=512, batch_size=64, early_stopping=True, patience=3),
        {"g_lr": 0.0005, "d_updates": 1}, {"g_hidden": (8,)},
        {"g_hidden": [100_000] * 4}, rates=("d_lr", "g_lr"), updates=(2, 1),
        new_optimizer={"d_optimizer": "rmsprop", "g_optimizer": "rmsprop"}, target=0.05),
    "gan-own-points": Kind(
        GanTrainer, GanConfig(distribution="points", n_samples=256, batch_size=32,
                              schedule="constant"),
        GanConfig(distribution="points", d_optimizer="sgd", g_optimizer="sgd",
                  d_activation="linear", g_activation="linear", n_samples=256, batch_size=32,
                  d_lr=0.01, g_lr=0.01, schedule="constant"), 1.0,
        GanConfig(distribution="points", n_samples=256, batch_size=32, early_stopping=True,
                  patience=3),
        {"d_lr": 0.001, "batch_size": 16}, {"spread": 0.02}, {"d_hidden": [65]},
        data=np.column_stack([np.linspace(-1, 1, 40), np.linspace(-1, 1, 40) ** 2]),
        rates=("d_lr", "g_lr"), updates=(1, 1), new_optimizer={"g_optimizer": "rmsprop"},
        target=0.05),
}
IDS = list(KINDS)


@pytest.fixture(params=IDS)
def kind(request) -> Kind:
    return KINDS[request.param]


def build(kind: Kind, config=None):
    return kind.cls(config or kind.config, kind.data)


def optimizer_bytes(opt) -> tuple:
    state = opt.state_dict()
    bufs = state["buffers"]
    return state["t"], None if not bufs else {k: [b.tobytes() for b in v]
                                              for k, v in sorted(bufs.items())}


def history_rows(h, with_time=False) -> dict:
    skip = () if with_time else ("time",)
    return {"data": {k: v for k, v in h.data.items() if k not in skip},
            "last": {k: v for k, v in h.last.items() if k not in skip}, "stride": h.stride}


def flats(t) -> tuple:
    return tuple(m.flat.tobytes() for m, _ in t.pairs)


def optimizers(t) -> tuple:
    return tuple(optimizer_bytes(o) for _, o in t.pairs)


def run_state(t, with_time=False) -> tuple:
    return (flats(t), optimizers(t), tuple(o.lr for _, o in t.pairs), t.epoch, t.steps,
            t.status, t.status_reason, t.position, history_rows(t.history, with_time),
            {k: json.dumps(r.bit_generator.state) for k, r in t.rngs.items()})


def rates(kind: Kind, value: float) -> dict:
    return dict.fromkeys(kind.rates, value)


def trained(kind: Kind, config=None, epochs=2, steps=3):
    t = build(kind, config)
    t.run(epochs)
    for _ in range(steps):
        t.step()
    return t


# --- determinism ------------------------------------------------------------------------------

def test_same_settings_give_a_bit_identical_run_and_another_seed_another(kind):
    np.random.seed(1)
    a = trained(kind, epochs=3, steps=4)
    np.random.seed(2)  # the global generator plays no part
    b = trained(kind, epochs=3, steps=4)
    assert run_state(a) == run_state(b)
    assert a.status == RUNNING and len(a.history) == 4
    assert a.steps == 3 * a.steps_per_epoch + 4
    c = trained(kind, kind.config.replace(seed=1), epochs=3, steps=4)
    assert all(x != y for x, y in zip(flats(a), flats(c), strict=True))


def test_a_fresh_trainer_is_ready_with_one_history_row(kind):
    t = build(kind)
    assert (t.status, t.status_reason, t.epoch, t.steps, len(t.history)) == (READY, "", 0, 0, 1)
    assert t.history.last["epoch"] == 0 and t.history.keys[:3] == ("epoch", "train_loss",
                                                                   "test_loss")
    assert t.history.keys[-2:] == ("time", "lr") and t.train_time == 0.0
    assert t.n_params == sum(m.n_params for m, _ in t.pairs) and t.order is None


# --- divergence and early stopping --------------------------------------------------------------

def test_divergence_restores_the_last_good_weights_and_optimizer_state(kind):
    t = build(kind, kind.diverging)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow on the way is no warning
        t.run(2)
        assert t.apply(t.config.replace(**rates(kind, kind.high))) is False
        seen = {}
        for _ in range(30):
            seen[t.epoch] = run_state(t)
            if t.run(1) == DIVERGED:
                break
    good = t.epoch
    assert t.status == DIVERGED and good >= 2
    assert f"at epoch {good + 1}:" in t.status_reason
    assert kind.too_high() in t.status_reason
    assert f"The weights of epoch {good}, the last good ones, are kept" in t.status_reason
    assert all(np.isfinite(m.flat).all() for m, _ in t.pairs)
    restored = run_state(t)
    assert restored[:5] == seen[good][:5]  # weights, optimizer state and rate, counters
    assert restored[8] == seen[good][8]  # history
    assert [o.t for _, o in t.pairs] == [t.steps * u for u in kind.updates]
    t.apply(t.config.replace(**{r: getattr(kind.diverging, r) for r in kind.rates}))
    assert t.status == DIVERGED  # until training resumes
    assert t.run(3) == RUNNING and t.epoch == good + 3
    assert np.isfinite(t.history["train_loss"]).all()


def test_early_stopping_restores_the_best_weights_and_optimizer_state(kind):
    t = build(kind, kind.early)
    weights, opts = {}, {}
    for _ in range(300):
        t.run(1)
        if t.status == STOPPED:
            break
        weights[t.epoch], opts[t.epoch] = flats(t), optimizers(t)
    assert t.status == STOPPED and t.status_reason.startswith("early stopping")
    losses = t.history["test_loss"]
    best = 1 + int(np.argmin(losses[1:]))
    assert t.best_epoch == best and t.epoch - best == kind.early.patience
    assert flats(t) == weights[best] and optimizers(t) == opts[best]
    assert t.history.last["epoch"] == best and t.history.last["test_loss"] == losses[best]
    assert f"the weights of epoch {best:,}" in t.status_reason


def test_epoch_budget_stops_and_then_nothing_more_happens(kind):
    t = build(kind, kind.config.replace(max_epochs=3))
    assert t.run(100) == STOPPED and t.epoch == 3
    assert t.status_reason == "reached the budget of 3 epochs"
    before = run_state(t)
    assert t.run(5) == STOPPED
    t.step()
    assert run_state(t) == before
    t.apply(t.config.replace(max_epochs=4))
    assert t.run(100) == STOPPED and t.epoch == 4


def test_target_loss_stops_with_a_clear_reason(kind):
    target = kind.target
    t = build(kind, kind.config.replace(target_loss=target))
    assert t.run(200) == STOPPED
    assert t.status_reason == f"reached the target loss {target:g} at epoch {t.epoch}"
    losses = t.history["train_loss"]
    assert losses[-1] <= target and all(v > target for v in losses[:-1])


def test_eval_every_records_every_kth_epoch_and_trains_identically(kind):
    a = build(kind)
    b = build(kind, kind.config.replace(eval_every=2))
    a.run(4)
    b.run(4)
    assert b.history["epoch"] == [0, 2, 4]
    assert flats(a) == flats(b)


# --- live settings and rebuilds -----------------------------------------------------------------

def test_a_live_change_keeps_weights_and_optimizer_state(kind):
    t = trained(kind)
    before = run_state(t, with_time=True)
    new = t.config.replace(**kind.live)
    assert set(kind.live) <= new.live_fields()
    assert t.apply(new) is False and t.config == new
    after = run_state(t, with_time=True)
    assert after[0] == before[0] and after[1] == before[1] and after[3:] == before[3:]
    t.run(1)
    assert all(np.isfinite(m.flat).all() for m, _ in t.pairs)


def test_a_new_optimizer_starts_afresh_keeping_the_weights(kind):
    t = trained(kind)
    weights, before = flats(t), optimizers(t)
    assert t.apply(t.config.replace(**kind.new_optimizer)) is False
    for (_, o), old in zip(t.pairs, before, strict=True):
        if o.name == "rmsprop":
            assert optimizer_bytes(o) == (0, None)
        else:  # a network whose optimizer did not change keeps its state
            assert optimizer_bytes(o) == old
    assert sum(o.name == "rmsprop" for _, o in t.pairs) == len(kind.new_optimizer)
    assert flats(t) == weights


def test_a_structural_change_rebuilds_as_a_fresh_trainer(kind):
    t = trained(kind)
    new = t.config.replace(**kind.structural)
    assert not set(kind.structural) & new.live_fields()
    assert t.apply(new) is True
    fresh = build(kind, new)
    assert run_state(t, with_time=True) == run_state(fresh, with_time=True)
    assert t.custom_data is kind.data


def test_an_invalid_change_raises_and_changes_nothing(kind):
    t, twin = trained(kind), trained(kind)
    before = dict(vars(t))
    for bad in ({kind.rates[0]: -1.0}, {"no_such_setting": 1}, "not settings", Config() if
                kind.cls is not Trainer else ImageConfig()):
        with pytest.raises(ValueError):
            t.apply(bad)
    assert vars(t).keys() == before.keys() and all(vars(t)[k] is v for k, v in before.items())
    t.run(1)
    twin.run(1)
    assert run_state(t) == run_state(twin)


def test_gradient_clipping_by_global_norm():
    g = np.array([3.0, 4.0])
    assert clip_by_global_norm(g, 10.0) == 5.0 and g.tolist() == [3.0, 4.0]
    assert clip_by_global_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(np.linalg.norm(g), 1.0, rtol=1e-6)
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-6)
    assert "clip_norm" in ImageConfig.live_fields() and OPTIONAL_SETTINGS["clip_norm"] == 0.0


def test_a_clipped_step_is_sgd_on_the_clipped_gradient():
    cfg = ImageConfig(model="mlp", optimizer="sgd", lr=0.1, clip_norm=0.05, max_epochs=0,
                      slant=False)  # the step sees the batch as it is
    t = ImageTrainer(cfg)
    t.run(1)
    t.step()
    rows = t.order[t.position:t.position + cfg.batch_size]
    _, grads = t.model.loss_and_grads(t.X_train[rows], t.y_train[rows])
    g = np.concatenate([g.ravel() for g in grads])
    flat_g = np.empty_like(t.model.flat)
    for view, gi in zip(t.model.grads, grads, strict=True):
        view[...] = gi
    flat_g[...] = t.model.flat_grad
    assert np.linalg.norm(g) > 0.05  # so clipping acts
    expected = t.model.flat - 0.1 * flat_g * (0.05 / (np.linalg.norm(flat_g) + 1e-6))
    t.step()
    np.testing.assert_allclose(t.model.flat, expected, rtol=1e-12, atol=1e-15)


# --- save and load --------------------------------------------------------------------------------

def save_and_load(t, how: str, tmp_path):
    if how == "path":
        t.save(tmp_path / "run.npz")
        return type(t).load(tmp_path / "run.npz")
    if how == "file":
        buf = io.BytesIO()
        t.save(buf)
        buf.seek(0)
        return type(t).load(buf)
    return type(t).load(t.to_bytes())


@pytest.mark.parametrize("how", ["path", "file", "bytes"])
@pytest.mark.parametrize("when", ["fresh", "mid-epoch", "early-stopping"])
def test_load_resumes_bit_identically(kind, when, how, tmp_path):
    if when == "fresh":
        a = build(kind)
    elif when == "mid-epoch":
        a = trained(kind, epochs=2, steps=5)
    else:
        a = trained(kind, kind.early, epochs=4, steps=2)
        assert a.best_epoch is not None
    b = save_and_load(a, how, tmp_path)
    assert type(b) is type(a) and b.config == a.config
    assert run_state(b, with_time=True) == run_state(a, with_time=True)
    assert b.best_epoch == a.best_epoch and b.train_time == a.train_time
    if isinstance(kind.data, np.ndarray):  # points of your own
        np.testing.assert_array_equal(b.custom_data, kind.data)
    elif kind.data is not None:
        np.testing.assert_array_equal(b.custom_data.X_train, kind.data.X_train)
    for t in (a, b):
        t.run(3)
        for _ in range(2):
            t.step()
    assert run_state(a) == run_state(b)


def test_load_after_divergence_resumes_bit_identically(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        a = build(kind, kind.diverging)
        a.run(2)
        a.apply(a.config.replace(**rates(kind, kind.high)))
        a.run(30)
    assert a.status == DIVERGED
    b = type(a).load(a.to_bytes())
    assert run_state(b, with_time=True) == run_state(a, with_time=True)
    for t in (a, b):
        t.apply(t.config.replace(**{r: getattr(kind.diverging, r) for r in kind.rates}))
        t.run(2)
    assert run_state(a) == run_state(b)


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def members(content: bytes) -> dict:
    with np.load(io.BytesIO(content)) as z:
        return {k: z[k] for k in z.files}


def replaced(content: bytes, **changes) -> bytes:
    arrays = members(content) | changes
    return npz(**{k: v for k, v in arrays.items() if v is not None})


def unsupported_compression(content: bytes) -> bytes:
    """The same archive with its first member's compression method set to one the zip reader
    does not know (it raises NotImplementedError)."""
    data = bytearray(content)
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 8:local + 10] = (99).to_bytes(2, "little")
    data[central + 10:central + 12] = (99).to_bytes(2, "little")
    return bytes(data)


def bad_files(kind: Kind) -> dict:
    good = trained(kind, epochs=1, steps=2).to_bytes()
    arrays = members(good)
    other = (ImageTrainer(ImageConfig(model="mlp", hidden=(4,))) if kind.cls is Trainer
             else Trainer(Config(n_samples=40))).to_bytes()
    state = json.loads(str(arrays["state"]))
    buffer = next(k for k in arrays if k.startswith("opt__"))
    return {
        "empty": b"",
        "text": b"hello, this is not a model",
        "truncated": good[:300],
        "half": good[:len(good) // 2],
        "npy": (lambda b: (np.save(b, np.zeros(3)), b.getvalue())[1])(io.BytesIO()),
        "other npz": npz(a=np.zeros(3)),
        "other kind": other,
        "wrong format": replaced(good, format=np.array("something-else-v9")),
        "object array": replaced(good, state=np.array([{"epoch": 1}], dtype=object)),
        "missing state": replaced(good, state=None),
        "bad state json": replaced(good, state=np.array("{not json")),
        "state not an object": replaced(good, state=np.array("[1, 2]")),
        "incomplete state": replaced(good, state=np.array('{"epoch": 1}')),
        "bad config": replaced(good, config=np.array('{"lr": -1}')),
        "unknown setting": replaced(good, config=np.array('{"lr": 0.1, "zzz": 1}')),
        "wrong weights": replaced(good, flat=np.zeros(3)),
        "missing weights": replaced(good, flat=None),
        "text weights": replaced(good, flat=np.array("0.5")),
        "wrong optimizer state": replaced(good, **{buffer: np.zeros(3)}),
        "bad order": replaced(good, perm=np.zeros(len(arrays["perm"]), dtype=np.int64)),
        "bad rng state": replaced(good, state=np.array(json.dumps(
            state | {"rng_shuffle": {"bit_generator": "nope"}}))),
        "bad history": replaced(good, state=np.array(json.dumps(
            state | {"history": {"keys": ["x"], "max_points": 9, "stride": 1,
                                 "data": {}, "last": {}}}))),
        "bad status": replaced(good, state=np.array(json.dumps(state | {"status": "dancing"}))),
        "unsupported compression": unsupported_compression(good),
    }


def test_bad_files_raise_a_readable_value_error(kind):
    for name, content in bad_files(kind).items():
        with pytest.raises(ValueError) as e:
            kind.cls.load(content)
        message = str(e.value)
        assert "model file" in message, (name, message)
        assert len(message) < 300, name
        with pytest.raises(ValueError):
            kind.cls.load(io.BytesIO(content))


def test_load_reads_no_pickle(kind, monkeypatch):
    calls = []
    original = np.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return original(*args, **kwargs)

    good = build(kind).to_bytes()
    pickled = replaced(good, config=np.array([kind.config], dtype=object))
    monkeypatch.setattr(np, "load", spy)
    kind.cls.load(good)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        kind.cls.load(pickled)
    assert calls == [False, False]


def allocated_while(fn) -> int:
    """Peak bytes allocated (as tracemalloc sees them) while fn() runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_file_asking_for_a_huge_network_is_refused_before_allocating_it(kind):
    good = build(kind).to_bytes()
    config = json.loads(str(members(good)["config"])) | kind.huge
    content = replaced(good, config=np.array(json.dumps(config)))

    def load():
        with pytest.raises(ValueError, match="config is not valid"):
            kind.cls.load(content)

    assert allocated_while(load) < 5 << 20


def test_a_member_larger_than_its_network_is_refused_before_reading_it(kind):
    good = build(kind).to_bytes()
    buf = io.BytesIO()
    arrays = members(good) | {"flat": np.zeros(20_000_000)}  # 160 MB, compressed to little
    np.savez_compressed(buf, **arrays)
    content = buf.getvalue()
    assert len(content) < 1 << 20

    def load():
        with pytest.raises(ValueError, match="larger than the model it describes"):
            kind.cls.load(content)

    # What a good file's trainer needs (its data and a first evaluation), but not the member.
    assert allocated_while(load) < allocated_while(lambda: kind.cls.load(good)) + (1 << 20)
    with zipfile.ZipFile(io.BytesIO(content)) as z:  # the file did ask for that much
        assert z.getinfo("flat.npy").file_size > 150e6


# --- a Runner drives any trainer ------------------------------------------------------------------

def test_a_runner_drives_the_trainer(kind):
    r = Runner(kind.config, kind.data, build=kind.cls)
    try:
        r.step_batch()
        r.step_epoch()
        assert r.trainer.epoch == 1 and r.progress == r.trainer.steps
        assert r.apply(r.trainer.config.replace(**kind.live)) is False
        assert r.apply(r.trainer.config.replace(**kind.structural)) is True and r.run_id == 1
        r.reset()
        assert r.trainer.epoch == 0 and r.trainer.custom_data is kind.data and r.run_id == 2
    finally:
        r.close()
