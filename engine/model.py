"""A sequential model over any layers of engine/layers, its parameters in one flat buffer, with
an output activation and a loss; every network of the engine is one."""

from collections.abc import Sequence

import numpy as np

from .initializers import get_initializer, initial_params
from .layers import Dense, Dropout, Embedding
from .layers._base import _sigmoid_into
from .layers.dense_chain import DenseChain
from .losses import get_loss
from .outputs import get_output

_sum = np.add.reduce  # what ndarray.sum() calls, with less overhead


def per_layer(value, n: int, what: str) -> list:
    """One value for each of n layers: the value repeated, or a list of exactly n."""
    if isinstance(value, str | int | float):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"give one {what} for all hidden layers or exactly {n}, not {len(value)}")
    return value


def _check_rates(rates: list) -> list[float]:
    rates = [float(r) for r in rates]
    if any(not 0.0 <= r < 1.0 for r in rates):
        raise ValueError(f"dropout rates must be in [0, 1): {rates}")
    return rates


def _fit_steps(layers, blocks: dict) -> tuple[list, list, DenseChain | None]:
    """The training path's forward steps, and its backward steps in backward order: each run
    of consecutive Dense layers as one DenseChain (buffers bound ahead; `blocks` maps each
    Dense layer to its [W; b] block and that of its gradient), any other layer by its own
    forward and backward. Also the chain that comes first, if one does."""
    fwd, bwd, run = [], [], []

    def flush():
        if run:
            chain = DenseChain(run, [blocks[id(layer)] for layer in run])
            fwd.append(chain)
            bwd.append(chain.backward)
            run.clear()

    for layer in layers:
        if type(layer) is Dense:
            run.append(layer)
        else:
            flush()
            fwd.append(layer)
            bwd.append(layer.backward)
    flush()
    lead = fwd[0] if isinstance(fwd[0], DenseChain) else None
    return [f.forward for f in fwd], bwd[::-1], lead


class FlatViews(list):
    """A list of views of one flat buffer `flat`; `layout` lists each view's (start, stop,
    shape) in it. An optimizer given such lists for parameters and gradients of the same
    layout updates the flat buffers at once."""

    def __init__(self, views, flat: np.ndarray, layout: tuple):
        super().__init__(views)
        self.flat, self.layout = flat, layout


class Model:
    """Layers applied in sequence, then an output activation (`OUTPUTS`) scored by a loss
    (`LOSSES`; by default the output's own).

    Parameters live in one flat buffer `flat` and their gradients in `flat_grad`, layer by
    layer, each layer's arrays in its `param_shapes` order: a Dense layer's W (fan_in,
    fan_out) and b (fan_out,) are one (fan_in + 1, fan_out) block [W; b], so the training path
    folds the bias into its matrix products. "Weights" are the arrays of 2 or more axes, which
    L1 and L2 act on (`weights()`, `weight_mask`, `n_weights` entries); biases and gains are
    not regularized. `params` and `grads` list the views in layer order (FlatViews: an
    optimizer given both updates the flat buffers at once); write weights in place. `l1`,
    `l2` and `dropout` may be changed at any time. The training path (`train_batch`,
    `loss_and_grads`) reuses buffers per batch size: what it leaves in the layers is valid
    until the next batch. Inputs X are float arrays
    (integer ids when the first layer is an Embedding); logits and outputs are (n, k), or
    (n, T, k) per position of a sequence.
    """

    def __init__(self, layers: Sequence, output: str = "linear", loss: str | None = None,
                 init: str | None = None, seed=0):
        layers = list(layers)
        if not layers:
            raise ValueError("a model needs at least one layer")
        for layer in layers:
            if not all(hasattr(layer, m) for m in ("param_shapes", "bind", "forward",
                                                   "backward")):
                raise ValueError(f"{layer!r} is not a layer (param_shapes, bind, forward, "
                                 "backward)")
        if init is not None:
            get_initializer(init)
        self.out = get_output(output)
        self.output, self.init = output, init
        self.set_loss(loss or self.out.default_loss)
        self.layers = layers
        self.l1 = 0.0
        self.l2 = 0.0
        self._ids = isinstance(layers[0], Embedding)  # the inputs are integer ids
        self._sigmoid, self._softmax = output == "sigmoid", output == "softmax"
        self._out_fn = self.out.fn  # None for the identity
        self._allocate()
        self.reset(seed)

    # --- parameters -------------------------------------------------------------------------
    def _allocate(self) -> None:
        per_layer_shapes = [list(layer.param_shapes) for layer in self.layers]
        shapes = [s for ss in per_layer_shapes for s in ss]
        sizes = [int(np.prod(s)) for s in shapes]
        self.flat = np.zeros(sum(sizes))
        self.flat_grad = np.zeros(self.flat.size)
        spans, o = [], 0
        for s, n in zip(shapes, sizes, strict=True):  # layer by layer, each in its order
            spans.append((o, o + n, s))
            o += n
        self._layout = layout = tuple(spans)
        self.params = FlatViews([self.flat[a:b].reshape(s) for a, b, s in spans], self.flat,
                                layout)
        self.grads = FlatViews([self.flat_grad[a:b].reshape(s) for a, b, s in spans],
                               self.flat_grad, layout)
        self._layer_params = []
        i = 0
        for layer, ss in zip(self.layers, per_layer_shapes, strict=True):
            j = i + len(ss)
            layer.bind(self.params[i:j], self.grads[i:j])
            self._layer_params.append(self.params[i:j])
            i = j
        # Weights: the entries of arrays of 2 or more axes, which L1 and L2 act on.
        self.weight_mask = mask = np.zeros(self.flat.size)
        for a, b, s in spans:
            if len(s) >= 2:
                mask[a:b] = 1.0
        self.n_weights = int(mask.sum())
        self._all_weights = self.n_weights == self.flat.size
        self._scaled_masks: dict[float, np.ndarray] = {}
        self._tw = np.empty(self.flat.size)  # scratch for the penalty and its gradient
        blocks, i = {}, 0
        for layer, ss in zip(self.layers, per_layer_shapes, strict=True):
            if type(layer) is Dense:  # W then b: one (fan_in + 1, fan_out) block [W; b]
                a, c = spans[i][0], spans[i + 1][1]
                shape = (layer.fan_in + 1, layer.fan_out)
                blocks[id(layer)] = (self.flat[a:c].reshape(shape),
                                     self.flat_grad[a:c].reshape(shape))
            i += len(ss)
        self._fit_fwd, bwd, self._lead = _fit_steps(self.layers, blocks)
        self._fit_rest = self._fit_fwd[1:]  # after the leading chain, when it takes ones
        self._fit_bwd, self._fit_first = bwd[:-1], bwd[-1]  # the first step: no dL/dX

    def _scaled_mask(self, rate: float) -> np.ndarray | float:
        """rate on the weights' entries, 0 on the others (the rate itself when all are
        weights): w times it is rate * w on weights, exactly, and 0 elsewhere."""
        if self._all_weights:
            return rate
        m = self._scaled_masks.get(rate)
        if m is None:
            if len(self._scaled_masks) >= 4:
                self._scaled_masks.clear()
            m = self._scaled_masks[rate] = self.weight_mask * rate
        return m

    def weights(self) -> list[np.ndarray]:
        """The parameter arrays L1 and L2 act on (2 or more axes), views in layer order."""
        return [p for p in self.params if p.ndim >= 2]

    def legacy_order(self) -> np.ndarray:
        """Indices i such that `flat == old[i]` for `old`, a flat vector in the layout of
        files of version 1 (every weight array, then every 1-D array, each group in layer
        order)."""
        n_w = self.n_weights
        order, ow, ob = np.empty(self.flat.size, dtype=np.intp), 0, n_w
        for a, b, s in self._layout:
            n = b - a
            if len(s) >= 2:
                order[a:b] = np.arange(ow, ow + n)
                ow += n
            else:
                order[a:b] = np.arange(ob, ob + n)
                ob += n
        return order

    def reset(self, seed=0) -> None:
        """Draw fresh parameters with `seed` (an int or a list of ints): each layer by the rule
        of its type (engine.initializers.LAYER_INITS), the chosen `init` for dense and
        convolution weights."""
        rng = np.random.default_rng(seed)
        for layer, views in zip(self.layers, self._layer_params, strict=True):
            for view, value in zip(views, initial_params(layer, rng, self.init), strict=True):
                view[...] = value

    def set_loss(self, name: str) -> None:
        self.loss = get_loss(name, self.output)
        self._fused = self.out.fused.get(name)
        self._prepares = self.output == "sigmoid" and self._fused is not None
        self._dz: dict[tuple, tuple] = {}  # train_batch's output gradients and scales, by shape

    @property
    def n_params(self) -> int:
        return self.flat.size

    def _droppable(self) -> list:
        """Layers whose output dropout can switch off: every Dense but the last layer, and
        every Dropout layer (also inside Residual and TransformerBlock)."""
        found = []

        def walk(layers, top):
            for i, layer in enumerate(layers):
                if isinstance(layer, Dropout):
                    found.append(layer)
                elif isinstance(layer, Dense) and top and i < len(layers) - 1:
                    found.append(layer)
                elif hasattr(layer, "layers"):
                    walk(layer.layers, False)

        walk(self.layers, True)
        return found

    @property
    def dropout(self) -> list[float]:
        """The dropout rate of each layer that has one (see `_droppable`), in order."""
        return [getattr(layer, "rate", getattr(layer, "dropout", 0.0))
                for layer in self._droppable()]

    @dropout.setter
    def dropout(self, rates) -> None:
        layers = self._droppable()
        rates = _check_rates(per_layer(rates, len(layers), "dropout rate"))
        for layer, r in zip(layers, rates, strict=True):
            if isinstance(layer, Dropout):
                layer.rate = r
            else:
                layer.dropout = r

    # --- forward ------------------------------------------------------------------------------
    def _input(self, X) -> np.ndarray:
        return np.asarray(X) if self._ids else np.asarray(X, dtype=np.float64)

    def logits(self, X, rng: np.random.Generator | None = None) -> np.ndarray:
        """The last layer's output, before the output activation. With `rng`, dropout masks
        are drawn from it (training mode). The layers keep what `backward` needs."""
        a = self._input(X)
        for layer in self.layers:
            a = layer.forward(a, rng)
        return a

    def output_of(self, z: np.ndarray) -> np.ndarray:
        """The output activation applied to logits z."""
        return z if self._out_fn is None else self._out_fn(z)

    def forward(self, X) -> np.ndarray:
        """Outputs after the output activation, without dropout."""
        return self.output_of(self.logits(X))

    def layer_outputs(self, X) -> list[np.ndarray]:
        """Every layer's output for X, without dropout; the last after the output activation."""
        outs, a = [], self._input(X)
        for layer in self.layers:
            a = layer.forward(a)
            outs.append(a)
        outs[-1] = self.output_of(a)
        return outs

    def targets(self, y, k: int, ndim: int = 2) -> np.ndarray:
        """Labels shaped like logits of `ndim` axes with k outputs, float64: under softmax,
        class ids (one axis fewer: (n,), or (n, T) per position) become one-hot; other targets
        keep their shape, (n,) read as (n, 1)."""
        Y = self._label_column(y, k, ndim)
        if Y is not None:
            return Y
        y = np.asarray(y)
        if self.output == "softmax" and y.ndim == ndim - 1:
            Y = np.zeros((*y.shape, k))
            np.put_along_axis(Y, y.astype(np.intp)[..., None], 1.0, axis=-1)
            return Y
        Y = np.asarray(y, dtype=np.float64)
        if Y.ndim == 1:
            Y = Y.reshape(len(Y), 1 if Y.size else k)
        if Y.shape[-1] != k:
            raise ValueError(f"targets have {Y.shape[-1]} columns but the network has {k} "
                             "outputs")
        return Y

    def _label_column(self, y, k: int, ndim: int) -> np.ndarray | None:
        """`targets` of the common case at once: labels (n,) of one output (not softmax) as
        float64 (n, 1); None for any other case."""
        if type(y) is np.ndarray and y.ndim == 1 and k == 1 and ndim == 2 and \
                not self._softmax and y.dtype.kind in "fiub":
            return (y if y.dtype == np.float64 else y.astype(np.float64)).reshape(len(y), 1)
        return None

    # --- loss and gradients ----------------------------------------------------------------------
    def _loss(self, loss: str | None):
        """The loss to use (None: the model's own) and its fused gradient scale, if any. Another
        loss than the model's own takes the generic path through the output's Jacobian."""
        if loss is None or loss == self.loss.name:
            return self.loss, self._fused
        return get_loss(loss, self.output), None

    @staticmethod
    def _scored(z: np.ndarray, mask) -> np.ndarray | None:
        """Rows of the (rows, k) view of z that the mask scores (None: all)."""
        if mask is None:
            return None
        mask = np.asarray(mask)
        if mask.shape != z.shape[:-1]:
            raise ValueError(f"the mask must have shape {z.shape[:-1]}, one entry per scored "
                             f"position; got {mask.shape}")
        return np.flatnonzero(mask.reshape(-1))

    def loss_of(self, z: np.ndarray, p: np.ndarray, Y: np.ndarray, mask=None,
                loss: str | None = None) -> float:
        """The mean loss of logits z and outputs p against targets Y, over all rows or
        positions, or over those `mask` (shaped like z without its last axis) marks; 0 when it
        marks none. No penalty."""
        lossfn = self._loss(loss)[0]
        if mask is None and z.ndim == 2:
            return lossfn.fn(z, p, Y)
        k = z.shape[-1]
        z2, p2, Y2 = z.reshape(-1, k), p.reshape(-1, k), Y.reshape(-1, k)
        rows = self._scored(z, mask)
        if rows is not None:
            if not rows.size:
                return 0.0
            z2, p2, Y2 = z2[rows], p2[rows], Y2[rows]
        return lossfn.fn(z2, p2, Y2)

    def loss_gradient(self, z: np.ndarray, p: np.ndarray, Y: np.ndarray, mask=None,
                      loss: str | None = None) -> np.ndarray:
        """dL/dz of `loss_of`: c (p - y) when the output and loss fuse, else through the
        output's Jacobian; zero at positions the mask leaves out."""
        lossfn, fused = self._loss(loss)
        if mask is None and z.ndim == 2:
            return self._grad_rows(z, p, Y, lossfn, fused)
        k = z.shape[-1]
        z2, p2, Y2 = z.reshape(-1, k), p.reshape(-1, k), Y.reshape(-1, k)
        rows = self._scored(z, mask)
        if rows is None:
            return self._grad_rows(z2, p2, Y2, lossfn, fused).reshape(z.shape)
        dz = np.zeros(z2.shape)
        if rows.size:
            dz[rows] = self._grad_rows(z2[rows], p2[rows], Y2[rows], lossfn, fused)
        return dz.reshape(z.shape)

    def _grad_rows(self, z, p, Y, lossfn, fused) -> np.ndarray:
        if fused is not None:
            dz = p - Y
            dz *= fused(len(Y), Y.shape[1])
            return dz
        return self.out.backward(z, p, lossfn.grad(p, Y))

    def backward(self, dz: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Backpropagate dz (the gradient of the loss with respect to the logits of the last
        `logits` call) through the layers: parameter gradients, plus those of the penalty,
        overwrite `flat_grad`; returns the gradient with respect to the input X (None when
        need_dx is False, or for integer ids)."""
        layers = self.layers
        for i in range(len(layers) - 1, 0, -1):
            dz = layers[i].backward(dz)
        dx = layers[0].backward(dz, need_dx)
        self._add_penalty()
        return dx

    def _add_penalty(self) -> None:
        """Add the gradient of the L1/L2 penalty to the weights' gradients."""
        if self.l2:  # flat_grad += l2 * w on the weights
            np.multiply(self.flat, self._scaled_mask(self.l2), out=self._tw)
            np.add(self.flat_grad, self._tw, out=self.flat_grad)
        if self.l1:  # flat_grad += l1 * sign(w) on the weights
            np.sign(self.flat, out=self._tw)
            np.multiply(self._tw, self._scaled_mask(self.l1), out=self._tw)
            np.add(self.flat_grad, self._tw, out=self.flat_grad)

    def backprop(self, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator | None = None,
                 mask=None, need_dx: bool = False, loss: str | None = None):
        """One forward and backward pass on a batch: X as for `logits` (no conversion: the
        training loop's path), Y from `targets`. Gradients of the mean loss plus the penalty
        overwrite `flat_grad`. Returns (logits, outputs, dL/dX or None)."""
        a = X
        for layer in self.layers:
            a = layer.forward(a, rng)
        z = a
        p = z if self._out_fn is None else self._out_fn(z)
        if mask is None and loss is None and z.ndim == 2 and self._fused is not None:
            dz = p - Y  # the common case, inline
            dz *= self._fused(len(Y), Y.shape[1])
        else:
            dz = self.loss_gradient(z, p, Y, mask, loss)
        return z, p, self.backward(dz, need_dx)

    def _out_grad(self, z: np.ndarray) -> tuple:
        """For logits z (n, k) under a fused output and loss: a buffer for dL/dz, the constant
        c of dL/dz = c (p - y), c / 2, and buffers for the outputs and two more (`_dz`, by
        shape)."""
        got = self._dz.get(z.shape)
        if got is None:
            if len(self._dz) >= 4:
                self._dz.clear()
            c = self._fused(len(z), z.shape[1])
            got = self._dz[z.shape] = (np.empty(z.shape), c, 0.5 * c,
                                       *(np.empty(z.shape) for _ in range(3)))
        return got

    def fit_targets(self, Y: np.ndarray) -> np.ndarray:
        """Targets Y (from `targets`) in the form `train_batch(..., prepared=True)` takes:
        2Y - 1 under a sigmoid output with its own loss (then dL/dz = c/2 (tanh(z/2) -
        (2Y - 1)) costs two calls fewer), else Y itself. A trainer prepares them once an
        epoch."""
        return 2.0 * Y - 1.0 if self._prepares else Y

    def fit_inputs(self, X: np.ndarray) -> np.ndarray:
        """Inputs X (n, d) in the form `train_batch(..., prepared=True)` takes: with a
        trailing column of ones when the model starts with Dense layers (their first matrix
        product then adds the bias; a copy less per step), else X itself. A trainer prepares
        them once (rows taken in any order keep the column)."""
        if self._lead is None or np.ndim(X) != 2:
            return X
        X = np.asarray(X, dtype=np.float64)
        X1 = np.ones((len(X), X.shape[1] + 1))
        X1[:, :-1] = X
        return X1

    def train_batch(self, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator | None = None,
                    prepared: bool = False) -> None:
        """`backprop` for the training loop, returning nothing: the same gradients in
        `flat_grad` (to rounding), with the layers' results in buffers they reuse for every
        batch of the same size (so what the layers keep, such as `Dense.z`, is valid until the
        next batch). `prepared`: X comes from `fit_inputs` and Y from `fit_targets`."""
        if prepared and self._lead is not None:
            a = self._lead.forward(X, rng, True)
            for f in self._fit_rest:
                a = f(a, rng)
        else:
            a = X
            for f in self._fit_fwd:
                a = f(a, rng)
        z = a
        if z.ndim == 2 and self._fused is not None and Y.shape == z.shape and (
                self._out_fn is None or self._prepares):
            dz, c, half = self._out_grad(z)[:3]
            if self._out_fn is None:  # dz = c (p - Y) with p = z
                np.subtract(z, Y, dz)
            elif prepared:  # p = sigmoid(z) = (1 + tanh(z/2)) / 2, Y = 2y - 1
                np.multiply(z, 0.5, dz)
                np.tanh(dz, dz)
                np.subtract(dz, Y, dz)
                c = half
            else:
                _sigmoid_into(z, dz)
                np.subtract(dz, Y, dz)
            np.multiply(dz, c, dz)
        else:
            dz = self.loss_gradient(z, self.output_of(z), Y)
        for f in self._fit_bwd:
            dz = f(dz)
        self._fit_first(dz, False)
        if self.l2 or self.l1:
            self._add_penalty()

    def penalty(self) -> float:
        """l1 * sum|w| + l2/2 * sum w^2 over the weights (biases and gains are not
        regularized)."""
        if not (self.l1 or self.l2):
            return 0.0
        w = self.flat if self._all_weights else self.flat * self.weight_mask
        return float(self.l1 * np.abs(w).sum() + 0.5 * self.l2 * (w @ w))

    def loss_value(self, X, y, mask=None, loss: str | None = None) -> float:
        """Mean data loss (no penalty, no dropout) of X against labels or targets y."""
        z = self.logits(X)
        return self.loss_of(z, self.output_of(z), self.targets(y, z.shape[-1], z.ndim), mask,
                            loss)

    def loss_and_grads(self, X, y, rng: np.random.Generator | None = None, mask=None,
                       loss: str | None = None, copy: bool = True):
        """(mean loss + penalty, grads) with grads mirroring `params`: fresh arrays, or with
        copy=False the model's own `grads` (views of `flat_grad`, valid until the next pass).

        With `rng`, dropout masks are drawn from it (training mode); without, no dropout."""
        lossfn, fused = (self.loss, self._fused) if loss is None else self._loss(loss)
        a = self._input(X)
        for f in self._fit_fwd:  # the layers' buffers: z and p are used before the next pass
            a = f(a, rng)
        z = a
        Y = self._label_column(y, z.shape[-1], z.ndim)
        if Y is None:
            Y = self.targets(y, z.shape[-1], z.ndim)
        common = mask is None and z.ndim == 2
        value = None
        if common and fused is not None and Y.shape == z.shape:
            # c (p - Y) into buffers, as _grad_rows computes it
            dz, c, _, p, sp, t = self._dz.get(z.shape) or self._out_grad(z)
            if self._out_fn is None:
                p = z
            elif self._sigmoid:  # with binary cross-entropy, its one fused loss
                np.logaddexp(0.0, z, sp)  # softplus(z), which the loss needs
                np.subtract(z, sp, p)
                np.exp(p, p)  # sigmoid(z) = exp(z - softplus(z)), to rounding
                np.multiply(Y, z, t)  # the loss as losses._bce computes it
                np.subtract(sp, t, t)
                value = float(_sum(t, None) / len(z))
            else:
                p = self._out_fn(z)
            np.subtract(p, Y, dz)
            np.multiply(dz, c, dz)
        else:
            p = self.output_of(z)
            dz = self._grad_rows(z, p, Y, lossfn, fused) if common else \
                self.loss_gradient(z, p, Y, mask, loss)
        for f in self._fit_bwd:
            dz = f(dz)
        self._fit_first(dz, False)
        if value is None:
            value = lossfn.fn(z, p, Y) if common else self.loss_of(z, p, Y, mask, lossfn.name)
        if self.l2 or self.l1:
            self._add_penalty()
            value += self.penalty()
        if not copy:
            return value, self.grads
        g = self.flat_grad.copy()
        return value, FlatViews([g[a:b].reshape(s) for a, b, s in self._layout], g,
                                self._layout)

    def input_gradient(self, X, y, mask=None, loss: str | None = None) -> np.ndarray:
        """dL/dX of the mean data loss, without dropout (e.g. a GAN's discriminator passing
        the gradient on to its generator). Overwrites `flat_grad` on the way."""
        X = self._input(X)
        if self._ids:
            raise ValueError("a model reading integer ids has no gradient with respect to them")
        z = self.logits(X)
        p = self.output_of(z)
        return self.backward(self.loss_gradient(z, p, self.targets(y, z.shape[-1], z.ndim), mask,
                                                loss), need_dx=True)
