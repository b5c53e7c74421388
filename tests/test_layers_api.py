"""The layer protocol for every layer in LAYERS (members, shapes, float64, determinism, gradients
overwritten, outputs not reused), readable errors for bad arguments, and the recurrent and
attention layers' extra attributes restated from their formulas."""

import inspect

import numpy as np
import pytest
from test_layers import assert_grads_close, bind_random, normal, numeric_grad

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
    SinusoidalPosition,
    TransformerBlock,
)

# name: (a layer, an input, the output shape). A layer added to LAYERS needs an entry here.
EXAMPLES = {
    "Dense": (lambda: Dense(3, 4, "tanh", dropout=0.2), lambda: normal(5, 3), (5, 4)),
    "Dropout": (lambda: Dropout(0.3), lambda: normal(4, 5), (4, 5)),
    "Conv2D": (lambda: Conv2D(2, 3, 3, 2, 1, "relu"), lambda: normal(2, 2, 6, 5), (2, 3, 3, 3)),
    "MaxPool2D": (lambda: MaxPool2D(2), lambda: normal(2, 3, 5, 4), (2, 3, 2, 2)),
    "AvgPool2D": (lambda: AvgPool2D(3), lambda: normal(2, 2, 7, 6), (2, 2, 2, 2)),
    "Flatten": (lambda: Flatten(), lambda: normal(2, 3, 2, 2), (2, 12)),
    "RNN": (lambda: RNN(3, 4), lambda: normal(2, 5, 3), (2, 5, 4)),
    "GRU": (lambda: GRU(3, 4), lambda: normal(2, 5, 3), (2, 5, 4)),
    "LSTM": (lambda: LSTM(3, 4), lambda: normal(2, 5, 3), (2, 5, 4)),
    "LastStep": (lambda: LastStep(), lambda: normal(2, 4, 3), (2, 3)),
    "Embedding": (lambda: Embedding(6, 3), lambda: np.array([[0, 5, 2, 2], [1, 0, 3, 4]]),
                  (2, 4, 3)),
    "PositionEmbedding": (lambda: PositionEmbedding(5, 4), lambda: normal(2, 3, 4), (2, 3, 4)),
    "SinusoidalPosition": (lambda: SinusoidalPosition(5, 4), lambda: normal(2, 3, 4),
                           (2, 3, 4)),
    "LayerNorm": (lambda: LayerNorm(4), lambda: normal(2, 3, 4), (2, 3, 4)),
    "MultiHeadAttention": (lambda: MultiHeadAttention(4, 2, causal=True),
                           lambda: normal(2, 3, 4), (2, 3, 4)),
    "Residual": (lambda: Residual(Dense(4, 4, "tanh"), LayerNorm(4)), lambda: normal(2, 3, 4),
                 (2, 3, 4)),
    "TransformerBlock": (lambda: TransformerBlock(4, 2, 6, dropout=0.1),
                         lambda: normal(2, 3, 4), (2, 3, 4)),
}
NAMES = list(LAYERS)


def run(layer, x, seed=0, rng_seed=None):
    """Bind random parameters, forward, backward of sum(y * R): (y, dx, grads), all copies."""
    params, grads = bind_random(layer, seed)
    rng = None if rng_seed is None else np.random.default_rng(rng_seed)
    y = layer.forward(x, rng)
    R = np.random.default_rng(seed + 1).normal(size=y.shape)
    dx = layer.backward(R, True)
    return y.copy(), None if dx is None else dx.copy(), [g.copy() for g in grads]


def test_every_layer_has_an_example():
    assert set(EXAMPLES) == set(LAYERS)
    for name, cls in LAYERS.items():
        assert cls.__name__ == name


@pytest.mark.parametrize("name", NAMES)
def test_protocol_members_and_nothing_else_public_to_call(name):
    cls = LAYERS[name]
    public = {m for m in dir(cls) if not m.startswith("_") and callable(getattr(cls, m))}
    assert public == {"bind", "forward", "backward"}
    assert isinstance(inspect.getattr_static(cls, "param_shapes"), property)
    assert list(inspect.signature(cls.backward).parameters) == ["self", "dy", "need_dx"]
    assert list(inspect.signature(cls.forward).parameters) == ["self", "x", "rng"]
    layer = EXAMPLES[name][0]()
    shapes = layer.param_shapes
    assert isinstance(shapes, list)
    assert all(isinstance(s, tuple) and all(isinstance(d, int) and d > 0 for d in s)
               for s in shapes)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_float64_and_input_untouched(name):
    make, make_x, out_shape = EXAMPLES[name]
    x = make_x()
    x_copy = x.copy()
    y, dx, grads = run(make(), x)
    assert y.shape == out_shape and y.dtype == np.float64
    np.testing.assert_array_equal(x, x_copy)
    if name == "Embedding":
        assert dx is None
    else:
        assert dx.shape == x.shape and dx.dtype == np.float64
    assert all(np.isfinite(g).all() for g in grads)  # every NaN overwritten


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_to_the_bit(name):
    make, make_x, _ = EXAMPLES[name]
    first, again = run(make(), make_x(), rng_seed=1), run(make(), make_x(), rng_seed=1)
    layer = make()
    run(layer, normal(*make_x().shape) if name != "Embedding" else make_x())  # other input
    third = run(layer, make_x(), rng_seed=1)  # the same layer, reused
    for other in (again, third):
        np.testing.assert_array_equal(first[0], other[0])
        if first[1] is not None:
            np.testing.assert_array_equal(first[1], other[1])
        for g, h in zip(first[2], other[2], strict=True):
            np.testing.assert_array_equal(g, h)


@pytest.mark.parametrize("name", NAMES)
def test_backward_overwrites_and_need_dx_false(name):
    make, make_x, _ = EXAMPLES[name]
    layer, x = make(), make_x()
    _, grads = bind_random(layer)
    y = layer.forward(x)
    R = np.random.default_rng(1).normal(size=y.shape)
    layer.backward(R, True)
    once = [g.copy() for g in grads]
    layer.backward(R, True)  # again: the same gradients, not twice them
    for g, o in zip(grads, once, strict=True):
        np.testing.assert_array_equal(g, o)
    for g in grads:
        g[...] = 1e9
    assert layer.backward(R, False) is None
    for g, o in zip(grads, once, strict=True):
        np.testing.assert_array_equal(g, o)


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_not_overwritten_by_the_next_call(name):
    make, make_x, _ = EXAMPLES[name]
    layer, x = make(), make_x()
    bind_random(layer)
    y = layer.forward(x)
    dx = layer.backward(np.ones(y.shape), True)
    kept = y.copy(), None if dx is None else dx.copy()
    other = make_x()
    if np.issubdtype(other.dtype, np.floating):
        other = other * 2.0 + 1.0
    else:
        other = other[:, ::-1].copy()
    y2 = layer.forward(other)
    layer.backward(np.full(y2.shape, 3.0), True)
    np.testing.assert_array_equal(y, kept[0])
    if dx is not None:
        np.testing.assert_array_equal(dx, kept[1])


# --- bad arguments ------------------------------------------------------------------------------

BAD = [
    (lambda: Dense(0, 3), "fan_in"), (lambda: Dense(3, -1), "fan_out"),
    (lambda: Dense(3, 2, "nope"), "choose one of: linear, relu"),
    (lambda: Dense(3, 2, dropout=1.0), "dropout"), (lambda: Dropout(-0.1), "dropout"),
    (lambda: Conv2D(0, 1, 3), "in_channels"), (lambda: Conv2D(1, 0, 3), "out_channels"),
    (lambda: Conv2D(1, 1, 0), "kernel_size"), (lambda: Conv2D(1, 1, 3, stride=0), "stride"),
    (lambda: Conv2D(1, 1, 3, padding=-1), "padding"), (lambda: Conv2D(1, 1, 2.5), "kernel"),
    (lambda: Conv2D(1, 1, 3, activation="softmax"), "unknown activation"),
    (lambda: MaxPool2D(0), "size"), (lambda: AvgPool2D(True), "size"),
    (lambda: RNN(0, 3), "input_size"), (lambda: GRU(3, 0), "hidden_size"),
    (lambda: LSTM(3, -2), "hidden_size"),
    (lambda: Embedding(0, 3), "num_embeddings"), (lambda: Embedding(3, 0), "dim"),
    (lambda: PositionEmbedding(0, 3), "max_len"), (lambda: SinusoidalPosition(4, 0), "dim"),
    (lambda: LayerNorm(0), "dim"), (lambda: LayerNorm(3, eps=0.0), "eps"),
    (lambda: MultiHeadAttention(6, 4), "not divisible by heads"),
    (lambda: MultiHeadAttention(6, 0), "heads"),
    (lambda: TransformerBlock(6, 4, 8), "not divisible by heads"),
    (lambda: TransformerBlock(4, 2, 0), "ff"),
    (lambda: TransformerBlock(4, 2, 8, dropout=1.5), "dropout"),
    (lambda: Residual(), "at least one layer"), (lambda: Residual(object()), "not a layer"),
]


@pytest.mark.parametrize("make, match", BAD)
def test_bad_constructor_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def bound(layer):
    bind_random(layer)
    return layer


BAD_INPUTS = [
    (lambda: bound(Conv2D(1, 1, 5, padding=1)), normal(1, 1, 2, 2), "kernel_size 5 is larger"),
    (lambda: bound(Conv2D(2, 1, 3)), normal(1, 1, 4, 4), "2 input channels"),
    (lambda: bound(Conv2D(1, 1, 3)), normal(1, 4, 4), "4 axes"),
    (lambda: MaxPool2D(3), normal(1, 1, 2, 5), "size 3 is larger"),
    (lambda: AvgPool2D(2), normal(2, 4, 4), "4 axes"),
    (lambda: bound(RNN(3, 2)), normal(2, 4, 2), "last axis 3"),
    (lambda: bound(LSTM(3, 2)), normal(4, 3), "3 axes"),
    (lambda: LastStep(), normal(4, 3), "3 axes"),
    (lambda: bound(Embedding(4, 2)), np.array([[0, 4]]), r"ids must be in \[0, 4\)"),
    (lambda: bound(Embedding(4, 2)), np.array([[0, -1]]), r"ids must be in \[0, 4\)"),
    (lambda: bound(Embedding(4, 2)), np.array([[0.0, 1.0]]), "integer ids"),
    (lambda: bound(PositionEmbedding(3, 2)), normal(1, 4, 2), "max_len 3"),
    (lambda: SinusoidalPosition(3, 2), normal(1, 2, 3), "last axis 2"),
    (lambda: bound(LayerNorm(3)), normal(2, 4), "last axis of 3"),
    (lambda: bound(MultiHeadAttention(4, 2)), normal(2, 4), "3 axes"),
    (lambda: bound(Residual(Dense(3, 4))), normal(2, 3), r"x \+ f\(x\) needs the same shape"),
]


@pytest.mark.parametrize("make, x, match", BAD_INPUTS)
def test_bad_inputs_raise_value_error(make, x, match):
    with pytest.raises(ValueError, match=match):
        make().forward(x)


def test_bind_checks_what_it_is_given():
    layer = Conv2D(1, 2, 3)
    good = [np.zeros(s) for s in layer.param_shapes]
    with pytest.raises(ValueError, match="needs 2 arrays, not 1"):
        layer.bind(good[:1], good)
    with pytest.raises(ValueError, match="shapes"):
        layer.bind([np.zeros((2, 1, 3)), good[1]], good)
    with pytest.raises(ValueError, match="float64"):
        layer.bind([p.astype(np.float32) for p in good], good)
    with pytest.raises(ValueError, match="C-contiguous"):
        layer.bind(good, [np.zeros((2, 1, 3, 6))[..., ::2], good[1]])


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_truncate_must_be_none_or_a_positive_integer(bad):
    layer = GRU(2, 3)
    assert layer.truncate is None
    with pytest.raises(ValueError, match="truncate"):
        layer.truncate = bad
    layer.truncate = 4
    assert layer.truncate == 4
    layer.truncate = None
    assert layer.truncate is None


# --- extra attributes ---------------------------------------------------------------------------

def test_conv2d_output_size_and_the_activation_attribute():
    layer = bound(Conv2D(3, 5, 4, stride=3, padding=2, activation="gelu"))
    assert layer.forward(normal(2, 3, 11, 8)).shape == (2, 5, 4, 3)
    assert layer.act.name == "gelu"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_gru_gates_restated():
    layer = GRU(3, 4)
    (w_ih, w_hh, b_ih, b_hh), _ = bind_random(layer, seed=3)
    x = normal(2, 5, 3, seed=3)
    h = layer.forward(x)
    assert h is layer.hidden
    g = layer.gates
    assert set(g) == {"reset", "update", "new"} and all(v.shape == (2, 5, 4) for v in g.values())
    h_prev = np.zeros((2, 4))
    for t in range(5):
        a_i, a_h = x[:, t] @ w_ih.T + b_ih, h_prev @ w_hh.T + b_hh
        r = sigmoid(a_i[:, :4] + a_h[:, :4])
        z = sigmoid(a_i[:, 4:8] + a_h[:, 4:8])
        n = np.tanh(a_i[:, 8:] + r * a_h[:, 8:])
        for name, value in (("reset", r), ("update", z), ("new", n)):
            np.testing.assert_allclose(g[name][:, t], value, rtol=1e-12, atol=1e-14)
        h_prev = (1 - z) * n + z * h_prev
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)


def test_lstm_gates_restated():
    layer = LSTM(3, 4)
    (w_ih, w_hh, b_ih, b_hh), _ = bind_random(layer, seed=4)
    x = normal(2, 5, 3, seed=4)
    h = layer.forward(x)
    g = layer.gates
    assert set(g) == {"input", "forget", "cell", "output"}
    h_prev, c = np.zeros((2, 4)), np.zeros((2, 4))
    for t in range(5):
        a = x[:, t] @ w_ih.T + b_ih + h_prev @ w_hh.T + b_hh
        i, f, gg, o = sigmoid(a[:, :4]), sigmoid(a[:, 4:8]), np.tanh(a[:, 8:12]), sigmoid(a[:, 12:])
        for name, value in (("input", i), ("forget", f), ("cell", gg), ("output", o)):
            np.testing.assert_allclose(g[name][:, t], value, rtol=1e-12, atol=1e-14)
        c = f * c + i * gg
        h_prev = o * np.tanh(c)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("k", [None, 2])
def test_rnn_grad_norm_through_time_restated_by_finite_differences(k):
    # With weight_ih = I, a perturbation of x_t is one of the pre-activation a_t, so
    # dL/dh_t = (dL/dx_t) / (1 - h_t^2), dL/dx_t by central differences. With truncation,
    # of the loss of t's own chunk of steps (the gradient that still reaches h_t).
    T = 6
    layer = RNN(3, 3)
    params, _ = bind_random(layer, seed=5)
    params[0][...] = np.eye(3)
    layer.truncate = k
    x, R = normal(2, T, 3, seed=5), normal(2, T, 3, seed=6)
    h = layer.forward(x).copy()
    layer.backward(R, True)
    norms = layer.grad_norm_through_time
    assert norms.shape == (T,)
    chunk = T if k is None else k
    dh = np.empty_like(h)
    for start in range(0, T, chunk):
        c = slice(start, start + chunk)
        f = lambda c=c: float(np.sum(layer.forward(x)[:, c] * R[:, c]))  # noqa: E731
        dh[:, c] = numeric_grad(f, x)[:, c] / (1 - h[:, c] ** 2)
    expected = np.sqrt((dh ** 2).sum(axis=(0, 2)))
    assert_grads_close([norms], [expected], f"truncate={k}")
    np.testing.assert_allclose(norms[-1], np.linalg.norm(R[:, -1]), rtol=1e-12)


def test_grad_norm_shrinks_backwards_in_time_for_a_tanh_rnn_with_small_weights():
    T = 12
    layer = RNN(2, 8)
    bind_random(layer, seed=7, scale=0.1)
    y = layer.forward(normal(4, T, 2, seed=7))
    R = np.zeros(y.shape)
    R[:, -1] = normal(4, 8, seed=8)  # the loss sees the last step only
    layer.backward(R, True)
    norms = layer.grad_norm_through_time
    assert (np.diff(norms) > 0).all()  # shrinking from the last step back to the first
    assert norms[0] < 1e-6 * norms[-1]  # vanished
    layer.truncate = 4  # nothing reaches back past the last cut
    layer.backward(R, True)
    np.testing.assert_array_equal(layer.grad_norm_through_time[:8], 0.0)
    np.testing.assert_allclose(layer.grad_norm_through_time[8:], norms[8:], rtol=1e-12)


@pytest.mark.parametrize("kind", [RNN, GRU, LSTM])
def test_truncation_leaves_forward_alone_and_a_long_one_changes_nothing(kind):
    x = normal(2, 5, 3)
    results = []
    for k in (None, 2, 5, 9):
        layer = kind(3, 4)
        layer.truncate = k
        results.append(run(layer, x))
        assert layer.hidden.shape == (2, 5, 4)
    for y, _, _ in results:
        np.testing.assert_array_equal(y, results[0][0])
    for same in results[2:]:  # k >= T: no cut
        np.testing.assert_array_equal(same[1], results[0][1])
        for g, h in zip(same[2], results[0][2], strict=True):
            np.testing.assert_array_equal(g, h)
    assert not np.allclose(results[1][1], results[0][1])


@pytest.mark.parametrize("causal", [False, True])
def test_attention_weights_are_a_softmax_over_keys(causal):
    layer = bound(MultiHeadAttention(6, 3, causal))
    layer.forward(normal(2, 4, 6))
    a = layer.attention
    assert a.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-12)
    assert (a >= 0).all()
    above = np.triu(np.ones((4, 4), bool), 1)
    assert (a[..., above] == 0).all() == causal
    block = bound(TransformerBlock(6, 3, 5, causal=causal))
    block.forward(normal(2, 4, 6))
    assert block.attention is block.mha.attention and block.attention.shape == (2, 3, 4, 4)


def test_sinusoidal_encoding_formula():
    layer = SinusoidalPosition(7, 5)  # odd dim: the last column is a sine
    e = layer.encoding
    for p in range(7):
        for i in range(5):
            angle = p / 10000 ** (2 * (i // 2) / 5)
            assert e[p, i] == pytest.approx(np.sin(angle) if i % 2 == 0 else np.cos(angle),
                                            abs=1e-15)
    x = normal(2, 3, 5)
    np.testing.assert_array_equal(layer.forward(x), x + e[:3])
    assert layer.param_shapes == []


def test_layer_norm_normalizes_and_embedding_looks_up():
    norm = LayerNorm(5)
    norm.bind([np.ones(5), np.zeros(5)], [np.zeros(5), np.zeros(5)])
    y = norm.forward(normal(3, 2, 5) * 4 + 2)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-4)  # var / (var + eps)
    emb = Embedding(4, 2)
    (w,), _ = bind_random(emb)
    ids = np.array([[3, 0], [0, 2]])
    np.testing.assert_array_equal(emb.forward(ids), w[ids])

