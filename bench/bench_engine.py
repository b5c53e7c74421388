"""Engine speed against a plain hand-written NumPy loop and scikit-learn, measured in one run.

Prints mini-batch steps/s and epochs/s for four networks, the engine/plain-loop time ratio
(the goal is <= 1.5), scikit-learn's MLPClassifier.partial_fit as a second reference, and the
time to predict a 100x100 grid. Trials are interleaved and medians reported, because the
machine is shared and noisy. Usage: python bench/bench_engine.py [--quick]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from engine import Config, Trainer, keep_freed_memory  # noqa: E402

keep_freed_memory()  # as the server does (engine/_memory.py)

# name: (hidden, activation, batch, training points)
CASES = {
    "C1": ((4, 2), "tanh", 10, 500),
    "C2": ((8, 8, 8), "tanh", 32, 1000),
    "C3": ((32, 32), "relu", 1000, 1000),
    "C4": ((64, 64, 64, 64), "relu", 128, 10_000),
}


def make_trainer(hidden, act, batch, points, eval_every: int = 1) -> Trainer:
    # Train and test sets of `points` each; SGD, sigmoid output and binary cross-entropy.
    # eval_every=1 records train and test loss and accuracy on both full sets every epoch;
    # a large eval_every switches that off, leaving the bare training path.
    cfg = Config(dataset="circle", n_samples=2 * points, train_ratio=0.5, noise=0.1,
                 hidden=hidden, activation=act, batch_size=batch, lr=0.03, seed=1,
                 eval_every=eval_every)
    return Trainer(cfg)


def plain_loop(trainer: Trainer, epochs: int, evaluate: bool) -> float:
    """The same training, written as a plain NumPy loop (own copies of the weights).

    With `evaluate`, it also computes the train and test loss once per epoch, as any
    playground must to draw its loss curve. Returns the seconds taken."""
    Ws = [w.copy() for w in trainer.net.params[0::2]]
    bs = [b.copy() for b in trainer.net.params[1::2]]
    X, Y, Xt, Yt = trainer.X_train, trainer.Y_train, trainer.X_test, trainer.Y_test
    act = np.tanh if trainer.config.activation == "tanh" else (lambda z: np.maximum(z, 0.0))
    tanh = trainer.config.activation == "tanh"
    lr, batch, n, L = trainer.config.lr, trainer.config.batch_size, len(X), len(Ws)
    rng = np.random.default_rng(0)

    def forward(a):
        acts = [a]
        for i in range(L - 1):
            a = act(a @ Ws[i] + bs[i])
            acts.append(a)
        z = a @ Ws[-1] + bs[-1]
        return acts, z

    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = rng.permutation(n)
        Xs, Ys = X[perm], Y[perm]
        for i in range(0, n, batch):
            xb, yb = Xs[i:i + batch], Ys[i:i + batch]
            acts, z = forward(xb)
            p = 1.0 / (1.0 + np.exp(-z))
            delta = (p - yb) / len(xb)
            for k in range(L - 1, -1, -1):
                gW = acts[k].T @ delta
                gb = delta.sum(axis=0)
                if k:
                    delta = delta @ Ws[k].T
                    delta *= (1.0 - acts[k] * acts[k]) if tanh else (acts[k] > 0)
                Ws[k] -= lr * gW
                bs[k] -= lr * gb
        if evaluate:
            for A, T in ((X, Y), (Xt, Yt)):
                z = forward(A)[1]
                float(np.mean(np.logaddexp(0.0, z) - T * z))
    return time.perf_counter() - t0


def sklearn_steps_per_s(trainer: Trainer, steps: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    cfg = trainer.config
    clf = MLPClassifier(hidden_layer_sizes=cfg.hidden, activation=cfg.activation, solver="sgd",
                        learning_rate_init=cfg.lr, momentum=0.0, alpha=0.0,
                        batch_size=cfg.batch_size)
    X, y = trainer.X_train, trainer.data.y_train
    b, n = cfg.batch_size, len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # batch_size clipped to the rows given
        clf.partial_fit(X[:b], y[:b], classes=np.array([0, 1]))
        t0 = time.perf_counter()
        for s in range(steps):
            i = (s * b) % n
            clf.partial_fit(X[i:i + b], y[i:i + b])
    return steps / (time.perf_counter() - t0)


def measure(name, quick: bool) -> dict:
    hidden, act, batch, points = CASES[name]
    steps_per_epoch = -(-points // batch)
    # Aim at ~0.3 s per trial.
    probe = make_trainer(hidden, act, batch, points)
    t0 = time.perf_counter()
    probe.run(1)
    epochs = max(1, int(0.3 / max(time.perf_counter() - t0, 1e-6)))
    trials = 3 if quick else 7
    eng, bare, plain, plain_eval = [], [], [], []
    for _ in range(trials):
        t = make_trainer(hidden, act, batch, points, eval_every=10**6)
        t0 = time.perf_counter()
        t.run(epochs)
        bare.append(time.perf_counter() - t0)
        t = make_trainer(hidden, act, batch, points)
        t0 = time.perf_counter()
        t.run(epochs)
        eng.append(time.perf_counter() - t0)
        plain.append(plain_loop(t, epochs, evaluate=False))
        plain_eval.append(plain_loop(t, epochs, evaluate=True))
    med = statistics.median
    e, b, p, pe = med(eng), med(bare), med(plain), med(plain_eval)
    steps = epochs * steps_per_epoch
    return {"name": name, "steps/s": steps / b, "epochs/s": epochs / e,
            "plain steps/s": steps / p, "ratio": b / p, "ratio vs plain+eval": e / pe,
            "trainer": probe}


def main():
    quick = "--quick" in sys.argv
    print(f"numpy {np.__version__}, one BLAS thread, medians of interleaved trials")
    print(f"{'case':5} {'network':24} {'batch':>5} {'steps/s':>10} {'epochs/s':>9} "
          f"{'plain steps/s':>13} {'ratio':>6} {'ratio+eval':>10} {'sklearn steps/s':>15}")
    for name, (hidden, act, batch, _points) in CASES.items():
        r = measure(name, quick)
        sk = sklearn_steps_per_s(r["trainer"], 200 if name != "C4" else 50)
        net = f"[2,{','.join(map(str, hidden))},1] {act}"
        print(f"{name:5} {net:24} {batch:>5} {r['steps/s']:>10,.0f} {r['epochs/s']:>9,.1f} "
              f"{r['plain steps/s']:>13,.0f} {r['ratio']:>6.2f} {r['ratio vs plain+eval']:>10.2f}"
              f" {sk:>15,.0f}")
    t = make_trainer(*CASES["C1"])
    times = []
    for _ in range(21):
        t0 = time.perf_counter()
        t.predict_grid(100)
        times.append(time.perf_counter() - t0)
    print(f"predict a 100x100 grid (C1 network): median {statistics.median(times) * 1e3:.2f} ms")
    print("steps/s and ratio: the engine with per-epoch evaluation off (eval_every large) against "
          "the plain loop, same epochs (goal <= 1.5).\nepochs/s and ratio+eval: the engine "
          "recording train/test loss and accuracy every epoch against a plain loop that also "
          "evaluates both losses every epoch.")


if __name__ == "__main__":
    main()
