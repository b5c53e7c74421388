"""Layers for sequences of vectors (n, T, dim): token and position embeddings, layer
normalization and multi-head self-attention, with torch's parameter layouts."""

import math

import numpy as np

from ._base import Layer, check_input, positive_int


class Embedding(Layer):
    """torch.nn.Embedding: integer ids (n, T) -> their rows of weight, (n, T, dim).

    Parameter weight (num_embeddings, dim). Ids have no gradient: backward returns None."""

    def __init__(self, num_embeddings: int, dim: int):
        self.num_embeddings = positive_int("num_embeddings", num_embeddings)
        self.dim = positive_int("dim", dim)
        self.weight = self.gweight = None
        self._flat = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [(self.num_embeddings, self.dim)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        ([self.weight], [self.gweight]) = self._bind(params, grads)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"Embedding expects integer ids, got dtype {x.dtype}")
        if x.size and (x.min() < 0 or x.max() >= self.num_embeddings):
            raise ValueError(f"Embedding ids must be in [0, {self.num_embeddings}), got "
                             f"[{x.min()}, {x.max()}]")
        # Index of every (id, unit) in the flat weight gradient, for backward's bincount.
        self._flat = (x.reshape(-1, 1) * self.dim + np.arange(self.dim)).ravel()
        return self.weight[x]

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> None:
        # Rows of repeated ids add up: one weighted bincount scatters all of dy at once.
        size = self.num_embeddings * self.dim
        self.gweight.reshape(-1)[...] = np.bincount(self._flat, dy.reshape(-1), size)
        return None


class PositionEmbedding(Layer):
    """A learned vector per position, added: y[:, t] = x[:, t] + weight[t].

    x (n, T, dim) -> same, T <= max_len. Parameter weight (max_len, dim)."""

    def __init__(self, max_len: int, dim: int):
        self.max_len = positive_int("max_len", max_len)
        self.dim = positive_int("dim", dim)
        self.weight = self.gweight = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [(self.max_len, self.dim)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        ([self.weight], [self.gweight]) = self._bind(params, grads)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        _check_positions(self, x)
        self._T = x.shape[1]
        return x + self.weight[:self._T]

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        T = self._T
        np.add.reduce(dy, 0, out=self.gweight[:T])
        self.gweight[T:] = 0.0
        return dy if need_dx else None


class SinusoidalPosition(Layer):
    """Fixed positions of "Attention is all you need", added to x (n, T, dim), T <= max_len:

        encoding[p, 2i] = sin(p / 10000^(2i / dim)),  encoding[p, 2i + 1] = cos(same angle).

    No parameters; `encoding` (max_len, dim) is readable."""

    def __init__(self, max_len: int, dim: int):
        self.max_len = positive_int("max_len", max_len)
        self.dim = positive_int("dim", dim)
        angle = np.arange(max_len)[:, None] / 10000.0 ** (np.arange(0, dim, 2) / dim)
        self.encoding = np.empty((max_len, dim))
        self.encoding[:, 0::2] = np.sin(angle)
        self.encoding[:, 1::2] = np.cos(angle[:, :dim // 2])
        self.encoding.flags.writeable = False

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        _check_positions(self, x)
        return x + self.encoding[:x.shape[1]]

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        return dy if need_dx else None


def _check_positions(layer, x: np.ndarray) -> None:
    check_input(layer, x, 3, layer.dim)
    if x.shape[1] > layer.max_len:
        raise ValueError(f"{type(layer).__name__} has max_len {layer.max_len}, got a sequence "
                         f"of {x.shape[1]}")


class LayerNorm(Layer):
    """torch.nn.LayerNorm(dim): y = (x - mean) / sqrt(var + eps) * weight + bias over the last
    axis (biased variance). x (..., dim) -> same. Parameters weight (dim,), bias (dim,)."""

    def __init__(self, dim: int, eps: float = 1e-5):
        self.dim = positive_int("dim", dim)
        if not eps > 0:
            raise ValueError(f"eps must be > 0, not {eps!r}")
        self.eps = float(eps)
        self.weight = self.bias = self.gweight = self.gbias = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        return [(self.dim,), (self.dim,)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        (self.weight, self.bias), (self.gweight, self.gbias) = self._bind(params, grads)

    # Means over the last axis are matmuls with a (dim,) vector of 1/dim: several times
    # faster in NumPy than .mean(axis=-1) over a short axis.

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        d = self.dim
        if x.ndim < 1 or x.shape[-1] != d:
            raise ValueError(f"LayerNorm expects a last axis of {d}, got shape {x.shape}")
        mean = np.full(d, 1.0 / d)
        x2 = x.reshape(-1, d)
        xh = x2 - (x2 @ mean)[:, None]
        var = (xh * xh) @ mean
        var += self.eps
        inv = 1.0 / np.sqrt(var, out=var)
        xh *= inv[:, None]
        self._mean, self._xh, self._inv = mean, xh, inv
        y = xh * self.weight
        y += self.bias
        return y.reshape(x.shape)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        xh, mean = self._xh, self._mean
        dy2 = dy.reshape(xh.shape)
        np.add.reduce(dy2 * xh, 0, out=self.gweight)
        np.add.reduce(dy2, 0, out=self.gbias)
        if not need_dx:
            return None
        # dx = inv * (g - mean(g) - xh * mean(g * xh)), with g = dy * weight.
        g = dy2 * self.weight
        dx = g - (g @ mean)[:, None]
        g *= xh
        dx -= xh * (g @ mean)[:, None]
        dx *= self._inv[:, None]
        return dx.reshape(dy.shape)


def _row_sums(s: np.ndarray) -> np.ndarray:
    """Sums over the last axis, keeping it: a matmul with ones (faster than .sum(axis=-1))."""
    return (s.reshape(-1, s.shape[-1]) @ np.ones(s.shape[-1])).reshape(*s.shape[:-1], 1)


def _softmax(s: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the overall maximum (one fast
    reduction) rather than each row's, unless that leaves some row's sum below 1e-100 (its
    entries all far below the maximum), where the row-wise shift is kept for precision."""
    m = s.max()
    e = np.exp(s - m)
    total = _row_sums(e)
    if total.min() < 1e-100:
        np.exp(s - s.max(axis=-1, keepdims=True), out=e)
        total = _row_sums(e)
    e /= total
    return e


class MultiHeadAttention(Layer):
    """torch.nn.MultiheadAttention(dim, heads, batch_first=True) used as self-attention.

    x (n, T, dim) -> (n, T, dim). q, k, v = x @ in_proj_weight.T + in_proj_bias (packed in that
    order), split into heads of dim / heads; attention = softmax(q k^T / sqrt(dim / heads))
    with -inf above the diagonal when causal; y = (attention v, heads joined) @ out_proj_weight.T
    + out_proj_bias. Parameters in_proj_weight (3 dim, dim), in_proj_bias (3 dim,),
    out_proj_weight (dim, dim), out_proj_bias (dim,). After a forward, `attention` holds the
    weights (n, heads, T, T)."""

    def __init__(self, dim: int, heads: int, causal: bool = False):
        self.dim = positive_int("dim", dim)
        self.heads = positive_int("heads", heads)
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.causal = bool(causal)
        self.attention = None
        self._mask = np.zeros((0, 0))
        self._params = self._grads = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        d = self.dim
        return [(3 * d, d), (3 * d,), (d, d), (d,)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self._params, self._grads = self._bind(params, grads)

    # The bound parameters by torch's names (views: write in place).
    in_proj_weight = property(lambda self: self._params[0])
    in_proj_bias = property(lambda self: self._params[1])
    out_proj_weight = property(lambda self: self._params[2])
    out_proj_bias = property(lambda self: self._params[3])

    def _causal_mask(self, T: int) -> np.ndarray:
        if self._mask.shape[0] != T:
            self._mask = np.triu(np.full((T, T), -np.inf), 1)
        return self._mask

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        check_input(self, x, 3, self.dim)
        w_in, b_in, w_out, b_out = self._params
        n, T, d = x.shape
        h = self.heads
        x2 = x.reshape(n * T, d)
        qkv = x2 @ w_in.T
        qkv += b_in
        # (n, T, 3, heads, d/heads) -> q, k, v each (n, heads, T, d/heads), contiguous.
        qkv = np.ascontiguousarray(qkv.reshape(n, T, 3, h, d // h).transpose(2, 0, 3, 1, 4))
        q, k, v = qkv
        s = q @ k.transpose(0, 1, 3, 2)
        s *= 1.0 / math.sqrt(d // h)
        if self.causal:
            s += self._causal_mask(T)
        a = _softmax(s)
        ctx = (a @ v).transpose(0, 2, 1, 3).reshape(n * T, d)  # heads joined
        y = ctx @ w_out.T
        y += b_out
        self._x2, self._qkv, self._ctx, self.attention = x2, qkv, ctx, a
        return y.reshape(n, T, d)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        w_in, _, w_out, _ = self._params
        g_in, gb_in, g_out, gb_out = self._grads
        a, (q, k, v) = self.attention, self._qkv
        n, h, T, dh = q.shape
        dy2 = dy.reshape(n * T, self.dim)
        np.matmul(dy2.T, self._ctx, out=g_out)
        np.add.reduce(dy2, 0, out=gb_out)
        dctx = (dy2 @ w_out).reshape(n, T, h, dh).transpose(0, 2, 1, 3)
        dqkv = np.empty((3, n, h, T, dh))
        np.matmul(a.transpose(0, 1, 3, 2), dctx, out=dqkv[2])  # dv
        # Softmax backward: ds = a * (da - sum(a * da)), then the 1/sqrt(dh) scale.
        ds = dctx @ v.transpose(0, 1, 3, 2)
        ds *= a
        ds -= a * _row_sums(ds)
        ds *= 1.0 / math.sqrt(dh)
        np.matmul(ds, k, out=dqkv[0])  # dq
        np.matmul(ds.transpose(0, 1, 3, 2), q, out=dqkv[1])  # dk
        dqkv2 = dqkv.transpose(1, 3, 0, 2, 4).reshape(n * T, 3 * self.dim)
        np.matmul(dqkv2.T, self._x2, out=g_in)
        np.add.reduce(dqkv2, 0, out=gb_in)
        return (dqkv2 @ w_in).reshape(n, T, self.dim) if need_dx else None
