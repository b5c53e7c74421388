"""Recurrent layers RNN, GRU and LSTM (torch's equations, weights and gate order), batch-first,
from a zero initial state, and LastStep to keep the final hidden state.

Layout, chosen for speed at playground sizes (measured: NumPy's elementwise operations are
several times slower on non-contiguous 2-D slices, and one (T n, 4H) input projection costs
more than it saves): each step works on contiguous feature-major blocks (features, n). The
operand of step t is z_t = [h_(t-1); x_t; 1], stacked for all steps in Z (T + 1, H + d + 1, n)
with every x_t and the ones row filled in at once, so one matmul with [W_hh | W_ih | b] gives
all pre-activations of a step, and h_t is written straight into z_(t+1). Sigmoids are
0.5 + 0.5 tanh(a / 2), the 1/2 folded into those rows of the weights, so one tanh serves every
gate. Backward computes every local derivative for all steps at once, chains through time
only the products that need the step before, and gets the weight gradient from one matmul of
the pre-activation gradients with Z over (time, batch).
Outputs and the `hidden` and `gates` attributes are batch-first (n, T, H) views.
"""

import numpy as np

from ._base import Layer, check_input, positive_int


class _Recurrent(Layer):
    """What RNN, GRU and LSTM share: parameters, the step operands, truncation, the gradients.

    After a forward: `hidden` (n, T, H), and for GRU and LSTM `gates`, a dict name -> (n, T, H).
    After a backward: `grad_norm_through_time` (T,), the L2 norm over batch and units of
    dL/dh_t, the total gradient reaching the hidden state of step t (from the output at t and,
    through the recurrence, from later steps). `truncate` (None or k >= 1, settable): cut the
    gradient through the recurrence at every k-th step boundary, as detaching the hidden (and
    cell) state before steps k, 2k, ... in PyTorch (truncated BPTT); the forward is unchanged.
    """

    GATES = 1

    def __init__(self, input_size: int, hidden_size: int):
        self.input_size = positive_int("input_size", input_size)
        self.hidden_size = positive_int("hidden_size", hidden_size)
        self._truncate = None
        self.weight_ih = self.weight_hh = self.bias_ih = self.bias_hh = None
        self.hidden, self.gates, self.grad_norm_through_time = None, {}, None

    @property
    def truncate(self) -> int | None:
        return self._truncate

    @truncate.setter
    def truncate(self, k: int | None) -> None:
        self._truncate = None if k is None else positive_int("truncate", k)

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        gh, d, h = self.GATES * self.hidden_size, self.input_size, self.hidden_size
        return [(gh, d), (gh, h), (gh,), (gh,)]

    def bind(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        params, grads = self._bind(params, grads)
        self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh = params
        self._grads = grads

    def _operands(self, x: np.ndarray) -> np.ndarray:
        """Z (T + 1, H + d + 1, n): Z[t] = [h_(t-1); x_t; 1], with h_(-1) = 0 and the h rows
        of later steps left for the forward loop to fill."""
        check_input(self, x, 3, self.input_size)
        n, T, d = x.shape
        H = self.hidden_size
        z = np.empty((T + 1, H + d + 1, n))
        z[0, :H] = 0.0
        z[:T, H:H + d] = x.transpose(1, 2, 0)
        z[:, H + d] = 1.0
        self._z = z
        return z

    def _finish(self, z: np.ndarray) -> np.ndarray:
        self.hidden = z[1:, :self.hidden_size].transpose(2, 0, 1)
        return self.hidden

    def _output_grads(self, dy: np.ndarray) -> np.ndarray:
        """dL/dh_t from the outputs, (T, H, n); the loop adds the recurrent part in place."""
        return dy.transpose(1, 2, 0).copy()

    def _links(self, T: int) -> list[bool]:
        """links[t]: does the gradient flow from step t back into the state of step t - 1?"""
        k = self._truncate
        return [t > 0 and (k is None or t % k != 0) for t in range(T)]

    def _back_weights(self, w: np.ndarray, need_dx: bool) -> np.ndarray:
        """w (rows, H + d + 1) of the step matmul, unscaled, as the backward operand: its h
        columns (and x columns when need_dx) transposed, so one matmul per step gives the
        recurrent gradient (and the input gradient)."""
        H, d = self.hidden_size, self.input_size
        return np.ascontiguousarray(w[:, :H + d if need_dx else H].T)

    def _end(self, da: np.ndarray, dh: np.ndarray, dx: np.ndarray | None):
        """Gradient norms, the (rows, H + d + 1) weight gradient from the pre-activation
        gradients da (rows, T, n) of all steps, and the input gradient."""
        self.grad_norm_through_time = np.sqrt(np.einsum("thn,thn->t", dh, dh))
        rows, T, n = da.shape
        z = self._z[:T].transpose(0, 2, 1).reshape(T * n, -1)
        return da.reshape(rows, T * n) @ z, None if dx is None else dx.transpose(2, 0, 1)

    def _split(self, g: np.ndarray, rows_ih, rows_hh, rows_bih, rows_bhh) -> None:
        """Write the torch gradients from g (rows, H + d + 1): for each parameter, the rows of
        g holding its rows (in torch's order)."""
        H, d = self.hidden_size, self.input_size
        g_ih, g_hh, gb_ih, gb_hh = self._grads
        g_ih[...] = g[rows_ih, H:H + d]
        g_hh[...] = g[rows_hh, :H]
        gb_ih[...] = g[rows_bih, H + d]
        gb_hh[...] = g[rows_bhh, H + d]


class RNN(_Recurrent):
    """torch.nn.RNN (tanh): h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh).

    x (n, T, input_size) -> the hidden sequence (n, T, hidden_size). Parameters weight_ih
    (H, d), weight_hh (H, H), bias_ih (H,), bias_hh (H,)."""

    def _weights(self) -> np.ndarray:
        return np.concatenate([self.weight_hh, self.weight_ih,
                               (self.bias_ih + self.bias_hh)[:, None]], axis=1)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        z, H = self._operands(x), self.hidden_size
        w = self._weights()
        for t in range(len(z) - 1):
            np.tanh(w @ z[t], out=z[t + 1, :H])
        return self._finish(z)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        H = self.hidden_size
        h = self._z[1:, :H]
        slope = h * h  # tanh' = 1 - h^2, all steps at once
        np.subtract(1.0, slope, out=slope)
        dh = self._output_grads(dy)
        T, _, n = dh.shape
        da = np.empty((H, T, n))
        dx = np.empty((T, self.input_size, n)) if need_dx else None
        w_back, links = self._back_weights(self._weights(), need_dx), self._links(T)
        for t in range(T - 1, -1, -1):
            np.multiply(dh[t], slope[t], out=da[:, t])
            if links[t] or need_dx:
                back = w_back @ da[:, t]
                if links[t]:
                    dh[t - 1] += back[:H]
                if need_dx:
                    dx[t] = back[H:]
        grad, dx = self._end(da, dh, dx)
        rows = np.arange(H)
        self._split(grad, rows, rows, rows, rows)
        return dx


class GRU(_Recurrent):
    """torch.nn.GRU, gates in torch's order r, z, n:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      (reset)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      (update)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   (new)
        h' = (1 - z) * n + z * h

    x (n, T, d) -> (n, T, H). Parameters weight_ih (3H, d), weight_hh (3H, H), bias_ih (3H,),
    bias_hh (3H,). `gates`: "reset", "update", "new".

    The step matmul has 4 blocks of H rows: r and z (all terms), W_in x + b_in, W_hn h + b_hn.
    """

    GATES = 3

    def _weights(self) -> np.ndarray:
        H, d = self.hidden_size, self.input_size
        w_ih, w_hh, b_ih, b_hh = self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh
        w = np.zeros((4 * H, H + d + 1))
        w[:2 * H, :H] = w_hh[:2 * H]
        w[:2 * H, H:H + d] = w_ih[:2 * H]
        w[:2 * H, -1] = b_ih[:2 * H] + b_hh[:2 * H]
        w[2 * H:3 * H, H:H + d] = w_ih[2 * H:]
        w[2 * H:3 * H, -1] = b_ih[2 * H:]
        w[3 * H:, :H] = w_hh[2 * H:]
        w[3 * H:, -1] = b_hh[2 * H:]
        return w

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        z, H = self._operands(x), self.hidden_size
        w = self._weights()
        w[:2 * H] *= 0.5  # sigmoid(a) = 0.5 + 0.5 tanh(a / 2)
        T, _, n = z.shape
        a = np.empty((4 * H, n))
        g = np.empty((4, T - 1, H, n))  # r, z, n, W_hn h + b_hn: each contiguous over steps
        for t in range(T - 1):
            np.matmul(w, z[t], out=a)
            rz, new, hn = g[:2, t], g[2, t], g[3, t]
            np.tanh(a[:2 * H].reshape(2, H, n), out=rz)
            rz *= 0.5
            rz += 0.5
            hn[...] = a[3 * H:]
            np.multiply(g[0, t], hn, out=new)
            new += a[2 * H:3 * H]
            np.tanh(new, out=new)
            h = z[t + 1, :H]  # h' = n + z (h - n)
            np.subtract(z[t, :H], new, out=h)
            h *= g[1, t]
            h += new
        self._g = g
        self.gates = {name: g[i].transpose(2, 0, 1)
                      for i, name in enumerate(("reset", "update", "new"))}
        return self._finish(z)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        H = self.hidden_size
        r, u, new, hn = self._g
        # dL/d(each block of the step matmul) = dh * k[block], for all steps at once:
        # n: (1 - z)(1 - n^2); r: (n's) (W_hn h + b_hn) r (1 - r); z: (h - n) z (1 - z);
        # the W_hn h + b_hn block: (n's) r.
        T, _, n = r.shape
        k = np.empty((4, T, H, n))
        a_n = k[2]
        np.multiply(1.0 - u, 1.0 - new * new, out=a_n)
        np.multiply(a_n * hn, r * (1.0 - r), out=k[0])
        np.multiply(self._z[:T, :H] - new, u * (1.0 - u), out=k[1])
        np.multiply(a_n, r, out=k[3])
        dh = self._output_grads(dy)
        da = np.empty((4 * H, T, n))
        dx = np.empty((T, self.input_size, n)) if need_dx else None
        w_back, links = self._back_weights(self._weights(), need_dx), self._links(T)
        for t in range(T - 1, -1, -1):
            np.multiply(k[:, t], dh[t], out=da[:, t].reshape(4, H, n))
            if links[t] or need_dx:
                back = w_back @ da[:, t]
                if links[t]:
                    back[:H] += dh[t] * u[t]
                    dh[t - 1] += back[:H]
                if need_dx:
                    dx[t] = back[H:]
        grad, dx = self._end(da, dh, dx)
        rz, blocks = np.arange(2 * H), np.arange(4 * H)
        self._split(grad, blocks[:3 * H], np.r_[rz, blocks[3 * H:]], blocks[:3 * H],
                    np.r_[rz, blocks[3 * H:]])
        return dx


class LSTM(_Recurrent):
    """torch.nn.LSTM, gates in torch's order i, f, g, o:

        i, f, o = sigmoid(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(W_ig x + ... + b_hg)
        c' = f * c + i * g,   h' = o * tanh(c')

    x (n, T, d) -> (n, T, H). Parameters weight_ih (4H, d), weight_hh (4H, H), bias_ih (4H,),
    bias_hh (4H,). `gates`: "input", "forget", "cell" (g), "output".

    The step matmul's rows are in the order o, i, f, g: sigmoids first, then the gates the cell
    gradient drives."""

    GATES = 4

    def _order(self) -> np.ndarray:
        """Torch's row of each row of the step matmul."""
        H = self.hidden_size
        return np.r_[3 * H:4 * H, 0:3 * H]

    def _weights(self) -> np.ndarray:
        order = self._order()
        return np.concatenate([self.weight_hh[order], self.weight_ih[order],
                               (self.bias_ih + self.bias_hh)[order, None]], axis=1)

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        z, H = self._operands(x), self.hidden_size
        w = self._weights()
        w[:3 * H] *= 0.5  # sigmoid(a) = 0.5 + 0.5 tanh(a / 2)
        T, _, n = z.shape
        a = np.empty((4 * H, n))
        g = np.empty((4, T - 1, H, n))  # o, i, f, g: each contiguous over steps
        c, tc = np.empty((T - 1, H, n)), np.empty((T - 1, H, n))
        for t in range(T - 1):
            np.matmul(w, z[t], out=a)
            gt = g[:, t]
            np.tanh(a.reshape(4, H, n), out=gt)
            s = gt[:3]
            s *= 0.5
            s += 0.5
            np.multiply(gt[1], gt[3], out=c[t])  # c' = i g + f c
            if t:
                c[t] += gt[2] * c[t - 1]
            np.tanh(c[t], out=tc[t])
            np.multiply(gt[0], tc[t], out=z[t + 1, :H])  # h' = o tanh(c')
        self._g, self._c, self._tc = g, c, tc
        self.gates = {name: g[i].transpose(2, 0, 1)
                      for i, name in ((1, "input"), (2, "forget"), (3, "cell"), (0, "output"))}
        return self._finish(z)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        H = self.hidden_size
        (o, i, f, g), c, tc = self._g, self._c, self._tc
        T, _, n = c.shape
        # Local derivatives for all steps: dL/da_o = dh * a_o; dc = dh * a_c + (from t + 1);
        # dL/da for i, f, g = dc * k[0..2].
        sig = self._g[:3]
        slope = 1.0 - sig  # sigmoid' of o, i, f
        slope *= sig
        a_o = tc * slope[0]
        a_c = tc * tc
        np.subtract(1.0, a_c, out=a_c)
        a_c *= o
        k = np.empty((3, T, H, n))
        np.multiply(g, slope[1], out=k[0])
        k[1, 0] = 0.0  # c_(-1) = 0
        np.multiply(c[:-1], slope[2, 1:], out=k[1, 1:])
        np.multiply(g, g, out=k[2])
        np.subtract(1.0, k[2], out=k[2])
        k[2] *= i
        dh = self._output_grads(dy)
        da = np.empty((4 * H, T, n))
        dx = np.empty((T, self.input_size, n)) if need_dx else None
        w_back, links = self._back_weights(self._weights(), need_dx), self._links(T)
        dc_next = None
        for t in range(T - 1, -1, -1):
            np.multiply(dh[t], a_o[t], out=da[:H, t])
            dc = dh[t] * a_c[t]
            if dc_next is not None:
                dc += dc_next
            np.multiply(k[:, t], dc, out=da[H:, t].reshape(3, H, n))
            if links[t] or need_dx:
                back = w_back @ da[:, t]
                if links[t]:
                    dh[t - 1] += back[:H]
                if need_dx:
                    dx[t] = back[H:]
            dc_next = dc * f[t] if links[t] else None
        grad, dx = self._end(da, dh, dx)
        order = np.argsort(self._order())  # the step row of each torch row
        self._split(grad, order, order, order, order)
        return dx


class LastStep(Layer):
    """The last time step of a sequence: (n, T, H) -> (n, H)."""

    def __init__(self):
        self._shape = None

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        check_input(self, x, 3)
        self._shape = x.shape
        return x[:, -1]

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if not need_dx:
            return None
        dx = np.zeros(self._shape)
        dx[:, -1] = dy
        return dx
