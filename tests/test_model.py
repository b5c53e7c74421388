"""Tests for engine.model: the flat layout over any layers, gradients of mixed stacks and of the
input by central differences, per-position losses with a mask, the penalty on weights only,
starting values per layer type, dropout rates and validation. Network is the Model with Dense
layers (its own tests: test_network.py, test_gradients.py)."""

import math

import numpy as np
import pytest

from engine.initializers import INITIALIZERS, LAYER_INITS, initial_params
from engine.layers import (
    GRU,
    LAYERS,
    LSTM,
    RNN,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LastStep,
    LayerNorm,
    MaxPool2D,
    MultiHeadAttention,
    PositionEmbedding,
    Residual,
    TransformerBlock,
)
from engine.model import Model
from engine.network import Network

H = 1e-6


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar f() with respect to the array x, changed in place."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + H
        up = f()
        x[i] = old - H
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * H)
    return g


def assert_close(analytic, numeric, what=""):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=what)


def nonzero(arrays):
    assert max(np.abs(a).max() for a in arrays) > 1e-4, "the check is vacuous: all ~0"


# --- stacks ---------------------------------------------------------------------------------

def cnn():
    layers = [Conv2D(1, 3, 3, padding=1, activation="tanh"), MaxPool2D(2),
              Conv2D(3, 2, 3, padding=1, activation="sigmoid"), AvgPool2D(2), Flatten(),
              Dense(2 * 2 * 2, 5, "tanh"), Dense(5, 4)]
    X = np.random.default_rng(1).normal(size=(6, 1, 8, 8))
    return Model(layers, "softmax", seed=3), X, np.arange(6) % 4, None


def transformer():
    V, T, d = 5, 4, 8
    layers = [Embedding(V, d), PositionEmbedding(T, d), TransformerBlock(d, 2, 12, causal=True),
              LayerNorm(d), Dense(d, V)]
    rng = np.random.default_rng(2)
    X = rng.integers(0, V, (3, T))
    mask = rng.random((3, T)) < 0.7
    mask[0, 0] = True
    return Model(layers, "softmax", seed=4), X, rng.integers(0, V, (3, T)), mask


def recurrent(cls):
    def make():
        layers = [cls(2, 5), LastStep(), Dense(5, 3)]
        X = np.random.default_rng(3).normal(size=(4, 6, 2))
        return Model(layers, "softmax", seed=5), X, np.array([0, 2, 1, 2]), None
    return make


def sequence_regression():
    layers = [GRU(2, 4), Residual(LayerNorm(4), Dense(4, 4, "tanh")), Dense(4, 2)]
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3, 5, 2))
    return Model(layers, "linear", seed=6), X, rng.normal(size=(3, 5, 2)), rng.random((3, 5)) > 0.4


STACKS = {"conv-pool-flatten-dense": cnn, "embedding-transformer-dense": transformer,
          "lstm-laststep-dense": recurrent(LSTM), "gru-laststep-dense": recurrent(GRU),
          "rnn-laststep-dense": recurrent(RNN), "gru-residual-dense-per-position":
          sequence_regression}


@pytest.mark.parametrize("reg", [(0.0, 0.0), (0.01, 0.05)], ids=["plain", "l1+l2"])
@pytest.mark.parametrize("stack", list(STACKS))
def test_gradients_of_mixed_stacks_match_central_differences(stack, reg):
    model, X, y, mask = STACKS[stack]()
    model.l1, model.l2 = reg
    if model.l1:  # L1's kink at 0: keep the weights away from it
        for w in model.weights():
            w[...] = np.where(w >= 0, np.maximum(w, 1e-3), np.minimum(w, -1e-3))
    value, grads = model.loss_and_grads(X, y, mask=mask)
    assert np.isfinite(value)
    numeric = [numeric_grad(lambda: model.loss_and_grads(X, y, mask=mask)[0], p)
               for p in model.params]
    for i, (a, n) in enumerate(zip(grads, numeric, strict=True)):
        assert_close(a, n, f"{stack} param {i}")
    nonzero(numeric)


@pytest.mark.parametrize("stack", [s for s in STACKS if s != "embedding-transformer-dense"])
def test_input_gradient_matches_central_differences(stack):
    model, X, y, mask = STACKS[stack]()
    X = X.copy()
    dx = model.input_gradient(X, y, mask=mask)
    assert dx.shape == X.shape
    numeric = numeric_grad(lambda: model.loss_value(X, y, mask=mask), X)
    assert_close(dx, numeric, stack)
    nonzero([numeric])
    # backprop gives the same, and the parameter gradients of loss_and_grads.
    z = model.logits(X)
    Y = model.targets(y, z.shape[-1], z.ndim)
    _, _, dx2 = model.backprop(X, Y, mask=mask, need_dx=True)
    np.testing.assert_array_equal(dx2, dx)


def test_input_gradient_through_a_discriminator_trains_a_generator():
    # A GAN's generator step: the loss is the discriminator's on the generator's output.
    G = Model([Dense(3, 8, "tanh"), Dense(8, 2)], "linear", seed=1)
    D = Model([Dense(2, 8, "tanh"), Dense(8, 1)], "sigmoid", seed=2)
    noise = np.random.default_rng(0).normal(size=(10, 3))
    ones = np.ones(10)

    def g_loss():
        return D.loss_value(G.forward(noise), ones)

    z = G.logits(noise)
    dp = D.input_gradient(G.output_of(z), ones)
    G.backward(G.out.backward(z, G.output_of(z), dp), need_dx=False)
    analytic = [g.copy() for g in G.grads]
    for p, a in zip(G.params, analytic, strict=True):
        assert_close(a, numeric_grad(g_loss, p))
    nonzero(analytic)


def test_embedding_models_have_no_input_gradient():
    model, X, y, _ = transformer()
    with pytest.raises(ValueError, match="no gradient with respect to them"):
        model.input_gradient(X, y)


# --- losses per position --------------------------------------------------------------------

def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_per_position_cross_entropy_with_a_mask_is_the_mean_over_scored_positions():
    model, X, y, mask = transformer()
    z = model.logits(X)
    assert z.shape == (3, 4, 5)
    logp = np.log(softmax(z))
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
    expected = -picked[mask].mean()
    assert model.loss_value(X, y, mask=mask) == pytest.approx(expected, rel=1e-12)
    assert model.loss_and_grads(X, y, mask=mask)[0] == pytest.approx(expected, rel=1e-12)
    assert model.loss_value(X, y) == pytest.approx(-picked.mean(), rel=1e-12)
    np.testing.assert_allclose(model.forward(X), softmax(z), rtol=1e-12)
    # Targets at positions the mask leaves out change nothing.
    other = np.where(mask, y, (y + 1) % 5)
    _, g1 = model.loss_and_grads(X, y, mask=mask)
    value, g2 = model.loss_and_grads(X, other, mask=mask)
    assert value == pytest.approx(expected, rel=1e-12)
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_array_equal(a, b)
    # A mask of nothing scores nothing.
    none = np.zeros_like(mask)
    assert model.loss_value(X, y, mask=none) == 0.0
    assert not np.any(model.loss_and_grads(X, y, mask=none)[1][0])


def test_mean_squared_error_per_position_with_a_mask():
    model, X, Y, mask = sequence_regression()
    p = model.forward(X)
    assert p.shape == Y.shape
    expected = ((p - Y) ** 2)[mask].mean()
    assert model.loss_value(X, Y, mask=mask) == pytest.approx(expected, rel=1e-12)


def test_mask_shape_is_checked():
    model, X, y, mask = transformer()
    with pytest.raises(ValueError, match=r"the mask must have shape \(3, 4\)"):
        model.loss_value(X, y, mask=mask[:, :2])


def test_targets_per_position_and_per_row():
    model = Model([Dense(2, 3)], "softmax")
    np.testing.assert_array_equal(model.targets([2, 0], 3), np.eye(3)[[2, 0]])
    ids = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(model.targets(ids, 3, ndim=3), np.eye(3)[ids])
    lin = Model([Dense(2, 1)], "linear")
    assert lin.targets([1.0, 2.0], 1).shape == (2, 1)
    with pytest.raises(ValueError, match="2 columns but the network has 1 outputs"):
        lin.targets(np.zeros((3, 2)), 1)


# --- layout and penalty -----------------------------------------------------------------------

def mixed():
    return Model([Conv2D(1, 2, 3, padding=1, activation="relu"), MaxPool2D(2), Flatten(),
                  LayerNorm(2 * 4 * 4), Dense(32, 3, "tanh"), Dense(3, 2)], "softmax", seed=7)


def test_parameters_layer_by_layer_and_weights_marked():
    model = mixed()
    shapes = [(2, 1, 3, 3), (2,), (32,), (32,), (32, 3), (3,), (3, 2), (2,)]
    assert [p.shape for p in model.params] == shapes
    assert [g.shape for g in model.grads] == shapes
    np.testing.assert_array_equal(model.flat,
                                  np.concatenate([a.ravel() for a in model.params]))
    np.testing.assert_array_equal(model.flat_grad,
                                  np.concatenate([a.ravel() for a in model.grads]))
    weights = [p for p in model.params if p.ndim >= 2]
    assert all(a is b for a, b in zip(model.weights(), weights, strict=True))
    assert model.n_weights == sum(w.size for w in weights) == 18 + 96 + 6
    np.testing.assert_array_equal(model.weight_mask, np.concatenate(
        [np.full(p.size, float(p.ndim >= 2)) for p in model.params]))
    o = 0
    for i, p in enumerate(model.params):
        if p.ndim == 2:  # a Dense layer's W (fan_in, fan_out) and b: one block [W; b]
            block = model.flat[o:o + p.size + p.shape[1]].reshape(p.shape[0] + 1, p.shape[1])
            np.testing.assert_array_equal(block[:-1], p)
            np.testing.assert_array_equal(block[-1], model.params[i + 1])
        o += p.size
    assert model.n_params == model.flat.size == sum(int(np.prod(s)) for s in shapes)
    for p, g in zip(model.params, model.grads, strict=True):
        assert np.shares_memory(p, model.flat) and np.shares_memory(g, model.flat_grad)
        assert p.flags.c_contiguous
    conv = model.layers[0]
    assert conv.weight is model.params[0] or np.shares_memory(conv.weight, model.params[0])
    model.params[0][...] = 0.5  # writing a view changes what the layer computes
    assert (conv.weight == 0.5).all()


def test_dense_layout_is_the_networks():
    net = Network([3, 5, 2], activation="relu", output="softmax", seed=[2, 1])
    model = Model([Dense(3, 5, "relu"), Dense(5, 2)], "softmax", init="xavier_uniform",
                  seed=[2, 1])
    assert model.flat.tobytes() == net.flat.tobytes()
    X, y = np.random.default_rng(0).normal(size=(7, 3)), np.arange(7) % 2
    v1, g1 = net.loss_and_grads(X, y)
    v2, g2 = model.loss_and_grads(X, y)
    assert v1 == v2 and all(a.tobytes() == b.tobytes() for a, b in zip(g1, g2, strict=True))


def test_penalty_and_its_gradient_act_on_weights_only():
    model = mixed()
    X = np.random.default_rng(0).normal(size=(5, 1, 8, 8))
    y = np.arange(5) % 2
    model.params[1][...] = 3.0  # a bias, and LayerNorm's gains: not regularized
    model.params[2][...] = 2.0
    _, plain = model.loss_and_grads(X, y)
    model.l1, model.l2 = 0.03, 0.2
    W = np.concatenate([p.ravel() for p in model.params if p.ndim >= 2])
    expected = 0.03 * np.abs(W).sum() + 0.1 * (W * W).sum()
    assert model.penalty() == pytest.approx(expected, rel=1e-13)
    value, grads = model.loss_and_grads(X, y)
    assert value == pytest.approx(model.loss_value(X, y) + expected, rel=1e-13)
    for p, g, g0 in zip(model.params, grads, plain, strict=True):
        extra = 0.2 * p + 0.03 * np.sign(p) if p.ndim >= 2 else 0.0
        np.testing.assert_allclose(g, g0 + extra, rtol=1e-12, atol=1e-15)


# --- starting values per layer type ---------------------------------------------------------------

def test_every_layer_with_parameters_has_a_rule():
    assert set(LAYER_INITS) <= set(LAYERS)
    with_params = {"Dense", "Conv2D", "RNN", "GRU", "LSTM", "Embedding", "PositionEmbedding",
                   "LayerNorm", "MultiHeadAttention", "Residual", "TransformerBlock"}
    assert with_params <= set(LAYER_INITS)


def uniform_bound(a: np.ndarray, bound: float):
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound


def test_starting_values_per_layer_type():
    rng = np.random.default_rng(0)
    dense_relu = initial_params(Dense(400, 300, "relu"), rng)
    uniform_bound(dense_relu[0], math.sqrt(6 / 400))  # He uniform
    assert not dense_relu[1].any()
    dense_tanh = initial_params(Dense(400, 300, "tanh"), rng)
    uniform_bound(dense_tanh[0], math.sqrt(6 / 700))  # Xavier uniform
    conv = initial_params(Conv2D(8, 16, 3, activation="relu"), rng)
    uniform_bound(conv[0], math.sqrt(6 / (8 * 9)))
    conv_tanh = initial_params(Conv2D(8, 16, 3, activation="tanh"), rng)
    uniform_bound(conv_tanh[0], math.sqrt(6 / (8 * 9 + 16 * 9)))
    chosen = initial_params(Conv2D(8, 16, 3, activation="relu"), rng, "playground")
    uniform_bound(chosen[0], 0.5)
    assert (chosen[1] == 0.1).all()
    for cls in (RNN, GRU, LSTM):
        params = initial_params(cls(3, 25), rng)
        assert [p.shape for p in params] == cls(3, 25).param_shapes
        for p in params:
            uniform_bound(p, 1 / 5)
    emb = initial_params(Embedding(300, 40), rng)[0]
    assert emb.std() == pytest.approx(1.0, rel=0.03) and abs(emb.mean()) < 0.03
    w, b = initial_params(LayerNorm(6), rng)
    assert (w == 1).all() and (b == 0).all()
    w_in, b_in, w_out, b_out = initial_params(MultiHeadAttention(32, 4), rng)
    uniform_bound(w_in, math.sqrt(6 / (32 + 96)))
    uniform_bound(w_out, 1 / math.sqrt(32))
    assert not b_in.any() and not b_out.any()
    block = TransformerBlock(8, 2, 16)
    assert [p.shape for p in initial_params(block, rng)] == block.param_shapes
    assert initial_params(Flatten(), rng) == [] and initial_params(Dropout(0.5), rng) == []


def test_a_layer_type_without_a_rule_is_initialized_by_shape():
    class Scale:  # a minimal layer of someone's own: y = x * w + b
        param_shapes = [(4, 3), (3,)]

        def bind(self, params, grads):
            self.w, self.b = params

        def forward(self, x, rng=None):
            return x @ self.w + self.b

        def backward(self, dy, need_dx=True):
            return None

    w, b = initial_params(Scale(), np.random.default_rng(0))
    uniform_bound(w, math.sqrt(6 / (3 + 4)))
    assert not b.any()
    model = Model([Scale()], seed=1)
    assert model.n_weights == 12


@pytest.mark.parametrize("stack", list(STACKS))
def test_same_seed_same_start_and_reset_redraws(stack):
    a, b = STACKS[stack]()[0], STACKS[stack]()[0]
    assert a.flat.tobytes() == b.flat.tobytes()
    first = a.flat.copy()
    a.reset(99)
    assert not np.array_equal(a.flat, first)
    b.flat[...] = 0.0
    b.reset(99)
    assert a.flat.tobytes() == b.flat.tobytes()


@pytest.mark.parametrize("init", list(INITIALIZERS))
def test_chosen_initializer_applies_to_dense_and_conv_weights(init):
    model = Model([Conv2D(1, 4, 3, activation="relu"), Flatten(), Dense(4 * 6 * 6, 3)],
                  "softmax", init=init, seed=0)
    spec = INITIALIZERS[init]
    assert (model.params[1] == spec.bias).all() and (model.params[3] == spec.bias).all()
    expected = spec.draw(np.random.default_rng(0), (4, 1, 3, 3), 9, 36)
    np.testing.assert_array_equal(model.params[0], expected)  # drawn first, fan-in 1 x 3 x 3


# --- dropout, forward, errors ---------------------------------------------------------------------

def test_dropout_rates_cover_hidden_dense_and_dropout_layers():
    model = Model([Conv2D(1, 2, 3, padding=1), MaxPool2D(2), Flatten(), Dropout(0.1),
                   Dense(32, 8, "relu", 0.2), Dense(8, 3)], "softmax")
    assert model.dropout == [0.1, 0.2]
    model.dropout = 0.5
    assert model.dropout == [0.5, 0.5] and model.layers[-1].dropout == 0.0
    model.dropout = [0.3, 0.0]
    assert model.layers[3].rate == 0.3 and model.layers[4].dropout == 0.0
    with pytest.raises(ValueError, match=r"dropout rates must be in \[0, 1\)"):
        model.dropout = 1.0
    with pytest.raises(ValueError, match="exactly 2, not 3"):
        model.dropout = [0.1, 0.1, 0.1]
    block = Model([Embedding(5, 8), TransformerBlock(8, 2, 16, dropout=0.25), Dense(8, 5)],
                  "softmax")
    assert block.dropout == [0.25, 0.25]
    X = np.random.default_rng(0).normal(size=(50, 1, 8, 8))
    np.testing.assert_array_equal(model.forward(X), model.forward(X))  # never in forward
    train = model.logits(X, np.random.default_rng(0))
    assert not np.allclose(train, model.logits(X))


def test_layer_outputs_are_each_layers_then_the_outputs():
    model, X, _, _ = cnn()
    outs = model.layer_outputs(X)
    assert [o.shape for o in outs] == [(6, 3, 8, 8), (6, 3, 4, 4), (6, 2, 4, 4), (6, 2, 2, 2),
                                       (6, 8), (6, 5), (6, 4)]
    np.testing.assert_allclose(outs[-1], model.forward(X), rtol=1e-15)
    np.testing.assert_allclose(outs[-1].sum(axis=1), 1.0, rtol=1e-12)
    a = X
    for layer, out in zip(model.layers[:-1], outs[:-1], strict=True):
        a = layer.forward(a)
        np.testing.assert_array_equal(a, out)


@pytest.mark.parametrize("args, message", [
    (([],), "at least one layer"),
    (([Dense(2, 1), "dense"],), "is not a layer"),
    (([Dense(2, 1)], "relu"), "unknown output 'relu'"),
    (([Dense(2, 1)], "linear", "bce"), "needs a sigmoid output, not linear"),
    (([Dense(2, 1)], "linear", None, "orthogonal"), "unknown initializer 'orthogonal'"),
])
def test_invalid_models_raise_readable_errors(args, message):
    with pytest.raises(ValueError, match=message):
        Model(*args)
