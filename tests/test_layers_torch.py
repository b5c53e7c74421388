"""The layers against PyTorch (float64, copied weights): forward outputs, every parameter
gradient and the input gradient of the loss sum(y * R), to 1e-7. Also truncated BPTT against a
hand-written torch loop that detaches the state every k steps, and grad_norm_through_time
against dL/dh_t from torch autograd. Skipped where torch is not installed."""

import numpy as np
import pytest

from engine.layers import (
    GRU,
    LSTM,
    RNN,
    AvgPool2D,
    Conv2D,
    Dense,
    Embedding,
    Flatten,
    LayerNorm,
    MaxPool2D,
    MultiHeadAttention,
    TransformerBlock,
)

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = {"rtol": 1e-7, "atol": 1e-10}

ACTS = {"linear": lambda z: z, "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
        "gelu": nn.functional.gelu, "silu": nn.functional.silu, "elu": nn.functional.elu,
        "leaky_relu": nn.functional.leaky_relu, "softplus": nn.functional.softplus,
        "sine": torch.sin}


def t64(a: np.ndarray, grad: bool = False):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=grad)


def bind_random(layer, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    params = [rng.normal(0.0, scale, s) for s in layer.param_shapes]
    grads = [np.full(s, np.nan) for s in layer.param_shapes]  # backward must overwrite
    layer.bind(params, grads)
    return params, grads


def ours(layer, x, seed=0):
    """Bind random weights, run forward and backward of sum(y * R): (params, y, R, grads, dx)."""
    params, grads = bind_random(layer, seed)
    y = layer.forward(x)
    R = np.random.default_rng(seed + 100).normal(size=y.shape)
    dx = layer.backward(R, True)
    return params, y.copy(), R, [g.copy() for g in grads], dx


def compare(layer, module, x, seed=0, transform=None, out=lambda r: r):
    """Our layer and the torch module with the same weights, on the same input and loss."""
    params, y, R, grads, dx = ours(layer, x, seed)
    tparams = list(module.parameters())
    assert [tuple(p.shape) for p in tparams] == [
        p.shape if transform is None else transform[i](p).shape for i, p in enumerate(params)]
    with torch.no_grad():
        for i, (tp, p) in enumerate(zip(tparams, params, strict=True)):
            tp.copy_(t64(p if transform is None else transform[i](p)))
    floating = np.issubdtype(np.asarray(x).dtype, np.floating)
    xt = t64(x, grad=True) if floating else torch.tensor(x)
    yt = out(module(xt))
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL, err_msg="forward")
    (yt * t64(R)).sum().backward()
    for i, (g, tp) in enumerate(zip(grads, tparams, strict=True)):
        tg = tp.grad.numpy() if transform is None else transform[i](tp.grad.numpy())
        np.testing.assert_allclose(g, tg, **TOL, err_msg=f"param {i}")
    if xt.requires_grad:
        np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL, err_msg="input gradient")
    else:
        assert dx is None
    return y


class Act(nn.Module):
    def __init__(self, inner, act):
        super().__init__()
        self.inner, self.act = inner, ACTS[act]

    def forward(self, x):
        return self.act(self.inner(x))


# --- images -------------------------------------------------------------------------------------

@pytest.mark.parametrize("k, stride, padding, act", [
    (3, 1, 0, "linear"), (3, 1, 1, "relu"), (3, 2, 1, "tanh"), (5, 1, 2, "gelu"),
    (5, 2, 0, "sigmoid"), (1, 1, 0, "elu"), (2, 3, 1, "silu"), (4, 1, 3, "sine"),
])
def test_conv2d_matches_torch(k, stride, padding, act):
    x = np.random.default_rng(1).normal(size=(3, 2, 9, 7))
    module = Act(nn.Conv2d(2, 4, k, stride, padding, dtype=torch.float64), act)
    y = compare(Conv2D(2, 4, k, stride, padding, act), module, x)
    size = lambda s: (s + 2 * padding - k) // stride + 1  # noqa: E731
    assert y.shape == (3, 4, size(9), size(7))


def chain(layers, x, seed=0):
    """Our layers in sequence on x with random weights: (params per layer, y, R, dx)."""
    params = [bind_random(layer, seed=seed + i)[0] for i, layer in enumerate(layers)]
    a = x
    for layer in layers:
        a = layer.forward(a)
    R = np.random.default_rng(seed + 100).normal(size=a.shape)
    d = R
    for layer in reversed(layers):
        d = layer.backward(d, True)
    return params, a, R, d


def torch_check(y, R, dx, fn, x, grads_and_expected):
    """torch's fn on x against our y and dx for loss sum(y * R); grads_and_expected pairs our
    gradient arrays with a function of nothing returning torch's (after backward)."""
    xt = t64(x, grad=True)
    yt = fn(xt)
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL, err_msg="forward")
    (yt * t64(R)).sum().backward()
    for i, (g, expected) in enumerate(grads_and_expected):
        np.testing.assert_allclose(g, expected().numpy(), **TOL, err_msg=f"gradient {i}")
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL, err_msg="input gradient")


def torch_conv(params, *args):
    conv = nn.Conv2d(*params[0].shape[1::-1], params[0].shape[2], *args, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(t64(params[0]))
        conv.bias.copy_(t64(params[1]))
    return conv


def test_conv2d_after_conv2d_matches_torch():
    # The first layer's channel-major output is the second one's input, and the second one's
    # channel-major input gradient the first one's output gradient.
    x = np.random.default_rng(2).normal(size=(2, 1, 8, 8))
    layers = [Conv2D(1, 3, 3, padding=1, activation="tanh"), Conv2D(3, 2, 3, 2)]
    params, y, R, dx = chain(layers, x)
    a, b = torch_conv(params[0], 1, 1), torch_conv(params[1], 2)
    torch_check(y, R, dx, lambda xt: b(torch.tanh(a(xt))), x, [
        (layers[0].gweight, lambda: a.weight.grad), (layers[0].gbias, lambda: a.bias.grad),
        (layers[1].gweight, lambda: b.weight.grad), (layers[1].gbias, lambda: b.bias.grad)])


@pytest.mark.parametrize("size, shape", [(2, (2, 3, 8, 6)), (3, (2, 2, 7, 8)), (2, (1, 2, 5, 5)),
                                         (1, (2, 1, 3, 4)), (4, (2, 2, 9, 4))])
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_pools_match_torch(pool, size, shape):
    x = np.random.default_rng(3).normal(size=shape)
    layer = MaxPool2D(size) if pool == "max" else AvgPool2D(size)
    module = nn.MaxPool2d(size) if pool == "max" else nn.AvgPool2d(size)
    y = compare(layer, module, x)
    assert y.shape == (*shape[:2], shape[2] // size, shape[3] // size)


def test_max_pool_routes_ties_to_one_element_like_torch():
    # Many ties: whole windows of zeros (as after a ReLU) and repeated maxima.
    rng = np.random.default_rng(4)
    x = rng.integers(-1, 2, size=(3, 2, 6, 6)).astype(float)
    x[0, 0] = 0.0
    compare(MaxPool2D(2), nn.MaxPool2d(2), x)
    compare(MaxPool2D(3), nn.MaxPool2d(3), x)


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_conv_relu_pool_flatten_dense_matches_torch(pool):
    # A digits CNN, our layers chained: outputs fed forward and gradients fed back.
    x = np.random.default_rng(5).normal(size=(4, 1, 8, 8))
    layers = [Conv2D(1, 3, 3, padding=1, activation="relu"), pool(2), Flatten(), Dense(48, 5)]
    params, y, R, dx = chain(layers, x)
    conv = torch_conv(params[0], 1, 1)
    lin = nn.Linear(48, 5, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(t64(params[3][0].T))
        lin.bias.copy_(t64(params[3][1]))
    tpool = nn.MaxPool2d(2) if pool is MaxPool2D else nn.AvgPool2d(2)
    torch_check(y, R, dx, lambda xt: lin(nn.Flatten()(tpool(torch.relu(conv(xt))))), x, [
        (layers[0].gweight, lambda: conv.weight.grad), (layers[0].gbias, lambda: conv.bias.grad),
        (layers[3].gW, lambda: lin.weight.grad.T), (layers[3].gb, lambda: lin.bias.grad)])


def test_flatten_matches_torch():
    x = np.random.default_rng(6).normal(size=(3, 2, 4, 5))
    compare(Flatten(), nn.Flatten(), x)


# --- sequences ----------------------------------------------------------------------------------

RECURRENT = {"RNN": (RNN, nn.RNN, nn.RNNCell), "GRU": (GRU, nn.GRU, nn.GRUCell),
             "LSTM": (LSTM, nn.LSTM, nn.LSTMCell)}


@pytest.mark.parametrize("n, T, d, h", [(3, 5, 2, 4), (1, 1, 3, 2), (2, 7, 1, 6)])
@pytest.mark.parametrize("kind", list(RECURRENT))
def test_recurrent_matches_torch(kind, n, T, d, h):
    ours_cls, torch_cls, _ = RECURRENT[kind]
    x = np.random.default_rng(7).normal(size=(n, T, d))
    module = torch_cls(d, h, batch_first=True, dtype=torch.float64)
    compare(ours_cls(d, h), module, x, out=lambda r: r[0])


def torch_truncated(kind, params, x, R, k):
    """Hand-written torch loop with the cell, detaching the state before steps k, 2k, ...;
    returns (outputs, param grads, input grad, dL/dh_t for each t)."""
    _, _, cell_cls = RECURRENT[kind]
    n, T, d = x.shape
    h_size = params[1].shape[1]
    cell = cell_cls(d, h_size, dtype=torch.float64)
    with torch.no_grad():
        for tp, p in zip(cell.parameters(), params, strict=True):
            tp.copy_(t64(p))
    xt = t64(x, grad=True)
    h = torch.zeros(n, h_size, dtype=torch.float64)
    c = torch.zeros(n, h_size, dtype=torch.float64)
    hs = []
    for t in range(T):
        if k is not None and t > 0 and t % k == 0:
            h, c = h.detach(), c.detach()
        if kind == "LSTM":
            h, c = cell(xt[:, t], (h, c))
        else:
            h = cell(xt[:, t], h)
        h.retain_grad()
        hs.append(h)
    y = torch.stack(hs, dim=1)
    (y * t64(R)).sum().backward()
    return (y.detach().numpy(), [p.grad.numpy() for p in cell.parameters()],
            xt.grad.numpy(), np.stack([hh.grad.numpy() for hh in hs]))


@pytest.mark.parametrize("k", [None, 1, 2, 3, 10])
@pytest.mark.parametrize("kind", list(RECURRENT))
def test_truncated_bptt_and_grad_norms_match_torch(kind, k):
    x = np.random.default_rng(8).normal(size=(3, 7, 2))
    layer = RECURRENT[kind][0](2, 4)
    layer.truncate = k
    params, y, R, grads, dx = ours(layer, x, seed=3)
    ty, tgrads, tdx, tdh = torch_truncated(kind, params, x, R, k)
    np.testing.assert_allclose(y, ty, **TOL)
    for g, tg in zip(grads, tgrads, strict=True):
        np.testing.assert_allclose(g, tg, **TOL)
    np.testing.assert_allclose(dx, tdx, **TOL)
    # grad_norm_through_time: the L2 norm over batch and units of dL/dh_t.
    expected = np.sqrt((tdh ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(layer.grad_norm_through_time, expected, **TOL)
    if k is not None and k < 7:  # truncation changes the gradient
        full_grads = torch_truncated(kind, params, x, R, None)[1]
        assert not np.allclose(grads[1], full_grads[1])


def test_embedding_matches_torch():
    ids = np.random.default_rng(9).integers(0, 6, size=(4, 5))
    compare(Embedding(6, 3), nn.Embedding(6, 3, dtype=torch.float64), ids)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (2, 2, 3, 4)])
def test_layer_norm_matches_torch(shape):
    x = np.random.default_rng(10).normal(2.0, 3.0, size=shape)
    compare(LayerNorm(4, eps=1e-3), nn.LayerNorm(4, eps=1e-3, dtype=torch.float64), x)


class TorchSelfAttention(nn.Module):
    def __init__(self, dim, heads, causal):
        super().__init__()
        self.mha = nn.MultiheadAttention(dim, heads, batch_first=True, dtype=torch.float64)
        self.causal = causal
        self.weights = None

    def forward(self, x):
        T = x.shape[1]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if self.causal else None
        y, self.weights = self.mha(x, x, x, attn_mask=mask, need_weights=True,
                                   average_attn_weights=False)
        return y


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dim, heads, T", [(4, 1, 3), (6, 2, 5), (8, 4, 1)])
def test_attention_matches_torch(dim, heads, T, causal):
    x = np.random.default_rng(11).normal(size=(3, T, dim))
    layer, module = MultiHeadAttention(dim, heads, causal), TorchSelfAttention(dim, heads, causal)
    compare(layer, module, x)
    np.testing.assert_allclose(layer.attention, module.weights.detach().numpy(), **TOL)
    assert layer.attention.shape == (3, heads, T, T)


class TorchBlock(nn.Module):
    """The pre-norm block written in torch: x + MHA(LN1(x)), then + FF(LN2(x))."""

    def __init__(self, dim, heads, ff, causal):
        super().__init__()
        kw = {"dtype": torch.float64}
        self.ln1 = nn.LayerNorm(dim, **kw)
        self.attn = TorchSelfAttention(dim, heads, causal)
        self.ln2 = nn.LayerNorm(dim, **kw)
        self.ff1, self.ff2 = nn.Linear(dim, ff, **kw), nn.Linear(ff, dim, **kw)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ff2(torch.relu(self.ff1(self.ln2(x))))


@pytest.mark.parametrize("causal", [False, True])
def test_transformer_block_matches_torch(causal):
    x = np.random.default_rng(12).normal(size=(3, 5, 8))
    block, module = TransformerBlock(8, 2, 12, causal=causal), TorchBlock(8, 2, 12, causal)
    same = lambda a: a  # noqa: E731
    transform = [same] * 8 + [np.transpose, same, np.transpose, same]  # Dense W is (in, out)
    compare(block, module, x, transform=transform)
    np.testing.assert_allclose(block.attention, module.attn.weights.detach().numpy(), **TOL)


@pytest.mark.parametrize("act", ["relu", "gelu"])
def test_dense_on_sequences_matches_torch(act):
    x = np.random.default_rng(13).normal(size=(2, 4, 3))
    compare(Dense(3, 5, act), Act(nn.Linear(3, 5, dtype=torch.float64), act), x,
            transform=[np.transpose, lambda b: b])


def test_attention_with_scores_far_apart_matches_torch():
    # One sequence with huge scores, the others ordinary: shifting every row by the overall
    # maximum would underflow the ordinary rows to 0 / 0, so the row-wise shift must be used.
    x = np.random.default_rng(14).normal(size=(3, 4, 4))
    x[0] *= 200.0
    layer, module = MultiHeadAttention(4, 1), TorchSelfAttention(4, 1, False)
    y = compare(layer, module, x)
    params = bind_random(MultiHeadAttention(4, 1))[0]  # the weights compare() used (seed 0)
    qk = x @ params[0][:8].T + params[1][:8]
    scores = qk[..., :4] @ qk[..., 4:].transpose(0, 2, 1) / 2.0
    assert scores.max() - scores[1:].max(axis=-1).min() > 800  # the case is real
    assert np.isfinite(y).all()
    np.testing.assert_allclose(layer.attention, module.weights.detach().numpy(), **TOL)
