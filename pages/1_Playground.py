"""Playground: build a network, press Play, watch it learn."""

import streamlit as st

from ui.live import panel
from ui.live.session import page_config
from ui.playground import actions, controls, panels, state, view

state.init()
page_config("Playground")
PAGE = state.PAGE
runner = PAGE.runner()
actions.handle_pending(runner)

with runner.lock:
    custom = runner.trainer.custom_data
values = controls.data_controls(custom)
values |= controls.feature_controls() | controls.network_controls(st.session_state["ui.task"])
actions.settings(runner, values)

st.title("Playground")
PAGE.show_messages()
panel.transport(PAGE, runner, panel.Transport("btn", steps=("epoch", "batch")))
panel.live_panel(PAGE, runner, panels.live_view(), view.LAYOUT, on_click=actions.on_click)
panels.details(runner)
