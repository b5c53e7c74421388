"""Playground: build a network, press Play, watch it learn."""

import streamlit as st

from ui.playground import controls, panels, session, state

state.init()
st.set_page_config(page_title="Playground · Neural Network Playground", page_icon="🧠",
                   layout="wide",
                   initial_sidebar_state="collapsed" if st.session_state["presenter"] else "auto")
runner = session.runner()
session.handle_pending(runner)

with runner.lock:
    custom = runner.trainer.custom_data
controls.data_controls(custom.task if custom is not None else None)
controls.feature_controls()
controls.network_controls(st.session_state["ui.task"])
session.settings(runner)

st.title("Playground")
for warning in st.session_state.pop("url_warnings", []):
    st.warning(f"The link had a setting this page could not use: {warning}.")
panels.show_messages()
panels.transport(runner)
panels.live(runner)
panels.details(runner)
