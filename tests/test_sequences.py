"""Tests for engine.sequences: SequenceConfig (fields, limits, round trips), the networks it
builds, SequenceTrainer's learning on small budgets and its views (one sequence's prediction,
hidden states and gates against the layers', the gradient norm through time, attention weights,
position embeddings and one head step by step against the layer's output), typed sequences,
training in parts of a batch, clipping and the memory a run holds. The training core's
contract for this trainer is in test_training.py."""

import io
import tracemalloc

import numpy as np
import pytest

import engine.sequences as seq
from engine import SequenceConfig, SequenceTrainer
from engine.data import SEQUENCE_TASKS
from engine.layers import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Embedding,
    LastStep,
    LayerNorm,
    PositionEmbedding,
    SinusoidalPosition,
    TransformerBlock,
)
from engine.sequences import FIELDS, build_model

LIVE = {"causal", "dropout", "optimizer", "lr", "momentum", "alpha", "beta1", "beta2", "eps",
        "weight_decay", "batch_size", "clip", "clip_norm", "bptt", "schedule", "lr_decay",
        "lr_period", "early_stopping", "patience", "max_epochs", "target_loss", "eval_every"}


def trainer(**settings) -> SequenceTrainer:
    return SequenceTrainer(SequenceConfig(**({"n_train": 200, "n_test": 64, "max_epochs": 0}
                                             | settings)))


@pytest.fixture(scope="module")
def lstm() -> SequenceTrainer:
    t = trainer(task="copy", model="lstm", hidden=8, layers=2, delay=4)
    t.run(2)
    return t


@pytest.fixture(scope="module")
def transformer() -> SequenceTrainer:
    t = trainer(task="reverse", model="transformer", dim=16, heads=2, blocks=2, ff=16)
    t.run(2)
    return t


# --- settings ---------------------------------------------------------------------------------

def test_every_field_has_a_label_a_help_and_its_live_or_rebuild_class():
    for f in FIELDS:
        assert f.label and f.help and f.help[0].isupper(), f.name
    assert SequenceConfig.live_fields() == LIVE
    options = {name for task in SEQUENCE_TASKS.values() for name in task.options}
    assert options <= set(SequenceConfig.FIELDS)  # every task option is a setting


@pytest.mark.parametrize("config", [
    SequenceConfig(),
    SequenceConfig(task="copy", model="lstm", hidden=64, layers=2, n_tokens=5, delay=20,
                   bptt=7, clip=True, clip_norm=0.5, optimizer="rmsprop", lr=0.003),
    SequenceConfig(task="addition", model="transformer", digits=3, dim=24, heads=3, blocks=2,
                   position="sinusoidal", causal=True, ff=128, dropout=0.1, seed=5),
    SequenceConfig(task="sine", length=80, min_freq=0.02, noise=0.1, model="rnn",
                   max_epochs=0, n_train=5000),
], ids=["default", "lstm-copy", "transformer-addition", "rnn-sine"])
def test_settings_round_trip_through_dict_json_and_url(config):
    assert SequenceConfig.from_dict(config.to_dict()) == config
    assert SequenceConfig.from_json(config.to_json()) == config
    back, warnings = SequenceConfig.from_query(config.to_query())
    assert back == config and warnings == []


@pytest.mark.parametrize("changes, message", [
    ({"task": "reverse", "length": 20}, "T must be"),
    ({"task": "copy", "length": 12}, r"T for copy is fixed by its options \(T = 2·n_tokens \+ "
     r"delay \+ 1\) at 17; got 12"),
    ({"task": "copy", "delay": 95}, "Copy after a delay sequences of 102 steps"),
    ({"task": "copy", "n_tokens": 10, "delay": 90}, "longer than the 100 offered"),
    ({"model": "transformer", "dim": 30, "heads": 4}, r"embedding size \(30\) must divide by "
     r"the number of heads \(4\)"),
    ({"model": "cnn"}, "model must be one of: rnn, gru, lstm, transformer"),
    ({"task": "sine", "min_freq": 0.3}, "min_freq must not exceed max_freq"),
    ({"hidden": 65}, "hidden must be between 1 and 64"),
    ({"layers": 3}, "layers must be between 1 and 2"),
    ({"task": "stocks"}, "task must be one of"),
])
def test_invalid_settings_raise_readable_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        SequenceConfig(**changes)


def test_the_task_decides_the_length():
    assert SequenceConfig().resolved() == 10  # parity's default
    assert SequenceConfig(task="parity", length=25).resolved() == 25
    assert SequenceConfig(task="copy", n_tokens=4, delay=3).resolved() == 12
    assert SequenceConfig(task="copy", n_tokens=4, delay=3, length=12).resolved() == 12
    assert SequenceConfig(task="addition", digits=4).resolved() == 15
    SequenceConfig(model="gru", dim=30, heads=4)  # a transformer setting, never built: fine


def test_settings_of_the_other_network_or_task_rebuild_nothing():
    t = trainer()
    t.run(1)
    flat = t.model.flat.copy()
    for change in ({"dim": 16}, {"heads": 4}, {"position": "none"}, {"ff": 8},
                   {"delay": 3}, {"digits": 4}, {"noise": 0.5}):
        assert t.apply(t.config.replace(**change)) is False, change
    np.testing.assert_array_equal(t.model.flat, flat)
    assert t.apply(t.config.replace(hidden=8)) is True


def test_data_of_your_own_is_refused():
    with pytest.raises(ValueError, match="make their own data"):
        SequenceTrainer(SequenceConfig(), data=object())


# --- the networks -----------------------------------------------------------------------------

def kinds(model) -> list[type]:
    return [type(layer) for layer in model.layers]


def test_recurrent_networks_read_values_or_one_hot_tokens():
    m = build_model(SequenceConfig(task="adding", model="lstm", hidden=12, layers=2))
    assert kinds(m) == [LSTM, LSTM, LastStep, Dense] and m.output == "linear"
    assert (m.layers[0].input_size, m.layers[1].input_size) == (2, 12)
    m = build_model(SequenceConfig(task="addition", model="gru", hidden=6))
    assert kinds(m) == [GRU, Dense] and m.layers[0].input_size == 13  # one-hot of 13 tokens
    assert m.output == "softmax" and m.layers[-1].fan_out == 13
    t = trainer(task="reverse", model="rnn", hidden=4)
    assert kinds(t.model) == [RNN, Dense]
    p = t.model.forward(np.eye(10)[t.test.inputs[:3]])
    np.testing.assert_allclose(p[1], t.predict_sequence(1).probabilities, rtol=1e-12)


@pytest.mark.parametrize("position, layer", [("learned", PositionEmbedding),
                                             ("sinusoidal", SinusoidalPosition),
                                             ("none", None)])
def test_the_transformer_embeds_tokens_or_values(position, layer):
    m = build_model(SequenceConfig(task="sort", model="transformer", position=position,
                                   blocks=2, causal=True))
    middle = [layer] if layer else []
    assert kinds(m) == [Embedding, *middle, TransformerBlock, TransformerBlock, LayerNorm, Dense]
    assert all(b.mha.causal for b in m.layers if isinstance(b, TransformerBlock))
    m = build_model(SequenceConfig(task="adding", model="transformer", position=position))
    assert kinds(m) == [Dense, *middle, TransformerBlock, LayerNorm, LastStep, Dense]


# --- learning -----------------------------------------------------------------------------------

def test_a_gru_learns_running_parity():
    t = SequenceTrainer(SequenceConfig(task="parity", max_epochs=0))
    assert t.history.last["test_accuracy"] < 0.7
    t.run(6)
    assert t.history.last["test_accuracy"] > 0.98
    assert t.history.last["test_sequence_accuracy"] > 0.9


def test_a_transformer_learns_to_reverse():
    t = SequenceTrainer(SequenceConfig(task="reverse", model="transformer", max_epochs=0))
    assert t.history.last["test_sequence_accuracy"] < 0.01
    t.run(3)
    assert t.history.last["test_sequence_accuracy"] > 0.95
    attention = t.attention(0)[0].mean(axis=0)  # both heads of the one block
    assert (attention.argmax(axis=1) == np.arange(8)[::-1]).all()  # the anti-diagonal


def test_an_lstm_beats_the_baseline_on_the_adding_problem():
    t = SequenceTrainer(SequenceConfig(task="adding", model="lstm", max_epochs=0))
    assert t.baseline == pytest.approx(1 / 6) and t.metric == "mse"
    t.run(12)
    assert t.history.last["test_mse"] < 0.05 < t.baseline
    assert t.history["test_mse"] == t.history["test_loss"]


def test_history_keys_and_the_baseline():
    t = trainer(task="copy", model="gru")
    assert t.history.keys[1:-2] == ("train_loss", "test_loss", "train_accuracy",
                                    "test_accuracy", "train_sequence_accuracy",
                                    "test_sequence_accuracy")
    assert t.baseline == 1 / 8 and t.metric == "accuracy" and "1/8" in t.baseline_note
    assert trainer(task="sine", model="gru").history.keys[1:-2] == (
        "train_loss", "test_loss", "train_mse", "test_mse")


def test_accuracy_counts_only_the_scored_positions():
    t = trainer(task="copy", model="gru", hidden=4)
    row = t.history.last
    p = t.model.forward(np.eye(10)[t.test.inputs])
    right = p.argmax(axis=-1) == t.test.targets
    mask = t.test.mask
    assert row["test_accuracy"] == pytest.approx(right[mask].mean())
    assert row["test_sequence_accuracy"] == pytest.approx(
        np.mean([right[i][mask[i]].all() for i in range(t.n_test)]))


# --- one sequence ---------------------------------------------------------------------------

def test_a_token_sequence_its_target_prediction_and_probabilities(transformer):
    t = transformer
    v = t.predict_sequence(3)
    assert v.inputs.shape == (8,) and v.text == "".join(str(i) for i in t.test.inputs[3])
    np.testing.assert_array_equal(v.target, t.test.targets[3])
    assert v.probabilities.shape == (8, 10)
    np.testing.assert_allclose(v.probabilities.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(v.prediction, v.probabilities.argmax(axis=1))
    assert v.scored.all() and (v.correct == (v.prediction == v.target)).all()
    typed = t.predict_sequence("01234567")
    assert typed.target is None and typed.correct is None and typed.text == "01234567"
    np.testing.assert_array_equal(typed.probabilities,
                                  t.predict_sequence([0, 1, 2, 3, 4, 5, 6, 7]).probabilities)


def test_copy_scores_the_recall_steps_and_adding_the_last(lstm):
    v = lstm.predict_sequence(-1)
    np.testing.assert_array_equal(v.scored, lstm.test.mask[-1])
    assert not v.correct[~v.scored].any()
    t = trainer(task="adding", model="gru", hidden=4)
    v = t.predict_sequence(0)
    assert v.prediction.shape == (1,) and v.probabilities is None and v.text is None
    assert v.scored.tolist() == [False] * 29 + [True] and v.inputs.shape == (30, 2)
    np.testing.assert_allclose(v.prediction, t.model.forward(t.test.inputs[:1])[0])


@pytest.mark.parametrize("typed, message", [
    ("0123456x", r"'x' is not a token of Reverse; use only 0 1 2 3 4 5 6 7 8 9"),
    ("01a3b56x", r"'a', 'b', 'x' are not tokens of Reverse"),
    ("0123", r"trained on sequences of 8 tokens; got 4"),
    ([0, 1, 2, 3, 4, 5, 6, 10], r"token ids of Reverse are 0 to 9; got 0 to 10"),
    ([0, 1, 2, 3, 4, 5, 6, -1], r"token ids of Reverse are 0 to 9; got -1 to 6"),
    ([[0, 1], [2, 3]], "a string of tokens or a list of token ids"),
    ([0.5] * 8, "a string of tokens or a list of token ids"),
    (64, r"the test set has sequences 0 to 63; got 64"),
    (-65, r"the test set has sequences 0 to 63; got -65"),
])
def test_typed_sequences_are_checked(transformer, typed, message):
    with pytest.raises(ValueError, match=message):
        transformer.attention(typed)


def test_a_value_task_takes_no_typed_sequence():
    with pytest.raises(ValueError, match="reads numbers, not tokens: choose a test sequence"):
        trainer(task="sine", model="gru", hidden=4).predict_sequence("0101")


# --- recurrent views ------------------------------------------------------------------------

def test_hidden_states_and_gates_are_the_layers(lstm):
    t = lstm
    states, gates = t.hidden_states(5), t.gates(5)
    t.model.logits(np.eye(10)[t.test.inputs[5:6]])
    layers = [layer for layer in t.model.layers if isinstance(layer, LSTM)]
    assert len(states) == len(gates) == 2
    for layer, h, g in zip(layers, states, gates, strict=True):
        assert h.shape == (8, t.T)
        np.testing.assert_array_equal(h, layer.hidden[0].T)
        assert set(g) == {"input", "forget", "cell", "output"}
        for name in g:
            np.testing.assert_array_equal(g[name], layer.gates[name][0].T)
        for name in ("input", "forget", "output"):
            assert ((g[name] > 0) & (g[name] < 1)).all()


def test_a_plain_rnn_has_no_gates_and_a_transformer_no_hidden_state(transformer):
    with pytest.raises(ValueError, match="a plain RNN has no gates"):
        trainer(model="rnn", hidden=4).gates(0)
    for view in (transformer.hidden_states, transformer.gates):
        with pytest.raises(ValueError, match="a transformer has no recurrent state"):
            view(0)
    with pytest.raises(ValueError, match="a transformer has no recurrent state"):
        transformer.gradient_through_time()


def test_gradient_norms_through_time_are_the_layers_on_the_fixed_batch(lstm):
    t = lstm
    norms = t.gradient_through_time()
    n = seq.GRAD_BATCH
    d = t.train
    t.model.backprop(np.eye(10)[d.inputs[:n]], t.model.targets(d.targets[:n], 10, 3),
                     mask=d.mask[:n])
    layers = [layer for layer in t.model.layers if isinstance(layer, LSTM)]
    for layer, g in zip(layers, norms, strict=True):
        assert g.shape == (t.T,) and (g > 0).all()
        np.testing.assert_array_equal(g, layer.grad_norm_through_time)
    np.testing.assert_array_equal(norms[0], t.gradient_through_time()[0])  # the same batch


def _explicit_norms(t: SequenceTrainer, rows: np.ndarray, flat: np.ndarray) -> list:
    """Each recurrent layer's |dL/dh_t| from an explicit backward pass on the training rows
    `rows` with the weights `flat` (the trainer's weights are put back afterwards)."""
    now = t.model.flat.copy()
    t.model.flat[...] = flat
    d = t.train
    x = np.eye(t.task.vocab_size)[d.inputs[rows]] if t.task.vocab_size else d.inputs[rows]
    y = t.model.targets(d.targets[rows], t.k, d.targets.ndim + 1) if t.classify \
        else d.targets[rows]
    t.model.backprop(x, y, None, None if d.mask is None else d.mask[rows])
    norms = [layer.grad_norm_through_time.copy() for layer in t.model.layers
             if isinstance(layer, RNN | GRU | LSTM)]
    t.model.flat[...] = now
    return norms


@pytest.mark.parametrize(("model", "task", "extra"), [
    ("rnn", "adding", {"bptt": 7}), ("gru", "copy", {}), ("lstm", "parity", {"clip": True}),
    ("lstm", "sine", {"layers": 1})])
def test_training_records_the_gradient_through_time_of_each_batch(model, task, extra):
    t = trainer(**({"task": task, "model": model, "hidden": 6, "layers": 2, "batch_size": 16,
                    "clip_norm": 0.01} | extra))
    assert t.recorded_gradient_through_time() is None  # nothing trained yet
    t.run(1)
    t.step()  # into the next epoch, whose order is now known
    singles = []
    for _ in range(seq.GRAD_RECENT + 2):
        rows = t.order[t.position:t.position + 16]
        before = t.model.flat.copy()
        t.step()
        recorded = t.recorded_gradient_through_time(last=1)
        expected = _explicit_norms(t, rows, before)  # same batch, the weights it trained
        assert len(recorded) == len(expected) == t.config.layers
        for r, e in zip(recorded, expected, strict=True):
            assert r.shape == (t.T,) and (r[-1] > 0)
            np.testing.assert_array_equal(r, e)
        singles.append(np.stack(recorded))
    # The default reading is the mean over the last GRAD_RECENT batches.
    mean = np.mean(singles[-seq.GRAD_RECENT:], axis=0)
    np.testing.assert_allclose(np.stack(t.recorded_gradient_through_time()), mean, rtol=1e-12)
    np.testing.assert_allclose(np.stack(t.recorded_gradient_through_time(3)),
                               np.mean(singles[-3:], axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="last must be 1 to"):
        t.recorded_gradient_through_time(0)


def test_recording_the_gradient_through_time_changes_no_step():
    """Training with the record gives the very weights of explicit backward passes and
    optimizer steps on the same batches."""
    t = trainer(task="copy", model="lstm", hidden=6, layers=2, batch_size=16,
                optimizer="sgd", lr=0.1)
    t.run(1)
    t.step()
    flat = t.model.flat.copy()
    d = t.train
    for _ in range(4):
        rows = t.order[t.position:t.position + 16]
        t.step()
        _explicit_norms(t, rows, flat)  # leaves the gradient of `flat` on that batch
        flat = flat - 0.1 * t.model.flat_grad
        np.testing.assert_array_equal(t.model.flat, flat)
    assert d is t.train


def test_a_batch_trained_in_parts_records_the_whole_batch_s_gradient(monkeypatch):
    config = SequenceConfig(task="copy", model="gru", hidden=8, layers=2, n_train=200,
                            n_test=64, optimizer="sgd", lr=0.1, max_epochs=0)
    monkeypatch.setattr(seq, "FLOAT_BUDGET", 1)
    t = SequenceTrainer(config)
    assert t.chunk == 1
    t.run(1)
    t.step()
    rows = t.order[t.position:t.position + config.batch_size]
    before = t.model.flat.copy()
    t.step()
    for r, e in zip(t.recorded_gradient_through_time(1), _explicit_norms(t, rows, before),
                    strict=True):
        np.testing.assert_allclose(r, e, rtol=1e-12)


def test_the_record_starts_afresh_on_a_rebuild_a_load_and_a_new_truncation(transformer):
    t = trainer(task="adding", model="rnn", hidden=4)
    t.step()
    assert t.recorded_gradient_through_time() is not None
    assert t.apply(t.config.replace(lr=0.02)) is False  # another live setting: kept
    assert t.recorded_gradient_through_time() is not None
    t.apply(t.config.replace(bptt=5))
    assert t.recorded_gradient_through_time() is None
    t.step()
    assert (t.recorded_gradient_through_time()[0][:25] == 0).all()  # cut
    t.apply(t.config.replace(hidden=5))  # rebuilt
    assert t.recorded_gradient_through_time() is None
    t.step()
    loaded = SequenceTrainer.load(io.BytesIO(t.to_bytes()))  # a saved run: none recorded
    assert loaded.steps == t.steps and loaded.recorded_gradient_through_time() is None
    with pytest.raises(ValueError, match="a transformer has no recurrent state"):
        transformer.recorded_gradient_through_time()


def test_truncation_applies_live_and_cuts_the_gradient_through_time():
    t = trainer(task="adding", model="rnn", hidden=8)
    full = t.gradient_through_time()[0]
    assert (full > 0).all()
    assert t.apply(t.config.replace(bptt=5)) is False
    assert t.model.layers[0].truncate == 5
    cut = t.gradient_through_time()[0]
    assert (cut[:25] == 0).all()  # only the last window reaches the answer at the end
    np.testing.assert_allclose(cut[25:], full[25:], rtol=1e-12)
    t.apply(t.config.replace(bptt=0))
    assert t.model.layers[0].truncate is None


# --- transformer views ----------------------------------------------------------------------

def test_attention_weights_are_the_layers_and_sum_to_one(transformer):
    t = transformer
    a = t.attention(2)
    assert a.shape == (2, 2, 8, 8)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-12)
    t.model.logits(t.test.inputs[2:3])
    blocks = [layer for layer in t.model.layers if isinstance(layer, TransformerBlock)]
    for b, block in enumerate(blocks):
        np.testing.assert_array_equal(a[b], block.attention[0])
    typed = t.attention("76543210")
    t.model.logits(np.array([[7, 6, 5, 4, 3, 2, 1, 0]]))
    np.testing.assert_array_equal(typed[1], blocks[1].attention[0])


def test_the_causal_mask_applies_live():
    t = trainer(task="reverse", model="transformer", dim=8, heads=2, ff=8)
    assert t.apply(t.config.replace(causal=True)) is False
    a = t.attention(0)
    assert (np.triu(a[0, 0], 1) == 0).all() and a[0, 0, 0, 0] == 1.0
    steps = t.head_steps(0, 0, 1)
    assert np.isneginf(steps.scores[np.triu_indices(8, 1)]).all()


def test_position_embeddings_learned_fixed_or_none(transformer):
    v = transformer.position_embeddings()
    layer = transformer.model.layers[1]
    assert v.kind == "learned" and v.vectors.shape == (8, 16)
    np.testing.assert_array_equal(v.vectors, layer.weight[:8])
    np.testing.assert_allclose(np.diag(v.similarity), 1.0, rtol=1e-12)
    np.testing.assert_allclose(v.similarity, v.similarity.T, rtol=1e-12)
    unit = v.vectors / np.linalg.norm(v.vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(v.similarity, unit @ unit.T, rtol=1e-12)
    fixed = trainer(task="sort", model="transformer", position="sinusoidal").position_embeddings()
    assert fixed.kind == "sinusoidal"
    np.testing.assert_array_equal(fixed.vectors, SinusoidalPosition(8, 32).encoding)
    assert trainer(task="sort", model="transformer", position="none").position_embeddings() \
        is None
    with pytest.raises(ValueError, match="belong to the transformer"):
        trainer().position_embeddings()


@pytest.mark.parametrize("which", [7, "31415926"])
def test_one_head_step_by_step_reproduces_the_layer(transformer, which):
    t = transformer
    block = [layer for layer in t.model.layers if isinstance(layer, TransformerBlock)][1]
    steps = [t.head_steps(which, block=1, head=h) for h in range(2)]
    x = steps[0].x
    y = block.mha.forward(x[None])[0]  # the layer on the same input
    total = steps[0].contribution + steps[1].contribution + block.mha.out_proj_bias
    np.testing.assert_allclose(total, y, rtol=0, atol=1e-12)
    for h, s in enumerate(steps):
        assert s.queries.shape == s.keys.shape == s.values.shape == (8, 8)
        np.testing.assert_allclose(s.scores, s.queries @ s.keys.T / np.sqrt(8), rtol=1e-12)
        np.testing.assert_allclose(s.weights, block.mha.attention[0, h], rtol=0, atol=1e-12)
        np.testing.assert_allclose(s.output, s.weights @ s.values, rtol=1e-12)
    t.attention(which)  # the whole model: the block reads the same normalized input
    np.testing.assert_allclose(block.mha.attention[0], np.stack([s.weights for s in steps]),
                               rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="head must be 0 to 1"):
        t.head_steps(0, head=2)
    with pytest.raises(ValueError, match="block must be 0 to 1"):
        t.head_steps(0, block=2)


# --- training details ---------------------------------------------------------------------------

def test_a_batch_trained_in_parts_gives_the_same_step(monkeypatch):
    config = SequenceConfig(task="copy", model="gru", hidden=8, n_train=200, n_test=64,
                            optimizer="sgd", lr=0.1, max_epochs=0)
    whole = SequenceTrainer(config)
    monkeypatch.setattr(seq, "FLOAT_BUDGET", 1)
    parts = SequenceTrainer(config)
    assert parts.chunk == 1 and whole.chunk > config.batch_size
    for t in (whole, parts):
        t.run(1)
        t.step()
    np.testing.assert_allclose(parts.model.flat, whole.model.flat, rtol=1e-12, atol=1e-14)
    assert parts.history.last["test_loss"] == pytest.approx(whole.history.last["test_loss"],
                                                            rel=1e-12)


def test_clipping_scales_the_step_only_when_on():
    config = SequenceConfig(task="sine", model="rnn", hidden=8, n_train=200, n_test=64,
                            optimizer="sgd", lr=0.1, clip_norm=0.01, max_epochs=0)
    for clip in (False, True):
        t = SequenceTrainer(config.replace(clip=clip))
        t.run(1)
        t.step()  # into the next epoch, whose order is now known
        rows = t.order[t.position:t.position + config.batch_size]
        before = t.model.flat.copy()
        t.model.backprop(t.train.inputs[rows], t.train.targets[rows])
        g = t.model.flat_grad.copy()
        t.step()
        assert np.linalg.norm(g) > 0.01  # so clipping acts
        scale = 0.01 / (np.linalg.norm(g) + 1e-6) if clip else 1.0
        np.testing.assert_allclose(t.model.flat, before - 0.1 * scale * g, rtol=1e-12,
                                   atol=1e-15)


def test_dropout_applies_live_to_the_transformer_blocks():
    t = trainer(task="reverse", model="transformer", dim=8, heads=2, ff=8)
    assert t.apply(t.config.replace(dropout=0.3)) is False
    assert t.model.dropout == [0.3] * 2
    t.step()  # trains with dropout; the views never drop
    np.testing.assert_array_equal(t.attention(0), t.attention(0))


# --- memory -----------------------------------------------------------------------------------

@pytest.mark.parametrize("config", [
    SequenceConfig(task="sine", length=100, model="lstm", hidden=64, layers=2, batch_size=256),
    SequenceConfig(task="copy", n_tokens=10, delay=79, model="transformer", dim=64, heads=4,
                   blocks=2, ff=256, batch_size=256),
], ids=["largest-lstm", "largest-transformer"])
def test_the_largest_network_holds_under_50_mb(config):
    """The largest networks on the longest sequences with the largest batch (the default 2,000
    training sequences: the largest data, 5,000, adds 8 MB to the LSTM's sine run; bench_layers
    measures it)."""
    tracemalloc.start()
    try:
        t = SequenceTrainer(config)
        for _ in range(2):
            t.step()
        t.predict_sequence(0)
        if config.model == "lstm":
            t.hidden_states(0), t.gates(0), t.gradient_through_time()
        else:
            t.attention(0), t.position_embeddings(), t.head_steps(0, 1, 3)
        t.to_bytes()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak / 2**20


def test_the_vocabulary_size_is_a_setting_of_reverse_sort_and_max_and_typed_tokens_follow_it():
    """One field `vocab` shared by the three tasks; a typed token outside it is refused by name;
    a rebuild with another vocabulary trains on its tokens only."""
    field = SequenceConfig.FIELDS["vocab"]
    assert (field.default, field.low, field.high) == (10, 2, 10)
    assert all(name in field.help for name in ("Reverse", "Sort", "Maximum"))
    t = SequenceTrainer(SequenceConfig(task="reverse", length=6, vocab=4, model="transformer",
                                       n_train=64, n_test=32))
    assert t.train.inputs.max() <= 3 and t.baseline == 0.25
    np.testing.assert_array_equal(t.tokens("012332"), [0, 1, 2, 3, 3, 2])
    with pytest.raises(ValueError, match=r"'7' is not a token of Reverse; use only 0 1 2 3$"):
        t.tokens("012372")
    with pytest.raises(ValueError, match="token ids of Reverse are 0 to 3"):
        t.tokens([0, 1, 2, 3, 9, 1])
    assert t.apply(t.config.replace(vocab=5))  # a rebuild
    assert t.train.inputs.max() == 4
    assert SequenceConfig(task="copy").options() == {"n_tokens": 3, "delay": 10}
