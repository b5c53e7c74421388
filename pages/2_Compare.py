"""Compare: runs that differ in one setting, side by side, from identical starting weights."""

import streamlit as st

from ui.compare import page as ui

st.set_page_config(page_title="Compare · Neural Network Playground", page_icon="🧠",
                   layout="wide")
ui.init()
ui.experiment_controls()

st.title("Compare")
st.caption("Runs that differ in one setting train side by side on the same data, from the same "
           "starting weights and in the same order, so the only difference is the one you chose.")
ui.presets()
ui.variation_controls()
cmp = ui.comparison()
r = ui.runner()
ui.sync(r, cmp)
ui.show_messages()
ui.transport(r)
ui.live(r, cmp.target)
ui.exports(r, cmp)
