"""Recurrent layers RNN, GRU and LSTM (torch's equations, weights and gate order), batch-first,
from a zero initial state, and LastStep to keep the final hidden state.

Each layer projects the inputs of all time steps in one matmul, then loops over time only.
Internally arrays are time-major (T, n, ...) so each step reads contiguous rows; outputs and
the `hidden` and `gates` attributes are batch-first views of them. Sigmoids are computed as
0.5 + 0.5 tanh(a / 2), with the 1/2 folded into the weights, so one tanh serves all gates.
Backward precomputes every local derivative for all steps at once, so the loop over time
only chains the few products that truly depend on the step before.
"""

import numpy as np

from ._base import Layer, check_input, positive_int


class _Recurrent(Layer):
    """What RNN, GRU and LSTM share: parameters, truncation and the weight gradients.

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

    def _links(self, T: int) -> list[bool]:
        """links[t]: does the gradient flow from step t back into the state of step t - 1?"""
        k = self._truncate
        return [t > 0 and (k is None or t % k != 0) for t in range(T)]

    def _project(self, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The input part of every step's pre-activations: (T, n, rows of w)."""
        check_input(self, x, 3, self.input_size)
        n, T, d = x.shape
        self._x = x.transpose(1, 0, 2).reshape(T * n, d)  # time-major rows
        a = self._x @ w.T
        a += b
        return a.reshape(T, n, -1)

    def _finish(self, hs: np.ndarray) -> np.ndarray:
        self._h = hs
        self.hidden = hs.transpose(1, 0, 2)
        return self.hidden

    def _weight_grads(self, da_i: np.ndarray, da_h: np.ndarray, order=None) -> None:
        """Parameter gradients from the pre-activation gradients of all steps (T, n, G*H) on
        the input side (da_i) and the recurrent side (da_h), rows in `order` of torch's."""
        T, n, gh = da_i.shape
        hs = self._h
        g_ih = da_i.reshape(T * n, gh).T @ self._x
        g_hh = da_h[1:].reshape(-1, gh).T @ hs[:-1].reshape(-1, self.hidden_size)
        b_ih = da_i.sum(axis=(0, 1))
        b_hh = da_h.sum(axis=(0, 1))
        for grad, value in zip(self._grads, (g_ih, g_hh, b_ih, b_hh), strict=True):
            if order is None:
                grad[...] = value
            else:
                grad[order] = value

    def _input_grad(self, da_i: np.ndarray, w_ih: np.ndarray) -> np.ndarray:
        T, n, gh = da_i.shape
        dx = da_i.reshape(T * n, gh) @ w_ih
        return dx.reshape(T, n, self.input_size).transpose(1, 0, 2)

    def _norms(self, dh: np.ndarray) -> None:
        self.grad_norm_through_time = np.sqrt(np.einsum("tnh,tnh->t", dh, dh))


class RNN(_Recurrent):
    """torch.nn.RNN (tanh): h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh).

    x (n, T, input_size) -> the hidden sequence (n, T, hidden_size). Parameters weight_ih
    (H, d), weight_hh (H, H), bias_ih (H,), bias_hh (H,)."""

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        a = self._project(x, self.weight_ih, self.bias_ih + self.bias_hh)
        hs = np.empty_like(a)
        w_hh = self.weight_hh.T
        np.tanh(a[0], out=hs[0])
        for t in range(1, len(a)):
            a[t] += hs[t - 1] @ w_hh
            np.tanh(a[t], out=hs[t])
        return self._finish(hs)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        hs, dy = self._h, dy.transpose(1, 0, 2)
        slope = hs * hs  # tanh' = 1 - h^2, for every step at once
        np.subtract(1.0, slope, out=slope)
        dh, da = np.empty_like(hs), np.empty_like(hs)
        w_hh, links = self.weight_hh, self._links(len(hs))
        rec = None  # gradient reaching h_t through step t + 1
        for t in range(len(hs) - 1, -1, -1):
            if rec is None:
                dh[t] = dy[t]
            else:
                np.add(dy[t], rec, out=dh[t])
            np.multiply(dh[t], slope[t], out=da[t])
            rec = da[t] @ w_hh if links[t] else None
        self._norms(dh)
        self._weight_grads(da, da)
        return self._input_grad(da, self.weight_ih) if need_dx else None


class GRU(_Recurrent):
    """torch.nn.GRU, gates in torch's order r, z, n:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      (reset)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      (update)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   (new)
        h' = (1 - z) * n + z * h

    x (n, T, d) -> (n, T, H). Parameters weight_ih (3H, d), weight_hh (3H, H), bias_ih (3H,),
    bias_hh (3H,). `gates`: "reset", "update", "new"."""

    GATES = 3

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        H = self.hidden_size
        H2 = 2 * H
        half = np.ones((3 * H, 1))
        half[:H2] = 0.5  # sigmoid(a) = 0.5 + 0.5 tanh(a / 2)
        b = self.bias_ih.copy()
        b[:H2] += self.bias_hh[:H2]
        a = self._project(x, self.weight_ih * half, b * half[:, 0])
        w_hh = (self.weight_hh * half).T
        b_hn = self.bias_hh[H2:]
        T, n, _ = a.shape
        g, hn, hs = np.empty_like(a), np.empty((T, n, H)), np.empty((T, n, H))
        for t in range(T):
            at, gt = a[t], g[t]
            rz, new = gt[:, :H2], gt[:, H2:]
            if t:
                hh = hs[t - 1] @ w_hh
                np.add(at[:, :H2], hh[:, :H2], out=rz)
                np.add(hh[:, H2:], b_hn, out=hn[t])
            else:
                rz[...] = at[:, :H2]
                hn[0] = b_hn
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            np.multiply(rz[:, :H], hn[t], out=new)
            new += at[:, H2:]
            np.tanh(new, out=new)
            if t:  # h' = n + z (h - n)
                np.subtract(hs[t - 1], new, out=hs[t])
            else:
                np.negative(new, out=hs[t])
            hs[t] *= rz[:, H:]
            hs[t] += new
        self._g, self._hn = g, hn
        self.gates = {name: g[:, :, i * H:(i + 1) * H].transpose(1, 0, 2)
                      for i, name in enumerate(("reset", "update", "new"))}
        return self._finish(hs)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        hs, dy, H = self._h, dy.transpose(1, 0, 2), self.hidden_size
        T, n, _ = hs.shape
        g = self._g
        r, z, new = g[..., :H], g[..., H:2 * H], g[..., 2 * H:]
        h_prev = np.zeros_like(hs)
        h_prev[1:] = hs[:-1]
        # dL/da for each gate's pre-activation is dh times these factors (all steps at once):
        # n: (1 - z)(1 - n^2); z: (h - n) z (1 - z); r: (n's) * (W_hn h + b_hn) r (1 - r);
        # the recurrent side of n: (n's) * r.
        k = np.empty((T, n, 3, H))
        a_n = (1.0 - z) * (1.0 - new * new)
        np.multiply(a_n * self._hn, r * (1.0 - r), out=k[:, :, 0])
        np.multiply(h_prev - new, z * (1.0 - z), out=k[:, :, 1])
        np.multiply(a_n, r, out=k[:, :, 2])
        dh, da_h = np.empty_like(hs), np.empty((T, n, 3 * H))
        w_hh, links = self.weight_hh, self._links(T)
        rec = None
        for t in range(T - 1, -1, -1):
            if rec is None:
                dh[t] = dy[t]
            else:
                np.add(dy[t], rec, out=dh[t])
            np.multiply(k[t], dh[t][:, None, :], out=da_h[t].reshape(n, 3, H))
            if links[t]:
                rec = da_h[t] @ w_hh
                rec += dh[t] * z[t]
            else:
                rec = None
        da_i = da_h.copy()
        np.multiply(dh, a_n, out=da_i[..., 2 * H:])
        self._norms(dh)
        self._weight_grads(da_i, da_h)
        return self._input_grad(da_i, self.weight_ih) if need_dx else None


class LSTM(_Recurrent):
    """torch.nn.LSTM, gates in torch's order i, f, g, o:

        i, f, o = sigmoid(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(W_ig x + ... + b_hg)
        c' = f * c + i * g,   h' = o * tanh(c')

    x (n, T, d) -> (n, T, H). Parameters weight_ih (4H, d), weight_hh (4H, H), bias_ih (4H,),
    bias_hh (4H,). `gates`: "input", "forget", "cell" (g), "output"."""

    GATES = 4

    def _order(self) -> np.ndarray:
        """Internal row order o, i, f, g: the sigmoid gates first, the cell-driven ones last."""
        H = self.hidden_size
        return np.r_[3 * H:4 * H, 0:3 * H]

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        H = self.hidden_size
        H3 = 3 * H
        order = self._order()
        half = np.ones((4 * H, 1))
        half[:H3] = 0.5  # sigmoid(a) = 0.5 + 0.5 tanh(a / 2)
        b = (self.bias_ih + self.bias_hh)[order] * half[:, 0]
        a = self._project(x, self.weight_ih[order] * half, b)
        w_hh = (self.weight_hh[order] * half).T
        T, n, _ = a.shape
        cs, tc, hs = np.empty((T, n, H)), np.empty((T, n, H)), np.empty((T, n, H))
        for t in range(T):
            g = a[t]  # becomes the gates o, i, f, g
            if t:
                g += hs[t - 1] @ w_hh
            np.tanh(g, out=g)
            s = g[:, :H3]
            s *= 0.5
            s += 0.5
            np.multiply(g[:, H:2 * H], g[:, H3:], out=cs[t])
            if t:
                cs[t] += g[:, 2 * H:H3] * cs[t - 1]
            np.tanh(cs[t], out=tc[t])
            np.multiply(g[:, :H], tc[t], out=hs[t])
        self._g, self._c, self._tc = a, cs, tc
        self.gates = {name: a[:, :, i * H:(i + 1) * H].transpose(1, 0, 2)
                      for i, name in ((1, "input"), (2, "forget"), (3, "cell"), (0, "output"))}
        return self._finish(hs)

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        hs, dy, H = self._h, dy.transpose(1, 0, 2), self.hidden_size
        T, n, _ = hs.shape
        gates, tc = self._g, self._tc
        o, i, f, g = (gates[..., j * H:(j + 1) * H] for j in range(4))
        c_prev = np.zeros_like(hs)
        c_prev[1:] = self._c[:-1]
        # Local derivatives for all steps: dL/da_o = dh * a_o; dc = dh * a_c + (from t + 1);
        # dL/da for i, f, g = dc * k[:, :, 0..2].
        a_o = tc * o * (1.0 - o)
        a_c = o * (1.0 - tc * tc)
        k = np.empty((T, n, 3, H))
        np.multiply(g, i * (1.0 - i), out=k[:, :, 0])
        np.multiply(c_prev, f * (1.0 - f), out=k[:, :, 1])
        np.multiply(i, 1.0 - g * g, out=k[:, :, 2])
        order = self._order()
        w_hh, links = self.weight_hh[order], self._links(T)
        dh, da = np.empty_like(hs), np.empty((T, n, 4 * H))
        rec = dc_next = None
        for t in range(T - 1, -1, -1):
            if rec is None:
                dh[t] = dy[t]
            else:
                np.add(dy[t], rec, out=dh[t])
            np.multiply(dh[t], a_o[t], out=da[t, :, :H])
            dc = dh[t] * a_c[t]
            if dc_next is not None:
                dc += dc_next
            np.multiply(k[t], dc[:, None, :], out=da[t, :, H:].reshape(n, 3, H))
            if links[t]:
                rec = da[t] @ w_hh
                dc_next = dc * f[t]
            else:
                rec = dc_next = None
        self._norms(dh)
        self._weight_grads(da, da, order)
        return self._input_grad(da, self.weight_ih[order]) if need_dx else None


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
