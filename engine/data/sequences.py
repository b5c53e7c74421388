"""Toy sequence tasks for recurrent networks and small transformers, in one registry.

Each task makes a SequenceData of n sequences of length T, deterministically for a seed and
without a loop over sequences. Token tasks give int64 token ids; `alphabet[i]` is the
character shown for token i.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._checks import check_int_range, check_real_range

# What the targets are and how they are laid out (n sequences of length T).
TARGETS = {
    "regression_per_step": "a real vector per step: targets (n, T, output_size) float64",
    "class_per_step": "a class per step from real inputs: targets (n, T) int64",
    "regression_at_end": "one real vector per sequence, after its last step: targets "
                         "(n, output_size) float64",
    "tokens_per_step": "a token per step from token inputs: targets (n, T) int64",
}
METRICS = ("mse", "accuracy")
MAX_EXAMPLES = 100_000
MAX_STEPS = 10_000_000  # n * T, about 80 MB of float64 per feature


@dataclass(frozen=True, eq=False)
class SequenceData:
    """n sequences of one task. inputs: (n, T, input_size) float64, or (n, T) int64 tokens
    for token tasks. targets: see TARGETS. mask: (n, T) bool, True where a per-step target is
    scored; None when every target is (always None for regression_at_end)."""

    task: str
    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None
    vocab_size: int | None

    @property
    def n(self) -> int:
        return self.inputs.shape[0]

    @property
    def T(self) -> int:
        return self.inputs.shape[1]

    def one_hot(self) -> np.ndarray:
        """Token inputs as one-hot vectors, (n, T, vocab_size) float64."""
        if self.vocab_size is None:
            raise ValueError(f"{self.task} has real-valued inputs, not tokens")
        return np.eye(self.vocab_size)[self.inputs]


@dataclass(frozen=True)
class Option:
    """A task option: a whole number if default is an int, else a real number, in [low, high]."""

    default: int | float
    low: int | float
    high: int | float
    description: str


Generate = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray | None]]


@dataclass(frozen=True, eq=False)
class SequenceTask:
    """A registry entry. `make(n, T, seed, **options)` -> SequenceData.

    input_size is the features per step (the one-hot width for token tasks); output_size the
    regression outputs or the number of classes. T_range is None when the options fix T
    (length_rule says how). `baseline(T, **options)` is the metric of the trivial answer that
    baseline_note names. whole_sequence: a step's target depends on later inputs, so only a
    model that sees the whole sequence (not a left-to-right RNN) can get it right."""

    name: str
    label: str
    description: str
    target: str
    metric: str
    input_size: int
    output_size: int
    alphabet: str | None
    T_range: tuple[int, int] | None
    default_T: int | None
    whole_sequence: bool
    baseline_note: str
    generate: Generate = field(repr=False)
    baseline_fn: Callable[..., float] = field(repr=False)
    options: Mapping[str, Option] = field(default_factory=dict)
    length_rule: str = ""  # how the options fix T, when they do
    length_fn: Callable[..., int] | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.target not in TARGETS or self.metric not in METRICS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)} and metric one of "
                             f"{', '.join(METRICS)}; got {self.target!r}, {self.metric!r}")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def vocab_size(self) -> int | None:
        return None if self.alphabet is None else len(self.alphabet)

    def resolve(self, T: int | None = None, **options) -> tuple[int, dict]:
        """Validate T and the options: (T, every option's value, defaults filled in)."""
        unknown = [k for k in options if k not in self.options]
        if unknown:
            valid = ", ".join(self.options) or "none"
            raise ValueError(f"unknown option {unknown[0]!r} for {self.name}; "
                             f"valid options: {valid}")
        values = {}
        for key, opt in self.options.items():
            value = options.get(key, opt.default)
            if isinstance(opt.default, int):
                values[key] = check_int_range(key, value, opt.low, opt.high)
            else:
                values[key] = check_real_range(key, value, opt.low, opt.high)
        if self.length_fn is not None:
            fixed = self.length_fn(**values)
            if T is not None and T != fixed:
                raise ValueError(f"T for {self.name} is fixed by its options "
                                 f"({self.length_rule}) at {fixed}; got {T!r}")
            return fixed, values
        T = self.default_T if T is None else T
        return check_int_range("T", T, *self.T_range), values

    def make(self, n: int, T: int | None = None, seed: int = 0, **options) -> SequenceData:
        """n sequences of length T (None: the default, or the length the options fix)."""
        seed = check_int_range("seed", seed, 0)
        return self._make(n, T, np.random.default_rng([seed, 0]), options)

    def baseline(self, T: int | None = None, **options) -> float:
        """The metric of the trivial answer (see baseline_note) for this T and options."""
        T, values = self.resolve(T, **options)
        return float(self.baseline_fn(T, **values))

    def _make(self, n, T, rng, options) -> SequenceData:
        T, values = self.resolve(T, **options)
        n = check_int_range("n", n, 1, MAX_EXAMPLES)
        if n * T > MAX_STEPS:
            raise ValueError(f"n·T must be at most {MAX_STEPS:,} steps; got {n}·{T} = {n * T:,}")
        inputs, targets, mask = self.generate(n, T, rng, **values)
        return SequenceData(task=self.name, inputs=inputs, targets=targets, mask=mask,
                            vocab_size=self.vocab_size)


# --- generators: (n, T, rng, **options) -> (inputs, targets, mask) ---------------------------

def _sine(n, T, rng, min_freq, max_freq, noise):
    if min_freq > max_freq:
        raise ValueError(f"min_freq must not exceed max_freq; got {min_freq:g} > {max_freq:g}")
    freq = rng.uniform(min_freq, max_freq, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    wave = np.sin(2 * np.pi * freq * np.arange(T + 1) + phase)  # (n, T + 1)
    if noise:
        wave += noise * rng.standard_normal(wave.shape)
    return wave[:, :-1, None].copy(), wave[:, 1:, None].copy(), None


def _parity(n, T, rng):
    bits = rng.integers(0, 2, (n, T))
    return bits[..., None].astype(np.float64), np.cumsum(bits, axis=1) % 2, None


def _adding(n, T, rng):
    values = rng.uniform(0, 1, (n, T))
    half = T // 2
    first = rng.integers(0, half, n)  # one marker in steps [0, T//2)
    second = rng.integers(half, T, n)  # and one in [T//2, T)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), target[:, None], None


COPY_SYMBOLS = 8
COPY_BLANK, COPY_GO = 8, 9
COPY_ALPHABET = "01234567_>"


def _copy(n, T, rng, n_tokens, delay):
    """inputs: n_tokens symbols (0-7), delay blanks '_', the go marker '>', n_tokens blanks;
    targets: blanks, then the symbols at the last n_tokens steps, the only ones scored.
    E.g. n_tokens 3, delay 2: inputs '352__>___', targets '______352'."""
    symbols = rng.integers(0, COPY_SYMBOLS, (n, n_tokens))
    inputs = np.full((n, T), COPY_BLANK, dtype=np.int64)
    inputs[:, :n_tokens] = symbols
    inputs[:, n_tokens + delay] = COPY_GO
    targets = np.full((n, T), COPY_BLANK, dtype=np.int64)
    targets[:, T - n_tokens:] = symbols
    mask = np.zeros((n, T), dtype=bool)
    mask[:, T - n_tokens:] = True
    return inputs, targets, mask


TOKENS = 10  # vocabulary of reverse, sort and max: the digits 0-9
DIGITS = "0123456789"


# The tokens reverse, sort and max draw from: the digits 0 to vocab - 1 (the alphabet, and so
# the network's input and output size, stays the ten digits).
VOCAB = Option(TOKENS, 2, TOKENS, "tokens in use, the digits 0 to vocab - 1")


def _reverse(n, T, rng, vocab):
    x = rng.integers(0, vocab, (n, T))
    return x, x[:, ::-1].copy(), None


def _sort(n, T, rng, vocab):
    x = rng.integers(0, vocab, (n, T))
    return x, np.sort(x, axis=1), None


def _max(n, T, rng, vocab):
    x = rng.integers(0, vocab, (n, T))
    return x, np.repeat(x.max(axis=1, keepdims=True), T, axis=1), None


ADDITION_ALPHABET = "0123456789+=_"
PLUS, EQUALS, BLANK = 10, 11, 12


def _addition(n, T, rng, digits):
    """k = digits; a and b uniform in 0..10^k - 1. inputs: a's k digits (most significant
    first, zero-padded), '+', b's k digits, '=', k+1 blanks '_'. targets: blanks at the
    first 2k+2 steps, then a+b's k+1 digits least significant first (zero-padded), scored.
    Token ids: digits 0-9, '+' 10, '=' 11, '_' 12. E.g. k 2: '47+85=___' -> '______231'."""
    k = digits
    a, b = rng.integers(0, 10**k, (2, n))
    place = 10 ** np.arange(k - 1, -1, -1)  # most significant digit first
    answer = (a + b)[:, None] // 10 ** np.arange(k + 1) % 10  # least significant first
    inputs = np.full((n, T), BLANK, dtype=np.int64)
    inputs[:, :k] = a[:, None] // place % 10
    inputs[:, k] = PLUS
    inputs[:, k + 1:2 * k + 1] = b[:, None] // place % 10
    inputs[:, 2 * k + 1] = EQUALS
    targets = np.full((n, T), BLANK, dtype=np.int64)
    targets[:, 2 * k + 2:] = answer
    mask = np.zeros((n, T), dtype=bool)
    mask[:, 2 * k + 2:] = True
    return inputs, targets, mask


def _addition_baseline(T, digits):
    # Answer digits 0..k-1 are uniform; the last (the carry) is 0 with probability
    # (N + 1) / 2N, N = 10^k; so always answering 0 is right this often.
    N = 10**digits
    return (digits / 10 + (N + 1) / (2 * N)) / (digits + 1)


SEQUENCE_TASKS: dict[str, SequenceTask] = {
    task.name: task for task in [
        SequenceTask(
            name="sine", label="Sine wave",
            description="Predict a sine wave's next value; each sequence has its own frequency "
                        "and phase.",
            target="regression_per_step", metric="mse", input_size=1, output_size=1,
            alphabet=None, T_range=(2, 1000), default_T=50, whole_sequence=False,
            baseline_note="MSE of always answering 0, the mean: exactly 1/2 + noise².",
            generate=_sine, baseline_fn=lambda T, min_freq, max_freq, noise: 0.5 + noise**2,
            options={
                "min_freq": Option(0.05, 0.01, 0.5, "lowest frequency, cycles per step"),
                "max_freq": Option(0.2, 0.01, 0.5, "highest frequency, cycles per step"),
                "noise": Option(0.0, 0.0, 1.0, "std of Gaussian noise added to every value"),
            }),
        SequenceTask(
            name="parity", label="Running parity",
            description="Say if the bits so far hold an odd number of 1s; every earlier bit "
                        "matters.",
            target="class_per_step", metric="accuracy", input_size=1, output_size=2,
            alphabet=None, T_range=(1, 1000), default_T=10, whole_sequence=False,
            baseline_note="Accuracy of always answering 0 (even): exactly 1/2.",
            generate=_parity, baseline_fn=lambda T: 0.5),
        SequenceTask(
            name="adding", label="Adding problem",
            description="Add the two marked values; the markers may lie far apart.",
            target="regression_at_end", metric="mse", input_size=2, output_size=1,
            alphabet=None, T_range=(2, 1000), default_T=30, whole_sequence=False,
            baseline_note="MSE of always answering 1, the mean: exactly 1/6, the variance of "
                          "a sum of two uniform values.",
            generate=_adding, baseline_fn=lambda T: 1 / 6),
        SequenceTask(
            name="copy", label="Copy after a delay",
            description="Recall a few tokens after a long stretch of blanks, when the go "
                        "marker comes.",
            target="tokens_per_step", metric="accuracy", input_size=10, output_size=10,
            alphabet=COPY_ALPHABET, T_range=None, default_T=None, whole_sequence=False,
            baseline_note="Accuracy of always answering one symbol at the recall steps: "
                          "exactly 1/8.",
            generate=_copy, baseline_fn=lambda T, n_tokens, delay: 1 / COPY_SYMBOLS,
            options={
                "n_tokens": Option(3, 1, 10, "how many tokens to remember"),
                "delay": Option(10, 0, 500, "blank steps between the tokens and the go marker"),
            },
            length_rule="T = 2·n_tokens + delay + 1",
            length_fn=lambda n_tokens, delay: 2 * n_tokens + delay + 1),
        SequenceTask(
            name="reverse", label="Reverse",
            description="Output the sequence backwards; each output needs the token at the "
                        "mirror place.",
            target="tokens_per_step", metric="accuracy", input_size=TOKENS, output_size=TOKENS,
            alphabet=DIGITS, T_range=(4, 12), default_T=8, whole_sequence=True,
            baseline_note="Accuracy of always answering one token: exactly 1/vocab (1/10).",
            generate=_reverse, baseline_fn=lambda T, vocab: 1 / vocab,
            options={"vocab": VOCAB}),
        SequenceTask(
            name="sort", label="Sort",
            description="Output the tokens in ascending order; each output depends on all "
                        "inputs.",
            target="tokens_per_step", metric="accuracy", input_size=TOKENS, output_size=TOKENS,
            alphabet=DIGITS, T_range=(4, 12), default_T=8, whole_sequence=True,
            baseline_note="Accuracy of always answering one token: exactly 1/vocab (1/10).",
            generate=_sort, baseline_fn=lambda T, vocab: 1 / vocab,
            options={"vocab": VOCAB}),
        SequenceTask(
            name="max", label="Maximum",
            description="Output the largest token at every step; always answering the largest "
                        "one in use is often right.",
            target="tokens_per_step", metric="accuracy", input_size=TOKENS, output_size=TOKENS,
            alphabet=DIGITS, T_range=(4, 12), default_T=8, whole_sequence=True,
            baseline_note="Accuracy of always answering the largest token: exactly "
                          "1 - (1 - 1/vocab)^T (0.570 for T = 8 and 10 tokens).",
            generate=_max, baseline_fn=lambda T, vocab: 1 - (1 - 1 / vocab)**T,
            options={"vocab": VOCAB}),
        SequenceTask(
            name="addition", label="Addition",
            description="Add two numbers written as digit tokens; the answer comes out "
                        "reversed.",
            target="tokens_per_step", metric="accuracy", input_size=13, output_size=13,
            alphabet=ADDITION_ALPHABET, T_range=None, default_T=None, whole_sequence=False,
            baseline_note="Accuracy of always answering 0 at the answer steps: exactly "
                          "(k/10 + (N+1)/2N)/(k+1) with N = 10^k; 0.235 for k = 2.",
            generate=_addition, baseline_fn=_addition_baseline,
            options={"digits": Option(2, 1, 9, "digits per number, k")},
            length_rule="T = 3·digits + 3", length_fn=lambda digits: 3 * digits + 3),
    ]
}


def make_sequences(name: str, n: int, T: int | None = None, seed: int = 0,
                   **options) -> SequenceData:
    """n sequences of task `name`; see SequenceTask.make."""
    return get_task(name).make(n, T, seed, **options)


def make_train_test(name: str, n_train: int, n_test: int, T: int | None = None, seed: int = 0,
                    **options) -> tuple[SequenceData, SequenceData]:
    """A training set (the same as make_sequences with this seed) and a test set drawn from
    a separate random stream, so it repeats no make_sequences output for any seed."""
    task = get_task(name)
    seed = check_int_range("seed", seed, 0)
    train = task._make(n_train, T, np.random.default_rng([seed, 0]), options)
    test = task._make(n_test, T, np.random.default_rng([seed, 1]), options)
    return train, test


def get_task(name: str) -> SequenceTask:
    if name not in SEQUENCE_TASKS:
        raise ValueError(f"unknown sequence task {name!r}; choose one of: "
                         f"{', '.join(SEQUENCE_TASKS)}")
    return SEQUENCE_TASKS[name]


def decode(name: str, tokens) -> str:
    """Token ids (T,) of task `name` as text, one character per token."""
    alphabet = get_task(name).alphabet
    if alphabet is None:
        raise ValueError(f"{name} has real-valued inputs, not tokens")
    return "".join(alphabet[int(t)] for t in np.asarray(tokens).ravel())
