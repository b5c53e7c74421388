"""Generative adversarial networks on the shared training core: a generator learns to turn noise
into points of a 2-D distribution (engine.data.distributions, or points of your own) against a
discriminator, or into 8×8 digits; with the views a page shows while they train (the
discriminator's map, the generator's warped noise grid, samples from fixed noise, the push on
each generated point) and presets tested to converge, or to collapse on purpose.

One round (`step()`) is `d_updates` discriminator updates, each on its own batch of real points,
then `g_updates` generator updates. An epoch is one pass of the discriminator over the real
points. The distance the history records (as its train and test loss, so the epoch budget,
target and early stopping act on it) is the MMD of engine.data.distributions between generated
points and real ones: about 0 when both come from the same distribution, see `mmd`.
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from . import saving
from .activations import ACTIVATIONS
from .data.distributions import (
    DEFAULT_BANDWIDTHS,
    DISTRIBUTIONS,
    bounds,
    check_points,
    mode_coverage,
    sample,
)
from .data.images import make_digits
from .fields import Choice, Flag, Number, Settings, Widths, dense_parameters, settings
from .layers import Dense
from .model import Model
from .optimizers import OPTIMIZERS, hyper_fields, make_optimizer
from .schedules import SCHEDULES
from .trainer import grid_points
from .training import QUIET, TrainerBase, _clock

FORMAT = "nn-playground-gan-v2"
DIGITS_FORMAT = "nn-playground-digits-gan-v2"
N_EVAL = 512  # generated points (fixed noise) and real ones the distance compares
N_TEST = 512  # real points held out for the test distance
# Under this distance a run counts as converged: two samples of 512 drawn from the same
# distribution stay below 0.005 (measured over 20 pairs of each distribution, mean about 0);
# a ring of 8 missing one mode scores 0.007, missing two 0.023.
DISTANCE_THRESHOLD = 0.01
RISING_EPOCHS = 10  # a distance rising over this many recorded epochs is reported
COLLAPSE_SPREAD = 0.25  # generated points spread less than this share of the real ones: collapse
N_DIGIT_SAMPLES = 16  # the fixed noise vectors of the digits grid
MAX_RESOLUTION = 200  # of the discriminator's map and the noise grid
VIEW_CHUNK = 2048  # points per forward pass of a view (bounds the memory it takes)


def _forward(model: Model, X: np.ndarray) -> np.ndarray:
    """model.forward of X, VIEW_CHUNK rows at a time."""
    return np.concatenate([model.forward(X[a:a + VIEW_CHUNK])
                           for a in range(0, len(X), VIEW_CHUNK)])


def _resolution(r) -> int:
    r = int(r)
    if not 2 <= r <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be 2 to {MAX_RESOLUTION}, not {r}")
    return r


# --- losses -----------------------------------------------------------------------------------

def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _spread(x: np.ndarray) -> float:
    """The root of the summed variances of points x (n, d): how widely they scatter."""
    return float(np.sqrt(x.var(axis=0).sum()))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * x)


@dataclass(frozen=True)
class GanLoss:
    """A GAN objective on the discriminator's scores s (logits; raw scores for least squares).
    `d(s_real, s_fake)` -> (loss, dL/ds_real, dL/ds_fake) of the discriminator's mean loss;
    `g(s_fake)` -> (per-point loss, its derivative) of the generator's, whose mean it
    minimizes. `probability`: the discriminator's output is sigmoid(s), a probability of
    "real"; otherwise its raw score (1 real, 0 fake)."""

    name: str
    label: str
    description: str
    d: Callable
    g: Callable
    probability: bool


def _bce_d(sr, sf):
    loss = _softplus(-sr).mean() + _softplus(sf).mean()
    return float(loss), (_sigmoid(sr) - 1.0) / len(sr), _sigmoid(sf) / len(sf)


def _ls_d(sr, sf):
    loss = 0.5 * ((sr - 1.0) ** 2).mean() + 0.5 * (sf ** 2).mean()
    return float(loss), (sr - 1.0) / len(sr), sf / len(sf)


GAN_LOSSES: dict[str, GanLoss] = {
    loss.name: loss for loss in [
        GanLoss("minimax", "Minimax", "The original game: the generator minimizes "
                "log(1 − D(G(z))). Early on, when D rejects every fake, its gradient nearly "
                "vanishes.",
                _bce_d, lambda s: (-_softplus(s), -_sigmoid(s)), True),
        GanLoss("non_saturating", "Non-saturating", "The generator maximizes log D(G(z)) "
                "instead: the same fixed point, strong gradients while D rejects its points.",
                _bce_d, lambda s: (_softplus(-s), _sigmoid(s) - 1.0), True),
        GanLoss("least_squares", "Least squares", "D scores real points 1 and fakes 0 by "
                "squared error; the generator pulls its scores towards 1 (LSGAN).",
                _ls_d, lambda s: (0.5 * (s - 1.0) ** 2, s - 1.0), False),
    ]
}


class MmdReference:
    """distributions.mmd (the unbiased MMD² with the mean of Gaussian kernels of bandwidths
    0.1, 0.3 and 1) against fixed real points, their own kernel term computed once. Any
    number of dimensions (`scale` multiplies the bandwidths). `__call__(fake)` -> float."""

    def __init__(self, real: np.ndarray, scale: float = 1.0):
        self.real = np.ascontiguousarray(real, dtype=np.float64)
        self._h = [scale * h for h in DEFAULT_BANDWIDTHS]
        self._rr = self._mean_kernel(self.real, self.real, True)

    def _kernel_sum(self, a: np.ndarray, b: np.ndarray) -> float:
        d2 = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :]
        d2 -= 2.0 * (a @ b.T)
        np.maximum(d2, 0.0, out=d2)
        e, total = np.empty_like(d2), 0.0
        for h in self._h:
            np.multiply(d2, -0.5 / h**2, out=e)
            total += float(np.exp(e, out=e).sum())
        return total / len(self._h)

    def _mean_kernel(self, a, b, same: bool) -> float:
        m, n = len(a), len(b)
        if same:  # leave out the diagonal terms k(a, a) = 1
            return (self._kernel_sum(a, a) - m) / (m * (m - 1))
        return self._kernel_sum(a, b) / (m * n)

    def self_term(self, fake: np.ndarray) -> float:
        """The generated points' own kernel term, to share between references."""
        return self._mean_kernel(fake, fake, True)

    def __call__(self, fake: np.ndarray, own: float | None = None) -> float:
        if not np.isfinite(fake).all():
            return math.nan
        own = self.self_term(fake) if own is None else own
        return self._rr + own - 2.0 * self._mean_kernel(fake, self.real, False)


# --- settings -----------------------------------------------------------------------------------

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03)
MIXTURE_ONLY = frozenset({"modes"})
SPREAD_FREE = frozenset({"ring", "grid"})  # their spread is fixed


def _net_fields(who: str, name: str, hidden: tuple, high: int, updates: int,
                lr: float) -> list:
    """The settings of one network (`who`: "g" or "d")."""
    return [
        Widths(f"{who}_hidden", hidden, f"{name} layers", f"Widths of the {name.lower()}'s "
               "hidden layers; none makes it a linear map.", high=high, max_len=4),
        Choice(f"{who}_activation", "relu", f"{name} activation", "The function each hidden "
               f"neuron of the {name.lower()} applies.", options=ACTIVATIONS),
        Choice(f"{who}_optimizer", "adam", f"{name} optimizer", f"The {name.lower()}'s update "
               "rule. Switching keeps its weights and starts its memory afresh.", live=True,
               options=OPTIMIZERS),
        Number(f"{who}_lr", lr, f"{name} learning rate", f"Step size of the {name.lower()}'s "
               "updates.", live=True, low=1e-6, high=1.0, offered=LEARNING_RATES),
        Number(f"{who}_updates", updates, f"{name} updates per round", f"How many times the "
               f"{name.lower()} is updated in each round.", live=True, low=1, high=5,
               integer=True, offered=(1, 2, 3, 5)),
    ]


def _hyper() -> list[Number]:
    """The optimizers' hyperparameters, shared by both networks; Adam's beta 1 defaults to 0.5
    (the usual choice for GANs: less momentum to carry a network past a moving target)."""
    return [replace(f, default=0.5) if f.name == "beta1" else f for f in hyper_fields()]


def _training_fields(batch: int, schedule: str) -> list:
    return [
        *_hyper(),
        Number("batch_size", batch, "Batch size", "Real points (and as many generated) per "
               "update.", live=True, low=8, high=512, integer=True,
               offered=(16, 32, 64, 128, 256)),
        Choice("schedule", schedule, "Learning-rate schedule", "How both learning rates "
               "change over the epochs: a GAN oscillates less as they shrink.", live=True,
               options=SCHEDULES),
        Number("lr_decay", 0.5, "Decay", "Factor the schedule multiplies the rates by (per "
               "period, or at its end for cosine).", live=True, low=1e-3, high=1.0, step=0.05),
        Number("lr_period", 60, "Period (epochs)", "Epochs over which the schedule applies one "
               "decay.", live=True, low=1, high=100_000, integer=True),
        Flag("early_stopping", False, "Early stopping", "Stop when the distance to held-out "
             "real points has not improved for a while, and go back to the best weights.",
             live=True),
        Number("patience", 20, "Patience (epochs)", "Epochs without a better distance before "
               "early stopping acts.", live=True, low=1, high=100_000, integer=True),
        Number("max_epochs", 0, "Epoch budget", "Stop after this many epochs (0: never).",
               live=True, low=0, high=1_000_000, integer=True, step=10),
        Number("target_loss", 0.0, "Target distance", "Stop once the distance to the training "
               "points is at or below this value (0: never).", live=True, low=0.0, high=2.0,
               step=0.001),
        Number("eval_every", 1, "Record every", "Record the history (and check the stop "
               "conditions) every this many epochs.", live=True, low=1, high=100_000,
               integer=True),
        Number("seed", 0, "Seed", "Fixes the real points, starting weights and noise: the same "
               "seed gives the same run.", low=0, high=2**32 - 1, integer=True, step=1),
    ]


GAME_FIELDS = [
    Choice("noise", "gaussian", "Noise", "What the generator starts from: Gaussian noise, or "
           "uniform noise in [-1, 1].", options=("gaussian", "uniform"),
           labels={"gaussian": "Gaussian", "uniform": "Uniform"}),
    Choice("loss", "non_saturating", "Loss", "The game the two networks play.",
           options=GAN_LOSSES),
]

FIELDS = (
    Choice("distribution", "ring", "Real data", "The distribution the generator learns to "
           "imitate.", options=DISTRIBUTIONS),
    Number("modes", 8, "Modes", "Ring: how many round clusters; grid: clusters per side.",
           low=2, high=12, integer=True),
    Number("spread", 0.05, "Spread", "Std of the noise added to the line, moons and spiral "
           "(or to each of your points).", low=0.0, high=0.1, step=0.01),
    Number("n_samples", 2000, "Real points", "How many real points the discriminator sees "
           "in one epoch.", low=100, high=10_000, integer=True, offered=(500, 1000, 2000, 5000)),
    Number("noise_dim", 2, "Noise dimensions", "Numbers the generator turns into one point.",
           low=1, high=2, integer=True, offered=(1, 2)),
    *GAME_FIELDS,
    *_net_fields("g", "Generator", (32, 32, 32), 64, 1, 0.001),
    *_net_fields("d", "Discriminator", (32, 32), 64, 1, 0.002),
    *_training_fields(128, "exponential"),
)


@settings(*FIELDS)
class GanConfig(Settings):
    """Everything that defines a 2-D GAN run; `live_fields()` apply to a running trainer."""

    WHAT = "GAN settings"
    GROUPS = (("distribution", "modes"),)

    def _check(self) -> None:
        spec = DISTRIBUTIONS[self.distribution]
        if "k" in spec.options:
            opt = spec.options["k"]
            if not opt.low <= self.modes <= opt.high:
                raise ValueError(f"a {spec.label.lower()} has {opt.low} to {opt.high} modes"
                                 f"{' per side' if self.distribution == 'grid' else ''}, "
                                 f"not {self.modes}")

    def parameters(self) -> int:
        return _gan_parameters(self, 2)

    def options(self) -> dict:
        """The distribution's own options from these settings (not your points)."""
        spec = DISTRIBUTIONS[self.distribution]
        if "k" in spec.options:
            return {"k": self.modes}
        return {next(iter(spec.options)): self.spread}


def _gan_parameters(cfg, n_out: int) -> int:
    """Weights and biases of the generator and the discriminator of `cfg` together."""
    return (dense_parameters([cfg.noise_dim, *cfg.g_hidden, n_out])
            + dense_parameters([n_out, *cfg.d_hidden, 1]))


def _nets(cfg, n_in: int, n_out: int, out_activation: str = "linear") -> tuple[Model, Model]:
    """(generator, discriminator) of the settings: dense layers of the given widths; the
    generator maps noise_dim numbers to n_out, the discriminator n_out to one score."""
    def dense(widths, activation, a, b, last, seed):
        layers, width = [], a
        for h in widths:
            layers.append(Dense(width, h, activation))
            width = h
        layers.append(Dense(width, b, last))
        return Model(layers, "linear", seed=seed)

    return (dense(cfg.g_hidden, cfg.g_activation, n_in, n_out, out_activation, [cfg.seed, 1]),
            dense(cfg.d_hidden, cfg.d_activation, n_out, 1, "linear", [cfg.seed, 2]))


# --- the trainer ----------------------------------------------------------------------------------

class GanTrainer(TrainerBase):
    """A generator and a discriminator on 2-D points from a GanConfig (and, for the
    distribution "points", `data`: your points (n, 2) in the view), on the shared core.

    `step()` is one round; `step_discriminator()` and `step_generator()` one update alone;
    `substeps()` one round update by update. History: `train_loss` and `test_loss`, the
    distance (MMD) of N_EVAL generated points (fixed noise) to training and held-out real
    points; the two networks' losses `d_loss` and `g_loss` and the discriminator's mean output
    on real (`d_real`) and generated (`d_fake`) points, on the held-out points; for mixtures
    `modes_covered` of `modes_total`; its `lr` is the discriminator's rate. `diagnosis`
    explains mode collapse or a rising distance in plain words. `generator` and
    `discriminator` are the Models, `g_optimizer` and `d_optimizer` their optimizers (`pairs`:
    the discriminator first); `X_train`, `X_test` the real points."""

    SETTINGS = GanConfig
    FORMAT = FORMAT
    N_OUT = 2

    def __init__(self, config: GanConfig | dict | None = None, data=None,
                 max_history: int = 4000):
        super().__init__(config, data, max_history)

    # --- building ------------------------------------------------------------------------------
    def _real_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(training points (n_samples, 2), held-out points (N_TEST, 2))."""
        cfg = self.config
        if cfg.distribution == "points":
            if self.custom_data is None:
                raise ValueError("the distribution 'points' samples your own points: draw or "
                                 "upload them first")
            options = {"points": self.points, "jitter": cfg.spread}
        else:
            if self.custom_data is not None:
                raise ValueError("points of your own are for the distribution 'points'")
            options = cfg.options()
        return (sample(cfg.distribution, cfg.n_samples, np.random.default_rng([cfg.seed, 0]),
                       **options),
                sample(cfg.distribution, N_TEST, np.random.default_rng([cfg.seed, 6]),
                       **options))

    def _build_kind(self) -> None:
        cfg = self.config
        self.points = None if self.custom_data is None else check_points(self.custom_data)
        self.loss = GAN_LOSSES[cfg.loss]
        self.X_train, self.X_test = self._real_data()
        self.n_train, self.n_test = len(self.X_train), len(self.X_test)
        self.generator, self.discriminator = _nets(cfg, cfg.noise_dim, self.N_OUT,
                                                   self._out_activation())
        self._noise_rng = self._rng("noise", 3)
        self._alone_rng = self._rng("alone", 4)  # batches of step_discriminator alone
        self.eval_noise = self._noise(np.random.default_rng([cfg.seed, 5]), N_EVAL)
        self._distance_train = self._reference(self.X_train[:N_EVAL])
        self._distance_test = self._reference(self.X_test[:N_EVAL])
        self._mixture = self._is_mixture()

    def _is_mixture(self) -> bool:
        return DISTRIBUTIONS[self.config.distribution].is_mixture

    def _out_activation(self) -> str:
        return "linear"

    def _reference(self, real: np.ndarray) -> MmdReference:
        return MmdReference(real)

    def _noise(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (n, self.config.noise_dim)
        if self.config.noise == "uniform":
            return rng.uniform(-1.0, 1.0, shape)
        return rng.standard_normal(shape)

    def _pairs(self) -> list[tuple]:
        return [(self.discriminator, self.d_optimizer), (self.generator, self.g_optimizer)]

    def _make_optimizers(self, changed: frozenset = frozenset({"optimizer"})) -> None:
        cfg = self.config
        for who in ("d", "g"):
            if "optimizer" in changed or f"{who}_optimizer" in changed:
                name = getattr(cfg, f"{who}_optimizer")
                hyper = {k: getattr(cfg, k) for k in OPTIMIZERS[name].hyper
                         if getattr(cfg, k) is not None}
                setattr(self, f"{who}_optimizer",
                        make_optimizer(name, getattr(cfg, f"{who}_lr"), **hyper))

    def _tune(self, factor: float) -> None:
        cfg = self.config
        for who in ("d", "g"):
            opt = getattr(self, f"{who}_optimizer")
            for k, h in OPTIMIZERS[getattr(cfg, f"{who}_optimizer")].hyper.items():
                v = getattr(cfg, k)
                setattr(opt, k, h.default if v is None else v)
            opt.lr = getattr(cfg, f"{who}_lr") * factor

    def _apply_live(self) -> None:
        # A round takes one batch of real points for each discriminator update.
        self._bs = self.config.batch_size * self.config.d_updates

    def _same(self, a: GanConfig, b: GanConfig, name: str) -> bool:
        if a.distribution == b.distribution:
            spec = DISTRIBUTIONS[a.distribution]
            if name == "modes" and "k" not in spec.options:
                return True
            if name == "spread" and a.distribution in SPREAD_FREE:
                return True
        return getattr(a, name) == getattr(b, name)

    # --- training -------------------------------------------------------------------------------
    def _shuffle(self, order: np.ndarray) -> None:
        self._real = self.X_train[order]

    def _train_batch(self, i: int, j: int) -> None:
        for _ in self._round(i, j):
            pass

    def _round(self, i: int, j: int) -> Iterator[tuple[str, int]]:
        """One round on real points i:j of the epoch's order, yielding after each update."""
        cfg = self.config
        b = cfg.batch_size
        for u in range(cfg.d_updates):
            real = self._real[i + u * b:min(i + (u + 1) * b, j, self.n_train)]
            if len(real):
                self._update_discriminator(real, self._noise_rng)
                yield "discriminator", u
        for u in range(cfg.g_updates):
            self._update_generator(self._noise_rng)
            yield "generator", u

    def _update_discriminator(self, real: np.ndarray, rng: np.random.Generator) -> None:
        D = self.discriminator
        fake = self.generator.logits(self._noise(rng, len(real)))
        s = D.logits(np.concatenate([real, fake]))
        m = len(real)
        _, ds_real, ds_fake = self.loss.d(s[:m], s[m:])
        D.backward(np.concatenate([ds_real, ds_fake]), need_dx=False)
        self._update(D, self.d_optimizer)

    def _update_generator(self, rng: np.random.Generator) -> None:
        G = self.generator
        x = G.logits(self._noise(rng, self.config.batch_size))
        s = self.discriminator.logits(x)
        ds = self.loss.g(s)[1] / len(s)
        G.backward(self.discriminator.backward(ds, need_dx=True), need_dx=False)
        self._update(G, self.g_optimizer)

    def substeps(self) -> Iterator[tuple[str, int]]:
        """One round (as `step()`), pausing after each update: yields ("discriminator", k) or
        ("generator", k), the trainer then in that state, for a slow-motion view. A round left
        unfinished is finished when the iterator is closed; the time between yields is not
        counted as training time."""
        with np.errstate(**QUIET):
            t0 = _clock()
            batch = self._next_batch()
        if batch is None:
            return
        updates = self._round(*batch)
        try:
            while True:
                with np.errstate(**QUIET):
                    sub = next(updates, None)
                if sub is None:
                    break
                paused = _clock()
                try:
                    yield sub
                finally:
                    t0 += _clock() - paused
        finally:
            with np.errstate(**QUIET):
                for _ in updates:
                    pass
                self._end_step(t0, batch[1])

    def step_discriminator(self) -> None:
        """One discriminator update alone, on a random batch of real points (not a step: the
        counters and the epoch do not move)."""
        self._alone(lambda: self._update_discriminator(
            self.X_train[self._alone_rng.integers(0, self.n_train, self.config.batch_size)],
            self._alone_rng))

    def step_generator(self) -> None:
        """One generator update alone (not a step: the counters do not move)."""
        self._alone(lambda: self._update_generator(self._alone_rng))

    def _alone(self, update: Callable[[], None]) -> None:
        t0 = _clock()
        with np.errstate(**QUIET):
            update()
            self.train_time += _clock() - t0
            if not all(math.isfinite(w @ w) for w in self._flats):
                self._diverge(self.epoch + 1)

    def _diverge(self, bad_epoch: int) -> None:
        super()._diverge(bad_epoch)
        d, g = self.d_optimizer.lr, self.g_optimizer.lr
        self.status_reason = self.status_reason.replace(
            f"the learning rate ({d:g}) is probably too high",
            f"the learning rates (discriminator {d:g}, generator {g:g}) are probably too high"
        ).replace("lower the learning rate", "lower the learning rates")

    # --- evaluation -----------------------------------------------------------------------------
    def _history_keys(self) -> tuple[str, ...]:
        keys = ("train_loss", "test_loss", "d_loss", "g_loss", "d_real", "d_fake")
        return (*keys, "modes_covered") if self._mixture else keys

    def _d_output(self, s: np.ndarray) -> np.ndarray:
        return _sigmoid(s) if self.loss.probability else s

    def _evaluate(self) -> dict[str, float]:
        fake = self.generator.forward(self.eval_noise)
        real = self.X_test[:N_EVAL]
        s = self.discriminator.forward(np.concatenate([real, fake]))
        m = len(real)
        own = self._distance_train.self_term(fake) if np.isfinite(fake).all() else math.nan
        row = {"train_loss": self._distance_train(fake, own),
               "test_loss": self._distance_test(fake, own),
               "d_loss": self.loss.d(s[:m], s[m:])[0],
               "g_loss": float(self.loss.g(s[m:])[0].mean()),
               "d_real": float(self._d_output(s[:m]).mean()),
               "d_fake": float(self._d_output(s[m:]).mean())}
        if self._mixture:
            row["modes_covered"] = float(self.coverage(fake)[0])
        return row

    def coverage(self, fake: np.ndarray | None = None) -> tuple[int, int]:
        """(modes covered, modes) of the generated points (default: the fixed-noise ones);
        see distributions.mode_coverage. ValueError for a distribution without modes."""
        if not self._mixture:
            raise ValueError(f"{self.config.distribution} has no modes to cover")
        fake = self.generator.forward(self.eval_noise) if fake is None else fake
        return mode_coverage(fake, self.config.distribution, **self.config.options())

    @property
    def modes_total(self) -> int | None:
        """How many modes the distribution has (None when it is not a mixture)."""
        cfg = self.config
        return None if not self._mixture else (cfg.modes if cfg.distribution == "ring"
                                               else cfg.modes ** 2)

    @property
    def distance_threshold(self) -> float:
        """The distance under which generated points count as matching the real ones."""
        return DISTANCE_THRESHOLD

    @property
    def diagnosis(self) -> str:
        """What has gone wrong, in plain words ("" when nothing has): mode collapse (the
        generated points huddle in one small region, or cover at most one mode of a mixture)
        or a distance rising over many epochs. Training goes on; the state is kept."""
        h = self.history
        if len(h) < 2:
            return ""
        fake = self.generator.forward(self.eval_noise)
        spread, real_spread = _spread(fake), _spread(self.X_train[:N_EVAL])
        covered = h["modes_covered"][-1] if self._mixture else None
        if spread < COLLAPSE_SPREAD * real_spread or (covered is not None and covered <= 1):
            where = "" if covered is None else \
                f", covering {covered:.0f} of the {self.modes_total} modes"
            return (f"Mode collapse: the generated points huddle together (their spread is "
                    f"{spread:.2g} against the real points' {real_spread:.2g}{where}). The "
                    "generator has found a place the discriminator accepts and sends all its "
                    "noise there; the discriminator then chases it from place to place. Try "
                    "fewer generator updates or a lower generator learning rate, or more "
                    "discriminator updates.")
        distances = h["train_loss"][-(RISING_EPOCHS + 1):]
        if len(distances) == RISING_EPOCHS + 1:
            rises = sum(b > a for a, b in zip(distances, distances[1:], strict=False))
            first, last = distances[0], distances[-1]
            if rises >= RISING_EPOCHS - 2 and last > max(2 * first, DISTANCE_THRESHOLD):
                return (f"The distance between generated and real points has risen over the "
                        f"last {RISING_EPOCHS} records, from {first:.3g} to {last:.3g}: the "
                        "two networks are chasing each other instead of settling. Lower the "
                        "learning rates, or change how often each network is updated.")
        return ""

    # --- views ------------------------------------------------------------------------------------
    def _generated(self, n: int) -> np.ndarray:
        """The generator's outputs (n, N_OUT) for the first n fixed noise vectors."""
        return self.generator.forward(self.eval_noise[:int(min(max(n, 1), N_EVAL))])

    def samples(self, n: int = 256) -> np.ndarray:
        """Generated points (n, 2) from the first n fixed noise vectors (at most N_EVAL): the
        same noise every call, so the same points move as the generator learns."""
        return self._generated(n)

    def real_samples(self, n: int = 256) -> np.ndarray:
        """The first n training points (n, 2)."""
        return self.X_train[:int(min(max(n, 1), self.n_train))].copy()

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of the view."""
        return bounds(self.config.distribution)

    def discriminator_grid(self, resolution: int = 50) -> np.ndarray:
        """The discriminator's output over a res × res grid of the view (row i at the i-th y):
        its probability that a point is real (for the least-squares loss, its raw score)."""
        r = _resolution(resolution)
        s = _forward(self.discriminator, grid_points(r, self.bounds)[2])
        return self._d_output(s).reshape(r, r)

    def noise_grid(self, resolution: int = 20) -> np.ndarray:
        """The noise grid `manifold` maps: (res, res, 2) for 2-D noise, (res, 1) for 1-D; it
        spans [-1, 1] for uniform noise, [-2, 2] (two standard deviations) for Gaussian."""
        r, cfg = _resolution(resolution), self.config
        edge = 1.0 if cfg.noise == "uniform" else 2.0
        ticks = np.linspace(-edge, edge, r)
        if cfg.noise_dim == 1:
            return ticks[:, None]
        g1, g2 = np.meshgrid(ticks, ticks)
        return np.stack([g1, g2], axis=-1)

    def manifold(self, resolution: int = 20) -> np.ndarray:
        """The generator's image of `noise_grid`: (res, res, 2) points, grid line i of the
        noise at row i (2-D noise), or (res, 2), a curve (1-D noise)."""
        z = self.noise_grid(resolution)
        x = _forward(self.generator, z.reshape(-1, self.config.noise_dim))
        return x.reshape(*z.shape[:-1], self.N_OUT)

    def _points(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.N_OUT:
            raise ValueError(f"expected points of shape (n, {self.N_OUT}), got {x.shape}")
        return x

    def point_loss(self, x: np.ndarray) -> np.ndarray:
        """The generator's loss ℓ at each point of x (n, 2): its loss is their mean."""
        return self.loss.g(_forward(self.discriminator, self._points(x)))[0][:, 0]

    def gradients(self, x: np.ndarray | None = None) -> np.ndarray:
        """-dℓ/dx (n, 2) at points x (default `samples()`), ℓ the generator's loss at one
        point: the direction a generator update pushes each generated point (through the
        discriminator's input gradient)."""
        x = self._generated(256) if x is None else self._points(x)
        D, out = self.discriminator, []
        for a in range(0, len(x), VIEW_CHUNK):
            s = D.logits(x[a:a + VIEW_CHUNK])
            out.append(-D.backward(self.loss.g(s)[1], need_dx=True))
        return np.concatenate(out) if out else np.zeros((0, self.N_OUT))

    # --- files ------------------------------------------------------------------------------------
    def _data_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        if self.points is None:
            return {}, {}
        return {"points": len(self.points)}, {"data_points": self.points}

    @classmethod
    def _data_from_file(cls, state: dict, archive) -> np.ndarray | None:
        if state["data"] is None:
            return None
        return check_points(archive.array("data_points", saving.MAX_DATA_BYTES))


# --- presets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GanPreset:
    """A ready-made run: its settings and what to watch while it trains. `converges`: tested to
    cover every mode (for a mixture) and bring the distance under DISTANCE_THRESHOLD within
    `epochs` epochs at seeds 0 and 1; otherwise it shows the failure it is named after over
    `epochs` epochs."""

    label: str
    watch: str
    config: GanConfig
    converges: bool
    epochs: int


GAN_PRESETS: dict[str, GanPreset] = {
    "ring": GanPreset(
        "Ring of 8", "The generated points spread out from a blob, split and settle on all 8 "
        "clusters; the discriminator's map goes from a blur to 8 bright spots, then fades to "
        "an even grey as it can no longer tell real from generated.",
        GanConfig(), True, 150),
    "moons": GanPreset(
        "Two moons", "The noise grid bends into two interlocking arcs; the moons' tips are "
        "the last places the generated points reach.",
        GanConfig(distribution="moons"), True, 150),
    "line": GanPreset(
        "Line", "A 2-D noise grid folds flat onto the diagonal within a few epochs: the "
        "generator learns to throw one direction of its noise away.",
        GanConfig(distribution="line"), True, 150),
    "collapse": GanPreset(
        "Mode collapse", "The generator is updated five times per round, faster than the "
        "discriminator: its points rush together onto one cluster and hop from cluster to "
        "cluster as the discriminator chases them, never spreading over all 8.",
        GanConfig(g_updates=5, g_lr=0.005, d_lr=0.0005, schedule="constant"), False, 100),
}


# --- digits -------------------------------------------------------------------------------------

DIGIT_CHOICES = ("all", *"0123456789")

DIGITS_FIELDS = (
    Choice("digit", "all", "Digits", "Learn every digit, or one kind only (easier).",
           options=DIGIT_CHOICES, labels={"all": "All"}),
    Number("noise_dim", 16, "Noise dimensions", "Numbers the generator turns into one image.",
           low=1, high=32, integer=True, offered=(2, 4, 8, 16, 32)),
    *GAME_FIELDS,
    *_net_fields("g", "Generator", (128,), 128, 1, 0.001),
    *_net_fields("d", "Discriminator", (128,), 128, 1, 0.001),
    *_training_fields(64, "constant"),
)


@settings(*DIGITS_FIELDS)
class DigitsGanConfig(Settings):
    """Everything that defines a digits GAN run (8×8 images of scikit-learn's digits)."""

    WHAT = "digits GAN settings"

    def parameters(self) -> int:
        return _gan_parameters(self, 64)


class DigitsGanTrainer(GanTrainer):
    """A GAN generating 8×8 digits (values in [0, 1], a sigmoid output) from DigitsGanConfig,
    on the same rounds and core as GanTrainer. Its distance is the same MMD estimate on the 64
    pixel values, with bandwidths scaled by 8 (digits lie several pixels apart). Views:
    `sample_grid()`, digits from N_DIGIT_SAMPLES fixed noise vectors; `walk(a, b, steps)`, the
    digits along the straight line between two noise vectors."""

    SETTINGS = DigitsGanConfig
    FORMAT = DIGITS_FORMAT
    N_OUT = 64

    def __init__(self, config: DigitsGanConfig | dict | None = None, data=None,
                 max_history: int = 4000):
        if data is not None:
            raise ValueError("the digits GAN learns scikit-learn's digits")
        super().__init__(config, None, max_history)

    def _real_data(self) -> tuple[np.ndarray, np.ndarray]:
        d = make_digits(0.25, self.config.seed)
        digit = self.config.digit
        keep_train = slice(None) if digit == "all" else d.y_train == int(digit)
        keep_test = slice(None) if digit == "all" else d.y_test == int(digit)
        return (d.X_train_flat[keep_train].copy(), d.X_test_flat[keep_test].copy())

    def _out_activation(self) -> str:
        return "sigmoid"

    def _reference(self, real: np.ndarray) -> MmdReference:
        return MmdReference(real, scale=8.0)

    def _is_mixture(self) -> bool:
        return False

    def _same(self, a, b, name: str) -> bool:
        return getattr(a, name) == getattr(b, name)

    def coverage(self, fake=None):
        raise ValueError("digits have no modes to cover")

    @property
    def modes_total(self) -> None:
        return None

    @property
    def bounds(self):
        raise ValueError("digits have no 2-D view")

    def samples(self, n: int = 256) -> np.ndarray:
        """Generated digits (n, 8, 8) from the first n fixed noise vectors."""
        return self._generated(n).reshape(-1, 8, 8)

    def real_samples(self, n: int = 256) -> np.ndarray:
        return self.X_train[:int(min(max(n, 1), self.n_train))].reshape(-1, 8, 8).copy()

    def sample_grid(self) -> np.ndarray:
        """(N_DIGIT_SAMPLES, 8, 8): the digits of the fixed noise vectors, as they change."""
        return self.samples(N_DIGIT_SAMPLES)

    def walk(self, a: int = 0, b: int = 1, steps: int = 8) -> np.ndarray:
        """(steps, 8, 8): digits from noise vectors on the straight line from fixed noise
        vector a to b (indices of sample_grid's), both ends included."""
        n = N_EVAL
        if not (0 <= a < n and 0 <= b < n):
            raise ValueError(f"noise vectors are numbered 0 to {n - 1}; got {a} and {b}")
        steps = int(steps)
        if not 2 <= steps <= 64:
            raise ValueError(f"steps must be 2 to 64, not {steps}")
        t = np.linspace(0.0, 1.0, steps)[:, None]
        z = (1.0 - t) * self.eval_noise[a] + t * self.eval_noise[b]
        return self.generator.forward(z).reshape(steps, 8, 8)

    def discriminator_grid(self, resolution: int = 50):
        raise ValueError("digits have no 2-D view: the discriminator reads 64 pixels")

    def manifold(self, resolution: int = 20):
        raise ValueError("digits have no 2-D view: see walk")

    def noise_grid(self, resolution: int = 20):
        raise ValueError("digits have no 2-D view: see walk")
