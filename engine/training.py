"""One training core for every kind of trainer: the step and epoch loop, the history, status,
stop conditions, divergence, live settings, schedules, clipping, seeding and files.

A kind of trainer (the 2-D `Trainer`, `ImageTrainer`, ...) subclasses `TrainerBase`, names its
settings class and file format, and implements a few hooks (see `TrainerBase`).
"""

import math
import time
from array import array
from typing import ClassVar

import numpy as np

from . import saving
from .fields import Settings
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer, optimizer_hyper
from .schedules import lr_at

READY, RUNNING, STOPPED, DIVERGED = "ready", "running", "stopped early", "diverged"
# A run that diverges overflows on its way to inf; that is reported as a status, not as warnings.
QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}
_clock = time.perf_counter

# Settings the core reads when the settings class has them, and their values when it has not.
OPTIONAL_SETTINGS = {"schedule": "constant", "lr_decay": 1.0, "lr_period": 1,
                     "early_stopping": False, "patience": 1, "max_epochs": 0,
                     "target_loss": 0.0, "eval_every": 1, "clip_norm": 0.0}


class History:
    """Per-epoch metrics by name. When it holds `max_points` rows it keeps every other one and
    from then on records every other epoch, so memory stays bounded; `last` is always the
    latest epoch.

    A column is kept as a compact array (8 bytes a value, where a list of floats takes 40 and
    makes a long-running server's heap grow in pieces): `h[key]` gives it as a list,
    `h.column(key)` as a NumPy array, without making a Python number of each value."""

    def __init__(self, keys: tuple[str, ...], max_points: int = 4000):
        self.keys = ("epoch", *keys)
        self.data: dict[str, array] = {k: _column(k) for k in self.keys}
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
        return self.data[key].tolist()

    def column(self, key: str, index=None) -> np.ndarray:
        """Column `key` as a new array (epochs as integers), or only its rows at `index`."""
        dtype = np.int64 if key == "epoch" else np.float64
        col = self.data[key]
        if not len(col):
            return np.zeros(0, dtype=dtype)[index if index is not None else slice(None)]
        a = np.frombuffer(col, dtype=dtype)  # a view: copied before the array may grow
        return np.array(a if index is None else a[index])

    def __len__(self) -> int:
        return len(self.data["epoch"])

    def to_dict(self) -> dict:
        return {"keys": list(self.keys[1:]), "max_points": self.max_points,
                "stride": self.stride, "data": {k: v.tolist() for k, v in self.data.items()},
                "last": self.last}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        h = cls(tuple(d["keys"]), d["max_points"])
        h.stride, h.last = d["stride"], d["last"]
        data = d["data"]
        if not isinstance(data, dict) or set(data) != set(h.keys) or \
                len({len(v) for v in data.values()}) > 1:
            raise ValueError("the history's columns do not match its keys")
        try:
            h.data = {k: _column(k, data[k]) for k in h.keys}
        except (TypeError, OverflowError) as e:
            raise ValueError("the history holds values that are not numbers") from e
        return h


def _column(key: str, values=()) -> array:
    """A history column: whole epochs, or floating-point values."""
    return array("q" if key == "epoch" else "d", values)


def clip_by_global_norm(grad: np.ndarray, max_norm: float) -> float:
    """Scale grad in place so its L2 norm is at most max_norm (torch's clip_grad_norm_);
    returns the norm before clipping."""
    norm = math.sqrt(grad @ grad)
    if norm > max_norm:
        grad *= max_norm / (norm + 1e-6)
    return norm


class TrainerBase:
    """Trains one or more models step by step from a frozen settings object.

    `step()` trains one mini-batch, `run(epochs)` whole epochs. `history` records the kind's
    metrics per evaluated epoch, then the training time (`train_time`: seconds spent in steps,
    not pauses or evaluation) and the learning rate. `status` is ready, running, stopped early
    or diverged, with `status_reason`. A diverging step restores the weights and optimizer
    state at the end of the last good epoch; early stopping restores those of the best test
    loss. `apply(config)` applies live settings keeping the weights, or rebuilds. Settings the
    core reads when present: lr, optimizer and its hyperparameters, batch_size, seed, and
    `OPTIONAL_SETTINGS` (schedule, stop conditions, evaluation cadence, gradient clipping).

    A kind sets `SETTINGS` (its settings class) and `FORMAT` (its file format name) and
    implements:
      `_build_kind()`       data and model(s) from `self.config`; sets `n_train`, `n_test`;
                            random generators from `self._rng(name, k)` (saved with the run)
      `_shuffle(order)`     take the training examples in this epoch's order (n_train,)
      `_train_batch(i, j)`  one step on examples i:j of that order, ending in `_update`
      `_history_keys()`     the metric names `_evaluate` returns, train_loss and test_loss
                            first
      `_evaluate()`         those metrics for the current weights, no dropout
      `_apply_live()`       push the kind's own live settings (regularization, dropout...)
    and, with more than one model or optimizer, `_pairs`, `_make_optimizers`, `_tune`.
    Custom data in files: `_data_arrays()` and `_data_from_file(state, archive)`.
    """

    SETTINGS: ClassVar[type[Settings]]
    FORMAT: ClassVar[str]
    # Settings added since version 1 of the kind's files, with the value that version's engine
    # behaved as: a version-1 file without them resumes as it was trained.
    V1_SETTINGS: ClassVar[dict] = {}

    def __init__(self, config=None, data=None, max_history: int = 4000):
        self.config = self._as_config(config)
        self.custom_data = data
        self.max_history = max_history
        self._build()

    @classmethod
    def _as_config(cls, config):
        if config is None:
            return cls.SETTINGS()
        if isinstance(config, dict):
            return cls.SETTINGS.from_dict(config)
        if not isinstance(config, cls.SETTINGS):
            name = cls.SETTINGS.__name__
            article = "an" if name[0] in "AEIOU" else "a"
            raise ValueError(f"expected {article} {name} or a dict of settings, not "
                             f"{type(config).__name__}")
        return config

    def _setting(self, name: str):
        """A setting the core reads, or its OPTIONAL_SETTINGS value when the kind has none."""
        return getattr(self.config, name, OPTIONAL_SETTINGS.get(name))

    def _rng(self, name: str, k: int) -> np.random.Generator:
        """The generator `name`, seeded by [seed, k]; saved and restored with the run."""
        rng = self.rngs[name] = np.random.default_rng([self.config.seed, k])
        return rng

    # --- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.rngs: dict[str, np.random.Generator] = {}
        self._shuffle_rng = self._rng("shuffle", 2)
        self._build_kind()
        self._make_optimizers()
        self._flats = [m.flat for m, _ in self._pairs()]
        self.epoch = self.steps = 0
        self.train_time = 0.0
        self._pos, self._order = self.n_train, None
        self.status, self.status_reason = READY, ""
        self._halt = False
        self._best = None  # (test loss, epoch, snapshot) for early stopping
        self._apply_training_settings()
        self.history = History((*self._history_keys(), "time", "lr"), self.max_history)
        self.history.append(self._row())
        self._save_good()

    def _pairs(self) -> list[tuple]:
        """(model, optimizer) of everything trained."""
        return [(self.model, self.optimizer)]

    @property
    def pairs(self) -> list[tuple]:
        """(model, optimizer) of everything trained, in the order files and snapshots hold
        them."""
        return self._pairs()

    def _make_optimizers(self, changed: frozenset = frozenset({"optimizer"})) -> None:
        """Fresh optimizer(s) for the settings in `changed` (every one when building)."""
        if "optimizer" in changed:
            cfg = self.config
            self.optimizer = make_optimizer(cfg.optimizer, cfg.lr, **optimizer_hyper(cfg))

    def _tune(self, factor: float) -> None:
        """Set the optimizer's hyperparameters, and its rate to lr times the schedule's factor."""
        cfg, opt = self.config, self.optimizer
        for k, h in OPTIMIZERS[cfg.optimizer].hyper.items():
            v = getattr(cfg, k)
            setattr(opt, k, h.default if v is None else v)
        opt.lr = cfg.lr * factor

    def _lr_factor(self) -> float:
        s = self._setting
        return lr_at(s("schedule"), 1.0, self.epoch, s("lr_decay"), s("lr_period"))

    def _apply_training_settings(self) -> None:
        """Push the live settings into the model(s), optimizer(s) and batching."""
        self._bs = self.config.batch_size
        self._clip = self._setting("clip_norm")
        self._tune(self._lr_factor())
        self._apply_live()

    def _same(self, a, b, name: str) -> bool:
        """Whether settings a and b mean the same for `name` (a kind may normalize)."""
        return getattr(a, name) == getattr(b, name)

    def apply(self, config) -> bool:
        """Switch to `config`. Live settings (the settings class's `live_fields()`) keep the
        weights and the optimizer state (a new optimizer starts with fresh buffers); any other
        change rebuilds. Returns True when it rebuilt. A ValueError changes nothing."""
        config = self._as_config(config)
        changed = frozenset(n for n in config.FIELDS if not self._same(config, self.config, n))
        if changed - config.live_fields():
            fresh = type(self)(config, self.custom_data, self.max_history)
            self.__dict__ = fresh.__dict__
            return True
        self.config = config
        self._make_optimizers(changed)
        self._apply_training_settings()
        if "early_stopping" in changed:
            self._best = None
        return False

    @property
    def steps_per_epoch(self) -> int:
        """Mini-batches in one epoch at the current batch size."""
        return -(-self.n_train // self._bs)

    @property
    def position(self) -> int:
        """Training examples of the current epoch trained so far."""
        return self._pos

    @property
    def order(self) -> np.ndarray | None:
        """The order of the training examples in the current epoch (None before the first)."""
        return self._order

    # --- training ----------------------------------------------------------------------------
    def _update(self, model, optimizer: Optimizer) -> None:
        """Clip the model's gradient (when clip_norm is set) and take an optimizer step."""
        if self._clip:
            clip_by_global_norm(model.flat_grad, self._clip)
        optimizer.step_flat(model.flat, model.flat_grad)

    def step(self) -> None:
        """One mini-batch: forward, backward, optimizer update. An epoch ends after its last."""
        t0 = _clock()
        if self._pos >= self.n_train and not self._start_epoch():  # _next_batch, inline
            return
        i = self._pos
        j = self._pos = i + self._bs
        self._train_batch(i, j)
        self._end_step(t0, j)

    def _next_batch(self) -> tuple[int, int] | None:
        """The examples (i, j) of the next step, starting an epoch when one is due; None when
        the epoch budget is spent."""
        if self._pos >= self.n_train and not self._start_epoch():
            return None
        i = self._pos
        j = self._pos = i + self._bs
        return i, j

    def _end_step(self, t0: float, j: int) -> None:
        """Count a step that began at clock t0 and ended at example j: check the weights and
        end the epoch after its last step."""
        self.steps += 1
        self.status = RUNNING
        self.train_time += _clock() - t0
        for w in self._flats:
            if not math.isfinite(w.dot(w)):  # the cheapest call that sees an inf or nan
                self._diverge(self.epoch + 1)
                return
        if j >= self.n_train:
            self._end_epoch()

    def run(self, epochs: int = 1) -> str:
        """Train whole epochs (finishing a partial one counts); stops early on divergence or a
        stop condition. Returns the status."""
        self._halt = False
        end = self.epoch + int(epochs)
        step = self.step
        with np.errstate(**QUIET):
            while self.epoch < end and not self._halt:
                step()
        return self.status

    def _start_epoch(self) -> bool:
        budget = self._setting("max_epochs")
        if budget and self.epoch >= budget:
            self._stop(f"reached the budget of {budget:,} epochs")
            return False
        self._order = order = self._shuffle_rng.permutation(self.n_train)
        self._shuffle(order)
        self._pos = 0
        self._tune(self._lr_factor())
        return True

    def _end_epoch(self) -> None:
        self.epoch += 1
        s = self._setting
        budget = s("max_epochs")
        if self.epoch % s("eval_every") and not (budget and self.epoch >= budget):
            self._save_good()  # not an evaluation epoch: no history row, no stop checks
            return
        row = self._row()
        test_ok = not self.n_test or math.isfinite(row["test_loss"])
        if not (math.isfinite(row["train_loss"]) and test_ok):
            self._diverge(self.epoch)
            return
        self.history.append(row)
        target = s("target_loss")
        if target and row["train_loss"] <= target:
            self._stop(f"reached the target loss {target:g} at epoch {self.epoch:,}")
        elif s("early_stopping") and self.n_test:
            self._early_stopping(row["test_loss"])
        if budget and self.epoch >= budget and self.status != STOPPED:
            self._stop(f"reached the budget of {budget:,} epochs")
        self._save_good()

    def _snapshot(self) -> list[tuple[np.ndarray, dict]]:
        return [(m.flat.copy(), o.state_dict()) for m, o in self._pairs()]

    def _restore(self, snapshot) -> None:
        for (m, o), (flat, opt_state) in zip(self._pairs(), snapshot, strict=True):
            m.flat[...] = flat
            o.load_state_dict(opt_state)

    def _early_stopping(self, test_loss: float) -> None:
        best = self._best
        patience = self._setting("patience")
        if best is None or test_loss < best[0]:
            self._best = (test_loss, self.epoch, self._snapshot())
        elif self.epoch - best[1] >= patience:
            self._restore(best[2])
            self.history.last = self._row() | {"epoch": best[1]}  # what the weights now give
            self._stop(f"early stopping: the test loss has not improved for {patience:,} "
                       f"epochs; the weights of epoch {best[1]:,} (test loss {best[0]:.4g}) "
                       "are restored")

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the lowest test loss so far, when early stopping is on."""
        return None if self._best is None else self._best[1]

    def _stop(self, reason: str) -> None:
        self.status, self.status_reason, self._halt = STOPPED, reason, True

    def _save_good(self) -> None:
        self._good = (self._snapshot(), self.epoch, self.steps)

    def _divergence_loss(self) -> float:
        """The training loss of the current (diverged) weights."""
        return self._evaluate()["train_loss"]

    def _diverge(self, bad_epoch: int) -> None:
        """Restore the state at the end of the last good epoch and explain what happened."""
        with np.errstate(all="ignore"):
            loss = self._divergence_loss()
        what = "NaN (not a number)" if math.isnan(loss) else "infinite"
        snapshot, self.epoch, self.steps = self._good
        self._restore(snapshot)
        self._pos = self.n_train
        self.status, self._halt = DIVERGED, True
        self.status_reason = (
            f"the loss became {what} at epoch {bad_epoch:,}: the learning rate "
            f"({self.learning_rate:g}) is probably too high. The weights of epoch "
            f"{self.epoch:,}, the last good ones, are kept; lower the learning rate and train "
            "on.")

    @property
    def learning_rate(self) -> float:
        """The rate of the (first) optimizer now, the schedule applied."""
        return self._pairs()[0][1].lr

    def _row(self) -> dict[str, float]:
        return {"epoch": self.epoch, **self._evaluate(), "time": self.train_time,
                "lr": self.learning_rate}

    @property
    def n_params(self) -> int:
        """Parameters of every model trained."""
        return sum(m.n_params for m, _ in self._pairs())

    # --- files --------------------------------------------------------------------------------
    def save(self, file) -> None:
        """Write settings, weights, optimizer state, counters, history and random states to an
        .npz file (a path or a binary file object); `load` resumes bit-identically."""
        saving.save(self, file)

    def to_bytes(self) -> bytes:
        return saving.to_bytes(self)

    @classmethod
    def load(cls, file):
        """Read a file written by `save` (a path, bytes or a binary file object); anything else
        raises ValueError."""
        return saving.load(cls, file)

    def _file_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able state, arrays) for engine.saving: everything `load` needs to resume."""
        good, best = self._good, self._best
        arrays: dict[str, np.ndarray] = {}
        opts = {}
        for k, (m, o) in enumerate(self._pairs()):
            s = str(k) if k else ""
            arrays[f"flat{s}"] = m.flat
            arrays |= saving.optimizer_arrays(f"opt{s}", o.state_dict())
            arrays[f"good_flat{s}"] = good[0][k][0]
            arrays |= saving.optimizer_arrays(f"goodopt{s}", good[0][k][1])
            if best is not None:
                arrays[f"best_flat{s}"] = best[2][k][0]
                arrays |= saving.optimizer_arrays(f"bestopt{s}", best[2][k][1])
            opts[f"opt_t{s}"], opts[f"opt_lr{s}"] = o.t, o.lr
        if self._order is not None:
            arrays["perm"] = self._order
        data_state, data_arrays = self._data_arrays()
        arrays |= data_arrays
        ts = [snap[1]["t"] for snap in good[0]]
        state = {
            "epoch": self.epoch, "steps": self.steps, "pos": self._pos,
            "train_time": self.train_time, "status": self.status, "reason": self.status_reason,
            **opts,
            "good": [ts[0], good[1], good[2], *ts[1:]],
            "best": None if best is None else [best[0], best[1],
                                               *(snap[1]["t"] for snap in best[2])],
            **{f"rng_{name}": rng.bit_generator.state for name, rng in self.rngs.items()},
            "history": self.history.to_dict(),
            "data": data_state or None,
        }
        return state, arrays

    def _load_state(self, state: dict, archive, legacy: bool = False) -> None:
        """Resume from a file's state and arrays (this trainer freshly built from its settings);
        ValueError (or another exception engine.saving reports) when they do not fit.
        `legacy`: a file of version 1, whose flat vectors are reordered to the models'
        layout."""
        pairs = self._pairs()
        orders = {id(m): m.legacy_order() if legacy else None for m, _ in pairs}

        def weights(name: str, model) -> np.ndarray:
            a = archive.array(name, model.flat.nbytes)
            if a.shape != model.flat.shape or a.dtype != np.float64:
                raise ValueError("the model file's weights do not match its own network")
            order = orders[id(model)]
            return a.copy() if order is None else a[order]

        def opt_state(prefix: str, t, model) -> dict:
            st = saving.optimizer_state(archive, prefix, t, model.flat.nbytes)
            order = orders[id(model)]
            for bufs in (st["buffers"] or {}).values():
                if bufs[0].shape != model.flat.shape:
                    raise ValueError("the model file's optimizer state does not match its "
                                     "network")
                if order is not None:
                    bufs[0] = bufs[0][order]
            return st

        good, best = state["good"], state["best"]
        good_ts, best_ts = [good[0], *good[3:]], None if best is None else best[2:]
        good_snap, best_snap = [], []
        for k, (m, o) in enumerate(pairs):
            s = str(k) if k else ""
            m.flat[...] = weights(f"flat{s}", m)
            o.load_state_dict(opt_state(f"opt{s}", state[f"opt_t{s}"], m))
            o.lr = float(state[f"opt_lr{s}"])
            good_snap.append((weights(f"good_flat{s}", m), opt_state(f"goodopt{s}",
                                                                     good_ts[k], m)))
            if best is not None:
                best_snap.append((weights(f"best_flat{s}", m), opt_state(f"bestopt{s}",
                                                                         best_ts[k], m)))
        self._good = (good_snap, int(good[1]), int(good[2]))
        self._best = None if best is None else (float(best[0]), int(best[1]), best_snap)
        self.epoch, self.steps, self._pos = int(state["epoch"]), int(state["steps"]), \
            int(state["pos"])
        self.train_time = float(state["train_time"])
        self.status, self.status_reason = state["status"], str(state["reason"])
        if self.status not in (READY, RUNNING, STOPPED, DIVERGED):
            raise ValueError(f"unknown status {self.status!r}")
        for name, rng in self.rngs.items():
            # A generator added since version 1 (for a setting V1_SETTINGS turns off) keeps
            # its fresh state; a file of the current version has every one.
            if f"rng_{name}" in state or not legacy:
                rng.bit_generator.state = state[f"rng_{name}"]
        if "perm" in archive.names:
            order = archive.array("perm", 8 * self.n_train).astype(np.intp)
            if not np.array_equal(np.sort(order), np.arange(self.n_train)):
                raise ValueError("the epoch's order is not an order of the training examples")
            self._order = order
            self._shuffle(order)
        if self._pos < 0 or (self._order is None and self._pos < self.n_train):
            raise ValueError("the position in the epoch does not fit the data")
        history = History.from_dict(state["history"])
        if history.keys != self.history.keys:
            raise ValueError("the history's metrics are not this trainer's")
        self.history = history

    def _data_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able description, arrays) of the data of your own, for a file."""
        return {}, {}

    @classmethod
    def _data_from_file(cls, state: dict, archive) -> object | None:
        """The data of your own a file holds (None when it has none)."""
        return None
