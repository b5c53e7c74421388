"""The Sequences page's panels: applying the settings (a rebuild says so), the view options,
a preset's note, the formulas of a step through one cell, and the texts."""

from pathlib import Path

import streamlit as st

from engine.fields import Choice
from engine.sequences import CELL_NAMES, SequenceConfig
from ui.live.runner import Runner
from ui.live.session import presenter, visible
from ui.live.widgets import help_text

from . import controls, walk
from .state import CHOSEN, CONFIG, LAYER, NEURONS, PAGE, PRESETS, STEP
from .view import WALK_NEURONS, SequencesView

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
                         layer=int(ss.get(LAYER, 1)), neurons=int(ss.get(NEURONS, 1)),
                         presenter=presenter(),
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
    walk show, which layer, from which neuron the cell walk's rows start, and whether to draw
    the slower charts."""
    ss = st.session_state
    with r.lock:
        n_test, T, cfg = r.trainer.n_test, r.trainer.T, r.trainer.config
    layers, last = cfg.layers, max(cfg.hidden - WALK_NEURONS + 1, 1)
    ss[CHOSEN] = min(int(ss.get(CHOSEN, 0)), n_test - 1)
    ss[STEP] = min(max(int(ss.get(STEP, 1)), 1), T)
    ss[LAYER] = min(int(ss.get(LAYER, 1)), layers)
    ss[NEURONS] = min(max(int(ss.get(NEURONS, 1)), 1), last)
    c = st.columns([1, 2] + [1] * (layers > 1) + [1] * (last > 1) + [1.4])
    c[0].number_input("Test sequence #", 0, n_test - 1, step=1, key=CHOSEN,
                      help=help_text("seq_chosen"))
    if T > 1:
        c[1].slider("Step t", 1, T, key=STEP, help=help_text("seq_step"))
    if layers > 1:
        c[2].radio("Layer", [1, 2], key=LAYER, horizontal=True, help=help_text("seq_layer"))
    if last > 1:
        c[-2].number_input("Cell step from neuron", 1, last, step=1, key=NEURONS,
                           help=help_text("seq_neurons"))
    c[-1].toggle("Look inside (states, gates, unrolled, one step)", key="seq.slow",
                 help=help_text("seq_slow"))


def walk_section(r: Runner) -> None:
    """The formulas of one step through the cell. The numbers, for the chosen sequence, step
    and layer with the current weights, are the live panel's last chart (with Look inside)."""
    with r.lock:
        kind = r.trainer.config.model
    with st.expander("One step through the cell: the formulas", expanded=False):
        st.markdown(text("walk"))
        st.latex(walk.EQUATIONS[kind])
        st.caption("The chart “One step through the cell” above writes these out for the "
                   "chosen test sequence, step and layer with the current weights, and follows "
                   "them while it trains (it is one of the charts shown with Look inside). Its "
                   "last column is the engine's own h_t for that step, to compare with the h_t "
                   "computed from the formulas.")


def explain() -> None:
    """The short texts: unrolling, backpropagation through time, vanishing and exploding
    gradients, gates and clipping."""
    if not visible("explain"):
        return
    st.subheader("How recurrent networks learn")
    for tab, name in zip(st.tabs(list(EXPLAIN.values())), EXPLAIN, strict=True):
        with tab:
            st.markdown(text(name))
