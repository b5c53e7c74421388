"""Models built from the layers, against PyTorch and against the clock, measured in one run.

Prints three tables:
  1. training steps/s of a model and of the same model in PyTorch (CPU, eager, float32, one
     thread), each a whole step (forward, loss, backward, optimizer update), with the target
     ratio;
  2. time to learn: seconds (wall time with the per-epoch evaluation, and the steps alone) and
     epochs until a trainer reaches its goal, the median over seeds, with the target;
  3. memory: the peak of NumPy arrays held while a run builds, trains and draws its views.
Trials are interleaved and medians reported, because the machine is shared and noisy. Digits,
sequences (recurrent nets and a small transformer) and GANs, at their default settings unless a
row says otherwise. On a busy machine, `--cpu` times table 2 by this process's CPU time (one
BLAS thread, no other threads: the wall time the run would take on an idle core), and gives
the RNN's budget in CPU seconds too.
Usage: python bench/bench_layers.py [--quick] [--cpu] [--only steps|learn|memory]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine import (  # noqa: E402
    GAN_PRESETS,
    DigitsGanConfig,
    DigitsGanTrainer,
    GanConfig,
    GanTrainer,
    ImageConfig,
    ImageTrainer,
    SequenceConfig,
    SequenceTrainer,
    keep_freed_memory,
)
from engine.gan import DISTANCE_THRESHOLD  # noqa: E402

keep_freed_memory()  # as the server does (engine/_memory.py)
torch.set_num_threads(1)


# --- 1. steps per second against PyTorch ----------------------------------------------------

@dataclass
class StepCase:
    """`ours()` and `theirs()` each make a step function; `target`: the ratio to reach."""

    name: str
    ours: Callable[[], Callable[[], None]]
    theirs: Callable[[], Callable[[], None]]
    target: float


def ours_trainer(config, cls=ImageTrainer) -> Callable[[], None]:
    """One training step of a trainer, evaluation off (as a playing page between redraws)."""
    t = cls(config.replace(eval_every=100_000, max_epochs=0))
    return t.step


def torch_loop(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_of, lr: float,
               batch: int) -> Callable[[], None]:
    """A PyTorch training step on rows of X, y in a new order every epoch: forward, loss,
    backward, Adam."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    state = {"order": torch.randperm(len(y)), "pos": 0}

    def step():
        if state["pos"] >= len(y):
            state["order"], state["pos"] = torch.randperm(len(y)), 0
        rows = state["order"][state["pos"]:state["pos"] + batch]
        state["pos"] += batch
        opt.zero_grad(set_to_none=True)
        loss_of(net, X[rows], y[rows]).backward()
        opt.step()
    return step


class TorchLastStep(torch.nn.Module):
    """A recurrent layer, then a linear map of its last hidden state."""

    def __init__(self, rnn: torch.nn.Module, hidden: int, out: int):
        super().__init__()
        self.rnn, self.head = rnn, torch.nn.Linear(hidden, out)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


class TorchTransformer(torch.nn.Module):
    """Embedding, learned positions, one pre-norm encoder block, LayerNorm, linear: the
    engine's transformer at its defaults."""

    def __init__(self, vocab: int, T: int, dim: int, heads: int, ff: int):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, dim)
        self.position = torch.nn.Parameter(torch.randn(T, dim))
        self.block = torch.nn.TransformerEncoderLayer(dim, heads, ff, dropout=0.0,
                                                      batch_first=True, norm_first=True)
        self.norm, self.head = torch.nn.LayerNorm(dim), torch.nn.Linear(dim, vocab)

    def forward(self, x):
        return self.head(self.norm(self.block(self.embed(x) + self.position)))


def torch_lstm_adding(seed: int = 0) -> Callable[[], None]:
    """The adding problem (T = 30) in PyTorch: LSTM(2, 32), a linear map of the last state,
    mean squared error, Adam 0.01, batch 32; the same training sequences."""
    torch.manual_seed(seed)
    t = SequenceTrainer(SequenceConfig(task="adding", model="lstm", seed=seed))
    net = TorchLastStep(torch.nn.LSTM(2, 32, batch_first=True), 32, 1)
    X = torch.tensor(t.train.inputs, dtype=torch.float32)
    y = torch.tensor(t.train.targets, dtype=torch.float32)
    mse = torch.nn.MSELoss()
    return torch_loop(net, X, y, lambda n, a, b: mse(n(a), b), 0.01, 32)


def torch_attention_reverse(seed: int = 0) -> Callable[[], None]:
    """Reversal of length-8 sequences in PyTorch: the engine's default transformer (dim 32,
    2 heads, one block, feed-forward 64), cross-entropy at every position, Adam 0.01, batch
    32; the same training sequences."""
    torch.manual_seed(seed)
    t = SequenceTrainer(SequenceConfig(task="reverse", model="transformer", seed=seed))
    net = TorchTransformer(10, 8, 32, 2, 64)
    X, y = torch.tensor(t.train.inputs), torch.tensor(t.train.targets)
    ce = torch.nn.CrossEntropyLoss()
    return torch_loop(net, X, y, lambda n, a, b: ce(n(a).reshape(-1, 10), b.reshape(-1)),
                      0.01, 32)


def torch_digits_cnn(lr: float, batch: int, seed: int = 0) -> Callable[[], None]:
    """The digits CNN in PyTorch: conv 8@3x3 pad 1, ReLU, max pool 2, dense 10; Adam; the same
    training digits, a new order every epoch."""
    torch.manual_seed(seed)
    t = ImageTrainer(ImageConfig(seed=seed))
    X = torch.tensor(t.X_train, dtype=torch.float32)
    y = torch.tensor(t.y_train)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    state = {"order": torch.randperm(len(y)), "pos": 0}

    def step():
        if state["pos"] >= len(y):
            state["order"], state["pos"] = torch.randperm(len(y)), 0
        rows = state["order"][state["pos"]:state["pos"] + batch]
        state["pos"] += batch
        opt.zero_grad(set_to_none=True)
        loss_fn(net(X[rows]), y[rows]).backward()
        opt.step()
    return step


STEP_CASES = [
    StepCase("digits CNN: conv 8@3x3 pad 1 ReLU, max pool 2, dense 10; batch 32, Adam",
             lambda: ours_trainer(ImageConfig()), lambda: torch_digits_cnn(0.01, 32), 1.5),
    StepCase("LSTM 32 on the adding problem, T = 30, last step, dense 1; batch 32, Adam",
             lambda: ours_trainer(SequenceConfig(task="adding", model="lstm"),
                                  SequenceTrainer),
             torch_lstm_adding, 0.5),
    StepCase("attention block (dim 32, 2 heads, ff 64), reversal T = 8; batch 32, Adam",
             lambda: ours_trainer(SequenceConfig(task="reverse", model="transformer"),
                                  SequenceTrainer),
             torch_attention_reverse, 1.0),
]


def rate(step: Callable[[], None], seconds: float) -> float:
    """Calls per second of step() over about `seconds`."""
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def steps_table(quick: bool) -> None:
    trials, seconds = (5, 0.2) if quick else (15, 0.4)
    print(f"\n1. training steps/s (forward, loss, backward, update), median of {trials} "
          "interleaved trials, one thread")
    print(f"{'model':80s} {'ours f64':>9s} {'torch f32':>9s} {'ratio':>6s} {'target':>7s}")
    for case in STEP_CASES:
        a, b = case.ours(), case.theirs()
        for step in (a, b):  # warm up
            rate(step, seconds / 2)
        ra, rb = [], []
        for i in range(trials):
            for step, out in ((a, ra), (b, rb)) if i % 2 else ((b, rb), (a, ra)):
                out.append(rate(step, seconds))
        ma, mb = statistics.median(ra), statistics.median(rb)
        print(f"{case.name:80s} {ma:9,.0f} {mb:9,.0f} {ma / mb:5.2f}x {case.target:6.2f}x")


# --- 2. time to learn -------------------------------------------------------------------------

@dataclass
class LearnCase:
    """`make(seed)` builds a trainer; it trains an epoch at a time until `reached(trainer)`
    (or `max_epochs` pass). `target`: the seconds to reach it in."""

    name: str
    make: Callable[[int], object]
    reached: Callable[[object], bool]
    max_epochs: int
    target: float


def at_least(metric: str, goal: float) -> Callable[[object], bool]:
    return lambda t: t.history.last[metric] >= goal


def below(metric: str, goal: float) -> Callable[[object], bool]:
    return lambda t: t.history.last[metric] < goal


def gan_converged(t: GanTrainer) -> bool:
    """The distance under the threshold, every mode of a mixture covered."""
    row = t.history.last
    return row["train_loss"] < DISTANCE_THRESHOLD and (
        t.modes_total is None or row["modes_covered"] == t.modes_total)


def sequences(seed: int, **settings) -> SequenceTrainer:
    return SequenceTrainer(SequenceConfig(**settings, seed=seed, max_epochs=0))


def preset(name: str) -> Callable[[int], GanTrainer]:
    return lambda s: GanTrainer(GAN_PRESETS[name].config.replace(seed=s))


LEARN_CASES = [
    LearnCase("digits MLP (64 ReLU, Adam 0.01, batch 32): test accuracy >= 97 %",
              lambda s: ImageTrainer(ImageConfig(model="mlp", seed=s, max_epochs=0)),
              at_least("test_accuracy", 0.97), 200, 3.0),
    LearnCase("digits CNN (conv 8@3x3, max pool, dense; Adam 0.01, batch 32): test acc >= 97.5 %",
              lambda s: ImageTrainer(ImageConfig(seed=s, max_epochs=0)),
              at_least("test_accuracy", 0.975), 200, 10.0),
    LearnCase("GRU 32, running parity T = 10: per-step test accuracy >= 99 %",
              lambda s: sequences(s, task="parity", model="gru"),
              at_least("test_accuracy", 0.99), 200, 2.0),
    LearnCase("LSTM 32, adding problem T = 30: test MSE < 0.01",
              lambda s: sequences(s, task="adding", model="lstm"),
              below("test_mse", 0.01), 1000, 5.0),
    LearnCase("attention block, reversal T = 8: whole-sequence test accuracy >= 99 %",
              lambda s: sequences(s, task="reverse", model="transformer"),
              at_least("test_sequence_accuracy", 0.99), 200, 3.0),
    LearnCase("attention block, sorting T = 8: whole-sequence test accuracy >= 99 %",
              lambda s: sequences(s, task="sort", model="transformer"),
              at_least("test_sequence_accuracy", 0.99), 400, 6.0),
    *(LearnCase(f"GAN preset {GAN_PRESETS[name].label}: distance < {DISTANCE_THRESHOLD:g}"
                f"{', every mode covered' if name == 'ring' else ''}", preset(name),
                gan_converged, 1000, 10.0)
      for name in ("ring", "moons", "line")),
]


@dataclass
class BudgetCase:
    """A run that must not learn: `make(seed)` trains for `seconds` (wall, with evaluation);
    the best history.last[metric] seen must stay above `floor`."""

    name: str
    make: Callable[[int], object]
    metric: str
    seconds: float
    floor: float


BUDGET_CASES = [
    BudgetCase("RNN 32 (tanh), adding problem T = 30: lowest test MSE within the LSTM's 5 s",
               lambda s: sequences(s, task="adding", model="rnn"), "test_mse", 5.0, 0.1),
]


CLOCK = time.perf_counter  # table 2's clock: wall time, or CPU time with --cpu


def time_to_learn(case: LearnCase, seed: int) -> tuple[float, float, int]:
    """(seconds with evaluation, seconds of training steps (wall), epochs) to reach the goal;
    inf when it is not reached."""
    t = case.make(seed)
    start = CLOCK()
    while t.epoch < case.max_epochs:
        t.run(1)
        if case.reached(t):
            return CLOCK() - start, t.train_time, t.epoch
    return float("inf"), float("inf"), t.epoch


def best_within(case: BudgetCase, seed: int) -> tuple[float, int]:
    """(the lowest metric recorded, epochs) within the case's seconds."""
    t = case.make(seed)
    start, best = CLOCK(), float("inf")
    while CLOCK() - start < case.seconds:
        t.run(1)
        best = min(best, t.history.last[case.metric])
    return best, t.epoch


def collapse_row(seeds) -> None:
    """The mode-collapse preset over its epochs: the most modes covered and the lowest
    distance in its second half, per seed."""
    p = GAN_PRESETS["collapse"]
    print(f"GAN preset {p.label}, epochs {p.epochs // 2}-{p.epochs} (most modes covered of 8, "
          "lowest distance):")
    out = []
    for s in seeds:
        t = GanTrainer(p.config.replace(seed=s))
        t.run(p.epochs)
        half = slice(p.epochs // 2, None)
        out.append(f"seed {s}: {max(t.history['modes_covered'][half]):.0f} modes, "
                   f"{min(t.history['train_loss'][half]):.3f}")
    print("    " + ", ".join(out))


def learn_table(quick: bool) -> None:
    seeds = range(3 if quick else 5)
    clock = "cpu s" if CLOCK is time.process_time else "wall s"
    print(f"\n2. time to learn, median over seeds {list(seeds)} (per seed: {clock} / epochs)")
    print(f"{'run':82s} {clock:>7s} {'steps s':>7s} {'epochs':>6s} {'target':>7s}")
    for case in LEARN_CASES:
        runs = {s: time_to_learn(case, s) for s in seeds}
        wall, steps, epochs = (statistics.median(r[i] for r in runs.values()) for i in range(3))
        print(f"{case.name:82s} {wall:7.2f} {steps:7.2f} {epochs:6.0f} {case.target:6.1f}s")
        print("    " + ", ".join(f"seed {s}: {r[0]:.2f} s / {r[2]}" for s, r in runs.items()))
    for case in BUDGET_CASES:
        runs = {s: best_within(case, s) for s in seeds}
        best = statistics.median(r[0] for r in runs.values())
        print(f"{case.name:82s} median {best:.3f} (must stay > {case.floor:g})")
        print("    " + ", ".join(f"seed {s}: {r[0]:.3f} / {r[1]} epochs"
                                 for s, r in runs.items()))
    collapse_row(seeds)


# --- 3. memory --------------------------------------------------------------------------------

def image_views(t: ImageTrainer) -> None:
    t.confusion_matrix(), t.mistakes(), t.filters(), t.feature_maps(0)
    t.predict_proba(t.X_test[0]), t.first_layer_weights()


def sequence_views(t: SequenceTrainer) -> None:
    t.predict_sequence(0)
    if t.config.recurrent:
        t.hidden_states(0), t.gradient_through_time()
        if t.config.model != "rnn":
            t.gates(0)
    else:
        t.attention(0), t.position_embeddings(), t.head_steps(0)


def gan_views(t: GanTrainer) -> None:
    if isinstance(t, DigitsGanTrainer):
        t.sample_grid(), t.walk(0, 1, 64)
    else:
        t.discriminator_grid(200), t.manifold(200), t.samples(), t.diagnosis
    t.gradients()


# name: (a trainer, epochs to train (None: one step), its views)
MEMORY_CASES = {
    "digits CNN, default settings": (lambda: ImageTrainer(ImageConfig()), 5, image_views),
    "digits CNN, largest: conv 16 + 16 @5x5, dense 128": (
        lambda: ImageTrainer(ImageConfig(filters=(16, 16), kernel=5, dense=(128,))), 5,
        image_views),
    "digits MLP, largest: 256-256-256": (
        lambda: ImageTrainer(ImageConfig(model="mlp", hidden=(256, 256, 256))), 5, image_views),
    "LSTM, adding problem, default settings": (
        lambda: SequenceTrainer(SequenceConfig(task="adding", model="lstm")), 2,
        sequence_views),
    "LSTM, largest: 2 x 64, sine T = 100, 5,000 sequences, batch 256": (
        lambda: SequenceTrainer(SequenceConfig(task="sine", length=100, model="lstm", hidden=64,
                                               layers=2, n_train=5000, n_test=2000,
                                               batch_size=256)), None, sequence_views),
    "transformer, reversal, default settings": (
        lambda: SequenceTrainer(SequenceConfig(task="reverse", model="transformer")), 2,
        sequence_views),
    "transformer, largest: 2 blocks dim 64 4 heads ff 256, copy T = 100, 5,000, batch 256": (
        lambda: SequenceTrainer(SequenceConfig(task="copy", n_tokens=10, delay=79,
                                               model="transformer", dim=64, heads=4, blocks=2,
                                               ff=256, n_train=5000, n_test=2000,
                                               batch_size=256)), None, sequence_views),
    "GAN, ring of 8, default settings": (lambda: GanTrainer(GanConfig()), 5, gan_views),
    "GAN, largest: 4 x 64 each, 10,000 points, batch 512, 5 + 5 updates": (
        lambda: GanTrainer(GanConfig(n_samples=10_000, g_hidden=(64,) * 4, d_hidden=(64,) * 4,
                                     batch_size=512, d_updates=5, g_updates=5)), 1, gan_views),
    "digits GAN, largest: 4 x 128 each, noise 32, batch 512, 5 + 5 updates": (
        lambda: DigitsGanTrainer(DigitsGanConfig(noise_dim=32, g_hidden=(128,) * 4,
                                                 d_hidden=(128,) * 4, batch_size=512,
                                                 d_updates=5, g_updates=5)), 1, gan_views),
}


def memory_table(quick: bool) -> None:
    print("\n3. memory: peak of NumPy arrays (tracemalloc) while a run builds, trains (epochs, "
          "with evaluation, or one step for the largest sequence runs), draws every view and "
          "writes its file (target <= 50 MB)")
    for name, (make, epochs, views) in MEMORY_CASES.items():
        tracemalloc.start()
        try:
            t = make()
            if epochs is None:
                t.step()
            else:
                t.run(min(epochs, 2) if quick else epochs)
            views(t)
            t.to_bytes()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        print(f"{name:88s} peak {peak / 2**20:6.1f} MB, held after {held / 2**20:5.1f} MB")


TABLES = {"steps": steps_table, "learn": learn_table, "memory": memory_table}


def main(quick: bool = False, only: str | None = None) -> None:
    print(f"numpy {np.__version__}, torch {torch.__version__}, one thread")
    for name, table in TABLES.items():
        if only in (None, name):
            table(quick)


if __name__ == "__main__":
    if "--cpu" in sys.argv:
        CLOCK = time.process_time
    main("--quick" in sys.argv,
         sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None)
