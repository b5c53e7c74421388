"""The GAN page's sidebar controls, made from GanConfig's and DigitsGanConfig's fields. Each
function draws its widgets and returns the settings they hold (only those it drew); `prefix`
is the mode's ("gan" for 2-D points, "gand" for digits)."""

import streamlit as st

from engine import GAN_PRESETS, DigitsGanConfig, GanConfig
from engine.data.distributions import DISTRIBUTIONS, MIN_POINTS
from engine.optimizers import OPTIMIZERS
from ui.live.session import visible
from ui.live.widgets import field_widget, help_text, parse_widths, widths_widget

from . import actions
from .state import DIGITS, DIGITS_MODE, MODE, PAGE, POINTS, POINTS_MODE, key

FATE = {True: "(Tested to converge.)", False: "(It fails on purpose.)"}
MODES = {POINTS_MODE: "2-D points", DIGITS_MODE: "Digits (8×8)"}


def _fields(prefix: str) -> dict:
    return (GanConfig if prefix == "gan" else DigitsGanConfig).FIELDS


def _shown(names, prefix: str, container=None, **kw) -> dict:
    F = _fields(prefix)
    return {n: field_widget(F[n], key(n, prefix), container, **kw) for n in names
            if visible(n)}


def _widths(name: str, prefix: str, container) -> dict:
    """A widths box's value, or nothing (with a message) when its text is not widths."""
    F = _fields(prefix)
    text = widths_widget(F[name], key(name, prefix), container)
    try:
        return {name: parse_widths(text)}
    except ValueError as e:
        (PAGE if prefix == "gan" else DIGITS).message("warning", f"{F[name].label}: {e}.")
        return {}


def mode() -> str:
    """The mode picker at the top of the sidebar: 2-D points or digits."""
    st.sidebar.radio("What the generator makes", list(MODES), format_func=MODES.get,
                     key=MODE, horizontal=True, help=help_text("gan_mode"))
    return st.session_state[MODE]


def presets() -> None:
    """One button per preset (its help says what to watch)."""
    sb = st.sidebar
    sb.subheader("Presets")
    cols = sb.columns(2)
    for i, (name, p) in enumerate(GAN_PRESETS.items()):
        cols[i % 2].button(p.label, key=f"gan.preset.{name}", width="stretch",
                           on_click=actions.load_preset, args=(name,),
                           help=f"{p.watch} {FATE[p.converges]}")


def data_controls() -> dict:
    """The real data: distribution, its modes or spread, how many points, your own points."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Real data")
    values = _shown(("distribution",), "gan", sb)
    dist = ss[key("distribution")]
    spec = DISTRIBUTIONS[dist]
    if "k" in spec.options:
        opt = spec.options["k"]
        if not opt.low <= ss[key("modes")] <= opt.high:  # e.g. a ring of 8 becomes a grid
            ss[key("modes")] = opt.default
        values |= _shown(("modes",), "gan", sb)
    elif dist not in ("ring", "grid"):
        values |= _shown(("spread",), "gan", sb)
    values |= _shown(("n_samples",), "gan", sb)
    points_controls(dist == "points")
    return values


def points_controls(chosen: bool) -> None:
    """Your own points: click on the chart to add one, clear them, or upload a CSV."""
    sb, ss = st.sidebar, st.session_state
    n = len(ss.get(POINTS) or [])
    with sb.expander("Your own points", expanded=chosen):
        st.toggle("Click on the chart adds a point", key="gan.click_adds",
                  help=help_text("gan_click_adds"))
        st.caption(f"{n:,} point{'s' if n != 1 else ''} so far"
                   + (f" (at least {MIN_POINTS} to train on)" if n < MIN_POINTS else "") + ".")
        st.button("Clear my points", key="gan.clear_points", on_click=actions.clear_points,
                  disabled=n == 0, help=help_text("gan_clear_points"))
        st.file_uploader("Points from a CSV", type=["csv", "txt"], key="gan.upload",
                         on_change=actions.on_csv_upload, help=help_text("gan_upload"))


def game_controls(prefix: str = "gan") -> dict:
    """The noise and the loss, and each network's layers and activation (these rebuild)."""
    sb = st.sidebar
    sb.subheader("Game")
    values = {}
    if prefix == "gand":
        values |= _shown(("digit",), prefix, sb)
    c1, c2 = sb.columns(2)
    values |= _shown(("noise_dim",), prefix, c1) | _shown(("noise",), prefix, c2)
    values |= _shown(("loss",), prefix, sb)
    for who, name in (("g", "Generator"), ("d", "Discriminator")):
        sb.markdown(f"**{name}**")
        c1, c2 = sb.columns(2, vertical_alignment="bottom")
        if visible(f"{who}_hidden"):
            values |= _widths(f"{who}_hidden", prefix, c1)
        values |= _shown((f"{who}_activation",), prefix, c2)
    values |= _shown(("seed",), prefix, sb)
    return values


def training_controls(prefix: str = "gan") -> dict:
    """Each network's optimizer, learning rate and updates per round, the batch size, the
    optimizers' momentum terms, the schedule and the epoch budget: every one applies live (the
    caller puts them in a sidebar fragment)."""
    F = _fields(prefix)
    st.subheader("Training")
    cols = st.columns(2)
    values = {}
    for col, who, name in ((cols[0], "g", "Generator"), (cols[1], "d", "Discriminator")):
        col.markdown(f"**{name}**")
        for s in ("optimizer", "lr", "updates"):
            n = f"{who}_{s}"
            if visible(n):
                values[n] = field_widget(F[n], key(n, prefix), col,
                                         label=F[n].label.replace(f"{name} ", "").capitalize())
    used = {h for who in ("g", "d") for h in
            OPTIMIZERS[st.session_state[key(f"{who}_optimizer", prefix)]].hyper}
    values |= _shown([h for h in ("beta1", "momentum") if h in used], prefix)
    values |= _shown(("batch_size", "schedule", "max_epochs"), prefix)
    return values
