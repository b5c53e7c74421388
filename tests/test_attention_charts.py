"""The Attention page's charts: plain functions from arrays to plotly figures, validated by
plotly itself, with the numbers they show checked against their inputs."""

import numpy as np
import plotly.graph_objects as go
import pytest

from engine.sequences import SequenceConfig, SequenceTrainer
from ui.charts import attention


@pytest.fixture(scope="module")
def trainer():
    t = SequenceTrainer(SequenceConfig(task="reverse", length=6, model="transformer", heads=2,
                                       blocks=2, n_train=64, n_test=32))
    t.run(1)
    return t


def test_attention_maps_one_heatmap_per_head_of_every_block_with_tokens_on_both_axes(trainer):
    w = trainer.attention(0)
    tokens = list(trainer.predict_sequence(0).text)
    fig = attention.attention_maps(w, tokens)
    go.Figure(fig)
    heat = fig["data"]
    assert len(heat) == 4 and [d["name"] for d in heat] == [
        "block 1 head 1", "block 1 head 2", "block 2 head 1", "block 2 head 2"]
    np.testing.assert_allclose(np.array(heat[3]["z"]), w[1, 1], atol=5e-4)
    for i in ("", "4"):
        assert fig["layout"][f"xaxis{i}"]["ticktext"] == tokens
        assert fig["layout"][f"yaxis{i}"]["ticktext"] == tokens
        assert fig["layout"][f"yaxis{i}"]["autorange"] == "reversed"  # position 0 on top
    names = [a["text"] for a in fig["layout"]["annotations"]]
    assert names == ["block 1 · head 1", "block 1 · head 2", "block 2 · head 1",
                     "block 2 · head 2"]


def test_anti_diagonal_mass_is_one_for_reversal_and_one_over_t_for_uniform():
    T = 7
    mirror = np.eye(T)[::-1][None, None]
    uniform = np.full((1, 2, T, T), 1 / T)
    assert attention.anti_diagonal_mass(mirror)[0, 0] == 1.0
    np.testing.assert_allclose(attention.anti_diagonal_mass(uniform), 1 / T)


def test_output_chart_marks_the_prediction_and_the_target(trainer):
    s = trainer.predict_sequence(2)
    alphabet = trainer.task.alphabet
    pred = "".join(alphabet[i] for i in s.prediction)
    target = "".join(alphabet[i] for i in s.target)
    fig = attention.output_chart(s.probabilities, alphabet, s.text, pred, target, s.scored)
    go.Figure(fig)
    heat, dots, rings = fig["data"]
    np.testing.assert_allclose(np.array(heat["z"]), s.probabilities.T, atol=5e-4)
    assert dots["y"] == [int(i) for i in s.prediction]
    assert rings["y"] == [int(i) for i in s.target]
    right = [c == "#2ca02c" for c in rings["marker"]["color"]]
    assert right == list(s.prediction == s.target)
    assert f"{sum(right)} of 6 right" in fig["layout"]["title"]["text"]
    typed = attention.output_chart(s.probabilities, alphabet, s.text, pred, None, s.scored)
    assert len(typed["data"]) == 2 and "target" not in typed["layout"]["title"]["text"]


def test_output_chart_marks_only_the_scored_positions():
    p = np.full((9, 13), 1 / 13)
    scored = np.zeros(9, dtype=bool)
    scored[6:] = True
    fig = attention.output_chart(p, "0123456789+=_", "12+34=___", "____64___", "______640",
                                 scored)
    assert fig["data"][1]["x"] == [6, 7, 8] and fig["data"][2]["x"] == [6, 7, 8]
    assert "Output for 12+34=___: ___ (target 640, 0 of 3 right)" == \
        fig["layout"]["title"]["text"]


def test_position_chart_and_matrix_chart(trainer):
    pv = trainer.position_embeddings()
    fig = attention.position_chart(pv.vectors, pv.similarity, pv.kind)
    go.Figure(fig)
    np.testing.assert_allclose(np.array(fig["data"][1]["z"]), pv.similarity, atol=5e-4)
    s = trainer.head_steps(0, 0, 0)
    masked = s.scores + np.triu(np.full(s.scores.shape, -np.inf), 1)
    fig = attention.matrix_chart(masked, list("abcdef"), list("abcdef"), "Scores")
    go.Figure(fig)
    text = fig["data"][0]["text"]
    assert text[0][1] == "−∞" and text[1][0] == f"{masked[1, 0]:.2f}"
    assert fig["data"][0]["texttemplate"] == "%{text}"
    wide = attention.matrix_chart(s.x, list("abcdef"), [str(j) for j in range(32)], "x")
    assert "texttemplate" not in wide["data"][0]  # 32 columns: numbers on hover only


def test_accuracy_chart_draws_whole_sequences_dashed_and_the_baseline():
    fig = attention.accuracy_chart([0, 1, 2], {"train": [0.1, 0.5, 0.9],
                                               "test, sequences": [0.0, 0.2, 0.8]},
                                   baseline=0.1)
    go.Figure(fig)
    assert [d["line"]["dash"] for d in fig["data"]] == ["solid", "dash"]
    assert fig["layout"]["shapes"][0]["y0"] == 0.1
