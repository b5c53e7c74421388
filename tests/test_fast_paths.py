"""The training hot path's own entry points give the numbers of the general ones: an optimizer
on a model's flat views, `step_flat`, `Model.train_batch` (with and without prepared targets),
`loss_and_grads(copy=False)` and the lifetimes they document."""

import numpy as np
import pytest

from engine.layers import Dense, Dropout
from engine.model import FlatViews, Model
from engine.network import Network
from engine.optimizers import OPTIMIZERS, make_optimizer

NAMES = list(OPTIMIZERS)


def grads_for(net, k, seed=0):
    """k gradient lists mirroring net.params, as plain lists of fresh arrays."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(p.shape) for p in net.params] for _ in range(k)]


@pytest.mark.parametrize("name", NAMES)
def test_flat_views_step_equals_the_per_array_step_bit_for_bit(name):
    a = Network([3, 5, 4, 2], seed=1)
    b = Network([3, 5, 4, 2], seed=1)
    oa, ob = make_optimizer(name, 0.01), make_optimizer(name, 0.01)
    for gs in grads_for(a, 5):
        for g, v in zip(gs, a.grads, strict=True):
            v[...] = g
        oa.step(a.params, a.grads)  # FlatViews: one update on the flat buffers
        ob.step(list(b.params), [g.copy() for g in gs])  # plain lists: array by array
    assert oa._layout is a.params.layout  # the flat path was taken
    np.testing.assert_array_equal(a.flat, b.flat)
    for k in oa.buffers:
        for x, y in zip(oa.buffers[k], ob.buffers[k], strict=True):
            assert x.shape == y.shape
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", NAMES)
def test_step_flat_equals_step_and_switching_paths_keeps_the_buffers(name):
    a = Network([2, 4, 1], seed=2)
    b = Network([2, 4, 1], seed=2)
    oa, ob = make_optimizer(name, 0.02), make_optimizer(name, 0.02)
    rng = np.random.default_rng(3)
    for s in range(6):
        g = rng.standard_normal(a.flat.size)
        a.flat_grad[...] = g
        b.flat_grad[...] = g
        oa.step_flat(a.flat, a.flat_grad)
        ob.step([b.flat], [b.flat_grad])
        np.testing.assert_array_equal(a.flat, b.flat)
        if s == 2:  # a state round trip in between
            oa.load_state_dict(oa.state_dict())
    assert oa.t == ob.t == 6


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_views_path_after_a_per_array_state_keeps_the_state(name):
    a = Network([3, 4, 2], seed=5)
    b = Network([3, 4, 2], seed=5)
    oa, ob = make_optimizer(name, 0.01), make_optimizer(name, 0.01)
    gs = grads_for(a, 4, seed=9)
    for k, g in enumerate(gs):
        for dst, src in zip(a.grads, g, strict=True):
            dst[...] = src
        if k < 2:
            oa.step(list(a.params), [x.copy() for x in g])  # per array first
        else:
            oa.step(a.params, a.grads)  # then the flat path: buffers carried over
        ob.step(list(b.params), [x.copy() for x in g])
    np.testing.assert_array_equal(a.flat, b.flat)


def test_flat_views_are_views_of_the_flat_buffers():
    net = Network([3, 5, 2], seed=0)
    assert isinstance(net.params, FlatViews) and isinstance(net.params, list)
    assert net.params.flat is net.flat and net.grads.flat is net.flat_grad
    net.params[0][0, 0] = 42.0
    assert 42.0 in net.flat
    a, b, shape = net.params.layout[0]
    assert net.flat[a:b].reshape(shape)[0, 0] == 42.0


CASES = {  # sizes, activation, output, loss, dropout, l1, l2
    "sigmoid-bce": ([2, 6, 5, 1], "tanh", "sigmoid", None, 0.0, 0.0, 0.0),
    "relu-linear-mse-reg": ([3, 7, 2], "relu", "linear", "mse", 0.0, 0.001, 0.01),
    "softmax-dropout": ([4, 8, 3], "sigmoid", "softmax", None, 0.3, 0.0, 0.0),
    "tanh-out": ([2, 5, 1], "elu", "tanh", None, 0.0, 0.0, 0.0),
    "sigmoid-mse": ([2, 3, 1], "tanh", "sigmoid", "mse", 0.0, 0.0, 0.0),
}


def data(sizes, output, n=24):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((n, sizes[0]))
    if output == "softmax":
        return X, rng.integers(0, sizes[-1], n)
    if output == "sigmoid":
        return X, (X[:, 0] > 0).astype(float)
    return X, np.tanh(X[:, :sizes[-1]])


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("prepared", [False, True])
def test_train_batch_gives_backprops_gradients(case, prepared):
    sizes, act, output, loss, drop, l1, l2 = CASES[case]
    a = Network(sizes, act, output, seed=3, loss=loss, dropout=drop)
    b = Network(sizes, act, output, seed=3, loss=loss, dropout=drop)
    for net in (a, b):
        net.l1, net.l2 = l1, l2
    X, y = data(sizes, output)
    Y = a.targets(y)
    ra, rb = np.random.default_rng(8), np.random.default_rng(8)
    for rows in (slice(0, 10), slice(10, 24), slice(0, 10)):  # two batch sizes, buffers reused
        T = a.fit_targets(Y[rows]) if prepared else Y[rows]
        Xa = a.fit_inputs(X)[rows] if prepared else X[rows]
        a.train_batch(Xa, T, ra if drop else None, prepared)
        b.backprop(X[rows], Y[rows], rb if drop else None)
        np.testing.assert_allclose(a.flat_grad, b.flat_grad, rtol=1e-12, atol=1e-15)
        for la, lb in zip(a.layers, b.layers, strict=True):  # what the layers keep
            np.testing.assert_allclose(la.z, lb.z, rtol=1e-12, atol=1e-15)
            assert (la.mask is None) == (lb.mask is None)
            if la.mask is not None:
                np.testing.assert_array_equal(la.mask, lb.mask)
    np.testing.assert_allclose(a.input_gradient(X, y), b.input_gradient(X, y), rtol=1e-12,
                               atol=1e-15)  # the general path still works after it


def test_fit_targets_prepare_only_the_sigmoid_with_its_own_loss():
    Y = np.array([[0.0], [1.0]])
    np.testing.assert_array_equal(Network([2, 1], output="sigmoid").fit_targets(Y),
                                  [[-1.0], [1.0]])
    for net in (Network([2, 1], output="sigmoid", loss="mse"),
                Network([2, 1], output="linear"), Network([2, 1], output="tanh")):
        assert net.fit_targets(Y) is Y


def test_loss_and_grads_copies_are_fresh_and_views_are_the_models():
    net = Network([2, 4, 1], seed=1)
    X, y = data([2, 4, 1], "sigmoid")
    loss1, g1 = net.loss_and_grads(X, y)
    loss2, g2 = net.loss_and_grads(X, y, copy=False)
    assert loss1 == loss2
    assert all(a is b for a, b in zip(g2, net.grads, strict=True))  # the model's own views
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, net.flat_grad)
    saved = [g.copy() for g in g1]
    net.flat[...] *= 0.5
    net.loss_and_grads(X[:5], y[:5], copy=False)  # the views change with the next pass...
    assert not all(np.array_equal(a, b) for a, b in zip(g2, saved, strict=True))
    for a, b in zip(g1, saved, strict=True):  # ...the copies do not
        np.testing.assert_array_equal(a, b)


def test_forward_results_are_not_the_training_buffers():
    """The public forward never hands out arrays a later pass overwrites."""
    model = Model([Dense(2, 3, "tanh"), Dropout(0.5), Dense(3, 1)], output="sigmoid")
    X = np.random.default_rng(0).standard_normal((6, 2))
    p = model.forward(X)
    outs = model.layer_outputs(X)
    keep_p, keep_outs = p.copy(), [o.copy() for o in outs]
    model.loss_and_grads(X, np.ones(6), np.random.default_rng(1))
    model.train_batch(X, model.targets(np.zeros(6), 1), np.random.default_rng(2))
    model.flat[...] += 1.0
    model.forward(X)
    np.testing.assert_array_equal(p, keep_p)
    for a, b in zip(outs, keep_outs, strict=True):
        np.testing.assert_array_equal(a, b)
