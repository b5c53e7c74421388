"""The 2-D trainer the Playground drives: points in the plane, their input features and a dense
network, trained one mini-batch or whole epochs at a time on the shared training core."""

import math

import numpy as np

from . import saving
from .config import CUSTOM, Config
from .data import Dataset, make_dataset, transform
from .network import Network
from .outputs import OUTPUTS
from .training import DIVERGED, READY, RUNNING, STOPPED, History, TrainerBase

__all__ = ["DIVERGED", "FORMAT", "READY", "RUNNING", "STOPPED", "History", "Trainer",
           "grid_points"]

FORMAT = "nn-playground-model-v1"
DEAD_TOL = 1e-8  # a unit whose derivative stays below this on every training point is dead


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
        k = data.n_classes if self.task == "multiclass" else 1
        self.net = self.model = net = Network(
            [len(cfg.features), *cfg.hidden, k], cfg.activations, self.output, cfg.init,
            seed=[cfg.seed, 1], loss=loss, dropout=cfg.dropouts)
        self.X_train = transform(data.X_train, cfg.features)
        self.X_test = transform(data.X_test, cfg.features)
        self.Y_train = net.targets(self._net_targets(data.y_train))
        self.Y_test = net.targets(self._net_targets(data.y_test))
        self.n_train, self.n_test = len(self.X_train), len(self.X_test)
        self._y_all = np.concatenate([data.y_train, data.y_test])
        self._X_all = np.concatenate([self.X_train, self.X_test])
        self._Y_all = np.concatenate([self.Y_train, self.Y_test])
        self._dropout_rng = self._rng("dropout", 3)
        self._grid_cache: dict = {}

    def _net_targets(self, y: np.ndarray) -> np.ndarray:
        lo, hi = OUTPUTS[self.output].binary_targets
        if self.task == "binary" and (lo, hi) != (0.0, 1.0):
            return lo + (hi - lo) * y  # e.g. TensorFlow Playground's +-1 targets for tanh
        return y

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
        self._Xs, self._Ys = self.X_train[order], self.Y_train[order]

    def _train_batch(self, i: int, j: int) -> None:
        self.net.backprop(self._Xs[i:j], self._Ys[i:j], self._drop)
        self._update(self.net, self.optimizer)

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
                row[f"{part}_r2"], row[f"{part}_rmse"] = _r2_rmse(p[sl], Y[sl])
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
        return ({"task": d.task, "n_classes": d.n_classes, "bounds": list(d.bounds)},
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
                       tuple(d["bounds"]))

    # --- predictions and inspection -----------------------------------------------------------
    def _classes(self, p: np.ndarray) -> np.ndarray:
        if self.task == "multiclass":
            return p.argmax(axis=1)
        return (p[:, 0] > OUTPUTS[self.output].threshold).astype(np.int64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network outputs (n, n_outputs) for raw 2-D points X (n, 2)."""
        return self.net.forward(transform(np.asarray(X, dtype=np.float64), self.config.features))

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class ids (n,) for raw 2-D points; classification only."""
        return self._classes(self.predict(X))

    def _grid_features(self, resolution: int, bounds) -> np.ndarray:
        bounds = tuple(float(b) for b in (bounds or self.data.bounds))
        key = (int(resolution), bounds)
        if key not in self._grid_cache:
            if len(self._grid_cache) > 8:
                self._grid_cache.clear()
            self._grid_cache[key] = transform(grid_points(resolution, bounds)[2],
                                              self.config.features)
        return self._grid_cache[key]

    def predict_grid(self, resolution: int = 100, bounds=None) -> np.ndarray:
        """Outputs over a res x res grid of `bounds` (x1min, x1max, x2min, x2max; default the
        data's): (res, res) for one output, (res, res, k) for k classes; row i is at x2s[i]."""
        p = self.net.forward(self._grid_features(resolution, bounds))
        r = int(resolution)
        return p.reshape(r, r) if p.shape[1] == 1 else p.reshape(r, r, -1)

    def layer_grids(self, resolution: int = 20, bounds=None) -> list[np.ndarray]:
        """Every neuron's output over the grid: one (units, res, res) array per layer, the
        output layer last."""
        r = int(resolution)
        outs = self.net.layer_outputs(self._grid_features(r, bounds))
        return [a.T.reshape(-1, r, r) for a in outs]

    def feature_grids(self, resolution: int = 20, bounds=None) -> np.ndarray:
        """The input features over the grid: (n_features, res, res)."""
        r = int(resolution)
        return self._grid_features(r, bounds).T.reshape(-1, r, r)

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
