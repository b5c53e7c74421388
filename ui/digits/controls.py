"""The Digits page's sidebar controls, made from ImageConfig's fields. Each function draws its
widgets and returns the settings they hold (only those it drew)."""

import streamlit as st

from engine.images import ImageConfig
from ui.live.session import visible
from ui.live.widgets import field_widget, hyper_widgets, parse_widths, widths_widget

from .state import PAGE, key

F = ImageConfig.FIELDS


def _shown(names, container=None, **kw) -> dict:
    return {n: field_widget(F[n], key(n), container, **kw) for n in names if visible(n)}


def _widths(name: str, container) -> dict:
    """A widths box's value, or nothing (with a message) when its text is not widths."""
    text = widths_widget(F[name], key(name), container)
    try:
        return {name: parse_widths(text)}
    except ValueError as e:
        PAGE.message("warning", f"{F[name].label}: {e}.")
        return {}


def model_controls() -> dict:
    """The network: MLP (hidden widths, activation) or CNN (filters, kernel, padding,
    activation, pooling, an optional dense layer)."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Network")
    values = _shown(("model",), sb, horizontal=True)
    if ss[key("model")] == "mlp":
        values |= _widths("hidden", sb) | _shown(("activation",), sb)
    else:
        values |= _widths("filters", sb)
        c1, c2 = sb.columns(2)
        values |= _shown(("kernel",), c1) | _shown(("pooling",), c2)
        c1, c2 = sb.columns(2, vertical_alignment="bottom")
        values |= _shown(("conv_activation",), c1) | _shown(("padding",), c2)
        values |= _widths("dense", sb)
        if ss.get(key("dense")):
            values |= _shown(("activation",), sb)
    return values


def data_controls() -> dict:
    """The split, the seed and the random shifts and slants of the training digits."""
    sb = st.sidebar
    sb.subheader("Data")
    return _shown(("augment", "slant", "test_size", "seed"), sb)


def training_controls() -> dict:
    """Optimizer and its hyperparameters, learning rate, batch size, L2, dropout and the epoch
    budget: every one applies live (the caller puts them in a sidebar fragment)."""
    st.subheader("Training")
    values = _shown(("optimizer", "lr"))
    if visible("optimizer"):
        values |= hyper_widgets(F, values["optimizer"], key)
    values |= _shown(("batch_size", "l2", "dropout", "max_epochs"))
    return values
