"""Sequence learning: a recurrent network (RNN, GRU, LSTM) or a small transformer on the toy
tasks of engine.data.sequences, on the shared training core, with the views a page shows while
it trains (predictions of one sequence, hidden states and gates over time, the gradient norm
through time, attention weights, position embeddings, one attention head step by step).

Inputs: real-valued tasks feed (n, T, d) values. Token tasks feed recurrent nets one-hot vectors
(no extra parameters: a recurrent layer's input weights already act as an embedding of each
token) and the transformer an Embedding. Outputs are per position (a softmax or a value at
every step, scored where the task's mask says) or, for tasks answered at the end, the last
step's (LastStep).
"""

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .data.sequences import SEQUENCE_TASKS, SequenceData, get_task, make_train_test
from .fields import Choice, Flag, Number, Settings, settings
from .layers import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Dropout,
    Embedding,
    LastStep,
    LayerNorm,
    PositionEmbedding,
    SinusoidalPosition,
    TransformerBlock,
)
from .model import Model
from .optimizers import LR_HELP, OPTIMIZERS, hyper_fields
from .schedules import SCHEDULES
from .training import TrainerBase

FORMAT = "nn-playground-sequences-v2"
MAX_T = 100  # longest sequence offered
RECURRENT = {"rnn": RNN, "gru": GRU, "lstm": LSTM}
CELL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}  # short names, for captions and runs
# The tasks each kind of network is offered by the pages, in teaching order: a left-to-right
# recurrent network, and the transformer's token tasks.
RECURRENT_TASKS = ("sine", "parity", "adding", "copy")
TRANSFORMER_TASKS = ("reverse", "sort", "copy", "max", "addition")
RECURRENT_ONLY = frozenset({"hidden", "layers", "bptt"})
TRANSFORMER_ONLY = frozenset({"dim", "heads", "blocks", "position", "causal", "ff", "dropout"})
GRAD_BATCH = 32  # the fixed batch (the first training sequences) of gradient_through_time
GRAD_RECENT = 8  # training batches whose recorded gradient norms through time are kept
# Floats one forward and backward pass may hold at once (about 20 MB): longer sequences and
# larger networks are trained and evaluated in parts of the batch (the same gradient).
FLOAT_BUDGET = 2_500_000

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
BATCHES = (1, 8, 16, 32, 64, 128, 256)
OPTION_LABELS = {"min_freq": "Lowest frequency", "max_freq": "Highest frequency",
                 "noise": "Noise", "n_tokens": "Tokens to copy", "delay": "Delay",
                 "digits": "Digits per number", "vocab": "Vocabulary size"}


def _option_fields() -> list[Number]:
    """One rebuild field per option of any task (a name that several tasks share is one and
    the same option: vocab of reverse, sort and max)."""
    tasks: dict[str, list[str]] = {}
    options = {}
    for task in SEQUENCE_TASKS.values():
        for name, opt in task.options.items():
            assert options.setdefault(name, opt) == opt, name
            tasks.setdefault(name, []).append(task.label)
    out = []
    for name, opt in options.items():
        integer = isinstance(opt.default, int)
        out.append(Number(name, opt.default, OPTION_LABELS[name],
                          f"{', '.join(tasks[name])}: {opt.description[0].upper()}"
                          f"{opt.description[1:]}.", low=opt.low, high=opt.high,
                          integer=integer, step=1 if integer else 0.01))
    return out


TASK_OPTIONS = {name: frozenset(t.options) for name, t in SEQUENCE_TASKS.items()}
ALL_OPTIONS = frozenset().union(*TASK_OPTIONS.values())

FIELDS = (
    # task
    Choice("task", "parity", "Task", "The sequence task to learn.", options=SEQUENCE_TASKS),
    Number("length", 0, "Length T", "Steps per sequence (0: the task's default). Copy and "
           "addition take theirs from their options.", low=0, high=MAX_T, integer=True),
    *_option_fields(),
    Number("n_train", 2000, "Training sequences", "How many sequences the network trains on.",
           low=32, high=5000, integer=True, offered=(500, 1000, 2000, 5000)),
    Number("n_test", 500, "Test sequences", "Sequences kept aside to measure how well the "
           "network does on sequences it never trained on.", low=32, high=2000, integer=True,
           offered=(200, 500, 1000, 2000)),
    # network
    Choice("model", "gru", "Network", "A recurrent network reads the sequence one step at a "
           "time; a transformer looks at all steps at once through attention.",
           options=("rnn", "gru", "lstm", "transformer"),
           labels={"rnn": "RNN (tanh)", "gru": "GRU", "lstm": "LSTM",
                   "transformer": "Transformer"}),
    Number("hidden", 32, "Hidden size", "Neurons in the recurrent state carried from step "
           "to step.", low=1, high=64, integer=True, offered=(4, 8, 16, 32, 64)),
    Number("layers", 1, "Recurrent layers", "One layer, or two stacked (the second reads the "
           "first's states).", low=1, high=2, integer=True, offered=(1, 2)),
    Number("dim", 32, "Embedding size", "Width of the vector each position carries through "
           "the transformer.", low=8, high=64, integer=True, offered=(8, 16, 32, 64)),
    Number("heads", 2, "Attention heads", "Attention patterns each block computes side by side "
           "(the embedding size must divide by it).", low=1, high=4, integer=True,
           offered=(1, 2, 4)),
    Number("blocks", 1, "Transformer blocks", "Attention plus feed-forward blocks in sequence.",
           low=1, high=2, integer=True, offered=(1, 2)),
    Choice("position", "learned", "Position information", "How a position is told apart: a "
           "learned vector per position, fixed sine waves, or nothing (attention alone cannot "
           "tell the order).", options=("learned", "sinusoidal", "none"),
           labels={"learned": "Learned", "sinusoidal": "Sinusoidal", "none": "None"}),
    Flag("causal", False, "Causal mask", "Let each position attend only to itself and earlier "
         "ones, as a left-to-right model.", live=True),
    Number("ff", 64, "Feed-forward width", "Neurons in the hidden layer of each "
           "block's feed-forward part.",
           low=8, high=256, integer=True, offered=(16, 32, 64, 128, 256)),
    Number("dropout", 0.0, "Dropout", "During training, switch off this share of the attention "
           "and feed-forward outputs.", live=True, low=0.0, high=0.5, slider=True, step=0.05),
    # training: every one of these applies live
    Choice("optimizer", "adam", "Optimizer", "The rule that turns gradients into weight "
           "changes. Switching keeps the weights and starts the optimizer's memory afresh.",
           live=True, options=OPTIMIZERS),
    Number("lr", 0.01, "Learning rate", LR_HELP,
           live=True, low=1e-6, high=10.0, offered=LEARNING_RATES),
    *hyper_fields(),
    Number("batch_size", 32, "Batch size", "Sequences per gradient step.", live=True, low=1,
           high=256, integer=True, offered=BATCHES),
    Flag("clip", False, "Gradient clipping", "Scale the gradient down whenever its norm exceeds "
         "the threshold: one long sequence's exploding gradient cannot throw the weights "
         "away.", live=True),
    Number("clip_norm", 1.0, "Clipping threshold", "The largest gradient norm a step may use.",
           live=True, low=1e-3, high=1e3, offered=(0.1, 0.5, 1.0, 5.0, 10.0)),
    Number("bptt", 0, "Backpropagation window", "Cut the gradient through the recurrent state "
           "every this many steps (truncated backpropagation through time; 0: never).",
           live=True, low=0, high=MAX_T, integer=True),
    Choice("schedule", "constant", "Learning-rate schedule", "How the learning rate changes "
           "over the epochs.", live=True, options=SCHEDULES),
    Number("lr_decay", 0.5, "Decay", "Factor the schedule multiplies the rate by (per period, "
           "or at its end for cosine).", live=True, low=1e-3, high=1.0, step=0.05),
    Number("lr_period", 10, "Period (epochs)", "Epochs over which the schedule applies one "
           "decay.", live=True, low=1, high=100_000, integer=True),
    Flag("early_stopping", False, "Early stopping", "Stop when the test loss has not improved "
         "for a while, and go back to the best weights.", live=True),
    Number("patience", 5, "Patience (epochs)", "Epochs without a better test loss before early "
           "stopping acts.", live=True, low=1, high=100_000, integer=True),
    Number("max_epochs", 100, "Epoch budget", "Stop after this many epochs (0: never).",
           live=True, low=0, high=1_000_000, integer=True, step=10),
    Number("target_loss", 0.0, "Target loss", "Stop once the training loss is at or below this "
           "value (0: never).", live=True, low=0.0, high=100.0, step=0.01),
    Number("eval_every", 1, "Record every", "Record the history (and check the stop conditions) "
           "every this many epochs.", live=True, low=1, high=100_000, integer=True),
    Number("seed", 0, "Seed", "Fixes the sequences, starting weights, shuffling and dropout: "
           "the same seed gives the same run.", low=0, high=2**32 - 1, integer=True, step=1),
)


@settings(*FIELDS)
class SequenceConfig(Settings):
    """Everything that defines a sequence run. Invalid values raise ValueError with a readable
    message; `live_fields()` are the settings that apply to a running trainer. Options of
    another task than `task`, and settings of the other kind of network, are kept but unused."""

    WHAT = "sequence settings"
    GROUPS = (("task", "length", *sorted(ALL_OPTIONS)), ("model", "dim", "heads"))

    def _check(self) -> None:
        T = self.resolved()
        get_task(self.task).make(1, T, 0, **self.options())  # the task's own checks
        if self.model == "transformer" and self.dim % self.heads:
            raise ValueError(f"the embedding size ({self.dim}) must divide by the number of "
                             f"heads ({self.heads})")

    def parameters(self) -> int:
        return _parameters(self)

    @property
    def recurrent(self) -> bool:
        return self.model != "transformer"

    def options(self) -> dict:
        """The task's own options, from these settings."""
        return {k: getattr(self, k) for k in get_task(self.task).options}

    def resolved(self) -> int:
        """The sequence length T these settings give; ValueError when the task refuses it."""
        task = get_task(self.task)
        T, _ = task.resolve(self.length or None, **self.options())
        if T > MAX_T:
            raise ValueError(f"{task.label} sequences of {T} steps are longer than the "
                             f"{MAX_T} offered: shorten the delay or the numbers")
        return T


GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _parameters(cfg: SequenceConfig) -> int:
    """The weights and biases of build_model(cfg), counted without building it."""
    task, T = get_task(cfg.task), cfg.resolved()
    d, k = task.input_size, task.output_size
    if cfg.recurrent:
        n, width, gh = 0, d, GATES[cfg.model] * cfg.hidden
        for _ in range(cfg.layers):
            n += gh * (width + cfg.hidden) + 2 * gh
            width = cfg.hidden
    else:
        width = cfg.dim
        n = task.vocab_size * width if task.vocab_size else d * width + width
        n += T * width if cfg.position == "learned" else 0
        block = 4 * width + 4 * width * width + 4 * width + 2 * width * cfg.ff + cfg.ff + width
        n += cfg.blocks * block + 2 * width
    return n + width * k + k


def build_model(cfg: SequenceConfig) -> Model:
    """The network `cfg` describes for its task.

    Recurrent: RNN/GRU/LSTM(hidden) x layers on (n, T, d) inputs (one-hot for token tasks).
    Transformer: Embedding(vocab, dim) for tokens or Dense(d, dim) for values, learned or
    sinusoidal positions (or none), TransformerBlock(dim, heads, ff, dropout, causal) x blocks,
    LayerNorm. Then LastStep when the task answers at the end, and Dense(k) per position:
    softmax with cross-entropy for classes, linear with mean squared error for values."""
    task, T = get_task(cfg.task), cfg.resolved()
    d, k = task.input_size, task.output_size
    if cfg.recurrent:
        layers, width = [], d
        for _ in range(cfg.layers):
            layers.append(RECURRENT[cfg.model](width, cfg.hidden))
            width = cfg.hidden
    else:
        width = cfg.dim
        layers = [Embedding(task.vocab_size, width) if task.vocab_size else Dense(d, width)]
        if cfg.position == "learned":
            layers.append(PositionEmbedding(T, width))
        elif cfg.position == "sinusoidal":
            layers.append(SinusoidalPosition(T, width))
        layers += [TransformerBlock(width, cfg.heads, cfg.ff, cfg.dropout, cfg.causal)
                   for _ in range(cfg.blocks)]
        layers.append(LayerNorm(width))
    if task.target == "regression_at_end":
        layers.append(LastStep())
    layers.append(Dense(width, k))
    output = "softmax" if task.metric == "accuracy" else "linear"
    return Model(layers, output, seed=[cfg.seed, 1])


@dataclass(frozen=True)
class SequenceView:
    """One sequence and what the network makes of it. inputs: token ids (T,) or values
    (T, d); text: the tokens as characters (None for values). target: classes (T,) or values
    (T, k) per step, values (k,) at the end; None for a typed sequence. prediction: the same
    layout as target. probabilities: (T, k) per-step class probabilities (None for values).
    scored: (T,) the positions the task scores; correct: (T,) bool at scored positions
    (None without a target or for values)."""

    inputs: np.ndarray
    text: str | None
    target: np.ndarray | None
    prediction: np.ndarray
    probabilities: np.ndarray | None
    scored: np.ndarray
    correct: np.ndarray | None


@dataclass(frozen=True)
class PositionView:
    """The position vectors (T, dim), learned or sinusoidal, and their cosine similarity
    (T, T): how alike the network's codes of two positions are."""

    kind: str
    vectors: np.ndarray
    similarity: np.ndarray


@dataclass(frozen=True)
class HeadSteps:
    """One attention head's computation for one sequence, from the engine's weights:
    x (T, dim) the normalized input the attention reads; queries, keys, values (T, dh) =
    x @ W.T + b for the head's rows of the in-projection; scores (T, T) = q k^T / sqrt(dh)
    (-inf above the diagonal when causal); weights (T, T) = softmax of each row; output (T, dh)
    = weights @ values; contribution (T, dim) = output @ (the head's columns of the
    out-projection).T, its share of the layer's output (the layer adds the heads' shares and
    its bias)."""

    block: int
    head: int
    x: np.ndarray
    queries: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    output: np.ndarray
    contribution: np.ndarray


def _cosine(v: np.ndarray) -> np.ndarray:
    norms = np.sqrt((v * v).sum(axis=1))
    u = v / np.maximum(norms, 1e-12)[:, None]
    return u @ u.T


class SequenceTrainer(TrainerBase):
    """Trains a recurrent network or a transformer on a sequence task from a SequenceConfig,
    on the shared core: `step()`, `run(epochs)`, `apply(config)`, `history`, `status`,
    `save`/`load`. History: train and test loss, then per-step and whole-sequence accuracy
    (classification: `train_accuracy`, `train_sequence_accuracy`, test likewise) or `train_mse`
    and `test_mse`; `baseline` is the task's trivial score for a chart. `model` is the Model;
    `train` and `test` the SequenceData; `T` the length; `chunk` the most sequences one pass
    takes (a larger batch is trained in parts whose gradients add up to the batch's). Each
    training batch's backward pass leaves the recurrent layers' |dL/dh_t|, which the trainer
    keeps for the last GRAD_RECENT batches (`recorded_gradient_through_time`)."""

    SETTINGS = SequenceConfig
    FORMAT = FORMAT

    def __init__(self, config: SequenceConfig | dict | None = None, data=None,
                 max_history: int = 4000):
        if data is not None:
            raise ValueError("the sequence tasks make their own data")
        super().__init__(config, None, max_history)

    # --- the core's hooks ---------------------------------------------------------------------
    def _build_kind(self) -> None:
        cfg = self.config
        self.task = task = get_task(cfg.task)
        self.T = cfg.resolved()
        self.train, self.test = make_train_test(cfg.task, cfg.n_train, cfg.n_test, self.T,
                                                cfg.seed, **cfg.options())
        self.model = build_model(cfg)
        self.classify = task.metric == "accuracy"
        self.k = task.output_size
        self._one_hot = cfg.recurrent and task.vocab_size is not None
        self.n_train, self.n_test = self.train.n, self.test.n
        self._recurrent = [layer for layer in self.model.layers
                           if isinstance(layer, RNN | GRU | LSTM)]
        self._grad_record: deque[np.ndarray] = deque(maxlen=GRAD_RECENT)
        self._blocks = [layer for layer in self.model.layers
                        if isinstance(layer, TransformerBlock)]
        train, evaluate = self._floats_per_sequence()
        self.chunk = max(1, FLOAT_BUDGET // train)
        self.eval_chunk = max(1, FLOAT_BUDGET // evaluate)
        self._dropout_rng = self._rng("dropout", 3)

    def _floats_per_sequence(self) -> tuple[int, int]:
        """About how many floats one sequence holds in a forward and backward pass (every
        layer's forward caches, then the backward's temporaries), and in a forward pass
        alone."""
        cfg, T = self.config, self.T
        io = T * (self.task.input_size + 6 * self.k + 8)
        if cfg.recurrent:
            cache, work = 8 * T * cfg.hidden * cfg.layers, 14 * T * cfg.hidden
        else:
            cache = cfg.blocks * (T * (14 * cfg.dim + 3 * cfg.ff) + 2 * cfg.heads * T * T) \
                + 6 * T * cfg.dim
            work = T * (10 * cfg.dim + 3 * cfg.ff) + 4 * cfg.heads * T * T
        return io + cache + work, io + cache

    def _apply_live(self) -> None:
        cfg = self.config
        if any(layer.truncate != (cfg.bptt or None) for layer in self._recurrent):
            self._grad_record.clear()  # recorded under another truncation
        for layer in self._recurrent:
            layer.truncate = cfg.bptt or None
        for block in self._blocks:
            block.mha.causal = cfg.causal
            for residual in block.layers:
                drop = residual.layers[-1]
                assert isinstance(drop, Dropout)
                drop.rate = cfg.dropout
        self._drop = self._dropout_rng if self._blocks and cfg.dropout else None

    def _setting(self, name: str):
        if name == "clip_norm" and not self.config.clip:
            return 0.0
        return super()._setting(name)

    def _same(self, a: SequenceConfig, b: SequenceConfig, name: str) -> bool:
        # Settings of the other kind of network, or options of another task, change nothing.
        if a.recurrent == b.recurrent and name in (TRANSFORMER_ONLY if a.recurrent
                                                   else RECURRENT_ONLY):
            return True
        if a.task == b.task and name in ALL_OPTIONS - TASK_OPTIONS[a.task]:
            return True
        return getattr(a, name) == getattr(b, name)

    def _shuffle(self, order: np.ndarray) -> None:
        d = self.train
        self._Xs, self._Ys = d.inputs[order], d.targets[order]
        self._Ms = None if d.mask is None else d.mask[order]

    def _encode(self, inputs: np.ndarray) -> np.ndarray:
        """Model inputs from task inputs: one-hot vectors of token ids for recurrent nets."""
        if self._one_hot:
            return np.eye(self.task.vocab_size)[inputs]
        return inputs

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return self.model.targets(y, self.k, y.ndim + 1) if self.classify else y

    def _train_batch(self, i: int, j: int) -> None:
        j = min(j, self.n_train)
        model, c = self.model, self.chunk
        if j - i <= c:
            self._backprop(i, j)
            if self._recurrent:
                self._grad_record.append(np.stack(
                    [layer.grad_norm_through_time for layer in self._recurrent]))
        else:  # parts of the batch, each weighted by its share of the scored positions
            total = np.zeros_like(model.flat_grad)
            counts = [self._scored_count(a, min(a + c, j)) for a in range(i, j, c)]
            squares = 0.0  # of each layer's |dL/dh_t| for the whole batch, part by part
            for a, count in zip(range(i, j, c), counts, strict=True):
                self._backprop(a, min(a + c, j))
                share = count / max(sum(counts), 1)
                total += model.flat_grad * share
                if self._recurrent:
                    norms = np.stack([layer.grad_norm_through_time
                                      for layer in self._recurrent])
                    squares = squares + (share * norms) ** 2
            model.flat_grad[...] = total
            if self._recurrent:
                self._grad_record.append(np.sqrt(squares))
        self._update(model, self.optimizer)

    def _scored_count(self, i: int, j: int) -> int:
        if self._Ms is not None:
            return int(np.count_nonzero(self._Ms[i:j]))
        return (j - i) * (1 if self.task.target == "regression_at_end" else self.T)

    def _backprop(self, i: int, j: int) -> None:
        mask = None if self._Ms is None else self._Ms[i:j]
        self.model.backprop(self._encode(self._Xs[i:j]), self._targets(self._Ys[i:j]),
                            self._drop, mask)

    def _history_keys(self) -> tuple[str, ...]:
        if self.classify:
            return ("train_loss", "test_loss", "train_accuracy", "test_accuracy",
                    "train_sequence_accuracy", "test_sequence_accuracy")
        return ("train_loss", "test_loss", "train_mse", "test_mse")

    def _outputs(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logits, outputs) of a few sequences' task inputs."""
        z = self.model.logits(self._encode(inputs))
        return z, self.model.output_of(z)

    def _scores(self, data: SequenceData) -> tuple[float, float, float]:
        """(mean loss over scored positions, per-step accuracy, whole-sequence accuracy) of
        `data`, a part of at most `eval_chunk` sequences at a time; the accuracies are NaN for
        values."""
        model, c = self.model, self.eval_chunk
        loss = hits = whole = scored = 0.0
        for a in range(0, data.n, c):
            y = data.targets[a:a + c]
            mask = None if data.mask is None else data.mask[a:a + c]
            z, p = self._outputs(data.inputs[a:a + c])
            count = y.size if mask is None else np.count_nonzero(mask)
            if self.task.target == "regression_at_end":
                count = len(y)
            loss += model.loss_of(z, p, self._targets(y), mask) * count
            scored += count
            if self.classify:
                right = p.argmax(axis=-1) == y
                if mask is not None:
                    right |= ~mask
                    hits += np.count_nonzero(right) - np.count_nonzero(~mask)
                else:
                    hits += np.count_nonzero(right)
                whole += np.count_nonzero(right.all(axis=1))
        loss /= max(scored, 1)
        if not self.classify:
            return loss, math.nan, math.nan
        return loss, hits / max(scored, 1), whole / data.n

    def _evaluate(self) -> dict[str, float]:
        row = {}
        for part, data in (("train", self.train), ("test", self.test)):
            loss, acc, seq = self._scores(data)
            row[f"{part}_loss"] = loss
            if self.classify:
                row[f"{part}_accuracy"], row[f"{part}_sequence_accuracy"] = acc, seq
            else:
                row[f"{part}_mse"] = loss
        return {k: row[k] for k in self._history_keys()}

    # --- the task -------------------------------------------------------------------------------
    @property
    def metric(self) -> str:
        """"accuracy" (per step, at the scored positions) or "mse"."""
        return self.task.metric

    @property
    def baseline(self) -> float:
        """The task's trivial score (accuracy or MSE) at these settings: see baseline_note."""
        return self.task.baseline(self.T, **self.config.options())

    @property
    def baseline_note(self) -> str:
        return self.task.baseline_note

    # --- one sequence -----------------------------------------------------------------------------
    def _sequence(self, which) -> tuple[np.ndarray, int | None]:
        """(task inputs of one sequence, with a batch axis; its test index or None) for
        `which`: an index into the test set, or a typed token sequence (a string of the task's
        characters, or token ids)."""
        if isinstance(which, int | np.integer) and not isinstance(which, bool):
            n = self.n_test
            if not -n <= which < n:
                raise ValueError(f"the test set has sequences 0 to {n - 1}; got {which}")
            i = int(which) % n
            return self.test.inputs[i:i + 1], i
        return self.tokens(which)[None], None

    def tokens(self, typed) -> np.ndarray:
        """Token ids (T,) of a typed sequence: a string of the task's characters or a list of
        token ids, exactly T long. ValueError naming what is wrong otherwise."""
        task, T = self.task, self.T
        if task.alphabet is None:
            raise ValueError(f"{task.label} reads numbers, not tokens: choose a test sequence "
                             "by its index")
        alphabet = task.alphabet[:self.config.vocab] if "vocab" in task.options else \
            task.alphabet
        if isinstance(typed, str):
            bad = sorted({c for c in typed if c not in alphabet})
            if bad:
                raise ValueError(f"{', '.join(repr(c) for c in bad)} "
                                 f"{'is not a token' if len(bad) == 1 else 'are not tokens'} "
                                 f"of {task.label}; use only {' '.join(alphabet)}")
            ids = np.array([alphabet.index(c) for c in typed], dtype=np.int64)
        else:
            try:
                ids = np.asarray(typed)
            except (TypeError, ValueError):
                ids = np.asarray([None])
            if ids.ndim != 1 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
                raise ValueError("a typed sequence is a string of tokens or a list of token "
                                 f"ids; got {typed!r}"[:200])
            ids = ids.astype(np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= len(alphabet)):
                raise ValueError(f"token ids of {task.label} are 0 to {len(alphabet) - 1}; "
                                 f"got {ids.min()} to {ids.max()}")
        if len(ids) != T:
            raise ValueError(f"the network was trained on sequences of {T} tokens; got "
                             f"{len(ids)}")
        return ids

    def predict_sequence(self, which) -> SequenceView:
        """Inputs, target, prediction and per-position probabilities of one sequence: a test
        index, or a typed sequence (see `tokens`)."""
        x, i = self._sequence(which)
        z, p = self._outputs(x)
        task = self.task
        text = None if task.alphabet is None else "".join(task.alphabet[t] for t in x[0])
        if self.classify:
            prediction, probabilities = p[0].argmax(axis=-1), p[0]
        else:
            prediction, probabilities = p[0], None
        mask = self.test.mask
        if task.target == "regression_at_end":
            scored = np.zeros(self.T, dtype=bool)
            scored[-1] = True
        else:
            scored = np.ones(self.T, dtype=bool) if mask is None else \
                (mask[i] if i is not None else mask[0]).copy()
        target = None if i is None else self.test.targets[i].copy()
        correct = None if target is None or not self.classify else (prediction == target) & scored
        return SequenceView(x[0].copy(), text, target, prediction, probabilities, scored,
                            correct)

    def _forward(self, x: np.ndarray) -> None:
        """A forward pass of one sequence (task inputs (1, T, ...)), leaving the layers'
        attributes (hidden, gates, attention) for it."""
        self.model.logits(self._encode(x))

    def hidden_states(self, which) -> list[np.ndarray]:
        """Each recurrent layer's hidden state over time for one sequence: (units, T) each."""
        self._need_recurrent("hidden states")
        self._forward(self._sequence(which)[0])
        return [layer.hidden[0].T.copy() for layer in self._recurrent]

    def gates(self, which) -> list[dict[str, np.ndarray]]:
        """Each GRU or LSTM layer's gates over time for one sequence: name -> (units, T).
        LSTM: input, forget, cell (the candidate), output; GRU: reset, update, new."""
        self._need_recurrent("gates")
        if self.config.model == "rnn":
            raise ValueError("a plain RNN has no gates: choose a GRU or an LSTM")
        self._forward(self._sequence(which)[0])
        return [{name: g[0].T.copy() for name, g in layer.gates.items()}
                for layer in self._recurrent]

    def gradient_through_time(self) -> list[np.ndarray]:
        """Each recurrent layer's gradient norm through time (T,): the norm of dL/dh_t of the
        mean loss of a fixed batch (the first GRAD_BATCH training sequences), after the
        truncation in force. Large early values: the loss still reaches early steps; values
        falling towards the start: vanishing gradients."""
        self._need_recurrent("gradient norms through time")
        n = min(GRAD_BATCH, self.n_train, self.chunk)
        d = self.train
        self.model.backprop(self._encode(d.inputs[:n]), self._targets(d.targets[:n]), None,
                            None if d.mask is None else d.mask[:n])
        return [layer.grad_norm_through_time.copy() for layer in self._recurrent]

    def recorded_gradient_through_time(self, last: int = GRAD_RECENT) -> list[np.ndarray] | None:
        """Each recurrent layer's gradient norm through time (T,) as training recorded it: the
        norm of dL/dh_t of each training batch's loss, from the backward pass that batch's step
        made (before clipping, after the truncation in force; a batch trained in parts: the
        norm of the whole batch's dL/dh_t), averaged over the `last` batches (at most
        GRAD_RECENT). None before the first batch since the network was built, reset or
        loaded, or since the truncation changed; a transformer has none (ValueError)."""
        self._need_recurrent("gradient norms through time")
        if not self._grad_record:
            return None
        if not 1 <= last <= GRAD_RECENT:
            raise ValueError(f"last must be 1 to {GRAD_RECENT}, not {last}")
        recent = list(self._grad_record)[-last:]
        mean = recent[0].copy() if len(recent) == 1 else np.mean(recent, axis=0)
        return list(mean)

    def _need_recurrent(self, what: str) -> None:
        if not self._recurrent:
            raise ValueError(f"a transformer has no recurrent state: {what} are those of "
                             "RNN, GRU and LSTM")

    def _need_transformer(self, what: str) -> None:
        if not self._blocks:
            raise ValueError(f"{what} belong to the transformer: choose it as the network")

    def attention(self, which) -> np.ndarray:
        """Attention weights (blocks, heads, T, T) for one sequence (a test index or a typed
        sequence): row t is how much position t reads each position; rows sum to 1."""
        self._need_transformer("attention weights")
        self._forward(self._sequence(which)[0])
        return np.stack([block.attention[0] for block in self._blocks])

    def position_embeddings(self) -> PositionView | None:
        """The position vectors (learned, or the fixed sinusoids) and their similarity; None
        when the transformer has no position information."""
        self._need_transformer("position embeddings")
        for layer in self.model.layers:
            if isinstance(layer, PositionEmbedding):
                v = layer.weight[:self.T].copy()
                return PositionView("learned", v, _cosine(v))
            if isinstance(layer, SinusoidalPosition):
                v = layer.encoding[:self.T].copy()
                return PositionView("sinusoidal", v, _cosine(v))
        return None

    def head_steps(self, which, block: int = 0, head: int = 0) -> HeadSteps:
        """One head's numbers step by step (see HeadSteps) for one sequence, in block `block`."""
        self._need_transformer("attention heads")
        cfg = self.config
        if not 0 <= block < len(self._blocks):
            raise ValueError(f"block must be 0 to {len(self._blocks) - 1}, not {block}")
        if not 0 <= head < cfg.heads:
            raise ValueError(f"head must be 0 to {cfg.heads - 1}, not {head}")
        x, _ = self._sequence(which)
        a = self._encode(x)
        for layer in self.model.layers:
            if layer is self._blocks[block]:
                break
            a = layer.forward(a)
        norm, mha = layer.layers[0].layers[0], layer.mha
        xn = norm.forward(a)[0]
        w_in, b_in, w_out = mha.in_proj_weight, mha.in_proj_bias, mha.out_proj_weight
        d, dh = cfg.dim, cfg.dim // cfg.heads
        rows = [slice(part * d + head * dh, part * d + (head + 1) * dh) for part in range(3)]
        q, k, v = (xn @ w_in[r].T + b_in[r] for r in rows)
        scores = (q @ k.T) * (1.0 / math.sqrt(dh))
        if mha.causal:
            scores = scores + np.triu(np.full((self.T, self.T), -np.inf), 1)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        weights = e / e.sum(axis=1, keepdims=True)
        out = weights @ v
        contribution = out @ w_out[:, head * dh:(head + 1) * dh].T
        return HeadSteps(block, head, xn, q, k, v, scores, weights, out, contribution)

    def summary(self) -> list[dict]:
        """One row per layer: its name and parameter count."""
        return [{"layer": type(layer).__name__,
                 "params": sum(int(np.prod(s)) for s in layer.param_shapes)}
                for layer in self.model.layers]
