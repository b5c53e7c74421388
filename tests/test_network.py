"""Tests for engine.network: the flat parameter buffer, forward pass, losses, initializers and
validation. Gradients are checked in test_gradients.py."""

import math

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.network import Network
from engine.outputs import OUTPUTS


def data(n=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng


# --- parameters ---------------------------------------------------------------------------------

def test_params_are_float64_views_of_flat_with_torch_like_shapes():
    net = Network([3, 5, 4, 2], output="softmax")
    assert [p.shape for p in net.params] == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    assert [g.shape for g in net.grads] == [p.shape for p in net.params]
    assert net.flat.dtype == np.float64 and all(p.dtype == np.float64 for p in net.params)
    assert net.n_params == net.flat.size == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    for p in net.params:
        assert np.shares_memory(p, net.flat)
    for g in net.grads:
        assert np.shares_memory(g, net.flat_grad)
    # Layer by layer, W then b: each layer one (fan_in + 1, fan_out) block [W; b].
    np.testing.assert_array_equal(net.flat, np.concatenate([p.ravel() for p in net.params]))
    o = 0
    for W, b in zip(net.params[0::2], net.params[1::2], strict=True):
        block = net.flat[o:o + W.size + b.size].reshape(W.shape[0] + 1, W.shape[1])
        assert np.shares_memory(block[:-1], W) and np.shares_memory(block[-1], b)
        o += W.size + b.size
    # L1/L2 act on the weights only: n_weights entries, marked by weight_mask.
    assert net.n_weights == 3 * 5 + 5 * 4 + 4 * 2
    np.testing.assert_array_equal(net.weight_mask, np.concatenate(
        [np.full(p.size, float(p.ndim == 2)) for p in net.params]))
    assert all(w is p for w, p in zip(net.weights(), net.params[0::2], strict=True))


def test_writing_params_in_place_changes_forward():
    X, rng = data()
    net = Network([3, 4, 1], activation="tanh", output="linear")
    W1, b1, W2, b2 = (rng.normal(size=p.shape) for p in net.params)
    for p, v in zip(net.params, (W1, b1, W2, b2), strict=True):
        p[...] = v
    np.testing.assert_allclose(net.forward(X), np.tanh(X @ W1 + b1) @ W2 + b2, rtol=1e-14)
    net.flat[...] = 0.0
    np.testing.assert_array_equal(net.forward(X), np.zeros((len(X), 1)))


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_forward_restated_with_per_layer_activations(output):
    X, rng = data()
    k = 3 if output == "softmax" else 2
    net = Network([3, 4, 5, k], activation=["relu", "sine"], output=output, seed=3)
    assert [layer.act.name for layer in net.layers] == ["relu", "sine", "linear"]
    assert net.activations == ["relu", "sine"]
    W1, b1, W2, b2, W3, b3 = net.params
    z = np.sin(np.maximum(X @ W1 + b1, 0) @ W2 + b2) @ W3 + b3
    expected = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
        "linear": lambda z: z,
        "tanh": np.tanh,
    }[output](z)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13, atol=1e-15)
    outs = net.layer_outputs(X)
    assert [o.shape for o in outs] == [(20, 4), (20, 5), (20, k)]
    np.testing.assert_allclose(outs[-1], expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(outs[0], np.maximum(X @ W1 + b1, 0), rtol=1e-14)


def test_softmax_never_overflows():
    net = Network([1, 3], output="softmax", init="zeros")
    net.params[0][...] = [[1000.0, -1000.0, 0.0]]
    p = net.forward(np.array([[1.0], [-1.0]]))
    np.testing.assert_allclose(p, [[1, 0, 0], [0, 1, 0]], atol=1e-300)


def test_network_without_hidden_layers_is_a_linear_model():
    X, rng = data()
    net = Network([3, 1], output="linear", seed=1)
    W, b = net.params
    np.testing.assert_allclose(net.forward(X), X @ W + b, rtol=1e-14)
    assert net.dropout == [] and net.activations == []


# --- losses -----------------------------------------------------------------------------------

def test_default_loss_follows_the_output():
    defaults = {name: o.default_loss for name, o in OUTPUTS.items()}
    assert defaults == {"sigmoid": "bce", "softmax": "cross_entropy", "linear": "mse",
                        "tanh": "half_mse"}
    for output, loss in defaults.items():
        assert Network([2, 3, 3], output=output).loss.name == loss


def restated_loss(name, p, Y):
    """Each loss from its documented formula, computed from the outputs p (n, k)."""
    n = len(Y)
    if name == "bce":
        return -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).sum() / n
    if name == "cross_entropy":
        return -(Y * np.log(p)).sum() / n
    if name == "mse":  # torch.nn.MSELoss(reduction="mean"): mean over rows and outputs
        return ((p - Y) ** 2).mean()
    if name == "half_mse":  # TensorFlow Playground: 0.5 (p - y)^2 summed over outputs
        return (0.5 * (p - Y) ** 2).sum(axis=1).mean()
    raise AssertionError(f"no restated formula for loss {name!r}; add one")


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_matches_its_restated_formula(name):
    X, rng = data(n=30)
    for output in LOSSES[name].outputs:
        k = 3
        net = Network([3, 4, k], output=output, loss=name, seed=2)
        y = rng.integers(0, k, len(X)) if output == "softmax" else rng.random((len(X), k))
        if name == "bce":
            y = (y > 0.5).astype(float)
        Y = net.targets(y)
        p = net.forward(X)
        expected = restated_loss(name, p, Y)
        assert net.loss_value(X, y) == pytest.approx(expected, rel=1e-12)
        value, _ = net.loss_and_grads(X, y)
        assert value == pytest.approx(expected, rel=1e-12)


def test_bce_is_finite_for_saturated_outputs():
    net = Network([1, 1], output="sigmoid", init="zeros")
    net.params[0][...] = 1000.0
    X, y = np.array([[1.0], [-1.0]]), np.array([0.0, 1.0])
    assert net.loss_value(X, y) == pytest.approx(1000.0)  # -log(sigmoid(-1000)) = 1000


def test_mse_on_a_known_example():
    # torch.nn.MSELoss()(tensor([[1., 2.], [3., 5.]]), zeros) == (1 + 4 + 9 + 25) / 4
    net = Network([2, 2], output="linear", init="zeros")
    net.params[0][...] = np.eye(2)
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert net.loss_value(X, np.zeros((2, 2))) == 39 / 4
    assert net.loss_value(X, np.zeros((2, 2)), loss="half_mse") == 39 / 4


def test_penalty_is_l1_plus_half_l2_over_weights_only():
    X, rng = data()
    net = Network([3, 4, 1], seed=5)
    net.params[1][...] = 100.0  # biases are not regularized
    net.l1, net.l2 = 0.03, 0.2
    W = np.concatenate([net.params[0].ravel(), net.params[2].ravel()])
    expected = 0.03 * np.abs(W).sum() + 0.5 * 0.2 * (W * W).sum()
    assert net.penalty() == pytest.approx(expected, rel=1e-13)
    y = (rng.random(len(X)) > 0.5).astype(float)
    value, _ = net.loss_and_grads(X, y)
    assert value == pytest.approx(net.loss_value(X, y) + expected, rel=1e-13)


def test_targets_one_hot_for_softmax_and_columns_otherwise():
    net = Network([2, 3], output="softmax")
    np.testing.assert_array_equal(net.targets([2, 0, 1]), np.eye(3)[[2, 0, 1]])
    net = Network([2, 1], output="sigmoid")
    Y = net.targets([1, 0, 1])
    assert Y.shape == (3, 1) and Y.dtype == np.float64
    with pytest.raises(ValueError, match="2 columns but the network has 1 outputs"):
        net.targets(np.zeros((3, 2)))


def test_loss_override_is_checked_against_the_output():
    net = Network([2, 3, 1], output="sigmoid")
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="needs a softmax output, not sigmoid"):
        net.loss_value(X, np.zeros(4), loss="cross_entropy")
    with pytest.raises(ValueError, match="unknown loss 'l7'; choose one of: " +
                       ", ".join(LOSSES)):
        net.set_loss("l7")


# --- initializers -------------------------------------------------------------------------------

# name -> ("uniform", bound) or ("normal", std) for fan_in, fan_out, and the bias value.
INIT_RULES = {
    "xavier_uniform": ("uniform", lambda i, o: math.sqrt(6 / (i + o)), 0.0),
    "xavier_normal": ("normal", lambda i, o: math.sqrt(2 / (i + o)), 0.0),
    "he_uniform": ("uniform", lambda i, o: math.sqrt(6 / i), 0.0),
    "he_normal": ("normal", lambda i, o: math.sqrt(2 / i), 0.0),
    "lecun_normal": ("normal", lambda i, o: math.sqrt(1 / i), 0.0),
    "playground": ("uniform", lambda i, o: 0.5, 0.1),
    "zeros": ("zeros", None, 0.0),
}


def test_every_initializer_has_a_restated_rule():
    assert set(INIT_RULES) == set(INITIALIZERS)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_distribution(name):
    kind, scale, bias = INIT_RULES[name]
    fan_in, fan_out = 300, 200
    net = Network([fan_in, fan_out, 1], init=name, seed=11)
    W, b = net.params[0], net.params[1]
    np.testing.assert_array_equal(b, np.full(fan_out, bias))
    np.testing.assert_array_equal(net.params[3], np.full(1, bias))
    if kind == "zeros":
        assert not net.flat.any()
        return
    s = scale(fan_in, fan_out)
    assert abs(W.mean()) < 0.05 * s
    if kind == "uniform":
        assert -s <= W.min() < -0.99 * s and 0.99 * s < W.max() <= s
        assert W.std() == pytest.approx(s / math.sqrt(3), rel=0.01)
    else:
        assert W.std() == pytest.approx(s, rel=0.01)
        assert np.abs(W).max() > 3 * s  # not a truncated normal
    # The output layer is drawn with its own fan-in and fan-out.
    W2 = net.params[2]
    if kind == "uniform":
        assert np.abs(W2).max() <= scale(fan_out, 1)


def test_same_seed_same_weights_and_reset_redraws():
    a = Network([2, 8, 8, 1], seed=4)
    b = Network([2, 8, 8, 1], seed=4)
    c = Network([2, 8, 8, 1], seed=5)
    assert a.flat.tobytes() == b.flat.tobytes()
    assert not np.array_equal(a.flat, c.flat)
    first = a.flat.copy()
    a.flat[...] = 7.0
    a.reset(4)
    np.testing.assert_array_equal(a.flat, first)
    a.reset([4, 1])
    assert not np.array_equal(a.flat, first)


# --- dropout ----------------------------------------------------------------------------------

def test_dropout_per_layer_and_only_with_an_rng():
    X, rng = data(n=200)
    net = Network([3, 50, 50, 1], dropout=[0.5, 0.0], seed=1)
    assert net.dropout == [0.5, 0.0]
    assert net.layers[-1].dropout == 0.0
    # Without an rng (evaluation) there is no dropout.
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    outs = net.layer_outputs(X)
    h1 = net.layers[0].forward(X, np.random.default_rng(0))
    mask = net.layers[0].mask
    assert set(np.unique(mask)) == {0.0, 2.0}  # inverted dropout: kept units scaled by 1/keep
    assert 0.4 < (mask == 0).mean() < 0.6
    np.testing.assert_array_equal(h1, outs[0] * mask)
    net.dropout = 0.25
    assert net.dropout == [0.25, 0.25]
    net.dropout = [0.1, 0.2]
    assert [layer.dropout for layer in net.layers] == [0.1, 0.2, 0.0]
    with pytest.raises(ValueError, match="exactly 2, not 3"):
        net.dropout = [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match=r"dropout rates must be in \[0, 1\)"):
        net.dropout = 1.0
    assert net.dropout == [0.1, 0.2]


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=[2]), "sizes must be"),
    (dict(sizes=[2, 0, 1]), "sizes must be"),
    (dict(sizes=[2, 3, 1], activation="swish2"),
     "unknown activation 'swish2'; choose one of: " + ", ".join(ACTIVATIONS)),
    (dict(sizes=[2, 3, 3, 1], activation=["relu"]), "exactly 2, not 1"),
    (dict(sizes=[2, 3, 3, 1], activation=["relu", "nope"]), "unknown activation 'nope'"),
    (dict(sizes=[2, 3, 1], dropout=-0.1), r"dropout rates must be in \[0, 1\)"),
    (dict(sizes=[2, 3, 3, 1], dropout=[0.1]), "exactly 2, not 1"),
    (dict(sizes=[2, 3, 1], output="relu"),
     "unknown output 'relu'; choose one of: " + ", ".join(OUTPUTS)),
    (dict(sizes=[2, 3, 1], output="softmax"), "at least 2 outputs"),
    (dict(sizes=[2, 3, 1], init="orthogonal"),
     "unknown initializer 'orthogonal'; choose one of: " + ", ".join(INITIALIZERS)),
    (dict(sizes=[2, 3, 1], output="linear", loss="bce"),
     "needs a sigmoid output, not linear"),
])
def test_invalid_networks_raise_readable_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)
