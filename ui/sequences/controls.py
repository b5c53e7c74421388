"""The Sequences page's sidebar controls, made from SequenceConfig's fields, and its presets.
Each function draws its widgets and returns the settings they hold (only those it drew)."""

from dataclasses import replace

import streamlit as st

from engine.data.sequences import get_task
from engine.sequences import SequenceConfig
from ui.live.session import visible
from ui.live.widgets import field_widget, help_text, hyper_widgets

from .state import CELLS, HARD, PAGE, PRESETS, SEEN_TASK, TASKS, key, write

F = SequenceConfig.FIELDS
# The hidden size as a slider over its whole range (the field offers a few sizes).
HIDDEN = replace(F["hidden"], offered=(), slider=True, step=1)


def _shown(names, container=None, **kw) -> dict:
    return {n: field_widget(F[n], key(n), container, **kw) for n in names if visible(n)}


def task_controls() -> dict:
    """The task, its length T (or how its options fix T), its own options, and the data."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Task")
    values = _shown(("task",), sb, options=list(TASKS))
    task = get_task(ss[key("task")])
    sb.caption(f"{task.description} *{HARD[task.name]}*")
    if ss.get(SEEN_TASK) != task.name:  # another task: its own usual length
        ss[key("length")] = task.default_T or 0
        ss[SEEN_TASK] = task.name
    if task.length_fn is None:
        values |= _shown(("length",), sb)
    else:
        values["length"] = 0
    values |= _shown(tuple(task.options), sb)
    if task.length_fn is not None:
        opts = {n: ss[key(n)] for n in task.options}
        sb.caption(f"T = {task.length_rule.split('= ', 1)[1]} = {task.length_fn(**opts)} steps.")
    return values | _shown(("n_train", "seed"), sb)


def model_controls() -> dict:
    """The cell (RNN, GRU, LSTM), its hidden size and the number of layers."""
    sb = st.sidebar
    sb.subheader("Network")
    values = _shown(("model",), sb, options=list(CELLS), horizontal=True)
    if visible("hidden"):
        values["hidden"] = field_widget(HIDDEN, key("hidden"), sb)
    return values | _shown(("layers",), sb, horizontal=True)


def training_controls() -> dict:
    """Optimizer and its hyperparameters, learning rate, batch size, gradient clipping, the
    backpropagation window and the epoch budget: every one applies live (the caller puts them
    in a sidebar fragment)."""
    st.subheader("Training")
    values = _shown(("optimizer", "lr"))
    if visible("optimizer"):
        values |= hyper_widgets(F, values["optimizer"], key)
    values |= _shown(("batch_size", "clip"))
    if st.session_state.get(key("clip")):
        values |= _shown(("clip_norm",))
    return values | _shown(("bptt", "max_epochs"))


def load_preset(name: str) -> None:
    """Button callback: the preset's settings, from fresh weights, playing."""
    ss = st.session_state
    write(PRESETS[name].config())
    ss[PAGE.key("autoplay")] = True
    ss[PAGE.key("preset")] = name


def presets() -> None:
    """One button per classroom preset, in the sidebar."""
    if not visible("presets"):
        return
    with st.sidebar.expander("Classroom presets"):
        for name, p in PRESETS.items():
            st.button(p.label, key=key(f"preset.{name}"), on_click=load_preset, args=(name,),
                      width="stretch", help=p.note + " " + help_text("seq_preset"))
