"""Layer speed against PyTorch: forward + backward calls/s of our float64 NumPy layers and of
torch float32 eager (autograd, gradients zeroed each call), one thread each, on the sizes of
the playground's models. Trials are interleaved and medians reported (the machine is shared).

Not a test: prints a table. The first layer of a model needs no input gradient, so the CNN and
the recurrent layers skip it (as torch does for an input without requires_grad); the
transformer block follows an embedding, so both compute it.
Usage: python bench/bench_layers_micro.py [--quick]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine import keep_freed_memory  # noqa: E402
from engine.layers import GRU, LSTM, Conv2D, MaxPool2D, TransformerBlock  # noqa: E402

keep_freed_memory()  # as the server does: freed temporaries stay in the process
torch.set_num_threads(1)


def ours(layers, x_shape, need_dx=False, seed=0):
    """A step function: forward through `layers`, backward of a fixed output gradient."""
    rng = np.random.default_rng(seed)
    for layer in layers:
        layer.bind([rng.normal(0.0, 0.3, s) for s in layer.param_shapes],
                   [np.zeros(s) for s in layer.param_shapes])
    x = rng.normal(size=x_shape)
    a = x
    for layer in layers:
        a = layer.forward(a)
    dy = rng.normal(size=a.shape)

    def step():
        a = x
        for layer in layers:
            a = layer.forward(a)
        d = dy
        for layer in layers[:0:-1]:
            d = layer.backward(d, True)
        layers[0].backward(d, need_dx)
    return step


def theirs(module, x_shape, need_dx=False, out=lambda r: r, seed=0):
    torch.manual_seed(seed)
    x = torch.randn(x_shape, requires_grad=need_dx)
    dy = torch.randn(out(module(x)).shape)

    def step():
        module.zero_grad(set_to_none=True)
        if need_dx:
            x.grad = None
        out(module(x)).backward(dy)
    return step


class TorchBlock(torch.nn.Module):
    def __init__(self, dim, heads, ff):
        super().__init__()
        self.ln1, self.ln2 = torch.nn.LayerNorm(dim), torch.nn.LayerNorm(dim)
        self.mha = torch.nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff1, self.ff2 = torch.nn.Linear(dim, ff), torch.nn.Linear(ff, dim)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.mha(h, h, h, need_weights=True, average_attn_weights=False)[0]
        return x + self.ff2(torch.relu(self.ff1(self.ln2(x))))


CASES = {
    "conv 1->8 k3 pad1 relu + maxpool2, (32,1,8,8)": (
        lambda: ours([Conv2D(1, 8, 3, padding=1, activation="relu"), MaxPool2D(2)],
                     (32, 1, 8, 8)),
        lambda: theirs(torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1),
                                           torch.nn.ReLU(), torch.nn.MaxPool2d(2)),
                       (32, 1, 8, 8))),
    "LSTM 1->32, (32,30,1)": (
        lambda: ours([LSTM(1, 32)], (32, 30, 1)),
        lambda: theirs(torch.nn.LSTM(1, 32, batch_first=True), (32, 30, 1),
                       out=lambda r: r[0])),
    "GRU 1->32, (32,10,1)": (
        lambda: ours([GRU(1, 32)], (32, 10, 1)),
        lambda: theirs(torch.nn.GRU(1, 32, batch_first=True), (32, 10, 1),
                       out=lambda r: r[0])),
    "TransformerBlock dim32 heads2 ff64, (32,8,32)": (
        lambda: ours([TransformerBlock(32, 2, 64)], (32, 8, 32), need_dx=True),
        lambda: theirs(TorchBlock(32, 2, 64), (32, 8, 32), need_dx=True)),
}


def rate(step, seconds: float) -> float:
    """Calls per second of step() over about `seconds`."""
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main(quick: bool = False) -> None:
    trials, seconds = (5, 0.1) if quick else (15, 0.25)
    print(f"forward+backward calls/s, median of {trials} interleaved trials, one thread")
    print(f"{'case':48s} {'ours f64':>10s} {'torch f32':>10s} {'ratio':>7s}")
    for name, (make_ours, make_theirs) in CASES.items():
        a, b = make_ours(), make_theirs()
        for step in (a, b):  # warm up
            rate(step, seconds / 2)
        ra, rb = [], []
        for _ in range(trials):
            ra.append(rate(a, seconds))
            rb.append(rate(b, seconds))
        ma, mb = statistics.median(ra), statistics.median(rb)
        print(f"{name:48s} {ma:10.0f} {mb:10.0f} {ma / mb:6.2f}x")


if __name__ == "__main__":
    main("--quick" in sys.argv)
