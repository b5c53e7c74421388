"""The Attention page's sidebar controls, made from SequenceConfig's fields. Each function draws
its widgets and returns the settings they hold (only those it drew)."""

import streamlit as st

from engine.data.sequences import get_task
from engine.sequences import SequenceConfig
from ui.live.session import visible
from ui.live.widgets import field_widget, hyper_widgets, learn_more

from .state import PAGE, PRESETS, TASKS, key, use_preset

F = SequenceConfig.FIELDS


def _shown(names, container=None, **kw) -> dict:
    return {n: field_widget(F[n], key(n), container, **kw) for n in names if visible(n)}


def presets() -> None:
    """One button per classroom demo; the last one's note says what to watch."""
    if not visible("presets"):
        return
    sb = st.sidebar
    sb.subheader("Classroom demos")
    for name, p in PRESETS.items():
        sb.button(p.label, key=key(f"preset.{name}"), on_click=use_preset, args=(name,),
                  width="stretch", help=p.note)


def task_controls() -> dict:
    """The task, its length (4 to 12 tokens for reverse, sort and maximum; copy and addition
    take theirs from their options), its options (the vocabulary size of reverse, sort and
    maximum) and the number of training sequences."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Task")
    values = _shown(("task",), sb, options=list(TASKS))
    task = get_task(ss[key("task")])
    if task.T_range is not None:
        lo, hi = task.T_range
        ss[key("length")] = min(max(int(ss.get(key("length")) or task.default_T), lo), hi)
        if visible("length"):
            values["length"] = sb.slider(F["length"].label, lo, hi, key=key("length"),
                                         help=f"Tokens per sequence ({lo} to {hi}); the "
                                              "network is trained on this length."
                                              + learn_more("length"))
    else:
        values["length"] = 0
    values |= _shown(tuple(task.options), sb) | _shown(("n_train",), sb)
    alphabet = in_use(task.alphabet, ss.get(key("vocab"))) if "vocab" in task.options \
        else task.alphabet
    sb.caption(f"{task.description} Vocabulary: {len(alphabet)} tokens "
               f"({' '.join(alphabet)}).")
    return values


def in_use(alphabet: str, vocab) -> str:
    """The first `vocab` tokens of `alphabet` (all of them when vocab is not a whole number)."""
    return alphabet[:vocab] if isinstance(vocab, int) else alphabet


def model_controls() -> dict:
    """The transformer: embedding size, heads, blocks, position information, feed-forward
    width (the causal mask and dropout apply live: see training_controls)."""
    sb = st.sidebar
    sb.subheader("Transformer")
    values = {"model": "transformer"}
    c1, c2 = sb.columns(2)
    values |= _shown(("dim",), c1) | _shown(("heads",), c2)
    c1, c2 = sb.columns(2)
    values |= _shown(("blocks",), c1) | _shown(("ff",), c2)
    values |= _shown(("position",), sb, horizontal=True) | _shown(("seed",), sb)
    return values


def training_controls() -> dict:
    """Causal mask, dropout, optimizer and its hyperparameters, learning rate, batch size,
    clipping and the epoch budget: every one applies live (the caller puts them in a sidebar
    fragment)."""
    st.subheader("Training")
    values = _shown(("causal", "dropout", "optimizer", "lr"))
    if visible("optimizer"):
        values |= hyper_widgets(F, values["optimizer"], key)
    values |= _shown(("batch_size", "clip"))
    if st.session_state.get(key("clip")):
        values |= _shown(("clip_norm",))
    values |= _shown(("max_epochs",))
    return values


def apply_note() -> None:
    """The last demo's note, once."""
    note = st.session_state.pop(PAGE.key("preset_note"), None)
    with st.container():  # always there: the charts below keep their place (no remount)
        if note:
            st.info(note, icon=":material/school:")
