"""Models built from the layers, against PyTorch and against the clock, measured in one run.

Prints three tables:
  1. training steps/s of a model and of the same model in PyTorch (CPU, eager, float32, one
     thread), each a whole step (forward, loss, backward, optimizer update), with the target
     ratio;
  2. time to learn: seconds (wall time with the per-epoch evaluation, and the steps alone) and
     epochs until a trainer reaches its goal, the median over seeds, with the target;
  3. memory: the peak of NumPy arrays held while a run builds, trains and draws its views.
Trials are interleaved and medians reported, because the machine is shared and noisy. The
digits figures are here; the sequence and GAN figures join the same tables (see NEXT).
Usage: python bench/bench_layers.py [--quick]
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

from engine import ImageConfig, ImageTrainer, keep_freed_memory  # noqa: E402

keep_freed_memory()  # as the server does (engine/_memory.py)
torch.set_num_threads(1)

# The figures still to come, on the same tables, once their trainers exist.
NEXT = {
    "steps/s": ["LSTM (adding problem) >= 0.5x torch", "attention block >= 1.0x torch"],
    "time to learn": ["GRU on running parity", "LSTM on the adding problem",
                      "attention on reversal and sorting", "GAN presets"],
}


# --- 1. steps per second against PyTorch ----------------------------------------------------

@dataclass
class StepCase:
    """`ours()` and `theirs()` each make a step function; `target`: the ratio to reach."""

    name: str
    ours: Callable[[], Callable[[], None]]
    theirs: Callable[[], Callable[[], None]]
    target: float


def ours_trainer(config: ImageConfig) -> Callable[[], None]:
    """One training step of an ImageTrainer, evaluation off (as a playing page between
    redraws)."""
    t = ImageTrainer(config.replace(eval_every=100_000, max_epochs=0))
    return t.step


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
    print(f"{'model':76s} {'ours f64':>9s} {'torch f32':>9s} {'ratio':>6s} {'target':>7s}")
    for case in STEP_CASES:
        a, b = case.ours(), case.theirs()
        for step in (a, b):  # warm up
            rate(step, seconds / 2)
        ra, rb = [], []
        for i in range(trials):
            for step, out in ((a, ra), (b, rb)) if i % 2 else ((b, rb), (a, ra)):
                out.append(rate(step, seconds))
        ma, mb = statistics.median(ra), statistics.median(rb)
        print(f"{case.name:76s} {ma:9,.0f} {mb:9,.0f} {ma / mb:5.2f}x {case.target:6.2f}x")


# --- 2. time to learn -------------------------------------------------------------------------

@dataclass
class LearnCase:
    """`make(seed)` builds a trainer; it trains an epoch at a time until history.last[metric]
    reaches `goal` (or `max_epochs` pass). `target`: the seconds to reach it in."""

    name: str
    make: Callable[[int], object]
    metric: str
    goal: float
    max_epochs: int
    target: float


LEARN_CASES = [
    LearnCase("digits MLP (64 ReLU, Adam 0.01, batch 32): test accuracy >= 97 %",
              lambda s: ImageTrainer(ImageConfig(model="mlp", seed=s, max_epochs=0)),
              "test_accuracy", 0.97, 200, 3.0),
    LearnCase("digits CNN (conv 8@3x3, max pool, dense; Adam 0.01, batch 32): test acc >= 97.5 %",
              lambda s: ImageTrainer(ImageConfig(seed=s, max_epochs=0)),
              "test_accuracy", 0.975, 200, 10.0),
]


def time_to_learn(case: LearnCase, seed: int) -> tuple[float, float, int]:
    """(wall seconds with evaluation, seconds of training steps, epochs) to reach the goal;
    inf when it is not reached."""
    t = case.make(seed)
    start = time.perf_counter()
    while t.epoch < case.max_epochs:
        t.run(1)
        if t.history.last[case.metric] >= case.goal:
            return time.perf_counter() - start, t.train_time, t.epoch
    return float("inf"), float("inf"), t.epoch


def learn_table(quick: bool) -> None:
    seeds = range(3 if quick else 5)
    print(f"\n2. time to learn, median over seeds {list(seeds)} (per seed: wall s / epochs)")
    print(f"{'run':82s} {'wall s':>7s} {'steps s':>7s} {'epochs':>6s} {'target':>7s}")
    for case in LEARN_CASES:
        runs = {s: time_to_learn(case, s) for s in seeds}
        wall, steps, epochs = (statistics.median(r[i] for r in runs.values()) for i in range(3))
        print(f"{case.name:82s} {wall:7.2f} {steps:7.2f} {epochs:6.0f} {case.target:6.1f}s")
        print("    " + ", ".join(f"seed {s}: {r[0]:.2f} s / {r[2]}" for s, r in runs.items()))


# --- 3. memory --------------------------------------------------------------------------------

MEMORY_CASES = {
    "digits CNN, default settings": ImageConfig(),
    "digits CNN, largest: conv 16 + 16 @5x5, dense 128": ImageConfig(filters=(16, 16), kernel=5,
                                                                      dense=(128,)),
    "digits MLP, largest: 256-256-256": ImageConfig(model="mlp", hidden=(256, 256, 256)),
}


def memory_table(quick: bool) -> None:
    epochs = 2 if quick else 5
    print(f"\n3. memory: peak of NumPy arrays (tracemalloc) while a run builds, trains {epochs} "
          "epochs with evaluation and draws every view (target <= 50 MB)")
    for name, config in MEMORY_CASES.items():
        tracemalloc.start()
        try:
            t = ImageTrainer(config)
            t.run(epochs)
            t.confusion_matrix(), t.mistakes(), t.filters(), t.feature_maps(0)
            t.predict_proba(t.X_test[0]), t.first_layer_weights(), t.to_bytes()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        print(f"{name:52s} peak {peak / 2**20:6.1f} MB, held after {held / 2**20:5.1f} MB")


def main(quick: bool = False) -> None:
    print(f"numpy {np.__version__}, torch {torch.__version__}, one thread")
    steps_table(quick)
    learn_table(quick)
    memory_table(quick)
    print("\nnext on these tables: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in
                                                 NEXT.items()))


if __name__ == "__main__":
    main("--quick" in sys.argv)
