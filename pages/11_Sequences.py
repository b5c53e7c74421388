"""Sequences: recurrent networks (RNN, GRU, LSTM) trained live on sequence tasks; see what they
remember, their gates, and the gradient that reaches each step."""

import streamlit as st

from ui.live import panel
from ui.live.session import page_config
from ui.sequences import controls, panels, state, view

state.init()
page_config("Sequences")
PAGE = state.PAGE
runner = PAGE.runner()
controls.presets()
panels.settings(runner, controls.task_controls() | controls.model_controls())
st.title("Sequences")
st.markdown(panels.text("intro"))
panels.preset_note()
PAGE.show_messages()
panel.transport(PAGE, runner, panel.Transport("seq", steps=("batch", "epoch")))
panels.autoplay(runner)
panels.view_options(runner)
layout = view.layout(st.session_state[state.CONFIG].model)
panel.live_panel(PAGE, runner, panels.live_view(), layout)
panels.walk_section(runner)
panels.explain()
