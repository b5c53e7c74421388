"""Tests for engine.data.sequences: every task's layout, targets restated, baselines measured."""

import math

import numpy as np
import pytest

from engine.data.sequences import (
    MAX_STEPS,
    SEQUENCE_TASKS,
    TARGETS,
    decode,
    make_sequences,
    make_train_test,
)

NAMES = list(SEQUENCE_TASKS)
TOKEN_TASKS = [n for n in NAMES if SEQUENCE_TASKS[n].target == "tokens_per_step"]


def test_registry_has_the_documented_tasks():
    assert NAMES == ["sine", "parity", "adding", "copy", "reverse", "sort", "max", "addition"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_consistent(name):
    task = SEQUENCE_TASKS[name]
    assert task.name == name and task.label
    assert task.description.endswith(".") and len(task.description) < 100
    assert task.baseline_note.endswith(".")
    assert task.target in TARGETS
    assert task.metric == ("mse" if task.target.startswith("regression") else "accuracy")
    tokens = task.target == "tokens_per_step"
    assert (task.alphabet is not None) == tokens
    if tokens:
        assert task.vocab_size == len(set(task.alphabet)) == task.input_size == task.output_size
    assert (task.T_range is None) == (task.length_fn is not None) == bool(task.length_rule)
    if task.T_range is not None:
        low, high = task.T_range
        assert 1 <= low <= task.default_T <= high
    for opt in task.options.values():
        assert opt.low <= opt.default <= opt.high and opt.description


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_dtypes(name):
    task = SEQUENCE_TASKS[name]
    data = task.make(7, seed=0)
    T = data.T
    assert data.n == 7 and data.task == name and data.vocab_size == task.vocab_size
    if task.alphabet is None:
        assert data.inputs.shape == (7, T, task.input_size) and data.inputs.dtype == np.float64
    else:
        assert data.inputs.shape == (7, T) and data.inputs.dtype == np.int64
        assert data.inputs.min() >= 0 and data.inputs.max() < task.vocab_size
        assert data.one_hot().shape == (7, T, task.vocab_size)
        np.testing.assert_array_equal(data.one_hot().argmax(axis=-1), data.inputs)
    expected = {"regression_per_step": ((7, T, task.output_size), np.float64),
                "class_per_step": ((7, T), np.int64),
                "regression_at_end": ((7, task.output_size), np.float64),
                "tokens_per_step": ((7, T), np.int64)}[task.target]
    assert (data.targets.shape, data.targets.dtype) == expected
    if task.metric == "accuracy":
        assert data.targets.min() >= 0 and data.targets.max() < task.output_size
    if data.mask is not None:
        assert data.mask.shape == (7, T) and data.mask.dtype == bool and data.mask.any()
        assert task.target != "regression_at_end"
    assert np.isfinite(data.inputs).all() and np.isfinite(data.targets).all()


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_for_a_seed_and_different_across_seeds(name):
    a, b, c = (make_sequences(name, 20, seed=s) for s in (4, 4, 5))
    for x, y in ((a.inputs, b.inputs), (a.targets, b.targets)):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.inputs, c.inputs)


@pytest.mark.parametrize("name", NAMES)
def test_train_test_pair(name):
    train, test = make_train_test(name, 30, 20, seed=3)
    np.testing.assert_array_equal(train.inputs, make_sequences(name, 30, seed=3).inputs)
    assert (train.n, test.n) == (30, 20) and train.T == test.T
    for s in range(10):
        assert not np.array_equal(test.inputs, make_sequences(name, 20, seed=s).inputs)


@pytest.mark.parametrize("name", NAMES)
def test_baseline_measured(name):
    """The trivial answer named in baseline_note, measured on many sequences: the mean target
    for regression, the most frequent scored target class for accuracy."""
    task = SEQUENCE_TASKS[name]
    data = task.make(20_000 if name != "sine" else 4000, seed=1)
    if task.metric == "mse":
        measured = np.mean((data.targets - data.targets.mean()) ** 2)
    else:
        scored = data.targets if data.mask is None else data.targets[data.mask]
        measured = np.bincount(scored.ravel()).max() / scored.size
    assert measured == pytest.approx(task.baseline(), abs=0.006)


@pytest.mark.parametrize("name, T, options, expected", [
    ("adding", 30, {}, 1 / 6),
    ("sine", None, {"noise": 0.3}, 0.59),
    ("max", 4, {}, 1 - 0.9**4),
    ("max", 12, {}, 1 - 0.9**12),
    ("addition", None, {"digits": 1}, (0.1 + 0.55) / 2),
    ("addition", None, {"digits": 3}, (0.3 + 1001 / 2000) / 4),
    ("reverse", 8, {"vocab": 4}, 1 / 4),
    ("sort", 6, {"vocab": 2}, 1 / 2),
    ("max", 8, {"vocab": 3}, 1 - (2 / 3)**8),
])
def test_baseline_at_other_settings(name, T, options, expected):
    task = SEQUENCE_TASKS[name]
    assert task.baseline(T, **options) == pytest.approx(expected)
    data = task.make(40_000 if name != "sine" else 4000, T, seed=2, **options)
    if task.metric == "mse":
        constant = 1.0 if name == "adding" else 0.0  # the answer the note names
        measured = np.mean((data.targets - constant) ** 2)
    else:
        scored = data.targets[data.mask] if data.mask is not None else data.targets
        measured = np.bincount(scored.ravel()).max() / scored.size
    assert measured == pytest.approx(expected, abs=0.006)


# --- each task's targets, restated ------------------------------------------------------------

def test_sine_is_a_sine_in_range_and_targets_are_the_next_value():
    data = make_sequences("sine", 50, T=40, seed=0, min_freq=0.1, max_freq=0.15)
    x, y = data.inputs[..., 0], data.targets[..., 0]
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    # A pure sine obeys x[t+1] + x[t-1] = 2 cos(2 pi f) x[t]; recover f per sequence.
    for row, target in zip(x, y, strict=True):
        c = (row[2:] + row[:-2]) @ row[1:-1] / (2 * row[1:-1] @ row[1:-1])
        f = math.acos(c) / (2 * math.pi)
        assert 0.1 - 1e-9 <= f <= 0.15 + 1e-9
        np.testing.assert_allclose(row[2:] + row[:-2], 2 * c * row[1:-1], atol=1e-9)
        assert target[-1] + row[-2] == pytest.approx(2 * c * row[-1])
    assert np.abs(x).max() <= 1.0
    noisy = make_sequences("sine", 50, T=40, seed=0, noise=0.5).inputs
    assert np.abs(noisy).max() > 1.0


def test_parity_by_a_loop():
    data = make_sequences("parity", 10, T=25, seed=0)
    assert set(np.unique(data.inputs)) == {0.0, 1.0}
    for bits, target in zip(data.inputs[..., 0], data.targets, strict=True):
        odd = 0
        for bit, t in zip(bits, target, strict=True):
            odd ^= int(bit)
            assert t == odd


@pytest.mark.parametrize("T", [2, 3, 30, 101])
def test_adding_target_from_the_markers(T):
    data = make_sequences("adding", 200, T=T, seed=0)
    values, markers = data.inputs[..., 0], data.inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) <= {0.0, 1.0}
    for v, m, target in zip(values, markers, data.targets, strict=True):
        where = [t for t in range(T) if m[t] == 1.0]
        assert len(where) == 2
        assert where[0] < T // 2 <= where[1]
        assert target[0] == v[where[0]] + v[where[1]]


def test_copy_by_a_loop():
    data = make_sequences("copy", 20, seed=0, n_tokens=4, delay=6)
    assert data.T == 2 * 4 + 6 + 1
    for x, y, m in zip(data.inputs, data.targets, data.mask, strict=True):
        text, want = decode("copy", x), decode("copy", y)
        tokens = text[:4]
        assert all(ch in "01234567" for ch in tokens)
        assert text == tokens + "_" * 6 + ">" + "____"
        assert want == "_" * 11 + tokens
        assert m.tolist() == [False] * 11 + [True] * 4


@pytest.mark.parametrize("name, rule", [
    ("reverse", lambda s: list(reversed(s))),
    ("sort", sorted),
    ("max", lambda s: [max(s)] * len(s)),
])
@pytest.mark.parametrize("T", [4, 9, 12])
def test_reverse_sort_max_by_python(name, rule, T):
    data = make_sequences(name, 50, T=T, seed=T)
    assert data.mask is None
    for x, y in zip(data.inputs.tolist(), data.targets.tolist(), strict=True):
        assert y == rule(x)


@pytest.mark.parametrize("digits", [1, 2, 5, 9])
def test_addition_by_integer_arithmetic(digits):
    data = make_sequences("addition", 100, seed=digits, digits=digits)
    k = digits
    assert data.T == 3 * k + 3
    for x, y, m in zip(data.inputs, data.targets, data.mask, strict=True):
        text, want = decode("addition", x), decode("addition", y)
        a, b = text[:k], text[k + 1:2 * k + 1]
        assert text == f"{a}+{b}=" + "_" * (k + 1)
        answer = str(int(a) + int(b)).zfill(k + 1)[::-1]
        assert want == "_" * (2 * k + 2) + answer
        assert m.tolist() == [False] * (2 * k + 2) + [True] * (k + 1)
    carries = [decode("addition", y)[-1] for y in data.targets]
    assert set(carries) <= {"0", "1"}


def test_addition_token_ids():
    data = make_sequences("addition", 1, seed=0)
    x = data.inputs[0]
    assert x[2] == 10 and x[5] == 11 and (x[6:] == 12).all()


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in NAMES if SEQUENCE_TASKS[n].T_range])
def test_T_range_is_enforced(name):
    low, high = SEQUENCE_TASKS[name].T_range
    assert make_sequences(name, 2, T=low).T == low
    assert make_sequences(name, 2, T=high).T == high
    for bad in (low - 1, high + 1, 5.0, True):
        with pytest.raises(ValueError, match=f"T must be a whole number from {low} to {high}"):
            make_sequences(name, 2, T=bad)


@pytest.mark.parametrize("name, T, options, match", [
    ("copy", 10, {}, r"T for copy is fixed by its options \(T = 2·n_tokens \+ delay \+ 1\) at 17"),
    ("addition", 10, {"digits": 3}, "T for addition is fixed by its options .* at 12"),
    ("copy", None, {"delay": -1}, "delay must be a whole number from 0 to 500"),
    ("copy", None, {"n_tokens": 11}, "n_tokens must be a whole number from 1 to 10"),
    ("addition", None, {"digits": 10}, "digits must be a whole number from 1 to 9"),
    ("sine", None, {"noise": 2.0}, "noise must be a number from 0 to 1"),
    ("sine", None, {"min_freq": 0.3}, "min_freq must not exceed max_freq"),
    ("sine", None, {"freq": 0.3}, "unknown option 'freq' for sine; valid options: min_freq, "),
    ("parity", None, {"delay": 3}, "unknown option 'delay' for parity; valid options: none"),
])
def test_bad_options_raise(name, T, options, match):
    with pytest.raises(ValueError, match=match):
        make_sequences(name, 2, T=T, **options)


def test_fixed_length_accepts_the_right_T():
    assert make_sequences("copy", 2, T=17).T == 17
    assert make_sequences("addition", 2, T=9).T == 9


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n must be a whole number from 1 to 100000"),
    ({"n": 2.5}, "n must be a whole number"),
    ({"seed": -3}, "seed must be a whole number >= 0"),
    ({"n": 100_000, "T": 1000}, f"n·T must be at most {MAX_STEPS:,} steps"),
])
def test_bad_sizes_raise(kwargs, match):
    kwargs = {"n": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_sequences("parity", **kwargs)


def test_unknown_task_lists_the_valid_ones():
    with pytest.raises(ValueError, match="choose one of: sine, parity, adding, copy"):
        make_sequences("echo", 3)
    with pytest.raises(ValueError, match="real-valued inputs"):
        make_sequences("parity", 3).one_hot()
    with pytest.raises(ValueError, match="real-valued inputs"):
        decode("adding", [0, 1])


@pytest.mark.parametrize("name", TOKEN_TASKS)
def test_decode_is_one_character_per_token(name):
    data = make_sequences(name, 1, seed=0)
    text = decode(name, data.inputs[0])
    assert len(text) == data.T
    assert [SEQUENCE_TASKS[name].alphabet.index(ch) for ch in text] == data.inputs[0].tolist()


@pytest.mark.parametrize("name", ["reverse", "sort", "max"])
def test_a_smaller_vocabulary_draws_only_its_tokens(name):
    """vocab k: inputs and targets use the digits 0 to k - 1 only, every one of them; the
    default (10) draws the sequences it always drew."""
    data = make_sequences(name, 500, T=6, seed=3, vocab=3)
    assert set(np.unique(data.inputs)) == {0, 1, 2} and data.targets.max() <= 2
    assert data.vocab_size == 10  # the alphabet stays the ten digits
    np.testing.assert_array_equal(make_sequences(name, 50, T=6, seed=3).inputs,
                                  np.random.default_rng([3, 0]).integers(0, 10, (50, 6)))
    with pytest.raises(ValueError, match="vocab"):
        make_sequences(name, 5, T=6, vocab=11)
