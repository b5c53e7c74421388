"""The Attention page's panels: which sequence the maps show (a test sequence, or one you
type, validated), one attention head step by step with the engine's numbers, and the texts."""

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import streamlit as st

from engine.sequences import HeadSteps, SequenceTrainer
from ui.charts import attention
from ui.live import frames
from ui.live.components import static_chart
from ui.live.panel import Layout
from ui.live.runner import Runner
from ui.live.session import presenter

from .state import CHOSEN, PAGE, TYPED, TYPED_OK
from .view import LAYOUT, AttentionView, which_sequence

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "attention"
EXPLAIN = (("Tokens and embeddings", "tokens"), ("Query, key, value", "qkv"),
           ("Why the scores are scaled", "scaling"), ("What a head learns", "heads"),
           ("Why positions are needed", "positions"), ("The causal mask", "causal"))


def text(name: str) -> str:
    return (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip()


def typed_ids(r: Runner) -> np.ndarray | None:
    """Token ids of the last valid typed sequence, if it still fits the trained network."""
    good = st.session_state.get(TYPED_OK)
    if not good:
        return None
    with r.lock:
        try:
            return r.trainer.tokens(good)
        except ValueError:
            return None


def live_view(r: Runner) -> AttentionView:
    ss = st.session_state
    return AttentionView(chosen=int(ss.get(CHOSEN, 0)), typed=typed_ids(r),
                         presenter=presenter(), slow=ss.get("att.slow", True))


def check_typed(r: Runner, typed: str) -> str | None:
    """Keep `typed` as the sequence to show when the trained network can read it; else the
    reason it cannot (the last valid one stays)."""
    ss = st.session_state
    if not typed.strip():
        ss[TYPED_OK] = None
        return None
    with r.lock:
        try:
            r.trainer.tokens(typed.strip())
        except ValueError as e:
            return str(e)
    ss[TYPED_OK] = typed.strip()
    return None


def sequence_options(r: Runner) -> None:
    """The test sequence to look at, a sequence of your own, and whether to draw the position
    embeddings; a typed sequence that does not fit is explained and the last good one kept.
    Drawn at the top of the live panel's fragment: a change reruns only the charts."""
    with r.lock:
        t: SequenceTrainer = r.trainer
        n_test, T, example = t.n_test, t.T, t.predict_sequence(0).text
        alphabet = t.task.alphabet[:t.config.vocab] if "vocab" in t.task.options else \
            t.task.alphabet
    ss = st.session_state
    ss[CHOSEN] = min(int(ss.get(CHOSEN, 0)), max(n_test - 1, 0))
    c = st.columns([1, 2, 1.2], vertical_alignment="bottom")
    c[0].number_input("Test sequence #", 0, max(n_test - 1, 0), step=1, key=CHOSEN,
                      help="The test sequence whose attention maps and output are shown.")
    typed = c[1].text_input("Type your own sequence", key=TYPED, max_chars=40,
                            placeholder=f"e.g. {example}",
                            help=f"{T} tokens of {' '.join(alphabet)}: the maps and the output "
                                 "show it instead of the test sequence. Empty: the test "
                                 "sequence.")
    c[2].toggle("Position embeddings", key="att.slow",
                help="Draw the position vectors and their similarity (one frame in a few).")
    problem = check_typed(r, typed)
    with st.container():  # always there: the charts below keep their place (no remount)
        if problem:
            kept = ss.get(TYPED_OK)
            st.warning(f"Cannot read {typed.strip()[:40]!r}: {problem}. Showing "
                       + (f"your last sequence, {kept}." if kept else "the test sequence."),
                       icon="⌨️")
        elif ss.get(TYPED_OK):
            st.caption(f"Showing your sequence {ss[TYPED_OK]}: the network answers it as it "
                       "trains.")
    # A fragment run does not pass through init(): keep the copies of these widgets current.
    saved = ss.setdefault(PAGE.key("widgets"), {})
    for k in (CHOSEN, TYPED, "att.slow"):
        saved[k] = ss[k]
    ch = frames.channel(r)
    if ch.view is not None:  # the frames follow the new choice
        ch.view.chosen, ch.view.typed = int(ss[CHOSEN]), typed_ids(r)
        ch.view.slow = bool(ss["att.slow"])


def layout(r: Runner) -> Layout:
    """The live panel's charts, with the sequence options at the top of its fragment and the
    head step by step below them: both follow the chosen or typed sequence in the same run."""
    return replace(LAYOUT, header=lambda: sequence_options(r), footer=lambda: head_section(r))


# --- one head step by step -----------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    title: str
    formula: str
    matrix: np.ndarray
    cols: str  # "positions" or "dims"
    bounded: bool
    words: str


def stages(s: HeadSteps, causal: bool) -> list[Stage]:
    """The head's computation, one matrix per stage, with what each stage does."""
    dh = s.queries.shape[1]
    return [
        Stage("The input x", r"x = \mathrm{LayerNorm}(\text{token} + \text{position})",
              s.x, "dims", False, "Each position's vector after the block's layer norm: what "
              "the attention reads. One row per position."),
        Stage("Queries", r"Q = x\,W_Q^\top + b_Q", s.queries, "dims", False,
              "What each position is looking for: its vector times the head's query weights."),
        Stage("Keys", r"K = x\,W_K^\top + b_K", s.keys, "dims", False,
              "What each position offers to be found by."),
        Stage("Values", r"V = x\,W_V^\top + b_V", s.values, "dims", False,
              "What each position hands over when it is read."),
        Stage("Scaled scores", r"S = \frac{Q K^\top}{\sqrt{d_h}},\quad d_h = " + str(dh),
              s.scores, "positions", False,
              "Row t, column u: how well position t's query matches position u's key, divided "
              f"by √{dh} = {math.sqrt(dh):.2f}"
              + (". Above the diagonal −∞: the causal mask hides later positions." if causal
                 else ".")),
        Stage("Softmax", r"A_{tu} = \frac{e^{S_{tu}}}{\sum_v e^{S_{tv}}}", s.weights,
              "positions", True, "Each row made into shares that add up to 1: the attention "
              "map of this head."),
        Stage("Weighted sum", r"O = A\,V", s.output, "dims", False,
              "Each position's output: the values of all positions, mixed by its row of A."),
        Stage("Into the block", r"O\,W_O^\top", s.contribution, "dims", False,
              "This head's share of the attention layer's output; the layer adds the heads' "
              "shares and a bias, and the block adds the result to its input."),
    ]


def head_section(r: Runner) -> None:
    """One attention head on the shown sequence, stage by stage, from the engine's weights; the
    softmax stage is checked against the attention map the engine's layer computed."""
    ss = st.session_state
    with r.lock:
        t: SequenceTrainer = r.trainer
        cfg = t.config
        ss["att.block"] = min(int(ss.get("att.block", 1)), cfg.blocks)
        ss["att.head"] = min(int(ss.get("att.head", 1)), cfg.heads)
        which, label = which_sequence(t, int(ss.get(CHOSEN, 0)), typed_ids(r))
        steps = t.head_steps(which, ss["att.block"] - 1, ss["att.head"] - 1)
        engine_map = t.attention(which)[ss["att.block"] - 1, ss["att.head"] - 1]
        tokens = t.predict_sequence(which).text
    with st.expander("One attention head step by step, with the engine's numbers"):
        st.markdown(text("steps"))
        all_stages = stages(steps, cfg.causal)
        last = len(all_stages) - 1
        c = st.columns([1, 1, 0.8, 0.8, 3.4], vertical_alignment="bottom")
        c[0].number_input("Block", 1, cfg.blocks, step=1, key="att.block",
                          help="Which transformer block's attention.")
        c[1].number_input("Head", 1, cfg.heads, step=1, key="att.head",
                          help="Which head of that block.")
        c[2].button("◀ Back", on_click=go, args=(-1, last), key="att.back", width="stretch",
                    disabled=ss["att.stage"] == 0, help="The stage before.")
        c[3].button("Next ▶", on_click=go, args=(1, last), key="att.next", type="primary",
                    width="stretch", disabled=ss["att.stage"] == last,
                    help="The next stage: one more matrix computed.")
        names = [f"{i + 1}. {s.title}" for i, s in enumerate(all_stages)]
        stage = c[4].select_slider("Stage", list(range(len(names))), key="att.stage",
                                   format_func=lambda i: names[i],
                                   help="Walk through the head's computation one matrix at a "
                                        "time.")
        s = all_stages[stage]
        left, right = st.columns([2, 3], gap="medium")
        with left:
            st.markdown(f"**{s.title}** on {label}, {tokens}")
            st.latex(s.formula)
            st.markdown(s.words)
            if stage == 5:
                diff = float(np.abs(s.matrix - engine_map).max())
                st.caption(f"The engine's attention layer computed the same map: largest "
                           f"difference {diff:.1e}.")
            if stage == 4:
                st.caption(one_score(steps, tokens))
        rows = [f"{i}:{ch}" for i, ch in enumerate(tokens)]
        cols = rows if s.cols == "positions" else [str(j) for j in range(s.matrix.shape[1])]
        with right:
            static_chart(attention.matrix_chart(s.matrix, rows, cols, s.title,
                                                bounded=s.bounded), PAGE.key("step_chart"))
    # Drawn in the live panel's fragment, which does not pass through init(): keep the copies
    # of these widgets current.
    saved = ss.setdefault(PAGE.key("widgets"), {})
    for k in ("att.block", "att.head", "att.stage"):
        saved[k] = ss[k]


def go(delta: int, last: int) -> None:
    """Back or Next: the stage before or after, within 0 and `last`."""
    ss = st.session_state
    ss["att.stage"] = min(max(int(ss.get("att.stage", 0)) + delta, 0), last)


def one_score(s: HeadSteps, tokens: str) -> str:
    """One score worked out: the first position's query against the key it matches best."""
    u = int(np.nanargmax(np.where(np.isfinite(s.scores[0]), s.scores[0], -np.inf)))
    dot = float(s.queries[0] @ s.keys[u])
    dh = s.queries.shape[1]
    return (f"For example, position 0 ({tokens[0]}) and position {u} ({tokens[u]}): "
            f"q·k = {dot:.3f}, divided by √{dh} gives {dot / math.sqrt(dh):.3f} "
            f"(the engine's score: {s.scores[0, u]:.3f}).")


def explanations() -> None:
    """The short texts, one tab each."""
    with st.expander("How attention works", expanded=False):
        tabs = st.tabs([title for title, _ in EXPLAIN])
        for tab, (_, name) in zip(tabs, EXPLAIN, strict=True):
            tab.markdown(text(name))
