"""Finite-difference checks of every layer's parameter and input gradients (loss sum(y * R), so
every output matters), in several configurations each, kinks avoided. The PyTorch comparisons
are in test_layers_torch.py, the protocol, shapes and errors in test_layers_api.py."""

import numpy as np
import pytest

from engine.layers import (
    GRU,
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

H = 1e-6  # central-difference step
RTOL = 1e-6
GAP = 1e-3  # how far every ReLU input stays from its kink


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
        np.testing.assert_allclose(a, n, rtol=RTOL, atol=1e-8, err_msg=f"{what} gradient {i}")
    total = max(np.abs(np.concatenate([g.ravel() for g in numeric])).max(), 1e-300)
    assert total > 1e-4, "the check is vacuous: all gradients are ~0"


def bind_random(layer, seed=0, scale=0.5):
    """Bind random normal parameters and NaN gradients (backward must overwrite them all)."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(0.0, scale, s) for s in layer.param_shapes]
    grads = [np.full(s, np.nan) for s in layer.param_shapes]
    layer.bind(params, grads)
    return params, grads


def check_layer(layer, x, seed=0, rng_seed=None, params=None, what=""):
    """Analytic against numeric gradients of sum(forward(x) * R): every parameter, and x when
    it is a float array. With rng_seed, training mode with the same dropout mask each time."""
    if params is None:
        params, grads = bind_random(layer, seed)
    else:
        grads = [np.full(p.shape, np.nan) for p in params]
        layer.bind(params, grads)
    rng = (lambda: None) if rng_seed is None else (lambda: np.random.default_rng(rng_seed))
    R = np.random.default_rng(seed + 1).normal(size=layer.forward(x, rng()).shape)
    f = lambda: float(np.sum(layer.forward(x, rng()) * R))  # noqa: E731
    layer.forward(x, rng())
    dx = layer.backward(R, True)
    analytic = [g.copy() for g in grads]
    numeric = [numeric_grad(f, p) for p in params]
    if np.issubdtype(x.dtype, np.floating):
        analytic.append(dx)
        numeric.append(numeric_grad(f, x))
    else:
        assert dx is None
    assert_grads_close(analytic, numeric, what)
    return analytic


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def distinct(*shape, seed=0):
    """Values at least 0.01 apart, so no finite-difference step changes which one is largest."""
    size = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(size) * 0.01 - size * 0.005).reshape(shape)


# --- dense and dropout --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "gelu", "sine"])
def test_dense(activation, shape):
    check_layer(Dense(3, 4, activation), normal(*shape), what=activation)


@pytest.mark.parametrize("shape", [(6, 3), (2, 4, 3)])
def test_dense_dropout_with_a_fixed_mask(shape):
    check_layer(Dense(3, 4, "tanh", dropout=0.4), normal(*shape), rng_seed=3)


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 5)])
def test_dropout_with_a_fixed_mask(shape):
    layer, x = Dropout(0.5), normal(*shape)
    check_layer(layer, x, rng_seed=4)
    y = layer.forward(x, np.random.default_rng(4))
    kept = y != 0.0
    assert kept.any() and not kept.all()
    np.testing.assert_array_equal(y[kept], 2.0 * x[kept])
    assert layer.forward(x) is x  # the identity outside training


# --- images -------------------------------------------------------------------------------------

def relu_inputs_away_from_zero(layer, params, x):
    """The same convolution without its ReLU, to see how close its inputs come to the kink."""
    linear = Conv2D(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                    layer.padding)
    linear.bind(params, [np.empty_like(p) for p in params])
    return np.abs(linear.forward(x)).min() > GAP


@pytest.mark.parametrize("k, stride, padding, activation", [
    (3, 1, 0, "tanh"), (3, 2, 1, "linear"), (5, 1, 1, "sigmoid"), (3, 1, 1, "relu"),
    (5, 2, 2, "gelu"), (1, 1, 0, "softplus"), (2, 3, 1, "relu"),
])
def test_conv2d(k, stride, padding, activation):
    layer = Conv2D(2, 3, k, stride, padding, activation)
    for seed in range(20):
        params, _ = bind_random(layer, seed)
        x = normal(2, 2, 7, 6, seed=seed)
        if activation != "relu" or relu_inputs_away_from_zero(layer, params, x):
            break
    else:
        raise AssertionError("no input keeps the ReLU away from its kink")
    check_layer(layer, x, seed, params=params, what=f"k{k} s{stride} p{padding} {activation}")


@pytest.mark.parametrize("size, shape", [(2, (2, 2, 6, 4)), (3, (2, 2, 7, 5)), (2, (1, 3, 5, 7)),
                                         (1, (2, 1, 3, 3))])
@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_pools(pool, size, shape):
    check_layer(pool(size), distinct(*shape), what=f"{pool.__name__}({size}) {shape}")


def test_flatten():
    check_layer(Flatten(), normal(2, 3, 2, 4))


# --- sequences ----------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 3, 5])
@pytest.mark.parametrize("kind", [RNN, GRU, LSTM])
def test_recurrent(kind, T):
    check_layer(kind(3, 4), normal(2, T, 3), what=f"{kind.__name__} T={T}")


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("kind", [RNN, GRU, LSTM])
def test_truncated_recurrent_input_gradient_is_the_chunk_loss_gradient(kind, k):
    # Cutting before steps k, 2k, ... leaves the derivative of each chunk's own outputs:
    # dL/dx_t = d/dx_t sum over s in chunk(t) of y_s R_s, exactly.
    T = 5
    layer = kind(2, 3)
    params, grads = bind_random(layer, seed=1)
    layer.truncate = k
    x = normal(2, T, 2, seed=1)
    R = normal(2, T, 3, seed=2)
    layer.forward(x)
    dx = layer.backward(R, True)
    analytic, numeric = [], []
    for start in range(0, T, k):
        chunk = slice(start, start + k)
        f = lambda c=chunk: float(np.sum(layer.forward(x)[:, c] * R[:, c]))  # noqa: E731
        analytic.append(dx[:, chunk])
        numeric.append(numeric_grad(f, x)[:, chunk])
    assert_grads_close(analytic, numeric, f"{kind.__name__} truncate={k}")
    # and not the full gradient
    full = kind(2, 3)
    full.bind(params, [np.empty_like(g) for g in grads])
    full.forward(x)
    assert not np.allclose(full.backward(R, True), dx)


def test_last_step():
    check_layer(LastStep(), normal(2, 4, 3))


def test_embedding_weight_gradient():
    ids = np.array([[0, 3, 3, 1], [4, 0, 3, 0]])  # repeated ids add up; id 2 unused
    grads = check_layer(Embedding(5, 3), ids)
    np.testing.assert_array_equal(grads[0][2], 0.0)


@pytest.mark.parametrize("T", [3, 5])
def test_position_embedding(T):
    grads = check_layer(PositionEmbedding(5, 4), normal(2, T, 4))
    np.testing.assert_array_equal(grads[0][T:], 0.0)


def test_sinusoidal_position():
    check_layer(SinusoidalPosition(6, 5), normal(2, 4, 5))


@pytest.mark.parametrize("eps", [1e-5, 0.1])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_layer_norm(shape, eps):
    check_layer(LayerNorm(4, eps), normal(*shape) * 2.0 + 1.0, what=f"{shape} eps={eps}")


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dim, heads", [(4, 1), (4, 2), (6, 3)])
def test_multi_head_attention(dim, heads, causal):
    check_layer(MultiHeadAttention(dim, heads, causal), normal(2, 3, dim),
                what=f"dim {dim} heads {heads} causal {causal}")


def feed_forward_inputs_away_from_zero(block, params, x):
    """The ReLU inputs of the block's feed-forward part, replayed through its public layers:
    parameters 8 and 9 are the first Dense layer's W and b."""
    first, second = block.layers
    z = second.layers[0].forward(first.forward(x)) @ params[8] + params[9]
    return np.abs(z).min() > GAP


@pytest.mark.parametrize("causal", [False, True])
def test_transformer_block(causal):
    block = TransformerBlock(4, 2, 6, causal=causal)
    for seed in range(20):
        params, _ = bind_random(block, seed)
        x = normal(2, 3, 4, seed=seed)
        if feed_forward_inputs_away_from_zero(block, params, x):
            break
    else:
        raise AssertionError("no input keeps the ReLU away from its kink")
    check_layer(block, x, seed, params=params, what=f"causal {causal}")


def test_transformer_block_dropout_with_a_fixed_mask():
    block = TransformerBlock(4, 1, 5, dropout=0.3)
    params, _ = bind_random(block, 2)
    x = normal(2, 3, 4, seed=2)
    assert feed_forward_inputs_away_from_zero(block, params, x)
    check_layer(block, x, 2, rng_seed=5, params=params)


@pytest.mark.parametrize("make, shape", [
    (lambda: Residual(Dense(3, 3, "tanh"), Dense(3, 3)), (4, 3)),
    (lambda: Residual(LayerNorm(3), Dense(3, 3, "sigmoid")), (2, 4, 3)),
    (lambda: Residual(Residual(Dense(3, 3, "tanh")), LayerNorm(3)), (2, 2, 3)),
    (lambda: Residual(MultiHeadAttention(4, 2, causal=True)), (2, 3, 4)),
])
def test_residual(make, shape):
    check_layer(make(), normal(*shape))
