"""The trainer the Playground drives: points with two or more columns (the generated 2-D sets,
real tables, your own), scaled with the training split's statistics, the input features of the
two columns the map shows plus the other columns, and a dense network, trained one mini-batch
or whole epochs at a time on the shared training core."""

import math

import numpy as np
from sklearn.neighbors import KNeighborsRegressor

from . import saving
from .config import CUSTOM, Config
from .data import DATASETS, FEATURES, Dataset, make_dataset, transform
from .data.scaling import affine, fit_scaler
from .network import Network
from .outputs import OUTPUTS
from .training import DIVERGED, READY, RUNNING, STOPPED, History, TrainerBase

__all__ = ["DIVERGED", "FORMAT", "READY", "RUNNING", "STOPPED", "History", "Trainer",
           "grid_points"]

FORMAT = "nn-playground-model-v2"
DEAD_TOL = 1e-8  # a unit whose derivative stays below this on every training point is dead
HOLDS = ("median", "nearby", "values")  # how the map holds the columns it does not show
NEARBY = 15  # training points averaged for the 'nearby' hold


def grid_points(resolution: int, bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x1s (res,), x2s (res,) and the (res*res, 2) points, row i of the grid at x2 = x2s[i]."""
    x1min, x1max, x2min, x2max = bounds
    x1s = np.linspace(x1min, x1max, resolution)
    x2s = np.linspace(x2min, x2max, resolution)
    g1, g2 = np.meshgrid(x1s, x2s)
    return x1s, x2s, np.column_stack([g1.ravel(), g2.ravel()])


class Trainer(TrainerBase):
    """Builds data, features, network and optimizer from a Config and trains step by step.

    `step()` runs one mini-batch, `run(epochs)` whole epochs. `history` records train and test
    loss, accuracy (or R^2 and RMSE), learning rate and cumulative training time per epoch.
    `status` is ready, running, stopped early or diverged, with `status_reason`. `net` is the
    Network (also `model`).
    """

    SETTINGS = Config
    FORMAT = FORMAT

    def __init__(self, config: Config | dict | None = None, data: Dataset | None = None,
                 max_history: int = 4000):
        super().__init__(config, data, max_history)

    # --- the core's hooks ---------------------------------------------------------------------
    def _build_kind(self) -> None:
        cfg = self.config
        if cfg.dataset == CUSTOM:
            if self.custom_data is None:
                raise ValueError("there is no data of your own yet: upload a CSV or add points")
            data = self.custom_data
        else:
            data = make_dataset(cfg.dataset, cfg.n_samples, cfg.noise, cfg.train_ratio,
                                cfg.seed, cfg.n_classes)
        self.data, self.task = data, data.task
        self.output, loss = cfg.resolve_output(self.task)
        i, j = self.pair = data.pair(cfg.x_col, cfg.y_col)
        self.others = tuple(c for c in range(data.n_columns) if c not in (i, j))
        # Scalers see the training rows only: the test rows measure, they never teach.
        self.scale = data.scale if cfg.scale == "auto" else cfg.scale
        self.scaler = fit_scaler(self.scale, data.X_train, data.columns)
        self.y_scaler = None
        if self.task == "regression" and self.scale != "none":
            self.y_scaler = fit_scaler(self.scale, data.y_train[:, None], (data.target,))
        self._y_a, self._y_b = affine(self.y_scaler)
        self._medians = np.median(data.X_train[:, list(self.others)], axis=0) \
            if self.others else np.empty(0)
        self.hold, self.held, self._knn = "median", self._medians, None
        self.bounds = tuple(float(b) for b in data.pair_bounds(i, j))
        self.points_train = data.X_train[:, [i, j]]
        self.points_test = data.X_test[:, [i, j]]
        k = data.n_classes if self.task == "multiclass" else 1
        self.net = self.model = net = Network(
            [len(cfg.features) + len(self.others), *cfg.hidden, k], cfg.activations,
            self.output, cfg.init, seed=[cfg.seed, 1], loss=loss, dropout=cfg.dropouts)
        self.X_train = self.inputs(data.X_train)
        self.X_test = self.inputs(data.X_test)
        self._X1 = net.fit_inputs(self.X_train)  # as train_batch takes them (ones appended)
        self.Y_train = net.targets(self._net_targets(data.y_train))
        self.Y_test = net.targets(self._net_targets(data.y_test))
        self.n_train, self.n_test = len(self.X_train), len(self.X_test)
        self._y_all = np.concatenate([data.y_train, data.y_test])
        self._X_all = np.concatenate([self.X_train, self.X_test])
        self._Y_all = np.concatenate([self.Y_train, self.Y_test])
        self._dropout_rng = self._rng("dropout", 3)
        self._grid_cache: dict = {}

    def inputs(self, X: np.ndarray) -> np.ndarray:
        """What the network sees for full rows X (n, d) in the data's units: the rows scaled,
        the features of the map's two columns, then the other columns."""
        X = np.asarray(X, dtype=np.float64)
        S = self.scaler.transform(X) if self.scaler is not None else X
        i, j = self.pair
        P = S if (i, j) == (0, 1) and S.shape[1] == 2 else S[:, [i, j]]
        F = transform(P, self.config.features)
        if self.others:
            F = np.ascontiguousarray(np.hstack([F, S[:, list(self.others)]]))
        return F

    def rows(self, P: np.ndarray) -> np.ndarray:
        """Full rows (n, d) for points P (n, 2) of the map's two columns, the other columns
        held as `hold` says (see set_hold)."""
        P = np.asarray(P, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2); got {P.shape}")
        X = np.empty((len(P), self.data.n_columns))
        X[:, list(self.pair)] = P
        if self.others:
            X[:, list(self.others)] = self._nearby(P) if self.hold == "nearby" else self.held
        return X

    def set_hold(self, mode: str = "median", values=None) -> None:
        """How the map holds the columns it does not show. 'median': at their training
        medians; 'values': at `values` (a dict {column name: value}, the columns not named at
        their medians, or one value per other column in order); 'nearby': at the mean of the
        15 training points nearest in the map's plane, so that the map follows the data
        where two columns alone would mislead."""
        if mode not in HOLDS:
            raise ValueError(f"hold must be one of {', '.join(HOLDS)}; got {mode!r}")
        held = self._medians
        if mode == "values" and values is not None:
            held = held.copy()
            if isinstance(values, dict):
                names = [self.data.columns[c] for c in self.others]
                for name, v in values.items():
                    if name not in names:
                        raise ValueError(f"{name!r} is not one of the columns held on the map")
                    held[names.index(name)] = v
            else:
                held = np.array(values, dtype=np.float64).reshape(held.shape)
            if not np.isfinite(held).all():
                raise ValueError("held values must be finite numbers")
        if mode == self.hold and np.array_equal(held, self.held):
            return
        self.hold, self.held = mode, held
        self._grid_cache.clear()

    def _nearby(self, P: np.ndarray) -> np.ndarray:
        """The other columns' mean over the training points nearest to each of P (n, 2)."""
        if self._knn is None:
            Q = self.points_train
            self._knn_scale = np.where(Q.std(axis=0) > 0, Q.std(axis=0), 1.0)
            k = min(NEARBY, len(Q))
            self._knn = KNeighborsRegressor(k).fit(Q / self._knn_scale,
                                                   self.data.X_train[:, list(self.others)])
        return self._knn.predict(P / self._knn_scale)

    def map_agreement(self) -> float:
        """The share of training points the map (their two columns, the others held) puts in
        the class the network gives their full rows; 1.0 without other columns or for
        regression. Low when the columns the map does not show decide."""
        if not self.others or self.task == "regression" or not self.n_train:
            return 1.0
        on_map = self.predict_classes(self.points_train)
        return float((on_map == self._classes(self.net.forward(self.X_train))).mean())

    @property
    def input_labels(self) -> list[str]:
        """The network's inputs by name: the features, then the other columns."""
        return [FEATURES[f].label for f in self.config.features] + \
            [self.data.columns[c] for c in self.others]

    @property
    def axis_names(self) -> tuple[str, str]:
        """The names of the map's two columns."""
        return tuple(self.data.columns[c] for c in self.pair)

    def _net_targets(self, y: np.ndarray) -> np.ndarray:
        lo, hi = OUTPUTS[self.output].binary_targets
        if self.task == "binary" and (lo, hi) != (0.0, 1.0):
            return lo + (hi - lo) * y  # e.g. TensorFlow Playground's +-1 targets for tanh
        if self.y_scaler is not None:
            return self.y_scaler.transform(y[:, None])[:, 0]
        return y

    def in_units(self, p: np.ndarray) -> np.ndarray:
        """Network outputs in the data's own units (regression targets unscaled)."""
        return p * self._y_a + self._y_b if self.y_scaler is not None else p

    def _apply_live(self) -> None:
        cfg, net = self.config, self.net
        net.l1, net.l2 = cfg.l1, cfg.l2
        net.dropout = cfg.dropouts
        self._drop = self._dropout_rng if any(cfg.dropouts) else None

    def _same(self, a: Config, b: Config, name: str) -> bool:
        # Equal meaning compares equal: 'relu' == ('relu', 'relu').
        if name == "activation":
            return a.activations == b.activations
        if name == "dropout":
            return a.dropouts == b.dropouts
        return getattr(a, name) == getattr(b, name)

    def _shuffle(self, order: np.ndarray) -> None:
        self._Xs, self._Ys = self._X1[order], self.Y_train[order]
        self._Ts = self.net.fit_targets(self._Ys)

    def _train_batch(self, i: int, j: int) -> None:
        net = self.net
        net.train_batch(self._Xs[i:j], self._Ts[i:j], self._drop, True)
        if self._clip:
            self._update(net, self.optimizer)
        else:  # _update without clipping
            self.optimizer.step_flat(net.flat, net.flat_grad)

    def _history_keys(self) -> tuple[str, ...]:
        metric = ("accuracy",) if self.task != "regression" else ("r2", "rmse")
        return ("train_loss", "test_loss", *(f"{s}_{m}" for m in metric
                                             for s in ("train", "test")))

    def _evaluate(self) -> dict[str, float]:
        """Metrics on the whole train and test sets in one forward pass."""
        net, n = self.net, self.n_train
        z = net.logits(self._X_all)
        p = net.output_of(z)
        Y, lossfn = self._Y_all, net.loss.fn
        row = {"train_loss": lossfn(z[:n], p[:n], Y[:n]),
               "test_loss": lossfn(z[n:], p[n:], Y[n:]) if len(Y) > n else math.nan}
        if self.task == "regression":
            for part, sl in (("train", slice(0, n)), ("test", slice(n, None))):
                r2, rmse = _r2_rmse(p[sl], Y[sl])  # R² is the same in the data's units
                row[f"{part}_r2"], row[f"{part}_rmse"] = r2, rmse * abs(self._y_a)
        else:
            hit = self._classes(p) == self._y_all
            row["train_accuracy"] = float(hit[:n].mean())
            row["test_accuracy"] = float(hit[n:].mean()) if len(hit) > n else math.nan
        return row

    def _divergence_loss(self) -> float:
        net = self.net
        z = net.logits(self.X_train)
        return net.loss.fn(z, net.output_of(z), self.Y_train)

    def _data_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        d = self.custom_data
        if d is None:
            return {}, {}
        return ({"task": d.task, "n_classes": d.n_classes, "bounds": list(d.bounds),
                 "columns": list(d.columns), "target": d.target,
                 "class_names": list(d.class_names), "default_pair": list(d.default_pair),
                 "scale": d.scale},
                {"data_X_train": d.X_train, "data_y_train": d.y_train,
                 "data_X_test": d.X_test, "data_y_test": d.y_test})

    @classmethod
    def _data_from_file(cls, state: dict, archive) -> Dataset | None:
        d = state["data"]
        if d is None:
            return None
        X_train, y_train, X_test, y_test = (archive.array(f"data_{k}", saving.MAX_DATA_BYTES)
                                            for k in ("X_train", "y_train", "X_test", "y_test"))
        return Dataset(X_train, y_train, X_test, y_test, d["task"], d["n_classes"],
                       tuple(d["bounds"]), columns=tuple(d.get("columns", ("x1", "x2"))),
                       target=d.get("target", "label"),
                       class_names=tuple(d.get("class_names", ())),
                       default_pair=tuple(d.get("default_pair", (0, 1))),
                       scale=d.get("scale", "none"))

    # --- predictions and inspection -----------------------------------------------------------
    def _classes(self, p: np.ndarray) -> np.ndarray:
        if self.task == "multiclass":
            return p.argmax(axis=1)
        return (p[:, 0] > OUTPUTS[self.output].threshold).astype(np.int64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network outputs (n, n_outputs), regression targets in the data's units, for points
        X (n, 2) of the map's two columns (the others held at `held`) or full rows (n, d)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 2 and X.shape[1] == 2 and self.data.n_columns != 2:
            X = self.rows(X)
        return self.in_units(self.net.forward(self.inputs(X)))

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class ids (n,) for points or rows as `predict` takes; classification
        only."""
        return self._classes(self.predict(X))

    def _grid_features(self, resolution: int, bounds) -> np.ndarray:
        bounds = tuple(float(b) for b in (bounds or self.bounds))
        key = (int(resolution), bounds)
        if key not in self._grid_cache:
            if len(self._grid_cache) > 8:
                self._grid_cache.clear()
            self._grid_cache[key] = self.inputs(self.rows(grid_points(resolution, bounds)[2]))
        return self._grid_cache[key]

    def predict_grid(self, resolution: int = 100, bounds=None) -> np.ndarray:
        """Outputs over a res x res grid of `bounds` (x1min, x1max, x2min, x2max in the map's
        columns' units; default the view `bounds`), the other columns held at `held`: (res,
        res) for one output (regression targets in the data's units), (res, res, k) for k
        classes; row i is at x2s[i]."""
        p = self.in_units(self.net.forward(self._grid_features(resolution, bounds)))
        r = int(resolution)
        return p.reshape(r, r) if p.shape[1] == 1 else p.reshape(r, r, -1)

    def layer_grids(self, resolution: int = 20, bounds=None) -> list[np.ndarray]:
        """Every neuron's output over the grid: one (units, res, res) array per layer, the
        output layer last (as the network computes it: regression outputs scaled)."""
        r = int(resolution)
        outs = self.net.layer_outputs(self._grid_features(r, bounds))
        return [a.T.reshape(-1, r, r) for a in outs]

    def feature_grids(self, resolution: int = 20, bounds=None) -> np.ndarray:
        """The network's inputs over the grid, as it sees them: (n_inputs, res, res), the
        features first, then the other columns (constant: held)."""
        r = int(resolution)
        return self._grid_features(r, bounds).T.reshape(-1, r, r)

    def target_range(self) -> tuple[float, float]:
        """The range a regression map's colours span, in the data's units: -1 to 1 for the
        generated sets (and targets within it), else the training targets' range."""
        y = self.data.y_train
        generated = self.config.dataset != CUSTOM and not DATASETS[self.config.dataset].real
        if generated or not len(y):
            return (-1.0, 1.0)
        lo, hi = float(y.min()), float(y.max())
        return (-1.0, 1.0) if (lo >= -1.0 and hi <= 1.0) or lo == hi else (lo, hi)

    # --- inspection --------------------------------------------------------------------------
    def gradient_norms(self) -> list[float]:
        """Per layer, the L2 norm of the full-batch training gradient of (W, b), no dropout."""
        self.net.backprop(self.X_train, self.Y_train)
        g = self.net.grads
        return [float(np.sqrt(g[i].ravel() @ g[i].ravel() + g[i + 1] @ g[i + 1]))
                for i in range(0, len(g), 2)]

    def weight_stats(self) -> list[dict[str, float]]:
        """Per layer: mean, std, min, max and L2 norm of its weights W."""
        return [{"mean": float(W.mean()), "std": float(W.std()), "min": float(W.min()),
                 "max": float(W.max()), "norm": float(np.sqrt((W * W).sum()))}
                for W in self.net.params[0::2]]

    def dead_fractions(self) -> list[float]:
        """Per hidden layer, the fraction of units whose activation derivative is below 1e-8 on
        every training point (no gradient can flow through them)."""
        out, a = [], self.X_train
        for layer in self.net.layers[:-1]:
            a = layer.forward(a)
            d = np.abs(layer.act.deriv(layer.z, a)).max(axis=0)
            out.append(float((d < DEAD_TOL).mean()))
        return out

    def dead_fraction(self) -> float:
        """The fraction of all hidden units that are dead."""
        fr, widths = self.dead_fractions(), self.config.hidden
        if not widths:
            return 0.0
        return sum(f * w for f, w in zip(fr, widths, strict=True)) / sum(widths)


def _r2_rmse(p: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    if len(Y) == 0:
        return math.nan, math.nan
    res = p - Y
    ss_res = float((res * res).sum())
    dev = Y - Y.mean(axis=0)
    ss_tot = float((dev * dev).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    return r2, math.sqrt(ss_res / res.size)
