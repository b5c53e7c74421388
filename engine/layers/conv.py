"""Convolution, pooling and flattening of image batches (n, C, H, W), as torch lays them out.

Conv2D works on patches: the input is zero-padded into a buffer, a strided view lays the
patches out as (C, k, k, n, H', W') (what `sliding_window_view` gives, without its overhead),
one copy makes them the columns of a (C*k*k + 1, n*H'*W') matrix whose last row is ones, and
one matmul with [weight | bias] gives every output. Its output and input gradient are
channel-major in memory ((C', n, H', W') transposed to (n, C', H', W'), no copy); pooling
keeps whatever layout it is given, so the next layer's reshapes stay free.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._base import Layer, Pointwise, check_input, nonnegative_int, positive_int


class Conv2D(Layer):
    """torch.nn.Conv2d (cross-correlation, zero padding) followed by an activation.

    x (n, C, H, W) -> y (n, C', H', W') with H' = (H + 2 padding - k) // stride + 1 (same for W).
    Parameters weight (C', C, k, k) and bias (C',)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, activation: str = "linear"):
        self.in_channels = positive_int("in_channels", in_channels)
        self.out_channels = positive_int("out_channels", out_channels)
        self.kernel_size = positive_int("kernel_size", kernel_size)
        self.stride = positive_int("stride", stride)
        self.padding = nonnegative_int("padding", padding)
        self._act = Pointwise(activation)
        self.act = self._act.act  # the Activation, as Dense's `act`
        self.weight = self.bias = self.gweight = self.gbias = None
        self._shape = None  # input shape the buffers below were made for
        self._xp = self._patches = self._cols = None
        self._z = self._a = None

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        k = self.kernel_size
        return [(self.out_channels, self.in_channels, k, k), (self.out_channels,)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        (self.weight, self.bias), (self.gweight, self.gbias) = self._bind(params, grads)

    def _buffers(self, shape: tuple[int, ...]) -> None:
        """Padded input, its patch view and the column matrix for inputs of `shape`."""
        n, C, H, W = shape
        k, s, p = self.kernel_size, self.stride, self.padding
        Hp, Wp = H + 2 * p, W + 2 * p
        if k > Hp or k > Wp:
            raise ValueError(f"kernel_size {k} is larger than the padded input "
                             f"{Hp}x{Wp} (input {H}x{W}, padding {p})")
        Ho, Wo = (Hp - k) // s + 1, (Wp - k) // s + 1
        xp = np.zeros((n, C, Hp, Wp))
        sn, sc, sh, sw = xp.strides
        self._patches = as_strided(xp, (C, k, k, n, Ho, Wo), (sc, sh, sw, sn, s * sh, s * sw),
                                   writeable=False)
        self._cols = np.empty((C * k * k + 1, n * Ho * Wo))
        self._cols[-1] = 1.0  # the bias row
        self._xp, self._shape, self._out = xp, shape, (Ho, Wo)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        check_input(self, x, 4)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2D expects {self.in_channels} input channels, got shape "
                             f"{x.shape}")
        if x.shape != self._shape:
            self._buffers(x.shape)
        n, C, H, W = x.shape
        p, Co = self.padding, self.out_channels
        self._xp[:, :, p:p + H, p:p + W] = x
        cols = self._cols
        np.copyto(cols[:-1].reshape(self._patches.shape), self._patches)
        wb = np.concatenate([self.weight.reshape(Co, -1), self.bias[:, None]], axis=1)
        z = wb @ cols  # (C', n*H'*W')
        a = self._act(z)
        self._z, self._a = z, a
        return a.reshape(Co, n, *self._out).transpose(1, 0, 2, 3)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        Co = self.out_channels
        dz = self._act.grad(dy.transpose(1, 0, 2, 3).reshape(Co, -1), self._z, self._a)
        gwb = dz @ self._cols.T  # (C', C*k*k + 1): weight gradient | bias gradient
        self.gweight[...] = gwb[:, :-1].reshape(self.gweight.shape)
        self.gbias[...] = gwb[:, -1]
        if not need_dx:
            return None
        # Transposed convolution: scatter each patch's gradient back to where it was read.
        n, C, H, W = self._shape
        k, s, p = self.kernel_size, self.stride, self.padding
        Ho, Wo = self._out
        dcols = (self.weight.reshape(Co, -1).T @ dz).reshape(C, k, k, n, Ho, Wo)
        dxp = np.zeros((C, n, H + 2 * p, W + 2 * p))
        for i in range(k):
            for j in range(k):
                dxp[:, :, i:i + s * Ho:s, j:j + s * Wo:s] += dcols[:, i, j]
        return dxp[:, :, p:p + H, p:p + W].transpose(1, 0, 2, 3)


def _offset(x: np.ndarray, axis: int, j: int, k: int) -> np.ndarray:
    """The entries at offset j of every window of k along `axis` (2 rows, 3 columns): a view."""
    return x[:, :, j::k] if axis == 2 else x[:, :, :, j::k]


# Pooling reduces the columns of each window, then its rows: elementwise operations on the
# k strided views at each offset, fast at any memory layout (a reduction over a short last
# axis, or a copy into window order, is several times slower in NumPy).

def _max(x: np.ndarray, axis: int, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The maximum over windows of k along `axis`, and masks beats[j - 1]: offset j holds a
    larger value than every offset before it."""
    best, beats = _offset(x, axis, 0, k), []
    for j in range(1, k):
        v = _offset(x, axis, j, k)
        beats.append(v > best)
        best = np.maximum(best, v)
    return best, beats


def _route(d: np.ndarray, beats: list[np.ndarray], axis: int, k: int, out: np.ndarray):
    """_max's backward: d to the first maximum of each window (the last offset that beat all
    before it, else offset 0), zero to the others, written into `out`."""
    later = None  # some offset after j beat all before it
    for j in range(k - 1, 0, -1):
        won = beats[j - 1] if later is None else beats[j - 1] & ~later
        np.multiply(d, won, out=_offset(out, axis, j, k))
        later = beats[j - 1] if later is None else later | beats[j - 1]
    np.multiply(d, True if later is None else ~later, out=_offset(out, axis, 0, k))


def _sum(x: np.ndarray, axis: int, k: int) -> np.ndarray:
    """The sum over windows of k along `axis`."""
    total = _offset(x, axis, 0, k).copy(order="K")
    for j in range(1, k):
        total += _offset(x, axis, j, k)
    return total


def _spread(d: np.ndarray, axis: int, k: int, out: np.ndarray) -> None:
    """_sum's backward: d to every offset of each window, written into `out`."""
    for j in range(k):
        _offset(out, axis, j, k)[...] = d


class _Pool(Layer):
    def __init__(self, size: int):
        self.size = positive_int("size", size)
        self._x = None

    def _crop(self, x: np.ndarray) -> np.ndarray:
        """x without the rows and columns the floor drops, after checking it."""
        check_input(self, x, 4)
        k, (H, W) = self.size, x.shape[2:]
        if H < k or W < k:
            raise ValueError(f"{type(self).__name__} size {k} is larger than the input's "
                             f"{H}x{W}")
        self._x = x
        return x[:, :, :H - H % k, :W - W % k]

    def _dx(self) -> tuple[np.ndarray, np.ndarray]:
        """An input gradient in the input's memory layout (zero where the floor dropped rows
        or columns), and its cropped view."""
        x, k = self._x, self.size
        whole = x.shape[2] % k == 0 and x.shape[3] % k == 0
        dx = np.empty_like(x) if whole else np.zeros_like(x)
        return dx, dx[:, :, :x.shape[2] // k * k, :x.shape[3] // k * k]


class MaxPool2D(_Pool):
    """torch.nn.MaxPool2d(size): the maximum of each size x size window (stride = size,
    floor). x (n, C, H, W) -> (n, C, H // size, W // size). The gradient goes to one maximum
    per window, the first in row-major order, as torch's does."""

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x, k = self._crop(x), self.size
        # Columns first, so the first maximum of a window is in row-major order.
        cols, self._col_beats = _max(x, 3, k)  # (n, C, H, W')
        y, self._row_beats = _max(cols, 2, k)  # (n, C, H', W')
        return y

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if not need_dx:
            return None
        k = self.size
        dx, inside = self._dx()
        dcols = np.empty_like(_offset(inside, 3, 0, k))  # (n, C, H, W'), dx's layout
        _route(dy, self._row_beats, 2, k, dcols)
        _route(dcols, self._col_beats, 3, k, inside)
        return dx


class AvgPool2D(_Pool):
    """torch.nn.AvgPool2d(size): the mean of each size x size window (stride = size, floor).
    x (n, C, H, W) -> (n, C, H // size, W // size)."""

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        x, k = self._crop(x), self.size
        y = _sum(_sum(x, 3, k), 2, k)
        y *= 1.0 / (k * k)
        return y

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if not need_dx:
            return None
        k = self.size
        dx, inside = self._dx()
        dcols = np.empty_like(_offset(inside, 3, 0, k))
        _spread(dy * (1.0 / (k * k)), 2, k, dcols)
        _spread(dcols, 3, k, inside)
        return dx


class Flatten(Layer):
    """(n, C, H, W) -> (n, C*H*W) in C order (torch.nn.Flatten); any (n, ...) works."""

    def __init__(self):
        self._shape = None

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        return dy.reshape(self._shape) if need_dx else None
