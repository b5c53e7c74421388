"""The Sequences page's panels: applying the settings (a rebuild says so), the view options,
a preset's note, a step through one cell with the engine's numbers, and the texts."""

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from engine.fields import Choice
from engine.layers import GRU, LSTM, RNN
from engine.sequences import CELL_NAMES, SequenceConfig, SequenceTrainer
from ui.live.runner import Runner
from ui.live.session import presenter, visible
from ui.live.widgets import help_text

from . import controls, walk
from .state import CHOSEN, CONFIG, LAYER, PAGE, PRESETS, STEP
from .view import SequencesView

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "sequences"
EXPLAIN = {"unrolling": "Unrolling", "bptt": "Backpropagation through time",
           "vanishing": "Vanishing and exploding gradients", "gates": "What gates do",
           "clipping": "Gradient clipping"}
F = SequenceConfig.FIELDS


def text(name: str) -> str:
    return (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip()


def live_view() -> SequencesView:
    ss = st.session_state
    return SequencesView(chosen=int(ss.get(CHOSEN, 0)), step=int(ss.get(STEP, 1)),
                         layer=int(ss.get(LAYER, 1)), presenter=presenter(),
                         slow=ss.get("seq.slow", True))


def _show(name: str, value) -> str:
    field = F[name]
    return field.show(value) if isinstance(field, Choice) else f"{value:g}" \
        if isinstance(value, float) else str(value)


def rebuilt_note(before: SequenceConfig, after: SequenceConfig) -> str:
    """What a rebuild changed, in words: 'Network: GRU → LSTM'."""
    live, changed = SequenceConfig.live_fields(), []
    for n in F:
        old, new = getattr(before, n), getattr(after, n)
        if n == "length":  # as T, also when the task's options fix it
            old, new = before.resolved(), after.resolved()
        if n not in live and old != new:
            changed.append(f"{F[n].label}: {_show(n, old)} → {_show(n, new)}")
    return "; ".join(changed)


def settings(r: Runner, values: dict) -> None:
    """The training controls (live), then every control's settings applied to the runner and
    mirrored in the URL. A change that rebuilds the network says what changed."""
    def training(values: dict) -> None:
        before, run_id = r.trainer.config, r.run_id
        config = PAGE.apply(r, values | controls.training_controls())
        if r.run_id != run_id and config != before:
            with r.lock:
                cell = CELL_NAMES[config.model]
                T, params = r.trainer.T, r.trainer.model.n_params
            PAGE.message("info", f"Rebuilt from fresh weights: a new {cell} ({params:,} "
                                 f"parameters) on sequences of {T} steps, epoch 0. Changed: "
                                 f"{rebuilt_note(before, config)}.")
        st.session_state[CONFIG] = config
        PAGE.sync_url(config.to_query())

    PAGE.settings_fragment(training, values)


def autoplay(r: Runner) -> None:
    """A preset starts from fresh weights and plays."""
    ss = st.session_state
    if ss.pop(PAGE.key("autoplay"), False):
        r.reset()
        r.play()


def preset_note() -> None:
    """The note of the preset that set up these settings, while they hold."""
    name = st.session_state.get(PAGE.key("preset"))
    with st.container():  # always there, so that what follows keeps its place
        if name in PRESETS and PRESETS[name].config() == st.session_state.get(CONFIG):
            st.info(f"**{PRESETS[name].label}.** {PRESETS[name].note}")


def view_options(r: Runner) -> None:
    """Which test sequence the charts follow, which step the unrolled diagram and the cell
    walk show, which layer, and whether to draw the slower charts."""
    ss = st.session_state
    with r.lock:
        n_test, T, layers = r.trainer.n_test, r.trainer.T, r.trainer.config.layers
    ss[CHOSEN] = min(int(ss.get(CHOSEN, 0)), n_test - 1)
    ss[STEP] = min(max(int(ss.get(STEP, 1)), 1), T)
    ss[LAYER] = min(int(ss.get(LAYER, 1)), layers)
    c = st.columns([1, 2, 1, 1.4] if layers > 1 else [1, 2, 1.4])
    c[0].number_input("Test sequence #", 0, n_test - 1, step=1, key=CHOSEN,
                      help=help_text("seq_chosen"))
    if T > 1:
        c[1].slider("Step t", 1, T, key=STEP, help=help_text("seq_step"))
    if layers > 1:
        c[2].radio("Layer", [1, 2], key=LAYER, horizontal=True, help=help_text("seq_layer"))
    c[-1].toggle("Look inside (states, gates, unrolled)", key="seq.slow",
                 help=help_text("seq_slow"))


def _columns(s: walk.CellStep) -> dict[str, np.ndarray]:
    cols = {"h_(t-1)": s.h_prev}
    if s.c_prev is not None:
        cols["c_(t-1)"] = s.c_prev
    for name in s.from_input:
        tag = f" [{name}]" if name else ""
        cols[f"W_ih x_t + b_ih{tag}"] = s.from_input[name]
        cols[f"W_hh h_(t-1) + b_hh{tag}"] = s.from_state[name]
    cols |= {f"gate {name}": v for name, v in s.gates.items()}
    if s.c is not None:
        cols["c_t"] = s.c
    cols["h_t"] = s.h
    return cols


def walk_section(r: Runner) -> None:
    """One step through the cell, on the chosen sequence: the formulas, every product and gate
    unit by unit, and the engine's own h_t beside the one computed here."""
    ss = st.session_state
    with st.expander("One step through the cell, with the current numbers"):
        with r.lock:
            t: SequenceTrainer = r.trainer
            chosen = int(ss.get(CHOSEN, 0)) % t.n_test
            layer = min(int(ss.get(LAYER, 1)), t.config.layers) - 1
            step = min(max(int(ss.get(STEP, 1)), 1), t.T) - 1
            states = t.hidden_states(chosen)
            cells = [x for x in t.model.layers if isinstance(x, RNN | GRU | LSTM)]
            cell = cells[layer]
            x = t.test.inputs[chosen]
            if layer:
                xs = states[layer - 1].T
            elif t.task.vocab_size:
                xs = np.eye(t.task.vocab_size)[x]
            else:
                xs = x
            s = walk.cell_step(cell, xs, step)
            epoch, steps, alphabet = t.epoch, t.steps, t.task.alphabet
        engine_h = states[layer][:, step]
        kind = walk.kind_of(cell)
        st.markdown(text("walk"))
        st.latex(walk.EQUATIONS[kind])
        shown = f"`{np.array2string(s.x, precision=3, suppress_small=True, max_line_width=90)}`"
        what = f"the hidden state of layer {layer}" if layer else "the input"
        if not layer and alphabet is not None:
            shown = f"token '{alphabet[int(x[step])]}' as a one-hot vector {shown}"
        st.markdown(f"Step **t = {step + 1}** of test sequence #{chosen}, layer {layer + 1} "
                    f"({CELL_NAMES[kind]}): x_t, {what}, is {shown}.")
        frame = pd.DataFrame({k: v for k, v in _columns(s).items()},
                             index=pd.RangeIndex(1, len(s.h) + 1, name="neuron"))
        st.dataframe(frame.style.format("{:.4f}"), height=min(38 + 35 * len(s.h), 420))
        diff = float(np.abs(s.h - engine_h).max())
        st.caption(f"The engine's own h_t at this step differs from the one computed here by "
                   f"at most {diff:.1e}. Weights of epoch {epoch:,} (training step {steps:,}): "
                   "while it plays, Pause or Step to bring them up to date.")


def explain() -> None:
    """The short texts: unrolling, backpropagation through time, vanishing and exploding
    gradients, gates and clipping."""
    if not visible("explain"):
        return
    st.subheader("How recurrent networks learn")
    for tab, name in zip(st.tabs(list(EXPLAIN.values())), EXPLAIN, strict=True):
        with tab:
            st.markdown(text(name))
