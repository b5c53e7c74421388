"""The step-by-step training API that pages drive: one mini-batch or whole epochs at a time."""

import io
import json
import math
import time
import zipfile
from dataclasses import fields

import numpy as np

from .config import CUSTOM, LIVE_FIELDS, Config
from .data import Dataset, make_dataset, transform
from .network import Network
from .optimizers import OPTIMIZERS, make_optimizer
from .outputs import OUTPUTS
from .schedules import lr_at

READY, RUNNING, STOPPED, DIVERGED = "ready", "running", "stopped early", "diverged"
FORMAT = "nn-playground-model-v1"
DEAD_TOL = 1e-8  # a unit whose derivative stays below this on every training point is dead
_clock = time.perf_counter
# A run that diverges overflows on its way to inf; that is reported as a status, not as warnings.
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


class History:
    """Per-epoch metrics in lists keyed by name. When it holds `max_points` rows it keeps every
    other one and from then on records every other epoch, so memory stays bounded; `last` is
    always the latest epoch."""

    def __init__(self, keys: tuple[str, ...], max_points: int = 4000):
        self.keys = ("epoch", *keys)
        self.data: dict[str, list[float]] = {k: [] for k in self.keys}
        self.max_points = max_points
        self.stride = 1
        self.last: dict[str, float] = {}

    def append(self, row: dict[str, float]) -> None:
        self.last = row
        if row["epoch"] % self.stride:
            return
        for k in self.keys:
            self.data[k].append(row[k])
        if len(self.data["epoch"]) >= self.max_points:
            for k in self.keys:
                del self.data[k][1::2]
            self.stride *= 2

    def __getitem__(self, key: str) -> list[float]:
        return self.data[key]

    def __len__(self) -> int:
        return len(self.data["epoch"])

    def to_dict(self) -> dict:
        return {"keys": list(self.keys[1:]), "max_points": self.max_points,
                "stride": self.stride, "data": self.data, "last": self.last}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        h = cls(tuple(d["keys"]), d["max_points"])
        h.stride, h.data, h.last = d["stride"], d["data"], d["last"]
        return h


def grid_points(resolution: int, bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x1s (res,), x2s (res,) and the (res*res, 2) points, row i of the grid at x2 = x2s[i]."""
    x1min, x1max, x2min, x2max = bounds
    x1s = np.linspace(x1min, x1max, resolution)
    x2s = np.linspace(x2min, x2max, resolution)
    g1, g2 = np.meshgrid(x1s, x2s)
    return x1s, x2s, np.column_stack([g1.ravel(), g2.ravel()])


class Trainer:
    """Builds data, features, network and optimizer from a Config and trains step by step.

    `step()` runs one mini-batch, `run(epochs)` whole epochs. `history` records train and test
    loss, accuracy (or R^2 and RMSE), learning rate and cumulative training time per epoch.
    `status` is ready, running, stopped early or diverged, with `status_reason`.
    """

    def __init__(self, config: Config | dict | None = None, data: Dataset | None = None,
                 max_history: int = 4000):
        self.config = _as_config(config)
        self.custom_data = data
        self.max_history = max_history
        self._build()

    # --- building -------------------------------------------------------------------------
    def _build(self) -> None:
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
        self.net = net = Network([len(cfg.features), *cfg.hidden, k], cfg.activations,
                                 self.output, cfg.init, seed=[cfg.seed, 1], loss=loss,
                                 dropout=cfg.dropouts)
        self.X_train = transform(data.X_train, cfg.features)
        self.X_test = transform(data.X_test, cfg.features)
        self.Y_train = net.targets(self._net_targets(data.y_train))
        self.Y_test = net.targets(self._net_targets(data.y_test))
        self._n = len(self.X_train)
        self._y_all = np.concatenate([data.y_train, data.y_test])
        self._X_all = np.concatenate([self.X_train, self.X_test])
        self._Y_all = np.concatenate([self.Y_train, self.Y_test])
        self.optimizer = make_optimizer(cfg.optimizer, cfg.lr, **cfg.optimizer_hyper())
        self._p, self._g = [net.flat], [net.flat_grad]
        self._shuffle_rng = np.random.default_rng([cfg.seed, 2])
        self._dropout_rng = np.random.default_rng([cfg.seed, 3])
        self.epoch = self.steps = 0
        self._apply_training_settings()
        self.train_time = 0.0  # seconds spent in training steps (pauses and evaluation excluded)
        self._pos, self._perm = self._n, None
        self.status, self.status_reason = READY, ""
        self._halt = False
        self._best = None  # (test loss, epoch, weights, optimizer state) for early stopping
        self._grid_cache: dict = {}
        metric = ("accuracy",) if self.task != "regression" else ("r2", "rmse")
        keys = ("train_loss", "test_loss",
                *(f"{s}_{m}" for m in metric for s in ("train", "test")), "time", "lr")
        self.history = History(keys, self.max_history)
        self.history.append(self._row())
        self._save_good()

    def _net_targets(self, y: np.ndarray) -> np.ndarray:
        lo, hi = OUTPUTS[self.output].binary_targets
        if self.task == "binary" and (lo, hi) != (0.0, 1.0):
            return lo + (hi - lo) * y  # e.g. TensorFlow Playground's +-1 targets for tanh
        return y

    def _apply_training_settings(self) -> None:
        """Push the live settings of self.config into the network, optimizer and batching."""
        cfg, net = self.config, self.net
        net.l1, net.l2 = cfg.l1, cfg.l2
        net.dropout = cfg.dropouts
        self._drop = self._dropout_rng if any(cfg.dropouts) else None
        self._bs = cfg.batch_size
        spec = OPTIMIZERS[cfg.optimizer]
        for k, h in spec.hyper.items():
            v = getattr(cfg, k)
            setattr(self.optimizer, k, h.default if v is None else v)
        self.optimizer.lr = lr_at(cfg.schedule, cfg.lr, self.epoch,
                                  cfg.lr_decay, cfg.lr_period)

    def apply(self, config: Config | dict) -> bool:
        """Switch to `config`. Live settings (learning rate, optimizer and its hyperparameters,
        regularization, dropout, batch size, schedule, stop conditions) keep the weights and the
        optimizer state (a new optimizer starts with fresh buffers); any other change rebuilds.
        Returns True when it rebuilt."""
        config = _as_config(config)
        changed = {f.name for f in fields(Config)
                   if _setting(config, f.name) != _setting(self.config, f.name)}
        old, self.config = self.config, config
        if changed - LIVE_FIELDS:
            self.config = old
            fresh = Trainer.__new__(Trainer)
            fresh.config, fresh.custom_data, fresh.max_history = config, self.custom_data, \
                self.max_history
            fresh._build()  # raises ValueError before anything of ours is touched
            self.__dict__ = fresh.__dict__
            return True
        if "optimizer" in changed:
            self.optimizer = make_optimizer(config.optimizer, config.lr,
                                            **config.optimizer_hyper())
        self._apply_training_settings()
        if "early_stopping" in changed:
            self._best = None
        return False

    @property
    def steps_per_epoch(self) -> int:
        """Mini-batches in one epoch at the current batch size."""
        return -(-self._n // self._bs)

    # --- training ----------------------------------------------------------------------------
    def step(self) -> None:
        """One mini-batch: forward, backward, optimizer update. An epoch ends after its last."""
        t0 = _clock()
        if self._pos >= self._n and not self._start_epoch():
            return
        i = self._pos
        j = self._pos = i + self._bs
        self.net.backprop(self._Xs[i:j], self._Ys[i:j], self._drop)
        self.optimizer.step(self._p, self._g)
        self.steps += 1
        self.status = RUNNING
        self.train_time += _clock() - t0
        w = self._p[0]
        if not math.isfinite(w @ w):
            self._diverge(self.epoch + 1)
        elif j >= self._n:
            self._end_epoch()

    def run(self, epochs: int = 1) -> str:
        """Train whole epochs (finishing a partial one counts); stops early on divergence or a
        stop condition. Returns the status."""
        self._halt = False
        end = self.epoch + int(epochs)
        step = self.step
        with np.errstate(**_QUIET):
            while self.epoch < end and not self._halt:
                step()
        return self.status

    def _start_epoch(self) -> bool:
        cfg = self.config
        if cfg.max_epochs and self.epoch >= cfg.max_epochs:
            self._stop(f"reached the budget of {cfg.max_epochs:,} epochs")
            return False
        self._perm = perm = self._shuffle_rng.permutation(self._n)
        self._Xs, self._Ys = self.X_train[perm], self.Y_train[perm]
        self._pos = 0
        self.optimizer.lr = lr_at(cfg.schedule, cfg.lr, self.epoch, cfg.lr_decay, cfg.lr_period)
        return True

    def _end_epoch(self) -> None:
        self.epoch += 1
        cfg = self.config
        if self.epoch % cfg.eval_every and not (cfg.max_epochs and self.epoch >= cfg.max_epochs):
            self._save_good()  # not an evaluation epoch: no history row, no stop checks
            return
        row = self._row()
        test_ok = math.isfinite(row["test_loss"]) or len(self.X_test) == 0
        if not (math.isfinite(row["train_loss"]) and test_ok):
            self._diverge(self.epoch)
            return
        self.history.append(row)
        if cfg.target_loss and row["train_loss"] <= cfg.target_loss:
            self._stop(f"reached the target loss {cfg.target_loss:g} at epoch {self.epoch:,}")
        elif cfg.early_stopping and len(self.X_test):
            self._early_stopping(row["test_loss"])
        if cfg.max_epochs and self.epoch >= cfg.max_epochs and self.status != STOPPED:
            self._stop(f"reached the budget of {cfg.max_epochs:,} epochs")
        self._save_good()

    def _early_stopping(self, test_loss: float) -> None:
        best = self._best
        if best is None or test_loss < best[0]:
            self._best = (test_loss, self.epoch, self.net.flat.copy(), self.optimizer.state_dict())
        elif self.epoch - best[1] >= self.config.patience:
            self.net.flat[...] = best[2]
            self.optimizer.load_state_dict(best[3])
            self.history.last = self._row() | {"epoch": best[1]}  # what the weights now give
            self._stop(f"early stopping: the test loss has not improved for "
                       f"{self.config.patience:,} epochs; the weights of epoch {best[1]:,} "
                       f"(test loss {best[0]:.4g}) are restored")

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the lowest test loss so far, when early stopping is on."""
        return None if self._best is None else self._best[1]

    def _stop(self, reason: str) -> None:
        self.status, self.status_reason, self._halt = STOPPED, reason, True

    def _save_good(self) -> None:
        self._good = (self.net.flat.copy(), self.optimizer.state_dict(), self.epoch, self.steps)

    def _diverge(self, bad_epoch: int) -> None:
        """Restore the state at the end of the last good epoch and explain what happened."""
        net = self.net
        with np.errstate(all="ignore"):
            z = net.logits(self.X_train)
            loss = net.loss.fn(z, net.output_of(z), self.Y_train)
        what = "NaN (not a number)" if math.isnan(loss) else "infinite"
        flat, opt_state, self.epoch, self.steps = self._good
        self.net.flat[...] = flat
        self.optimizer.load_state_dict(opt_state)
        self._pos = self._n
        self.status, self._halt = DIVERGED, True
        self.status_reason = (
            f"the loss became {what} at epoch {bad_epoch:,}: the learning rate "
            f"({self.optimizer.lr:g}) is probably too high. The weights of epoch {self.epoch:,}, "
            f"the last good ones, are kept; lower the learning rate and train on.")

    # --- evaluation ------------------------------------------------------------------------
    def _row(self) -> dict[str, float]:
        """Metrics on the whole train and test sets in one forward pass."""
        net, n = self.net, self._n
        z = net.logits(self._X_all)
        p = net.output_of(z)
        Y, lossfn = self._Y_all, net.loss.fn
        row = {"epoch": self.epoch,
               "train_loss": lossfn(z[:n], p[:n], Y[:n]),
               "test_loss": lossfn(z[n:], p[n:], Y[n:]) if len(Y) > n else math.nan}
        if self.task == "regression":
            for part, sl in (("train", slice(0, n)), ("test", slice(n, None))):
                row[f"{part}_r2"], row[f"{part}_rmse"] = _r2_rmse(p[sl], Y[sl])
        else:
            hit = self._classes(p) == self._y_all
            row["train_accuracy"] = float(hit[:n].mean())
            row["test_accuracy"] = float(hit[n:].mean()) if len(hit) > n else math.nan
        row["time"] = self.train_time
        row["lr"] = self.optimizer.lr
        return row

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

    # --- save and load -----------------------------------------------------------------------
    def save(self, file) -> None:
        """Write config, weights, optimizer state, counters, history and random states to an
        .npz file (a path or a binary file object); `load` resumes bit-identically."""
        opt = self.optimizer.state_dict()
        arrays = {"format": np.array(FORMAT), "config": np.array(self.config.to_json()),
                  "flat": self.net.flat, "good_flat": self._good[0]}
        for name, bufs in (opt["buffers"] or {}).items():
            arrays[f"opt__{name}"] = bufs[0]
        for name, bufs in (self._good[1]["buffers"] or {}).items():
            arrays[f"goodopt__{name}"] = bufs[0]
        if self._perm is not None:
            arrays["perm"] = self._perm
        if self._best is not None:
            arrays["best_flat"] = self._best[2]
            for name, bufs in (self._best[3]["buffers"] or {}).items():
                arrays[f"bestopt__{name}"] = bufs[0]
        if self.custom_data is not None:
            d = self.custom_data
            arrays |= {"data_X_train": d.X_train, "data_y_train": d.y_train,
                       "data_X_test": d.X_test, "data_y_test": d.y_test}
        state = {
            "epoch": self.epoch, "steps": self.steps, "pos": self._pos,
            "train_time": self.train_time, "status": self.status, "reason": self.status_reason,
            "opt_t": opt["t"], "opt_lr": self.optimizer.lr,
            "good": [self._good[1]["t"], self._good[2], self._good[3]],
            "best": None if self._best is None else [self._best[0], self._best[1],
                                                      self._best[3]["t"]],
            "rng_shuffle": self._shuffle_rng.bit_generator.state,
            "rng_dropout": self._dropout_rng.bit_generator.state,
            "history": self.history.to_dict(),
            "data": None if self.custom_data is None else {
                "task": self.custom_data.task, "n_classes": self.custom_data.n_classes,
                "bounds": list(self.custom_data.bounds)},
        }
        arrays["state"] = np.array(json.dumps(state))
        np.savez(file, **arrays)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.save(buf)
        return buf.getvalue()

    @classmethod
    def load(cls, file) -> "Trainer":
        """Read a file written by `save` (a path, bytes or a binary file object); anything else
        raises ValueError."""
        if isinstance(file, bytes | bytearray):
            file = io.BytesIO(file)
        bad = "not a model file saved by this playground"
        try:
            z = np.load(file, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not an archive of them")
            with z:
                arrays = {k: z[k] for k in z.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(f"{bad} ({e})") from None
        if "format" not in arrays or str(arrays["format"]) != FORMAT:
            raise ValueError(bad)
        try:
            return cls._from_arrays(arrays)
        except (KeyError, IndexError, TypeError, json.JSONDecodeError) as e:
            raise ValueError(f"{bad}, or a damaged one ({type(e).__name__}: {e})") from None

    @classmethod
    def _from_arrays(cls, arrays: dict[str, np.ndarray]) -> "Trainer":
        state = json.loads(str(arrays["state"]))
        data = None
        if state["data"] is not None:
            d = state["data"]
            data = Dataset(arrays["data_X_train"], arrays["data_y_train"], arrays["data_X_test"],
                           arrays["data_y_test"], d["task"], d["n_classes"], tuple(d["bounds"]))
        t = cls(Config.from_json(str(arrays["config"])), data)
        if t.net.flat.shape != arrays["flat"].shape:
            raise ValueError("the model file's weights do not match its own network")

        def opt_state(prefix, step):
            bufs = {k.split("__", 1)[1]: [arrays[k].copy()] for k in arrays
                    if k.startswith(prefix + "__")}
            return {"t": step, "buffers": bufs or None}

        t.net.flat[...] = arrays["flat"]
        t.optimizer.load_state_dict(opt_state("opt", state["opt_t"]))
        t.optimizer.lr = state["opt_lr"]
        t.epoch, t.steps, t._pos = state["epoch"], state["steps"], state["pos"]
        t.train_time, t.status, t.status_reason = state["train_time"], state["status"], \
            state["reason"]
        g = state["good"]
        t._good = (arrays["good_flat"].copy(), opt_state("goodopt", g[0]), g[1], g[2])
        if state["best"] is not None:
            b = state["best"]
            t._best = (b[0], b[1], arrays["best_flat"].copy(), opt_state("bestopt", b[2]))
        t._shuffle_rng.bit_generator.state = state["rng_shuffle"]
        t._dropout_rng.bit_generator.state = state["rng_dropout"]
        if "perm" in arrays:
            t._perm = arrays["perm"]
            t._Xs, t._Ys = t.X_train[t._perm], t.Y_train[t._perm]
        t.history = History.from_dict(state["history"])
        return t


def _r2_rmse(p: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    if len(Y) == 0:
        return math.nan, math.nan
    res = p - Y
    ss_res = float((res * res).sum())
    dev = Y - Y.mean(axis=0)
    ss_tot = float((dev * dev).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    return r2, math.sqrt(ss_res / res.size)


def _setting(config: Config, name: str):
    """A setting in a form where equal meaning compares equal ('relu' == ('relu', 'relu'))."""
    if name == "activation":
        return config.activations
    if name == "dropout":
        return config.dropouts
    return getattr(config, name)


def _as_config(config) -> Config:
    if config is None:
        return Config()
    if isinstance(config, dict):
        return Config.from_dict(config)
    if not isinstance(config, Config):
        raise ValueError(f"expected a Config or a dict of settings, not {type(config).__name__}")
    return config
