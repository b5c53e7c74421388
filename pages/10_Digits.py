"""Digits: an MLP or a CNN trained live on handwritten digits; look inside it, and draw a digit
for it to read."""

import streamlit as st

from ui.digits import controls, panels, state, view
from ui.live import panel
from ui.live.session import page_config

state.init()
page_config("Digits")
PAGE = state.PAGE
runner = PAGE.runner()
values = controls.model_controls() | controls.data_controls()


def training(values: dict) -> None:
    """The live settings, applied with the others; the settings in force go to the URL."""
    config = PAGE.apply(runner, values | controls.training_controls())
    st.session_state[state.CONFIG] = config
    PAGE.sync_url(config.to_query())


PAGE.settings_fragment(training, values)
st.title("Digits")
st.markdown(panels.text("intro"))
PAGE.show_messages()
panel.transport(PAGE, runner, panel.Transport("dig", steps=("batch", "epoch")))
panels.view_options(runner)
panel.live_panel(PAGE, runner, panels.live_view(), view.LAYOUT, on_click=panels.on_click)
with st.expander("What the pictures show"):
    st.markdown(panels.text("filters") if st.session_state["dig.model"] == "cnn"
                else panels.text("mlp"))
panels.conv_section(runner)
st.subheader("Draw a digit")
panels.draw_section(runner)
