"""Engine speed against NumPy loops and scikit-learn, measured in one run.

First, steps/s of one training step on three networks (issue 17): the app's `Trainer.step`, the
loop a notebook user writes with the public API (`loss_and_grads` + `opt.step`, as before and
with gradients as views), and our own hand-tuned flat NumPy loop (`HandTuned`, the practical
limit of a NumPy engine), with the ratios to it (goals: Trainer.step >= 0.85, public >= 0.7).
Then mini-batch steps/s and epochs/s for four networks, the engine/plain-loop time ratio
(the goal is <= 1.5), scikit-learn's MLPClassifier.partial_fit as a second reference, and the
time to predict a 100x100 grid. Trials are interleaved and medians reported, because the
machine is shared and noisy.
Usage: python bench/bench_engine.py [--quick] [--steps-only] [--check]
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
from engine.network import Network  # noqa: E402
from engine.optimizers import make_optimizer  # noqa: E402

keep_freed_memory()  # as the server does (engine/_memory.py)

# name: (hidden, activation, batch, training points)
CASES = {
    "C1": ((4, 2), "tanh", 10, 500),
    "C2": ((8, 8, 8), "tanh", 32, 1000),
    "C3": ((32, 32), "relu", 1000, 1000),
    "C4": ((64, 64, 64, 64), "relu", 128, 10_000),
}

# Issue 17's networks: name: (hidden, activation, batch, optimizer, lr, training points)
STEP_CASES = {
    "N1": ((4, 2), "tanh", 10, "sgd", 0.03, 500),
    "N2": ((8, 8, 8), "tanh", 32, "adam", 0.003, 1000),
    "N3": ((64, 64, 64, 64), "relu", 128, "adam", 0.001, 10_000),
}


def step_trainer(name: str) -> Trainer:
    hidden, act, batch, opt, lr, points = STEP_CASES[name]
    return Trainer(Config(dataset="circle", n_samples=2 * points, train_ratio=0.5, noise=0.1,
                          hidden=hidden, activation=act, batch_size=batch, optimizer=opt,
                          lr=lr, seed=1, eval_every=10**6))


class HandTuned:
    """The practical limit of a NumPy engine, written for one network: one flat parameter
    vector in which layer k is a (fan_in + 1, fan_out) view [W; b]; inputs carry a trailing
    column of ones, so the bias add and its gradient fold into the matrix products; buffers
    are preallocated per batch size; every operation is one ufunc or np.dot call (less
    overhead than matmul) writing into a given buffer; the sigmoid + cross-entropy gradient
    is fused; an optimizer update is a fixed number of whole-vector calls. Same data, start
    weights, shuffling and update rule as the engine."""

    def __init__(self, trainer: Trainer):
        net, cfg = trainer.net, trainer.config
        sizes = net.sizes
        self.L = L = len(sizes) - 1
        self.relu = cfg.activations[0] == "relu"
        self.adam = cfg.optimizer == "adam"
        self.lr, self.bs = cfg.lr, cfg.batch_size
        n_flat = sum((sizes[k] + 1) * sizes[k + 1] for k in range(L))
        self.P, self.G = np.zeros(n_flat), np.zeros(n_flat)
        self.Wb, self.W, self.GWb, o = [], [], [], 0
        for k in range(L):
            fi, fo = sizes[k], sizes[k + 1]
            wb = self.P[o:o + (fi + 1) * fo].reshape(fi + 1, fo)
            wb[:fi], wb[fi] = net.params[2 * k], net.params[2 * k + 1]
            self.Wb.append(wb)
            self.W.append(wb[:fi])
            self.GWb.append(self.G[o:o + (fi + 1) * fo].reshape(fi + 1, fo))
            o += (fi + 1) * fo
        X = trainer.X_train
        self.n = len(X)
        self.X1 = np.ones((self.n, X.shape[1] + 1))
        self.X1[:, :-1] = X
        self.Y2 = 2.0 * trainer.Y_train - 1.0  # sigmoid(z) - y == (tanh(z/2) - (2y - 1)) / 2
        self.X1s, self.Y2s = np.empty_like(self.X1), np.empty_like(self.Y2)
        self.T1, self.T2 = np.empty(n_flat), np.empty(n_flat)
        self.m, self.v = np.zeros(n_flat), np.zeros(n_flat)
        self.t = 0
        self.rng = np.random.default_rng(0)
        self.pos = self.n
        self.bufs = {}
        self.sizes = sizes

    def _buffers(self, n):
        b = self.bufs.get(n)
        if b is None:
            s = self.sizes
            A = [None] + [np.ones((n, s[k] + 1)) for k in range(1, self.L)]
            b = self.bufs[n] = (
                A, [None] + [a[:, :-1] for a in A[1:]],
                [np.empty((n, s[k + 1])) for k in range(self.L)],  # weighted sums
                [np.empty((n, s[k + 1])) for k in range(self.L)],  # their gradients
                [np.empty((n, s[k + 1])) for k in range(self.L)])  # scratch
        return b

    def step(self):
        if self.pos >= self.n:
            perm = self.rng.permutation(self.n)
            np.take(self.X1, perm, axis=0, out=self.X1s)
            np.take(self.Y2, perm, axis=0, out=self.Y2s)
            self.pos = 0
        i = self.pos
        j = self.pos = min(i + self.bs, self.n)
        n = j - i
        A, Av, Z, D, T = self._buffers(n)
        A[0] = self.X1s[i:j]
        Wb, W, GWb, L, mm = self.Wb, self.W, self.GWb, self.L, np.dot
        for k in range(L - 1):
            mm(A[k], Wb[k], Z[k])
            if self.relu:
                np.maximum(Z[k], 0.0, out=Av[k + 1])
            else:
                np.tanh(Z[k], Av[k + 1])
        d = D[L - 1]
        mm(A[L - 1], Wb[L - 1], Z[L - 1])
        np.multiply(Z[L - 1], 0.5, d)
        np.tanh(d, d)
        np.subtract(d, self.Y2s[i:j], d)
        np.multiply(d, 0.5 / n, d)
        for k in range(L - 1, -1, -1):
            mm(A[k].T, D[k], GWb[k])
            if k:
                dp = D[k - 1]
                mm(D[k], W[k].T, dp)
                if self.relu:
                    t = T[k - 1]
                    np.greater(Z[k - 1], 0.0, t)
                    np.multiply(dp, t, dp)
                else:
                    t = T[k - 1]
                    np.multiply(Av[k], Av[k], t)
                    np.multiply(t, dp, t)
                    np.subtract(dp, t, dp)
        P, G, T1, T2 = self.P, self.G, self.T1, self.T2
        if not self.adam:
            np.multiply(G, self.lr, T1)
            np.subtract(P, T1, P)
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        m, v = self.m, self.v
        np.multiply(m, b1, m)
        np.multiply(G, 1.0 - b1, T1)
        np.add(m, T1, m)
        np.multiply(v, b2, v)
        np.multiply(G, G, T1)
        np.multiply(T1, 1.0 - b2, T1)
        np.add(v, T1, v)
        np.multiply(v, 1.0 / (1.0 - b2**self.t), T2)
        np.sqrt(T2, T2)
        np.add(T2, eps, T2)
        np.multiply(m, self.lr / (1.0 - b1**self.t), T1)
        np.divide(T1, T2, T1)
        np.subtract(P, T1, P)


class PublicLoop:
    """The loop a notebook user writes: a Network, an optimizer, labels, shuffled batches.
    `views`: gradients as views of the model's gradient buffer (`loss_and_grads(...,
    copy=False)`), else fresh copies as before."""

    def __init__(self, trainer: Trainer, views: bool):
        cfg = trainer.config
        self.net = Network(trainer.net.sizes, cfg.activations, trainer.output, cfg.init,
                           seed=[cfg.seed, 1])
        self.opt = make_optimizer(cfg.optimizer, cfg.lr)
        self.X, self.y = trainer.X_train, trainer.data.y_train
        self.bs, self.n, self.pos = cfg.batch_size, len(self.X), len(self.X)
        self.rng = np.random.default_rng(0)
        self.views = views

    def step(self):
        if self.pos >= self.n:
            perm = self.rng.permutation(self.n)
            self.Xs, self.ys = self.X[perm], self.y[perm]
            self.pos = 0
        i = self.pos
        j = self.pos = i + self.bs
        net = self.net
        if self.views:
            loss, grads = net.loss_and_grads(self.Xs[i:j], self.ys[i:j], copy=False)
        else:
            loss, grads = net.loss_and_grads(self.Xs[i:j], self.ys[i:j])
        self.opt.step(net.params, grads)


def timed_steps(step, steps: int) -> float:
    """CPU seconds of this process for `steps` calls of step(): with one BLAS thread that is
    the wall time of an idle machine, and less disturbed than it by other processes."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        t0 = time.process_time()
        for _ in range(steps):
            step()
        return time.process_time() - t0


def check_hand_tuned(name: str, steps: int = 200) -> float:
    """Largest difference between the hand-tuned loop's weights and the engine's after
    `steps` steps with the same shuffling."""
    t = step_trainer(name)
    h = HandTuned(t)
    h.rng.bit_generator.state = t._shuffle_rng.bit_generator.state
    for _ in range(steps):
        t.step()
        h.step()
    L = h.L
    return max(max(float(np.abs(h.Wb[k][:-1] - t.net.params[2 * k]).max()),
                   float(np.abs(h.Wb[k][-1] - t.net.params[2 * k + 1]).max()))
               for k in range(L))


def measure_steps(name: str, quick: bool) -> dict:
    trainer = step_trainer(name)
    runners = {"trainer": trainer.step, "hand": HandTuned(step_trainer(name)).step,
               "public": PublicLoop(trainer, views=False).step,
               "views": PublicLoop(trainer, views=True).step}
    for step in runners.values():
        timed_steps(step, 50)  # warm up: buffers, caches
    per = timed_steps(runners["hand"], 200) / 200
    steps = max(100, int(0.15 / per))
    times = {k: [] for k in runners}
    for _ in range(5 if quick else 11):
        for k, step in runners.items():
            times[k].append(timed_steps(step, steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {k: steps / v for k, v in med.items()}


def steps_table(quick: bool, check: bool) -> None:
    print("one training step, steps/s of process CPU time (medians of interleaved trials); "
          "ratio = steps/s over the hand-tuned loop's")
    print(f"{'case':5} {'network':30} {'batch':>5} {'opt':>5} {'hand-tuned':>10} "
          f"{'Trainer.step':>12} {'ratio':>6} {'public':>8} {'ratio':>6} {'views':>8} "
          f"{'ratio':>6}" + ("  max |hand - engine|" if check else ""))
    for name, (hidden, act, batch, opt, _lr, _points) in STEP_CASES.items():
        r = measure_steps(name, quick)
        h = r["hand"]
        net = f"[2,{','.join(map(str, hidden))},1] {act}"
        extra = f"  {check_hand_tuned(name):.1e}" if check else ""
        print(f"{name:5} {net:30} {batch:>5} {opt:>5} {h:>10,.0f} {r['trainer']:>12,.0f} "
              f"{r['trainer'] / h:>6.2f} {r['public']:>8,.0f} {r['public'] / h:>6.2f} "
              f"{r['views']:>8,.0f} {r['views'] / h:>6.2f}{extra}")
    print("public: loss_and_grads + opt.step(net.params, grads); views: the same with "
          "loss_and_grads(..., copy=False), the documented fast form (the gradients are the "
          "model's own, valid until the next pass). Goals: Trainer.step >= 0.85, public >= 0.7.\n"
          "What remains: the engine's matrix products, activations and updates are the "
          "hand-tuned loop's (each layer one [W; b] product on inputs with a column of ones); "
          "Trainer.step adds its bookkeeping (the clock, counters, the divergence check), the "
          "public loop copies the inputs next to their column of ones, converts labels, "
          "applies the output and computes the loss, and without views copies the gradients.\n")


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
    steps_table(quick, "--check" in sys.argv)
    if "--steps-only" in sys.argv:
        return
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
