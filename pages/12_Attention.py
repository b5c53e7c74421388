"""Attention: a tiny transformer trained live on token sequences; watch its attention maps form,
type a sequence of your own, and follow one head step by step."""

import streamlit as st

from ui.attention import controls, panels, state
from ui.live import panel
from ui.live.session import page_config

state.init()
page_config("Attention")
PAGE = state.PAGE
runner = PAGE.runner()
controls.presets()
values = controls.task_controls() | controls.model_controls()


def training(values: dict) -> None:
    """The live settings, applied with the others; the settings in force go to the URL."""
    config = PAGE.apply(runner, values | controls.training_controls())
    st.session_state[state.CONFIG] = config
    PAGE.sync_url(config.to_query())


PAGE.settings_fragment(training, values)
st.title("Attention")
st.markdown(panels.text("intro"))
controls.apply_note()
PAGE.show_messages()
panel.transport(PAGE, runner, panel.Transport(
    "att", steps=("batch", "epoch"), speed_label="Speed (epochs per second)"))
panel.live_panel(PAGE, runner, panels.live_view(runner), panels.layout(runner))
panels.explanations()
