"""Finite-difference checks of every activation and of the network's gradients: each hidden
activation with each compatible output and loss, fused and generic output paths, L1, L2 and
dropout with a fixed mask. Parametrized over the registries, so a new entry is checked too."""

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.losses import LOSSES
from engine.network import Network
from engine.outputs import OUTPUTS

# (output, loss) pairs whose gradient through the output is fused into c (p - y).
FUSED_SCALE = {(o.name, loss): scale for o in OUTPUTS.values() for loss, scale in o.fused.items()}

H = 1e-6  # central-difference step
RTOL = 1e-6
KINKED = {"relu", "leaky_relu", "elu"}  # not differentiable (or not twice) at z = 0

PAIRS = [(output, loss) for loss in LOSSES for output in LOSSES[loss].outputs]
REGULARIZATION = {"none": (0.0, 0.0), "l1": (0.01, 0.0), "l2": (0.0, 0.1),
                  "l1+l2": (0.02, 0.3)}


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


def assert_grads_close(analytic, numeric, what=""):
    """Element-wise relative tolerance, with a floor at the rounding noise of the difference."""
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        np.testing.assert_allclose(a, n, rtol=RTOL, atol=1e-8, err_msg=f"{what} param {i}")
    total = max(np.abs(np.concatenate([g.ravel() for g in numeric])).max(), 1e-300)
    assert total > 1e-4, "the check is vacuous: all gradients are ~0"


def sample(output, loss, k, n=12, seed=0):
    """Inputs (n, 3) and targets suiting `output` and `loss`."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if output == "softmax":
        return X, rng.integers(0, k, n)
    if loss == "bce":
        return X, rng.integers(0, 2, (n, k)).astype(float)
    if output == "tanh":
        return X, rng.uniform(-0.9, 0.9, (n, k))
    if output == "sigmoid":
        return X, rng.uniform(0.05, 0.95, (n, k))
    return X, rng.normal(size=(n, k))


def away_from_kinks(net, X, rng_seed=None, min_gap=1e-3):
    """Indices of the rows of X that put no hidden unit of a kinked activation within min_gap
    of 0, where finite differences would cross the kink. Dropout masks depend on the number of
    rows, so with a mask seed this repeats until the kept rows are safe under their own mask."""
    rows = np.arange(len(X))
    for _ in range(10):
        rng = None if rng_seed is None else np.random.default_rng(rng_seed)
        keep = np.ones(len(rows), bool)
        a = X[rows]
        for layer in net.layers[:-1]:
            a = layer.forward(a, rng)
            if layer.act.name in KINKED:
                keep &= (np.abs(layer.z) > min_gap).all(axis=1)
        if keep.all():
            return rows
        rows = rows[keep]
    raise AssertionError("could not find inputs away from the kinks")


def move_weights_off_zero(net, gap=1e-3):
    """L1's |w| has a kink at 0: keep every weight at least `gap` away from it."""
    for w in net.weights():
        w[...] = np.where(w >= 0, np.maximum(w, gap), np.minimum(w, -gap))


def check_network(net, X, y, loss=None, rng_seed=None, what=""):
    rng = (lambda: np.random.default_rng(rng_seed)) if rng_seed is not None else (lambda: None)
    value, grads = net.loss_and_grads(X, y, loss=loss, rng=rng())
    assert np.isfinite(value)
    f = lambda: net.loss_and_grads(X, y, loss=loss, rng=rng())[0]  # noqa: E731
    numeric = [numeric_grad(f, p) for p in net.params]
    assert_grads_close(grads, numeric, what)
    return grads


def build(activation, output, loss, reg="none", seed=0, dropout=0.0, rng_seed=None):
    """A [3, 5, 4, k] network with non-zero biases, and data away from its kinks."""
    k = 3 if output == "softmax" else 2
    net = Network([3, 5, 4, k], activation=activation, output=output, loss=loss, seed=seed,
                  init="xavier_normal", dropout=dropout)
    for b in net.params[1::2]:
        b[...] = np.linspace(-0.3, 0.25, b.size)
    net.l1, net.l2 = REGULARIZATION[reg]
    if net.l1:
        move_weights_off_zero(net)
    X, y = sample(output, loss, k, n=16, seed=seed)
    keep = away_from_kinks(net, X, rng_seed)
    assert len(keep) >= 8
    return net, X[keep], y[keep]


# --- activations ------------------------------------------------------------------------------

def z_grid(name):
    z = np.linspace(-6, 6, 601)
    if name in KINKED:
        z = z[np.abs(z) > 1e-3]
    return z


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    z = z_grid(name)
    a = act.fn(z)
    numeric = (act.fn(z + H) - act.fn(z - H)) / (2 * H)
    np.testing.assert_allclose(act.deriv(z, a), numeric, rtol=RTOL, atol=1e-9)
    if not act.needs_z:
        np.testing.assert_array_equal(act.deriv(None, a), act.deriv(z, a))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_an_attained_end_of_the_range_is_reached_and_an_open_one_is_not(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-30, 30, 600_001)
    a = act.fn(z)
    for end, attained, extreme in zip(act.output_range, act.attained, (a.min(), a.max()),
                                      strict=True):
        if not np.isfinite(end):
            assert not attained
        elif attained:  # reached (to the 2 decimals a stated range like -0.17 carries)
            assert abs(extreme - end) < 0.005, (name, end, extreme)
        else:  # approached only: never reached for a moderate z
            inner = act.fn(np.linspace(-8, 8, 1001))
            assert not np.any(inner == end), (name, end)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_respects_its_output_range(name):
    act = ACTIVATIONS[name]
    big = np.logspace(-8, 300, 200)
    z = np.concatenate([-big, np.linspace(-50, 50, 10001), big])
    with np.errstate(over="ignore"):
        a = act.fn(z)
    assert a.shape == z.shape and a.dtype == np.float64
    assert not np.isnan(a).any()
    low, high = act.output_range
    assert (a >= low).all() and (a <= high).all(), (a.min(), a.max())
    # The range is tight: the function comes close to each finite end.
    if np.isfinite(low):
        assert a.min() < low + 0.01
    if np.isfinite(high):
        assert a.max() > high - 0.01


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_is_elementwise_and_does_not_modify_its_input(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(1).normal(size=(7, 3))
    z_copy = z.copy()
    a = act.fn(z)
    np.testing.assert_array_equal(z, z_copy)
    np.testing.assert_array_equal(a[2], act.fn(z[2]))
    assert act.label and act.description


def test_outputs_other_than_softmax_are_activations():
    for name in OUTPUTS:
        assert name == "softmax" or name in ACTIVATIONS
    z = np.random.default_rng(0).normal(size=(5, 4)) * 30
    p = OUTPUTS["softmax"].forward(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-12)


# --- the network: every activation with every output and loss -----------------------------------

@pytest.mark.parametrize("reg", list(REGULARIZATION))
@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_network_gradient(activation, output, loss, reg):
    net, X, y = build(activation, output, loss, reg)
    check_network(net, X, y, what=f"{activation}/{output}/{loss}/{reg}")


@pytest.mark.parametrize("output, loss", PAIRS)
def test_generic_output_path_matches_finite_differences_and_the_fused_one(output, loss):
    # The network's own loss is another one, so `loss=` takes the generic dL/dp path (the
    # output activation's Jacobian times the loss's grad) even for a pair that has a fused one.
    others = [m for m in LOSSES if m != loss and output in LOSSES[m].outputs]
    assert others, f"no second loss follows {output}"
    net, X, y = build("tanh", output, others[0])
    generic = check_network(net, X, y, loss=loss, what=f"generic {output}/{loss}")
    net.set_loss(loss)
    own = net.loss_and_grads(X, y)[1]
    for g, o in zip(generic, own, strict=True):
        np.testing.assert_allclose(g, o, rtol=1e-10, atol=1e-14)


def test_fused_pairs_are_compatible_pairs():
    for output, loss in FUSED_SCALE:
        assert output in LOSSES[loss].outputs


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_dropout_gradient_with_a_fixed_mask(activation):
    net, X, y = build(activation, "sigmoid", "bce", "l2", dropout=[0.4, 0.3], rng_seed=7)
    check_network(net, X, y, rng_seed=7, what=f"dropout {activation}")
    # The mask really applies: training-mode loss differs from the evaluation loss, and a
    # different mask gives a different loss.
    train = net.loss_and_grads(X, y, rng=np.random.default_rng(7))[0]
    again = net.loss_and_grads(X, y, rng=np.random.default_rng(7))[0]
    other = net.loss_and_grads(X, y, rng=np.random.default_rng(8))[0]
    plain = net.loss_and_grads(X, y)[0]
    assert train == again and train != plain and train != other


@pytest.mark.parametrize("output, loss", [("sigmoid", "mse"), ("softmax", "half_mse"),
                                          ("tanh", "mse"), ("softmax", "mse")])
def test_dropout_on_the_generic_path(output, loss):
    net, X, y = build("relu", output, loss, "l1+l2", dropout=0.3, rng_seed=3)
    assert (output, loss) not in FUSED_SCALE
    check_network(net, X, y, rng_seed=3, what=f"dropout generic {output}/{loss}")


def test_gradients_are_fresh_copies_and_flat_grad_agrees():
    net, X, y = build("tanh", "sigmoid", "bce")
    _, grads = net.loss_and_grads(X, y)
    for g, view in zip(grads, net.grads, strict=True):
        assert not np.shares_memory(g, net.flat_grad)
        np.testing.assert_array_equal(g, view)
    saved = [g.copy() for g in grads]
    net.loss_and_grads(X[:3], y[:3])
    for g, s in zip(grads, saved, strict=True):
        np.testing.assert_array_equal(g, s)


def test_gradient_of_a_network_without_hidden_layers():
    rng = np.random.default_rng(2)
    net = Network([3, 2], output="linear", seed=1)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    grads = check_network(net, X, y)
    # Restated: MSE over rows and outputs, so dL/dW = X^T (2 (p - y) / (n k)).
    dz = 2 * (net.forward(X) - y) / y.size
    np.testing.assert_allclose(grads[0], X.T @ dz, rtol=1e-12)
    np.testing.assert_allclose(grads[1], dz.sum(axis=0), rtol=1e-12)
