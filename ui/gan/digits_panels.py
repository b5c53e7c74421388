"""The GAN page's digits mode: its controls, transport bar, the walk's pickers and the live
panel of a DigitsGanTrainer, and its text."""

import streamlit as st

from engine.gan import N_DIGIT_SAMPLES
from ui.live import panel
from ui.live.session import presenter
from ui.live.widgets import help_text

from . import actions, controls, digits_view
from .panels import text, transport, view_options
from .state import DIGITS, url_query


def live_view() -> digits_view.DigitsGanView:
    ss = st.session_state
    return digits_view.DigitsGanView(int(ss["gand.walk_a"]), int(ss["gand.walk_b"]),
                                     float(ss["gand.walk_t"]), presenter=presenter())


def walk_controls() -> None:
    """The two noise vectors of the walk, and the place between them."""
    c = st.columns([1, 1, 3])
    last = N_DIGIT_SAMPLES - 1
    c[0].number_input("From digit #", 0, last, step=1, key="gand.walk_a",
                      help=help_text("gand_walk"))
    c[1].number_input("To digit #", 0, last, step=1, key="gand.walk_b",
                      help=help_text("gand_walk"))
    c[2].slider("Walk: from a to b", 0.0, 1.0, step=0.05, key="gand.walk_t",
                help=help_text("gand_walk"))


def page() -> None:
    """The digits mode of the page."""
    r = DIGITS.runner()
    values = controls.game_controls("gand")

    def training(values: dict) -> None:
        actions.apply_digits(r, values | controls.training_controls("gand"))
        DIGITS.sync_url(url_query())

    DIGITS.settings_fragment(training, values)
    DIGITS.show_messages()
    st.markdown(text("digits"))
    panel.transport(DIGITS, r, transport("gand"))
    view_options(r, "gand")
    walk_controls()
    with st.container():  # always there: the charts below keep their place
        with r.lock:
            diagnosis = r.trainer.diagnosis
        if diagnosis:
            st.warning(diagnosis, icon="🔎")
    panel.live_panel(DIGITS, r, live_view(), digits_view.LAYOUT)
    with st.expander("Is it a digit? How the page measures it"):
        st.markdown(text("measure"))
