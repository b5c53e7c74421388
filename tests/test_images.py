"""Tests for engine.images: ImageConfig (fields, limits, round trips), the networks it builds,
ImageTrainer's learning on a small budget and its views (confusion matrix, mistakes, filters,
feature maps, first-layer weights, probabilities of a drawn digit), and the memory a run holds.
The training core's contract for this trainer is in test_training.py."""

import tracemalloc

import numpy as np
import pytest

from engine import ImageConfig, ImageTrainer
from engine.data import make_digits, preprocess_drawing, shifted_copy
from engine.images import FIELDS, MAX_MISTAKES, build_model
from engine.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D

LIVE = {"augment", "slant", "optimizer", "lr", "momentum", "alpha", "beta1", "beta2", "eps",
        "weight_decay", "batch_size", "l2", "dropout", "schedule", "lr_decay", "lr_period",
        "clip_norm", "early_stopping", "patience", "max_epochs", "target_loss", "eval_every"}


@pytest.fixture(scope="module")
def cnn() -> ImageTrainer:
    t = ImageTrainer(ImageConfig(max_epochs=0))
    t.run(6)
    return t


@pytest.fixture(scope="module")
def mlp() -> ImageTrainer:
    t = ImageTrainer(ImageConfig(model="mlp", hidden=(32,), max_epochs=0))
    t.run(4)
    return t


# --- settings ---------------------------------------------------------------------------------

def test_every_field_has_a_label_a_help_and_its_live_or_rebuild_class():
    for f in FIELDS:
        assert f.label and f.help and f.help[0].isupper(), f.name
    assert ImageConfig.live_fields() == LIVE


@pytest.mark.parametrize("config", [
    ImageConfig(),
    ImageConfig(model="mlp", hidden=(128, 32), activation="tanh", augment=True, dropout=0.3),
    ImageConfig(filters=(4, 16), kernel=5, pooling="avg", conv_activation="tanh", dense=(24,),
                optimizer="momentum", momentum=0.5, lr=0.003, batch_size=64, l2=1e-3, seed=7),
    ImageConfig(filters=(2,), padding=False, init="he_normal", test_size=0.5, max_epochs=0),
], ids=["default", "mlp", "two-convs", "no-padding"])
def test_settings_round_trip_through_dict_json_and_url(config):
    assert ImageConfig.from_dict(config.to_dict()) == config
    assert ImageConfig.from_json(config.to_json()) == config
    back, warnings = ImageConfig.from_query(config.to_query())
    assert back == config and warnings == []


@pytest.mark.parametrize("changes, message", [
    ({"kernel": 4}, "kernel must be 3 or 5"),
    ({"filters": ()}, "needs one or two convolution layers"),
    ({"filters": (8, 8), "padding": False}, "convolution 2 leaves a 1×1 map from which pooling "
     "has nothing to keep: turn padding on or use one convolution"),
    ({"filters": (8, 8), "padding": False, "kernel": 5}, "convolution 2 leaves a 0×0 map"),
    ({"filters": (1,)}, "at most 2 convolution layers of 2 to 16 filters"),
    ({"filters": (8, 8, 8)}, "at most 2 convolution layers of 2 to 16 filters"),
    ({"hidden": (257,)}, "at most 3 hidden layers of 1 to 256"),
    ({"model": "rnn"}, "model must be one of: cnn, mlp"),
    ({"lr": 0.0}, "lr must be between"),
])
def test_invalid_settings_raise_readable_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        ImageConfig(**changes)


def test_settings_of_the_other_network_do_not_matter_for_it():
    ImageConfig(model="mlp", filters=(8, 8), padding=False)  # never built: no error
    t = ImageTrainer(ImageConfig(max_epochs=0))
    t.run(1)
    flat = t.model.flat.copy()
    assert t.apply(t.config.replace(hidden=(7,))) is False  # an MLP setting, on a CNN
    np.testing.assert_array_equal(t.model.flat, flat)
    assert t.apply(t.config.replace(model="mlp")) is True
    assert t.apply(t.config.replace(hidden=(9,))) is True
    assert t.apply(t.config.replace(kernel=5, pooling="avg")) is False  # CNN settings, on an MLP


# --- the networks -----------------------------------------------------------------------------

def test_default_cnn_is_conv_pool_dense():
    model = build_model(ImageConfig())
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [Conv2D, MaxPool2D, Flatten, Dropout, Dense]
    conv = model.layers[0]
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding,
            conv.act.name) == (1, 8, 3, 1, "relu")
    assert (model.layers[-1].fan_in, model.layers[-1].fan_out) == (8 * 4 * 4, 10)
    assert model.n_params == 8 * 9 + 8 + 128 * 10 + 10 == 1370
    assert model.output == "softmax" and model.loss.name == "cross_entropy"


def test_two_convolutions_average_pooling_and_a_hidden_dense_layer():
    cfg = ImageConfig(filters=(4, 6), kernel=5, pooling="avg", dense=(12,), activation="tanh")
    model = build_model(cfg)
    assert [type(layer) for layer in model.layers] == [Conv2D, AvgPool2D, Conv2D, AvgPool2D,
                                                      Flatten, Dropout, Dense, Dense]
    assert cfg.feature_maps() == [(4, 4), (6, 2)]
    shapes = [a.shape for a in model.layer_outputs(np.zeros((3, 1, 8, 8)))]
    assert shapes == [(3, 4, 8, 8), (3, 4, 4, 4), (3, 6, 4, 4), (3, 6, 2, 2), (3, 24), (3, 24),
                      (3, 12), (3, 10)]
    no_pad = build_model(ImageConfig(filters=(3,), padding=False))
    assert no_pad.layer_outputs(np.zeros((1, 1, 8, 8)))[0].shape == (1, 3, 6, 6)


def test_mlp_is_flatten_then_dense_layers():
    model = build_model(ImageConfig(model="mlp", hidden=(20, 10), activation="elu"))
    assert [type(layer) for layer in model.layers] == [Flatten, Dense, Dense, Dense]
    assert [(d.fan_in, d.fan_out) for d in model.layers[1:]] == [(64, 20), (20, 10), (10, 10)]
    assert model.layers[1].act.name == "elu" and model.layers[-1].act.name == "linear"
    assert build_model(ImageConfig(model="mlp", hidden=())).n_params == 650


def test_dropout_acts_where_documented():
    t = ImageTrainer(ImageConfig(dropout=0.4, dense=(16,)))
    assert t.model.dropout == [0.4, 0.4]  # the flattened features and the hidden dense layer
    t = ImageTrainer(ImageConfig(model="mlp", hidden=(16, 8), dropout=0.25))
    assert t.model.dropout == [0.25, 0.25]
    t.apply(t.config.replace(dropout=0.0))
    assert t.model.dropout == [0.0, 0.0]


# --- learning -----------------------------------------------------------------------------------

def test_the_default_cnn_learns_the_digits_in_a_few_epochs():
    t = ImageTrainer(ImageConfig(max_epochs=12))
    assert t.run(100) == "stopped early" and t.epoch == 12
    accuracies = t.history["test_accuracy"]
    assert accuracies[0] < 0.3 and max(accuracies) >= 0.975, accuracies
    assert t.history.last["train_accuracy"] >= 0.98


def test_the_default_mlp_learns_the_digits_in_a_few_epochs(mlp):
    t = ImageTrainer(ImageConfig(model="mlp", max_epochs=12))
    t.run(100)
    assert max(t.history["test_accuracy"]) >= 0.97, t.history["test_accuracy"]


def test_history_metrics_are_restated(cnn):
    last = cnn.history.last
    assert set(cnn.history.keys) == {"epoch", "train_loss", "test_loss", "train_accuracy",
                                     "test_accuracy", "shifted_loss", "shifted_accuracy",
                                     "time", "lr"}
    for part, X, y in (("train", cnn.X_train, cnn.y_train), ("test", cnn.X_test, cnn.y_test),
                       ("shifted", cnn.X_shifted, cnn.y_test)):
        p = cnn.model.forward(X)
        assert last[f"{part}_accuracy"] == (p.argmax(axis=1) == y).mean()
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        assert last[f"{part}_loss"] == pytest.approx(loss, rel=1e-10)
    shifted = cnn.model.forward(cnn.X_shifted).argmax(axis=1)
    assert last["shifted_accuracy"] == (shifted == cnn.y_test).mean()
    assert last["shifted_accuracy"] < last["test_accuracy"]


def test_the_shifted_test_set_is_the_registrys():
    t = ImageTrainer(ImageConfig(seed=4, test_size=0.3))
    expected = make_digits(0.3, 4, max_shift=2)
    np.testing.assert_array_equal(t.X_shifted, expected.X_test)
    np.testing.assert_array_equal(t.y_test, expected.y_test)
    np.testing.assert_array_equal(shifted_copy(t.X_test, 2, 4)[0], expected.X_test)
    assert len(t.y_test) == len(expected.y_test) == 540


def test_augmentation_changes_training_deterministically():
    runs = [ImageTrainer(ImageConfig(model="mlp", augment=a, slant=False))
            for a in (False, True, True)]
    for t in runs:
        t.run(2)
    plain, a, b = runs
    assert a.model.flat.tobytes() == b.model.flat.tobytes()
    assert not np.array_equal(a.model.flat, plain.model.flat)
    fresh = np.random.default_rng([0, 4])  # the augmentation generator moved on, the others not
    assert a.rngs["augment"].bit_generator.state != fresh.bit_generator.state
    assert plain.rngs["augment"].bit_generator.state == fresh.bit_generator.state


def test_slants_change_training_deterministically():
    runs = [ImageTrainer(ImageConfig(model="mlp", slant=s)) for s in (False, True, True)]
    for t in runs:
        t.run(2)
    plain, a, b = runs
    assert a.model.flat.tobytes() == b.model.flat.tobytes()
    assert not np.array_equal(a.model.flat, plain.model.flat)
    fresh = np.random.default_rng([0, 5])  # the slants' generator moved on, the others not
    assert a.rngs["slant"].bit_generator.state != fresh.bit_generator.state
    assert plain.rngs["slant"].bit_generator.state == fresh.bit_generator.state
    assert plain.rngs["augment"].bit_generator.state == a.rngs["augment"].bit_generator.state


# --- views --------------------------------------------------------------------------------------

def test_confusion_matrix_counts_the_test_set(cnn):
    cm = cnn.confusion_matrix()
    assert cm.shape == (10, 10) and cm.dtype == np.int64 and cm.sum() == cnn.n_test
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(cnn.y_test, minlength=10))
    assert np.trace(cm) / cnn.n_test == cnn.history.last["test_accuracy"]
    shifted = cnn.confusion_matrix(shifted=True)
    assert np.trace(shifted) / cnn.n_test == cnn.history.last["shifted_accuracy"]


@pytest.mark.parametrize("shifted", [False, True])
def test_mistakes_are_mispredicted_most_confident_first(cnn, shifted):
    m = cnn.mistakes(limit=10, shifted=shifted)
    X = cnn.X_shifted if shifted else cnn.X_test
    assert 0 < len(m) <= 10 and m.total == cnn.n_test - np.trace(
        cnn.confusion_matrix(shifted))
    for i, true, pred, conf in zip(m.index, m.true, m.predicted, m.confidence, strict=True):
        p = cnn.predict_proba(X[i, 0])
        assert true == cnn.y_test[i] != pred == p.argmax()
        assert conf == pytest.approx(p.max(), rel=1e-12)
    assert (np.diff(m.confidence) <= 0).all()
    everything = cnn.mistakes(limit=10_000, shifted=shifted)
    assert len(everything) == min(m.total, MAX_MISTAKES)
    np.testing.assert_array_equal(everything.index[:len(m)], m.index)
    assert len(cnn.mistakes(limit=0)) == 0


def test_filters_are_copies_of_the_convolution_weights(cnn):
    filters = cnn.filters()
    assert [f.shape for f in filters] == [(8, 1, 3, 3)]
    np.testing.assert_array_equal(filters[0], cnn.model.layers[0].weight)
    filters[0][...] = 0.0
    assert cnn.model.layers[0].weight.any()
    two = ImageTrainer(ImageConfig(filters=(4, 6), kernel=5))
    assert [f.shape for f in two.filters()] == [(4, 1, 5, 5), (6, 4, 5, 5)]


@pytest.mark.parametrize("shifted", [False, True])
def test_feature_maps_are_the_layer_outputs(cnn, shifted):
    X = cnn.X_shifted if shifted else cnn.X_test
    maps = cnn.feature_maps(5, shifted=shifted)
    assert [name for name, _ in maps] == ["conv 1", "max pool 1"]
    outs = cnn.model.layer_outputs(X[5:6])
    np.testing.assert_array_equal(maps[0][1], outs[0][0])
    np.testing.assert_array_equal(maps[1][1], outs[1][0])
    assert maps[0][1].shape == (8, 8, 8) and maps[1][1].shape == (8, 4, 4)
    # Restated: a ReLU of the cross-correlation with each filter, then 2x2 maxima.
    w, b = cnn.model.layers[0].weight, cnn.model.layers[0].bias
    padded = np.pad(X[5, 0], 1)
    conv = np.array([[[(padded[r:r + 3, c:c + 3] * w[f, 0]).sum() + b[f] for c in range(8)]
                      for r in range(8)] for f in range(8)])
    np.testing.assert_allclose(maps[0][1], np.maximum(conv, 0), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(maps[1][1], maps[0][1].reshape(8, 4, 2, 4, 2).max(axis=(2, 4)))
    with pytest.raises(ValueError, match="index must be in"):
        cnn.feature_maps(cnn.n_test)
    avg = ImageTrainer(ImageConfig(filters=(2, 3), pooling="avg"))
    assert [n for n, _ in avg.feature_maps(0)] == ["conv 1", "average pool 1", "conv 2",
                                                   "average pool 2"]


def test_first_layer_weights_as_images(mlp, cnn):
    images = mlp.first_layer_weights()
    W = mlp.model.layers[1].W
    assert images.shape == (32, 8, 8)
    for j in (0, 7, 31):
        for r, c in ((0, 0), (3, 5), (7, 7)):
            assert images[j, r, c] == W[r * 8 + c, j]
    assert cnn.first_layer_weights() is None
    assert mlp.filters() == [] and mlp.feature_maps(0) == []


def test_probabilities_of_a_drawn_digit(cnn):
    one = cnn.predict_proba(cnn.X_test[3, 0])
    assert one.shape == (10,) and one.sum() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(one, cnn.model.forward(cnn.X_test[3:4])[0])
    batch = cnn.predict_proba(cnn.X_test[:5, 0])
    assert batch.shape == (5, 10)
    np.testing.assert_array_equal(batch, cnn.predict_proba(cnn.X_test[:5]))
    assert cnn.predict(cnn.X_test[3]) == one.argmax()
    canvas = np.zeros((64, 64))
    canvas[10:54, 30:36] = 1.0  # a drawn "1"
    drawn = preprocess_drawing(canvas)
    p = cnn.predict_proba(drawn.image)
    assert p.shape == (10,) and np.isfinite(p).all()
    np.testing.assert_array_equal(p, cnn.predict_proba(drawn.batch)[0])
    with pytest.raises(ValueError, match="expected an 8×8 image"):
        cnn.predict_proba(np.zeros((28, 28)))


def test_summary_and_parameter_count(cnn):
    rows = cnn.summary()
    assert [(r["layer"], r["shape"], r["params"]) for r in rows] == [
        ("Conv2D", (8, 8, 8), 80), ("MaxPool2D", (8, 4, 4), 0), ("Flatten", (128,), 0),
        ("Dropout", (128,), 0), ("Dense", (10,), 1290)]
    assert cnn.n_params == 1370 == sum(r["params"] for r in rows)


def test_views_do_not_disturb_training():
    a, b = ImageTrainer(ImageConfig()), ImageTrainer(ImageConfig())
    for t in (a, b):
        t.run(1)
        for _ in range(3):
            t.step()
    a.confusion_matrix(), a.mistakes(), a.feature_maps(2), a.predict_proba(a.X_test[0]), \
        a.summary(), a.filters()
    for t in (a, b):
        t.run(1)
    assert a.model.flat.tobytes() == b.model.flat.tobytes()
    assert a.history["test_loss"] == b.history["test_loss"]


def test_a_digits_run_holds_less_than_50_mb_of_arrays():
    tracemalloc.start()
    try:  # the largest CNN the settings allow
        t = ImageTrainer(ImageConfig(filters=(16, 16), kernel=5, dense=(128,)))
        t.run(1)
        t.confusion_matrix(), t.mistakes(), t.feature_maps(0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 << 20, peak
